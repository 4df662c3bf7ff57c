//! Retention tests on SQLite and PostgreSQL: raw payloads of closed alerts are deleted once the
//! retention period has passed, with an audit row, but never those of an open alert, a recent
//! verdict, a case still open or a case on legal hold.

use app::{
    alerts::{
        AlertInput, IngestOutcome, RawPayload,
        escalation::{self, EscalateOverrides},
        service as alerts,
    },
    both_databases,
    cases::service as cases,
    platform::{Actor, Platform},
    testing::*,
};

const WEEK: time::Duration = time::Duration::days(7);

async fn person(p: &Platform, name: &str, role: &str) -> Actor {
    let tier = (role == "analyst").then_some(1);
    add_user(p, name, role, tier).await;
    sign_in(p, name).await.1
}

async fn ingest(p: &Platform, refs: &[&str]) -> Vec<i64> {
    let token =
        app::accounts::service::create_token(p, &system(), "edr", &["alerts:write".into()], None)
            .await
            .unwrap()
            .token;
    let fw = app::accounts::service::actor_from_token(p, &token, None)
        .await
        .unwrap();
    let items = refs
        .iter()
        .map(|r| {
            let input: AlertInput = serde_json::from_value(serde_json::json!({
                "source": "edr", "source_ref": r, "rule": "R1", "title": format!("Alert {r}"),
                "severity": "high", "raw": {"process": "powershell.exe", "ref": r}
            }))
            .unwrap();
            input.check()
        })
        .collect();
    alerts::ingest(p, &fw, items)
        .await
        .unwrap()
        .into_iter()
        .map(|o| match o {
            IngestOutcome::Created { id } => id,
            other => panic!("{other:?}"),
        })
        .collect()
}

async fn kept(p: &Platform, who: &Actor, id: i64) -> bool {
    match alerts::raw_payload(p, who, id).await.unwrap() {
        RawPayload::Kept(raw) => raw.contains("powershell.exe"),
        RawPayload::Purged(_) => false,
        RawPayload::NotSent => panic!("alert {id} had a payload"),
    }
}

async fn close(p: &Platform, who: &Actor, case_id: i64) {
    cases::close(p, who, case_id, None, "true_positive_with_impact", "Done")
        .await
        .unwrap();
}

both_databases!(
    payloads_go_after_the_period_but_not_under_legal_hold,
    |p| async move {
        let alice = person(&p, "alice", "analyst").await;
        let maria = person(&p, "maria", "manager").await;
        let ids = ingest(
            &p,
            &[
                "noise",
                "closed-case",
                "held-case",
                "open-case",
                "untriaged",
                "recent",
            ],
        )
        .await;
        alerts::set_verdict(&p, &alice, &ids[..1], "false_positive", "Admin script")
            .await
            .unwrap();
        let mut case_of = Vec::new();
        for &id in &ids[1..4] {
            let c = escalation::escalate_alert(&p, &alice, id, EscalateOverrides::default())
                .await
                .unwrap();
            case_of.push(c.case_id);
        }
        cases::set_legal_hold(&p, &maria, case_of[1], true, "Litigation")
            .await
            .unwrap();
        for &case_id in &case_of[..2] {
            close(&p, &alice, case_id).await;
        }
        p.clock.advance(WEEK + time::Duration::days(1));
        alerts::set_verdict(&p, &alice, &ids[5..6], "benign", "Expected")
            .await
            .unwrap();

        let before = audit_actions(&p).await.len();
        assert_eq!(alerts::purge_payloads(&p, WEEK).await.unwrap(), 2);
        let actions = audit_actions(&p).await;
        assert_eq!(actions[before..], ["alert.payloads_purged"]);
        let expect = [false, false, true, true, true, true];
        for (id, want) in ids.iter().zip(expect) {
            assert_eq!(kept(&p, &alice, *id).await, want, "alert {id}");
        }
        assert!(matches!(
            alerts::raw_payload(&p, &alice, ids[0]).await.unwrap(),
            RawPayload::Purged(at) if at == p.clock.now()
        ));
        // The triage record stays.
        let a = alerts::get(&p, &alice, ids[0]).await.unwrap();
        assert_eq!(a.title, "Alert noise");

        assert_eq!(
            alerts::purge_payloads(&p, WEEK).await.unwrap(),
            0,
            "nothing twice"
        );
        cases::set_legal_hold(&p, &maria, case_of[1], false, "Settled")
            .await
            .unwrap();
        assert_eq!(alerts::purge_payloads(&p, WEEK).await.unwrap(), 1);
        assert!(!kept(&p, &alice, ids[2]).await);
        assert!(kept(&p, &alice, ids[3]).await, "its case is still open");
    }
);

both_databases!(
    a_legal_hold_committed_during_a_purge_keeps_its_alerts,
    |p| async move {
        let alice = person(&p, "alice", "analyst").await;
        let ids = ingest(&p, &["held-late"]).await;
        let case = escalation::escalate_alert(&p, &alice, ids[0], EscalateOverrides::default())
            .await
            .unwrap();
        close(&p, &alice, case.case_id).await;
        p.clock.advance(WEEK + time::Duration::days(1));

        // A hold is being placed: its transaction has changed the case but not committed.
        let mut hold = p.db.begin().await.unwrap();
        app::execute_tx!(
            &mut hold,
            sqlx::query("update incident_case set legal_hold = 1 where case_id = $1")
                .bind(case.case_id)
        )
        .unwrap();
        let purge = tokio::spawn({
            let p = p.clone();
            async move { alerts::purge_payloads(&p, WEEK).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!purge.is_finished(), "the purge waits for the hold");
        hold.commit().await.unwrap();
        assert_eq!(purge.await.unwrap().unwrap(), 0);
        assert!(
            kept(&p, &alice, ids[0]).await,
            "held once the hold committed"
        );
    }
);
