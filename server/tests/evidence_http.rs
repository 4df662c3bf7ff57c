//! HTTP tests of the evidence locker on SQLite and PostgreSQL, with the local and the object
//! store: multipart upload from the page and with a token, traversal names, the size limit
//! (declared and streamed), an interrupted upload, download headers and the cross-site refusal,
//! tampering detected at download, and the printable custody form.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::time::Duration;

use app::{
    accounts::service as accounts,
    cases::{CaseInput, EventKind, TimelineFilter, service as cases},
    every_store,
    evidence::service as evidence,
    platform::Platform,
    testing::{TEST_MAX_EVIDENCE_BYTES, add_user, sign_in, system},
};
use browser::signed_in;
use common::serve;
use reqwest::{Client, StatusCode, header, multipart};
use sha2::Digest as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

async fn case_with_analyst(p: &Platform) -> String {
    add_user(p, "alice", "analyst", Some(2)).await;
    let alice = sign_in(p, "alice").await.1;
    cases::open(
        p,
        &alice,
        CaseInput {
            title: "Evidence over HTTP".into(),
            severity: "high".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
    )
    .await
    .unwrap()
    .number
}

fn form(file_name: &str, content: Vec<u8>) -> multipart::Form {
    multipart::Form::new()
        .text("kind", "log")
        .text("collected_from", "DC-01")
        .text("acquired_at", "2027-01-15T06:00:00Z")
        .part(
            "file",
            multipart::Part::bytes(content).file_name(file_name.to_owned()),
        )
}

async fn token(p: &Platform, name: &str, scope: &str) -> String {
    add_user(p, &format!("admin-{name}"), "admin", None).await;
    accounts::create_token(p, &system(), name, &[scope.to_owned()], None)
        .await
        .unwrap()
        .token
}

every_store!(
    upload_from_the_page_and_download_as_an_attachment,
    |p| async move {
        let number = case_with_analyst(&p).await;
        let base = serve(p.clone(), None).await;
        let url = format!("{base}/cases/{number}/evidence");
        let content = b"4624 logon from 10.0.0.5\n".repeat(500);

        let anonymous = reqwest::Client::new()
            .post(&url)
            .header(header::ORIGIN, &base)
            .multipart(form("a.log", content.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        let alice = signed_in(&base, "alice").await;
        let res = alice
            .post(&url)
            .header(header::ORIGIN, &base)
            .multipart(form(
                "..\\..\\windows\\system32\\security.evtx",
                content.clone(),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let item: serde_json::Value = res.json().await.unwrap();
        assert_eq!(item["file_name"], "security.evtx", "no directories survive");
        assert_eq!(
            item["sha256"].as_str().unwrap(),
            hex::encode(sha2::Sha256::digest(&content))
        );
        let id = item["evidence_id"].as_i64().unwrap();

        let download = format!("{base}/evidence/{id}/download");
        let cross = alice
            .get(&download)
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(cross.status(), StatusCode::FORBIDDEN);

        let res = alice
            .get(&download)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers().clone();
        assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let disposition = h[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"security.evtx\""),
            "{disposition}"
        );
        assert_eq!(res.bytes().await.unwrap().to_vec(), content);

        let page = alice
            .get(format!("{base}/evidence/{id}/custody-form"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains(item["sha256"].as_str().unwrap()));
        assert!(
            html.contains("Downloaded") && html.contains("Hash verified"),
            "{html}"
        );
        assert!(html.contains("DC-01"));
    }
);

every_store!(
    the_size_limit_is_a_clear_413_and_stores_nothing,
    |p| async move {
        let number = case_with_analyst(&p).await;
        let base = serve(p.clone(), None).await;
        let alice = signed_in(&base, "alice").await;
        let url = format!("{base}/cases/{number}/evidence");
        let over = vec![0u8; TEST_MAX_EVIDENCE_BYTES as usize + 10];

        // A declared length over the limit is refused before the body is read.
        let res = alice
            .post(&url)
            .header(header::ORIGIN, &base)
            .multipart(form("big.pcap", vec![0u8; 3 << 20]))
            .send()
            .await;
        if let Ok(res) = res {
            assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], "too_large");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("1.0 MiB")
            );
        }

        // Without a declared length the limit is enforced while streaming (a fresh connection:
        // the one above was closed mid-upload).
        let alice = signed_in(&base, "alice").await;
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            over.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
        let streamed =
            multipart::Part::stream(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
                .file_name("big.pcap");
        let res = alice
            .post(&url)
            .header(header::ORIGIN, &base)
            .multipart(multipart::Form::new().part("file", streamed))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("nothing was stored")
        );

        assert_eq!(p.locker.staging_files(), 0);
        let c = cases::find(&p, &sign_in(&p, "alice").await.1, &number)
            .await
            .unwrap();
        assert!(
            evidence::list(&p, &system(), c.case_id, None)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

every_store!(
    an_interrupted_upload_leaves_nothing_behind,
    |p| async move {
        let number = case_with_analyst(&p).await;
        let writer = token(&p, "edr", "evidence:write").await;
        let base = serve(p.clone(), None).await;
        let addr = base.trim_start_matches("http://").to_owned();
        let boundary = "XBOUNDARYX";
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dump.mem\"\r\n\r\n"
        );
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let request = format!(
            "POST /api/cases/{number}/evidence HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {writer}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 500000\r\n\r\n{head}"
        );
        conn.write_all(request.as_bytes()).await.unwrap();
        conn.write_all(&vec![0x41u8; 100_000]).await.unwrap();
        conn.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(conn);

        // The server notices the cut connection and cleans up.
        let mut clean = false;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if p.locker.staging_files() == 0 {
                clean = true;
                break;
            }
        }
        assert!(clean, "the partial staging file was deleted");
        let c = cases::find(&p, &sign_in(&p, "alice").await.1, &number)
            .await
            .unwrap();
        assert!(
            evidence::list(&p, &system(), c.case_id, None)
                .await
                .unwrap()
                .is_empty()
        );

        // The same upload, completed, works: the connection handling was the only difference.
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let body = format!("{head}{}\r\n--{boundary}--\r\n", "A".repeat(1000));
        let request = format!(
            "POST /api/cases/{number}/evidence HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {writer}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        conn.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    }
);

every_store!(
    tampering_on_disk_stops_the_download_and_marks_the_case,
    |p| async move {
        let number = case_with_analyst(&p).await;
        let writer = token(&p, "edr", "evidence:write").await;
        let reader = token(&p, "audit-tool", "evidence:read").await;
        let base = serve(p.clone(), None).await;
        let api = Client::new();
        let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();

        let refused = api
            .post(format!("{base}/api/cases/{number}/evidence"))
            .bearer_auth(&reader)
            .multipart(form("capture.pcap", content.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let res = api
            .post(format!("{base}/api/cases/{number}/evidence"))
            .bearer_auth(&writer)
            .multipart(form("capture.pcap", content.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let item: serde_json::Value = res.json().await.unwrap();
        let id = item["evidence_id"].as_i64().unwrap();
        let sha = item["sha256"].as_str().unwrap().to_owned();

        let record: serde_json::Value = api
            .get(format!("{base}/api/evidence/{id}"))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(record["item"]["sha256"], sha.as_str());
        assert_eq!(record["custody"].as_array().unwrap().len(), 2);

        let mut altered = content.clone();
        altered[299_000] = altered[299_000].wrapping_add(1);
        p.locker.tamper(&sha, altered).await;

        let res = api
            .get(format!("{base}/api/evidence/{id}/download"))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "the stream starts before the end is hashed"
        );
        assert!(res.bytes().await.is_err(), "but never completes");

        let again = api
            .get(format!("{base}/api/evidence/{id}/download"))
            .bearer_auth(&reader)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::CONFLICT);
        let body: serde_json::Value = again.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("SHA-256")
        );

        let alice = sign_in(&p, "alice").await.1;
        let c = cases::find(&p, &alice, &number).await.unwrap();
        let (timeline, _) =
            cases::timeline(&p, &alice, c.case_id, &TimelineFilter::default(), None)
                .await
                .unwrap();
        assert!(
            timeline
                .iter()
                .any(|e| e.kind == EventKind::EvidenceIntegrity)
        );
        let log = app::testing::audit_actions(&p).await;
        assert!(log.contains(&"evidence.integrity_failed".to_owned()));
    }
);
