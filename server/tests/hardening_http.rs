//! HTTP tests for the defects of the outside review (issue 17), on SQLite and PostgreSQL:
//! sessions kept alive by activity, forwarded addresses, cross-site requests.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::{sync::Arc, time::Duration};

use app::{both_databases, platform::Settings, testing::add_user};
use browser::{call, signed_in};
use common::serve;

both_databases!(
    activity_keeps_a_session_alive_and_idleness_ends_it,
    |p| async move {
        // Real time, as a person works: one request every 20 s with a 1-minute idle timeout.
        let mut p = p;
        p.settings = Arc::new(Settings {
            idle_timeout: time::Duration::minutes(1),
            ..Settings::default()
        });
        add_user(&p, "alice", "analyst", Some(1)).await;
        let base = serve(p, None).await;
        let client = signed_in(&base, "alice").await;
        for round in 1..=5 {
            tokio::time::sleep(Duration::from_secs(20)).await;
            let me: serde_json::Value = call(&client, &base, "current_user", &[])
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(
                me["username"],
                "alice",
                "still signed in after {}s of activity",
                round * 20
            );
        }
        tokio::time::sleep(Duration::from_secs(65)).await;
        let me: serde_json::Value = call(&client, &base, "current_user", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me, serde_json::Value::Null, "65 s idle ends the session");
    }
);

/// Opens a plain high-severity case titled `title` as `actor`.
async fn open_case(
    p: &app::platform::Platform,
    actor: &app::platform::Actor,
    title: &str,
) -> app::cases::Case {
    let input = app::cases::CaseInput {
        title: title.into(),
        severity: "high".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    app::cases::service::open(p, actor, input).await.unwrap()
}

async fn count(p: &app::platform::Platform, query: &str) -> i64 {
    use app::platform::Db;
    match &p.db {
        Db::Sqlite(pools) => sqlx::query_scalar(query).fetch_one(&pools.read).await,
        Db::Postgres(pool) => sqlx::query_scalar(query).fetch_one(pool).await,
    }
    .unwrap()
}

async fn audit_entries(p: &app::platform::Platform) -> Vec<app::audit::AuditEntry> {
    app::audit::store::entries_after(&p.db, 0, 10_000)
        .await
        .unwrap()
}

both_databases!(
    the_client_address_is_the_one_our_proxy_saw,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let base = common::serve_with(p.clone(), None, |a| a.trusted_proxies = 1).await;
        let client = browser::browser();
        // The client writes an address of its choice; our one proxy appends the one it saw.
        let res = client
            .post(format!("{base}/rpc/login"))
            .header("origin", &base)
            .header("x-forwarded-for", "6.6.6.6, 203.0.113.7")
            .form(&[("username", "alice"), ("password", app::testing::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        let login = audit_entries(&p)
            .await
            .into_iter()
            .rfind(|e| e.action == "user.login")
            .unwrap();
        assert_eq!(login.actor_ip.as_deref(), Some("203.0.113.7"));
        let junk = client
            .get(format!("{base}/login"))
            .header("x-forwarded-for", "6.6.6.6, not-an-address")
            .send()
            .await
            .unwrap();
        assert_eq!(junk.status(), reqwest::StatusCode::BAD_REQUEST);
        assert!(junk.text().await.unwrap().contains("not an IP address"));
    }
);

both_databases!(
    cached_basic_credentials_cannot_post_cross_site_to_the_thehive_api,
    |p| async move {
        add_user(&p, "alice", "manager", None).await;
        let base = serve(p.clone(), None).await;
        let client = reqwest::Client::new();
        let unauthenticated = client
            .get(format!("{base}/thehive/api/v1/user/current"))
            .send()
            .await
            .unwrap();
        assert_eq!(unauthenticated.status(), reqwest::StatusCode::UNAUTHORIZED);
        let challenge = unauthenticated.headers()["www-authenticate"]
            .to_str()
            .unwrap();
        assert!(
            !challenge.to_ascii_lowercase().contains("basic"),
            "no Basic challenge a browser would answer and cache: {challenge}"
        );
        // What a browser that once signed in with Basic sends for a hidden form on another
        // site: the cached credentials, its own Origin and Sec-Fetch-Site, a text/plain body.
        let body = r#"{"type":"external","source":"csrf","sourceRef":"x1","title":"forged","description":"d","a":"="}"#;
        let forged = client
            .post(format!("{base}/thehive/api/v1/alert"))
            .basic_auth("alice", Some(app::testing::PASSWORD))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "text/plain")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), reqwest::StatusCode::FORBIDDEN);
        let old_browser = client
            .post(format!("{base}/thehive/api/v1/alert"))
            .basic_auth("alice", Some(app::testing::PASSWORD))
            .header("origin", "https://evil.example")
            .header("content-type", "text/plain")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(old_browser.status(), reqwest::StatusCode::FORBIDDEN);
        assert_eq!(
            count(&p, "select count(*) from alert").await,
            0,
            "nothing was created"
        );
    }
);

