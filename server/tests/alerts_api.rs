//! HTTP tests of `POST /api/alerts` on SQLite and PostgreSQL: created/repeated/rejected,
//! per-item batch results, body limits, token scopes, error bodies.

mod common;

use common::serve;

use app::{accounts::service, both_databases, platform::Platform, testing::system};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

async fn token(p: &Platform, scope: &str) -> String {
    service::create_token(p, &system(), &format!("t-{scope}"), &[scope.into()], None)
        .await
        .unwrap()
        .token
}

fn alert(source_ref: &str) -> Value {
    json!({
        "source": "suricata", "source_ref": source_ref, "rule": "ET SCAN", "title": "Port scan",
        "severity": "medium", "occurred_at": "2026-11-21T09:30:00Z",
        "observables": [{"type": "ip", "value": "198.51.100.4"}], "raw": {"event_type": "alert"}
    })
}

both_databases!(
    a_single_alert_is_created_then_repeated_with_the_same_id,
    |p| async move {
        let t = token(&p, "alerts:write").await;
        let base = serve(p, None).await;
        let c = Client::new();
        let res = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .json(&alert("s-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let first: Value = res.json().await.unwrap();
        assert_eq!(first["status"], "created");
        let res = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .json(&alert("s-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let again: Value = res.json().await.unwrap();
        assert_eq!(
            again,
            json!({"status": "repeated", "id": first["id"], "occurrences": 2})
        );
    }
);

both_databases!(
    a_batch_reports_each_item_and_keeps_the_good_ones,
    |p| async move {
        let t = token(&p, "alerts:write").await;
        let base = serve(p, None).await;
        let mut bad = alert("s-3");
        bad["severity"] = json!("urgent");
        let batch = json!([alert("s-1"), alert("s-2"), bad, {"title": 5}, alert("s-1")]);
        let res = Client::new()
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .json(&batch)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            (
                body["created"].as_i64(),
                body["repeated"].as_i64(),
                body["rejected"].as_i64()
            ),
            (Some(2), Some(1), Some(2))
        );
        let results = body["results"].as_array().unwrap();
        assert_eq!(results[2]["status"], "rejected");
        assert!(
            results[2]["error"]
                .as_str()
                .unwrap()
                .contains("Unknown severity")
        );
        assert!(
            results[3]["error"]
                .as_str()
                .unwrap()
                .starts_with("Not a valid alert")
        );
        assert_eq!(results[4]["status"], "repeated");
        assert_eq!(results[4]["id"], results[0]["id"]);
    }
);

both_databases!(
    bad_bodies_and_oversized_alerts_get_clear_errors,
    |p| async move {
        let t = token(&p, "alerts:write").await;
        let base = serve(p, None).await;
        let c = Client::new();
        let res = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("not a JSON alert object")
        );

        let mut big = alert("s-big");
        big["raw"] = json!({"blob": "x".repeat(1024 * 1024)});
        let res = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .json(&big)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_large");

        let res = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .json(&json!([big, alert("ok")]))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert!(
            body["results"][0]["error"]
                .as_str()
                .unwrap()
                .contains("larger than 1024 KiB")
        );
        assert_eq!(body["results"][1]["status"], "created");

        let huge = "x".repeat(17 * 1024 * 1024);
        let res = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .body(format!("[\"{huge}\"]"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = res.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("at most 16 MiB"), "{message}");

        let many: Vec<Value> = (0..1001).map(|i| alert(&format!("m{i}"))).collect();
        let res = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .json(&many)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
);

both_databases!(intake_needs_an_alerts_write_token, |p| async move {
    let read_only = token(&p, "alerts:read").await;
    let base = serve(p, None).await;
    let c = Client::new();
    let res = c
        .post(format!("{base}/api/alerts"))
        .json(&alert("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = c
        .post(format!("{base}/api/alerts"))
        .bearer_auth(&read_only)
        .json(&alert("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("alert.ingest")
    );
});

both_databases!(
    the_openapi_document_describes_the_intake_api,
    |p| async move {
        let base = serve(p, None).await;
        let doc: Value = reqwest::get(format!("{base}/api/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let post = &doc["paths"]["/api/alerts"]["post"];
        for status in ["200", "201", "400", "401", "403", "413", "503"] {
            assert!(
                post["responses"][status].is_object(),
                "response {status} documented"
            );
        }
        let input = &doc["components"]["schemas"]["AlertInput"];
        let mut required: Vec<&str> = input["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        required.sort();
        assert_eq!(required, ["severity", "source", "source_ref", "title"]);
        assert!(doc["paths"]["/api/whoami"]["get"].is_object());
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }
);

both_databases!(
    concurrent_single_posts_are_each_committed_and_audited,
    |p| async move {
        let t = token(&p, "alerts:write").await;
        let base = serve(p.clone(), None).await;
        let c = Client::new();
        // 15 distinct alerts and, racing them, a repeat of each (30 at once, under the intake
        // concurrency limit): group commit must keep the per-request answers and the
        // one-alert-per-key rule.
        let mut posts = tokio::task::JoinSet::new();
        for i in 0..30 {
            let c = c.clone();
            let url = format!("{base}/api/alerts");
            let t = t.clone();
            posts.spawn(async move {
                let res = c
                    .post(url)
                    .bearer_auth(&t)
                    .json(&alert(&format!("c-{}", i % 15)))
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                (status, res.json::<Value>().await.unwrap())
            });
        }
        let answers = posts.join_all().await;
        assert!(answers.iter().all(|(s, _)| s.is_success()), "{answers:?}");
        let created = answers
            .iter()
            .filter(|(_, b)| b["status"] == "created")
            .count();
        let repeated = answers
            .iter()
            .filter(|(_, b)| b["status"] == "repeated")
            .count();
        assert_eq!((created, repeated), (15, 15));
        // Requests committed together are audited as one batch per caller: every alert is
        // accounted for exactly once across the rows.
        let rows = app::audit::store::entries_after(&p.db, 0, 1000)
            .await
            .unwrap();
        let ingested: Vec<Value> = rows
            .iter()
            .filter(|e| e.action == "alert.ingested")
            .map(|e| serde_json::from_str(&e.detail).unwrap())
            .collect();
        assert!((1..=30).contains(&ingested.len()));
        let total: u64 = ingested
            .iter()
            .map(|d| d["created"].as_u64().unwrap() + d["repeated"].as_u64().unwrap())
            .sum();
        assert_eq!(total, 30);
    }
);
