//! HTTP tests of working in tiers on SQLite and PostgreSQL: the tier server functions answer
//! refusals with a status and a message, the notification stream is for signed-in people and
//! tells them when something arrives, and the test clock does not exist in normal builds.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::time::Duration;

use app::{
    both_databases,
    cases::{CaseInput, service as cases},
    testing::{add_user, system},
};
use browser::{call, signed_in};
use common::serve;
use reqwest::StatusCode;

both_databases!(
    tier_moves_over_http_refuse_with_a_message_and_the_bell_hears_of_them,
    |p| async move {
        add_user(&p, "tara", "analyst", Some(1)).await;
        add_user(&p, "tom", "analyst", Some(2)).await;
        let case = cases::open(
            &p,
            &system(),
            CaseInput {
                title: "Beacon".into(),
                severity: "high".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
        )
        .await
        .unwrap();
        let base = serve(p.clone(), None).await;
        let tara = signed_in(&base, "tara").await;
        let tom = signed_in(&base, "tom").await;
        let id = case.case_id.to_string();

        let anonymous = reqwest::get(format!("{base}/live/inbox")).await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let mut bell = tom.get(format!("{base}/live/inbox")).send().await.unwrap();
        assert_eq!(bell.status(), StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(300)).await;

        let res = call(&tara, &base, "claim_case", &[("case_id", &id)]).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let move_to = |note: &'static str| {
            [
                ("case_id", id.clone()),
                ("to_tier", "2".to_string()),
                ("reason", "Needs forensics".to_string()),
                ("handover_note", note.to_string()),
            ]
        };
        let form = move_to("");
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = call(&tara, &base, "move_case_tier", &pairs).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("handover note"));
        // Tier 2 cannot accept before anything waits; tier 1 cannot accept at all.
        let res = call(&tom, &base, "accept_case", &[("case_id", &id)]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);

        let form = move_to("Checked proxy logs; next: memory image");
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = call(&tara, &base, "move_case_tier", &pairs).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let chunk = tokio::time::timeout(Duration::from_secs(2), bell.chunk())
            .await
            .expect("the bell hears within two seconds")
            .unwrap()
            .expect("stream open");
        assert_eq!(String::from_utf8_lossy(&chunk).trim(), "data: changed");
        let res = call(&tom, &base, "unread_count", &[]).await;
        assert_eq!(res.text().await.unwrap(), "1");
        // Visitors who are not signed in get no count, and the sign-in page stays a 200.
        let anonymous = call(&reqwest::Client::new(), &base, "unread_count", &[]).await;
        assert_eq!(anonymous.text().await.unwrap(), "null");
        let login = reqwest::get(format!("{base}/login")).await.unwrap();
        assert_eq!(login.status(), StatusCode::OK);

        let res = call(&tara, &base, "accept_case", &[("case_id", &id)]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = call(&tom, &base, "accept_case", &[("case_id", &id)]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let after = cases::get(&p, &system(), case.case_id).await.unwrap();
        assert_eq!(after.assignee.as_deref(), Some("tom"));

        // Cross-site posts are refused before they reach the service.
        let res = tom
            .post(format!("{base}/rpc/release_case"))
            .header("Origin", "https://evil.example")
            .form(&[("case_id", &id)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);

        let clock = tom
            .post(format!("{base}/__test/clock"))
            .header("Origin", &base)
            .json(&serde_json::json!({ "minutes": 60 }))
            .send()
            .await
            .unwrap();
        assert_eq!(clock.status(), StatusCode::NOT_FOUND);
    }
);