both_databases!(
    a_cross_site_link_cannot_export_in_a_signed_in_persons_name,
    |p| async move {
        add_user(&p, "alice", "manager", None).await;
        let alice = app::testing::sign_in(&p, "alice").await.1;
        let case = open_case(&p, &alice, "Phish").await;
        let base = serve(p.clone(), None).await;
        let client = signed_in(&base, "alice").await;
        let before = audit_entries(&p).await.len();
        for url in [
            format!("{base}/cases/{}/bundle.zip?evidence=1", case.number),
            format!("{base}/cases/{}/report.pdf", case.number),
            format!("{base}/cases/export.csv"),
        ] {
            for headers in [
                &[("sec-fetch-site", "cross-site")][..],
                &[("sec-fetch-site", "same-site")][..],
                &[("referer", "https://evil.example/page")][..],
                &[][..],
            ] {
                let mut req = client.get(&url);
                for (k, v) in headers {
                    req = req.header(*k, *v);
                }
                let res = req.send().await.unwrap();
                assert_eq!(
                    res.status(),
                    reqwest::StatusCode::FORBIDDEN,
                    "{url} {headers:?}"
                );
            }
        }
        assert_eq!(
            audit_entries(&p).await.len(),
            before,
            "nothing was recorded"
        );
        let ok = client
            .get(format!(
                "{base}/cases/{}/bundle.zip?evidence=1",
                case.number
            ))
            .header("referer", format!("{base}/cases/{}", case.number))
            .send()
            .await
            .unwrap();
        assert_eq!(
            ok.status(),
            reqwest::StatusCode::OK,
            "an old browser on our page"
        );
    }
);

