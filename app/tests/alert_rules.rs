//! Alert rule service tests, each on SQLite and PostgreSQL: what a valid rule is and who may
//! keep one, rules run in order at intake (route, then suppress), suppressions that expire,
//! escalation from a template, the dry run, and a broken rule never failing intake.

use app::{
    alerts::{
        AlertInput, AlertStatus, IngestOutcome, NewAlert, QueueFilter, Verdict,
        rules::{RuleInput, service as rules},
        service as alerts,
    },
    both_databases,
    fields::{FieldInput, service as fields},
    platform::{Actor, Error, Platform},
    severity::Severity,
    testing::*,
};
use serde_json::json;

const DAY_MS: i64 = 86_400_000;

async fn manager(p: &Platform) -> Actor {
    add_user(p, "mona", "manager", None).await;
    sign_in(p, "mona").await.1
}

async fn forwarder(p: &Platform) -> Actor {
    let t =
        app::accounts::service::create_token(p, &system(), "wazuh", &["alerts:write".into()], None)
            .await
            .unwrap()
            .token;
    app::accounts::service::actor_from_token(p, &t, None)
        .await
        .unwrap()
}

fn rule(v: serde_json::Value) -> RuleInput {
    serde_json::from_value(v).unwrap()
}

fn alert(source_ref: &str, extra: serde_json::Value) -> Result<NewAlert, String> {
    let mut v = json!({ "source": "wazuh", "source_ref": source_ref, "rule": "5710",
        "title": "SSH brute force", "severity": "medium",
        "observables": [{"type": "ip", "value": "203.0.113.7"}] });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    serde_json::from_value::<AlertInput>(v).unwrap().check()
}

async fn ingest_one(p: &Platform, actor: &Actor, a: Result<NewAlert, String>) -> i64 {
    let out = alerts::ingest(p, actor, vec![a]).await.unwrap();
    match out[0] {
        IngestOutcome::Created { id } => id,
        ref other => panic!("{other:?}"),
    }
}

