//! HTTP tests of the case workspace on SQLite and PostgreSQL: the live-update stream (only for
//! signed-in readers, one message per change) and the server functions' refusals and search.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::time::Duration;

use app::{
    both_databases,
    cases::{CaseInput, service as cases},
    testing::{add_user, sign_in},
};
use browser::{call, signed_in};
use common::serve;
use reqwest::{StatusCode, header};

both_databases!(
    the_live_stream_tells_a_reader_when_the_case_changes,
    |p| async move {
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        let case = cases::open(
            &p,
            &tara,
            CaseInput {
                title: "Live".into(),
                severity: "low".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
        )
        .await
        .unwrap();
        let base = serve(p.clone(), None).await;
        let url = format!("{base}/live/cases/{}", case.number);

        let anonymous = reqwest::get(&url).await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        let reader = signed_in(&base, "tara").await;
        let mut stream = reader.get(&url).send().await.unwrap();
        assert_eq!(stream.status(), StatusCode::OK);
        assert!(
            stream.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        // Let the stream subscribe (and, on Postgres, LISTEN) before the change.
        tokio::time::sleep(Duration::from_millis(300)).await;
        cases::add_note(&p, &tara, case.case_id, "a colleague's note")
            .await
            .unwrap();
        let chunk = tokio::time::timeout(Duration::from_secs(1), stream.chunk())
            .await
            .expect("a message within a second")
            .unwrap()
            .expect("stream open");
        assert_eq!(String::from_utf8_lossy(&chunk).trim(), "data: changed");

        let missing = reader
            .get(format!("{base}/live/cases/CF-1999-000001"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
);

both_databases!(
    workspace_server_functions_refuse_bad_input_with_a_message,
    |p| async move {
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        let case = cases::open(
            &p,
            &tara,
            CaseInput {
                title: "Phishing wave".into(),
                severity: "high".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
        )
        .await
        .unwrap();
        let base = serve(p.clone(), None).await;
        let client = signed_in(&base, "tara").await;
        let id = case.case_id.to_string();
        let res = call(
            &client,
            &base,
            "add_case_event",
            &[
                ("case_id", &id),
                ("event[kind]", "note"),
                ("event[body]", "seen"),
                ("event[techniques][0]", "T9999"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("T9999"));
        let res = call(
            &client,
            &base,
            "add_case_event",
            &[
                ("case_id", &id),
                ("event[kind]", "note"),
                ("event[body]", "seen at 09:30"),
                ("event[occurred_at]", "2026-11-20T09:30"),
                ("event[utc_offset_minutes]", "60"),
                ("event[techniques][0]", "T1566.002"),
            ],
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let res = call(&client, &base, "search_cases", &[("query[q]", "phishing")]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["hits"][0]["number"], case.number);
        let res = call(&client, &base, "search_cases", &[("query[q]", " ")]).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
);