/// Reads a live stream until it ends; `false` if it is still open after `limit`.
async fn ends_within(mut stream: reqwest::Response, limit: Duration) -> bool {
    tokio::time::timeout(limit, async move {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await
    .is_ok()
}

both_databases!(
    live_streams_end_with_their_session_and_are_capped_per_person,
    |p| async move {
        let alice_id = add_user(&p, "alice", "analyst", Some(1)).await;
        let base = serve(p.clone(), None).await;
        let inbox = format!("{base}/live/inbox");

        let client = signed_in(&base, "alice").await;
        let stream = client.get(&inbox).send().await.unwrap();
        assert_eq!(stream.status(), reqwest::StatusCode::OK);
        call(&client, &base, "logout", &[]).await;
        assert!(
            ends_within(stream, Duration::from_secs(30)).await,
            "signed out: the stream ends"
        );

        let client = signed_in(&base, "alice").await;
        let stream = client.get(&inbox).send().await.unwrap();
        assert_eq!(stream.status(), reqwest::StatusCode::OK);
        add_user(&p, "root", "admin", None).await;
        let root = app::testing::sign_in(&p, "root").await.1;
        app::accounts::service::set_disabled(&p, &root, alice_id, true)
            .await
            .unwrap();
        assert!(
            ends_within(stream, Duration::from_secs(30)).await,
            "disabled: the stream ends"
        );
        app::accounts::service::set_disabled(&p, &root, alice_id, false)
            .await
            .unwrap();

        let client = signed_in(&base, "alice").await;
        let mut open = Vec::new();
        for _ in 0..server::http::live::MAX_STREAMS_PER_USER {
            let s = client.get(&inbox).send().await.unwrap();
            assert_eq!(s.status(), reqwest::StatusCode::OK);
            open.push(s);
        }
        let over = client.get(&inbox).send().await.unwrap();
        assert_eq!(over.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
        assert!(over.text().await.unwrap().contains("live views"));
    }
);

both_databases!(
    a_withheld_value_leaves_in_no_field_of_any_report_format,
    |p| async move {
        use app::{
            alerts::{ObservableInput, check_observables},
            cases::{CaseInput, TaskInput, service as cases},
            reports::{ReviewInput, service as reports},
        };
        const IP: &str = "203.0.113.66";
        const DOMAIN: &str = "Login-Micros0ft.example";
        add_user(&p, "maria", "manager", None).await;
        let maria = app::testing::sign_in(&p, "maria").await.1;
        let input = CaseInput {
            title: format!("Beacon to {IP}"),
            description: format!(
                "Traffic to hxxps://{}/owa and 203.0.113[.]66",
                DOMAIN.to_uppercase()
            ),
            severity: "high".into(),
            tags: vec![format!("c2:{IP}")],
            ..Default::default()
        }
        .check()
        .unwrap();
        let case = cases::open(&p, &maria, input).await.unwrap();
        let add = |items: serde_json::Value, tlp: i64, description: String| {
            let maria = maria.clone();
            let p = p.clone();
            async move {
                let inputs: Vec<ObservableInput> = serde_json::from_value(items).unwrap();
                let items = check_observables(&inputs).unwrap();
                cases::add_observables(
                    &p,
                    &maria,
                    case.case_id,
                    &items,
                    &description,
                    true,
                    Some(tlp),
                    None,
                )
                .await
                .unwrap();
            }
        };
        add(
            serde_json::json!([{"type": "ip", "value": IP}, {"type": "domain", "value": DOMAIN}]),
            3,
            "C2".into(),
        )
        .await;
        add(
            serde_json::json!([{"type": "hostname", "value": "fin-ws-07"}]),
            2,
            format!("Talked to {IP}"),
        )
        .await;
        cases::add_note(
            &p,
            &maria,
            case.case_id,
            &format!("Blocked **203[.]0[.]113[.]66** and {DOMAIN}"),
        )
        .await
        .unwrap();
        let task = TaskInput {
            title: format!("Block {IP} at the edge"),
            description: format!("Also sinkhole {}", DOMAIN.to_lowercase()),
            ..Default::default()
        }
        .check()
        .unwrap();
        cases::add_task(&p, &maria, case.case_id, task)
            .await
            .unwrap();
        app::tiers::service::move_tier(
            &p,
            &maria,
            case.case_id,
            2,
            &format!("C2 at {IP}"),
            &format!("Check {DOMAIN}"),
        )
        .await
        .unwrap();
        let meta = app::evidence::EvidenceMeta {
            file_name: "pcap.pcap".into(),
            description: format!("Capture of traffic to {IP}"),
            collected_from: format!("the proxy in front of {DOMAIN}"),
            ..Default::default()
        };
        let body = futures::stream::iter(vec![Ok::<_, String>(bytes::Bytes::from_static(b"pcap"))]);
        app::evidence::service::upload(&p, &maria, &case.number, &meta, body)
            .await
            .unwrap();
        reports::save_review(
            &p,
            &maria,
            case.case_id,
            ReviewInput {
                executive_summary: format!("C2 at {IP} contained."),
                scope_impact: format!("One host talked to {DOMAIN}."),
                what_happened: format!("A lure pointed at hxxps://{DOMAIN}/owa."),
                went_well: format!("{IP} was blocked within minutes."),
                to_improve: format!("Alert on {DOMAIN} earlier."),
                action_items: format!("Block {IP} for good | maria | 2027-02-01"),
            },
        )
        .await
        .unwrap();
        cases::close(
            &p,
            &maria,
            case.case_id,
            None,
            "true_positive_with_impact",
            &format!("Contained; {IP} blocked"),
        )
        .await
        .unwrap();

        let base = serve(p.clone(), None).await;
        let client = signed_in(&base, "maria").await;
        let withheld = [
            IP,
            "203.0.113[.]66",
            "203[.]0[.]113[.]66",
            "login-micros0ft.example",
        ];
        for format in ["md", "json", "html", "pdf"] {
            let res = client
                .get(format!(
                    "{base}/cases/{}/report.{format}?tlp=amber",
                    case.number
                ))
                .header("sec-fetch-site", "same-origin")
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), reqwest::StatusCode::OK, "{format}");
            let bytes = res.bytes().await.unwrap();
            let text = if format == "pdf" {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("report.pdf");
                std::fs::write(&path, &bytes).unwrap();
                let out = std::process::Command::new("pdftotext")
                    .args([path.to_str().unwrap(), "-"])
                    .output()
                    .expect("pdftotext (poppler-utils) is installed by .ci/setup");
                String::from_utf8_lossy(&out.stdout).into_owned()
            } else {
                String::from_utf8_lossy(&bytes).into_owned()
            };
            // pdftotext may break a marker across lines; the word stays.
            assert!(
                text.contains("withheld"),
                "{format} marks what it withholds"
            );
            let lower = text.to_lowercase();
            for value in withheld {
                assert!(
                    !lower.contains(&value.to_lowercase()),
                    "{format} leaks {value}:\n{text}"
                );
            }
            assert!(
                text.contains("fin-ws-07"),
                "{format} keeps what it may show"
            );
        }
    }
);

both_databases!(
    limits_of_server_functions_agree_and_say_what_to_do,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let alice = app::testing::sign_in(&p, "alice").await.1;
        let case = open_case(&p, &alice, "Reported phish").await;
        let base = serve(p.clone(), None).await;
        let client = signed_in(&base, "alice").await;
        let eml = |bytes: usize| {
            let mut m = String::from(
                "From: IT Support <support@bad.example>\r\nSubject: Password expiry\r\n\
                 Content-Type: text/plain\r\n\r\nReset at http://login.bad.example/reset now.\r\n",
            );
            while m.len() < bytes {
                m.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit + / = %\r\n");
            }
            m
        };
        let id = case.case_id.to_string();
        // Larger than a server function's 2 MB, smaller than the e-mail limit: read.
        let res = call(
            &client,
            &base,
            "import_case_eml",
            &[("case_id", &id), ("raw", &eml(3 << 20))],
        )
        .await;
        assert!(
            res.status().is_success(),
            "{}: {}",
            res.status(),
            res.text().await.unwrap()
        );
        let (found, _): (usize, usize) = res.json().await.unwrap();
        assert!(found >= 2, "sender and URL");
        // Over the e-mail limit: refused with what to do, by the service (the body fits).
        let res = call(
            &client,
            &base,
            "import_case_eml",
            &[("case_id", &id), ("raw", &eml(11 << 20))],
        )
        .await;
        assert!(!res.status().is_success(), "{}", res.status());
        let text = res.text().await.unwrap();
        assert!(
            text.contains("10 MB") && text.contains("as evidence"),
            "{text}"
        );
        // Any other server function keeps its 2 MB, and says so.
        let res = call(
            &client,
            &base,
            "add_case_event",
            &[
                ("case_id", &id),
                ("input[kind]", "note"),
                ("input[body]", &"x".repeat(3 << 20)),
            ],
        )
        .await;
        assert_eq!(res.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE);
        assert!(res.text().await.unwrap().contains("larger than 2 MB"));
    }
);