both_databases!(
    rules_are_checked_and_kept_by_managers_and_administrators,
    |p| async move {
        let mona = manager(&p).await;
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        let scanner = rule(
            json!({ "name": "Scanner noise", "conditions": { "observable_type": "ip", "observable_value": "203.0.113.7" },
        "action": { "action": "suppress", "verdict": "false_positive", "reason": "our vulnerability scanner" } }),
        );
        let err = rules::create(&p, &tara, &scanner).await.unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        let err = rules::create(&p, &mona, &scanner).await.unwrap_err();
        assert!(err.to_string().contains("expiry"), "{err}");
        let err = rules::create(
            &p,
            &mona,
            &rule(json!({ "name": "x", "conditions": { "source": "wazuh" },
        "action": { "action": "route", "assignee": "nobody" } })),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("nobody"), "{err}");
        let err = rules::create(
            &p,
            &mona,
            &rule(json!({ "name": "x", "conditions": { "source": "wazuh" },
        "action": { "action": "escalate", "template": "No such template" } })),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
        let mut ok = scanner.clone();
        ok.expires_at = Some(p.clock.now() + 30 * DAY_MS);
        let kept = rules::create(&p, &mona, &ok).await.unwrap();
        assert!(!kept.enabled, "a rule starts switched off");
        let err = rules::update(&p, &mona, kept.rule_id, Some(kept.version + 1), &ok)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        let mut longer = ok.clone();
        longer.expires_at = Some(p.clock.now() + 60 * DAY_MS);
        let edited = rules::update(&p, &mona, kept.rule_id, Some(kept.version), &longer)
            .await
            .unwrap();
        assert_eq!(edited.version, kept.version + 1);
        let actions = audit_actions(&p).await;
        for action in ["alert_rule.created", "alert_rule.updated"] {
            assert!(
                actions.contains(&action.to_owned()),
                "{action}: {actions:?}"
            );
        }
    }
);

both_databases!(
    rules_run_in_order_at_intake_and_suppressions_expire,
    |p| async move {
        let mona = manager(&p).await;
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        let wazuh = forwarder(&p).await;
        let root = {
            add_user(&p, "root", "admin", None).await;
            sign_in(&p, "root").await.1
        };
        let f: FieldInput = serde_json::from_value(json!({ "name": "business_unit", "label": "BU",
        "field_type": "enum", "options": ["Finance", "HR"], "on_alerts": true }))
        .unwrap();
        fields::define(&p, &root, &f).await.unwrap();
        let now = p.clock.now();
        // Order 1 routes (high, tara, tagged, Finance); order 2 then suppresses what is tagged.
        let route = rules::create(&p, &mona, &rule(json!({ "name": "Brute force to tara", "position": 1, "enabled": true,
        "conditions": { "detection_rule": "5710", "min_severity": "medium" },
        "action": { "action": "route", "severity": "high", "assignee": "tara", "add_tags": ["routed"],
            "custom_fields": { "business_unit": "Finance" } } }))).await.unwrap();
        let suppress = rules::create(&p, &mona, &rule(json!({ "name": "Lab range", "position": 2, "enabled": true,
        "conditions": { "tags": ["routed", "lab"] }, "expires_at": now + DAY_MS,
        "action": { "action": "suppress", "verdict": "benign", "reason": "the lab's own tests" } }))).await.unwrap();

        let routed = ingest_one(&p, &wazuh, alert("r-1", json!({}))).await;
        let a = alerts::get(&p, &tara, routed).await.unwrap();
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.assignee.as_deref(), Some("tara"));
        assert!(a.tags.contains(&"routed".to_owned()));
        assert_eq!(a.status, AlertStatus::New);
        let vals = fields::alert_values(&p, &tara, routed).await.unwrap();
        assert_eq!(vals[0].value, json!("Finance"));

        let quiet = ingest_one(&p, &wazuh, alert("r-2", json!({ "tags": ["lab"] }))).await;
        let a = alerts::get(&p, &tara, quiet).await.unwrap();
        assert_eq!(
            (a.status, a.verdict),
            (AlertStatus::Closed, Some(Verdict::Benign)),
            "routed, then suppressed"
        );
        assert!(
            a.verdict_reason
                .as_deref()
                .unwrap_or("")
                .contains("Lab range"),
            "{:?}",
            a.verdict_reason
        );
        let suppressed = QueueFilter {
            status: Some("suppressed".into()),
            ..Default::default()
        };
        let page = alerts::queue(&p, &tara, &suppressed, None).await.unwrap();
        assert_eq!(
            page.alerts.iter().map(|a| a.alert_id).collect::<Vec<_>>(),
            [quiet]
        );

        // A suppressed alert still counts in its detection rule's verdict figures.
        let feedback = alerts::rule_feedback(&p, &mona, 7).await.unwrap();
        let wazuh_5710 = feedback.iter().find(|f| f.rule == "5710").unwrap();
        assert_eq!(
            (wazuh_5710.benign, wazuh_5710.total()),
            (1, 1),
            "{feedback:?}"
        );

        // Once expired, the suppression no longer runs; the route still does.
        p.clock.advance(time::Duration::days(2));
        let later = ingest_one(&p, &wazuh, alert("r-3", json!({ "tags": ["lab"] }))).await;
        assert_eq!(
            alerts::get(&p, &tara, later).await.unwrap().status,
            AlertStatus::New
        );
        let listed = rules::list(&p, &mona).await.unwrap();
        let counts: Vec<(i64, i64, bool)> = listed
            .iter()
            .map(|r| (r.rule_id, r.matched_count, r.expired))
            .collect();
        assert_eq!(
            counts,
            [(route.rule_id, 3, false), (suppress.rule_id, 1, true)]
        );
        assert!(listed[0].last_matched_at.is_some());
    }
);

both_databases!(
    an_escalation_rule_opens_a_case_and_a_broken_one_never_fails_intake,
    |p| async move {
        let mona = manager(&p).await;
        add_user(&p, "tara", "analyst", Some(1)).await;
        let tara = sign_in(&p, "tara").await.1;
        let wazuh = forwarder(&p).await;
        let root = {
            add_user(&p, "root", "admin", None).await;
            sign_in(&p, "root").await.1
        };
        rules::create(
            &p,
            &mona,
            &rule(json!({ "name": "Ransomware now", "enabled": true,
        "conditions": { "title_contains": "ransom" },
        "action": { "action": "escalate", "template": "Ransomware" } })),
        )
        .await
        .unwrap();
        let id = ingest_one(
            &p,
            &wazuh,
            alert("e-1", json!({ "title": "Ransom note found" })),
        )
        .await;
        let a = alerts::get(&p, &tara, id).await.unwrap();
        let case_id = a.case_id.expect("escalated on arrival");
        let case = app::cases::service::get(&p, &tara, case_id).await.unwrap();
        assert_eq!(case.title, "[Ransomware] Ransom note found");
        assert!(
            !app::cases::service::tasks(&p, &tara, case_id)
                .await
                .unwrap()
                .is_empty(),
            "the playbook's tasks"
        );

        // A field required to open a case makes the escalation impossible: the alert waits in
        // the queue instead, and the next alerts still arrive.
        let f: FieldInput = serde_json::from_value(json!({ "name": "ticket", "label": "Ticket",
        "field_type": "string", "mandatory": "on_open" }))
        .unwrap();
        fields::define(&p, &root, &f).await.unwrap();
        let out = alerts::ingest(
            &p,
            &wazuh,
            vec![
                alert("e-2", json!({ "title": "Ransom again" })),
                alert("e-3", json!({ "title": "Plain one" })),
            ],
        )
        .await
        .unwrap();
        let ids: Vec<i64> = out
            .iter()
            .map(|o| match o {
                IngestOutcome::Created { id } => *id,
                other => panic!("{other:?}"),
            })
            .collect();
        let waiting = alerts::get(&p, &tara, ids[0]).await.unwrap();
        assert!(
            waiting.case_id.is_none() && waiting.status == AlertStatus::New,
            "{waiting:?}"
        );
        let log = app::audit::store::entries_after(&p.db, 0, 10_000)
            .await
            .unwrap();
        let last = log
            .iter()
            .rev()
            .find(|e| e.action == "alert.ingested")
            .unwrap();
        assert!(
            last.detail.contains("escalation_failures") && last.detail.contains("ticket"),
            "{}",
            last.detail
        );
    }
);

both_databases!(
    a_dry_run_says_how_many_recent_alerts_a_rule_would_have_matched,
    |p| async move {
        let mona = manager(&p).await;
        let wazuh = forwarder(&p).await;
        for i in 0..6 {
            let tags = if i % 2 == 0 {
                json!(["scanner"])
            } else {
                json!([])
            };
            ingest_one(
                &p,
                &wazuh,
                alert(&format!("d-{i}"), json!({ "tags": tags })),
            )
            .await;
        }
        p.clock.advance(time::Duration::days(8));
        ingest_one(&p, &wazuh, alert("d-new", json!({ "tags": ["scanner"] }))).await;
        let candidate = rule(
            json!({ "name": "Scanner", "conditions": { "tags": ["scanner"] },
        "action": { "action": "route", "severity": "low" } }),
        );
        let d = rules::dry_run(&p, &mona, &candidate).await.unwrap();
        assert_eq!((d.scanned, d.would_match), (1, 1), "only the last 7 days");
        p.clock.advance(time::Duration::days(-8));
        let d = rules::dry_run(&p, &mona, &candidate).await.unwrap();
        assert_eq!(d.would_match, 4, "{d:?}");
        assert!(
            rules::list(&p, &mona).await.unwrap().is_empty(),
            "a dry run keeps nothing"
        );
    }
);
