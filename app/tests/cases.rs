//! Case service tests (opening, escalation and merge of alerts, lifecycle, conflicts, timeline,
//! observables, tasks), each on SQLite and PostgreSQL.

use app::{
    alerts::{
        self, AlertInput, AlertStatus, IngestOutcome, QueueFilter, Verdict,
        escalation::{self, EscalateOverrides},
    },
    both_databases,
    cases::{
        CaseInput, CasePatch, CaseStatus, ClosureVerdict, EventInput, EventKind, TaskInput,
        TaskStatus, TimelineFilter, service,
    },
    platform::{Actor, Error, Platform},
    testing::*,
};

async fn analyst(p: &Platform, name: &str) -> Actor {
    add_user(p, name, "analyst", Some(1)).await;
    sign_in(p, name).await.1
}

/// Posts an alert through the intake service and returns its id.
async fn post_alert(p: &Platform, source_ref: &str, observables: serde_json::Value) -> i64 {
    let input: AlertInput = serde_json::from_value(serde_json::json!({
        "source": "wazuh", "source_ref": source_ref, "rule": "5710",
        "title": format!("SSH brute force {source_ref}"), "description": "Many failed logins",
        "severity": "high", "tags": ["ssh"], "observables": observables,
    }))
    .unwrap();
    let token = app::accounts::service::create_token(
        p,
        &system(),
        source_ref,
        &["alerts:write".into()],
        None,
    )
    .await
    .unwrap()
    .token;
    let fw = app::accounts::service::actor_from_token(p, &token, None)
        .await
        .unwrap();
    match &alerts::service::ingest(p, &fw, vec![Ok(input.check().unwrap())])
        .await
        .unwrap()[0]
    {
        IngestOutcome::Created { id } => *id,
        other => panic!("{other:?}"),
    }
}

fn new_case(title: &str) -> app::cases::NewCase {
    CaseInput {
        title: title.into(),
        description: "Found while hunting".into(),
        severity: "medium".into(),
        observables: serde_json::from_value(
            serde_json::json!([{"type": "domain", "value": "evil[.]example"}]),
        )
        .unwrap(),
        ..Default::default()
    }
    .check()
    .unwrap()
}

both_databases!(
    escalating_an_alert_opens_a_case_with_its_fields_and_observables,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let alert_id = post_alert(
            &p,
            "a-1",
            serde_json::json!([{"type": "ip", "value": "203.0.113.7"}, {"type": "user", "value": "root"}]),
        )
        .await;
        let case = escalation::escalate_alert(&p, &tara, alert_id, EscalateOverrides::default())
            .await
            .unwrap();
        assert!(case.number.starts_with("CF-2027-"), "{}", case.number);
        assert_eq!(case.title, "SSH brute force a-1");
        assert_eq!(case.description, "Many failed logins");
        assert_eq!(case.severity, alerts::Severity::High);
        assert_eq!(case.status, CaseStatus::New);
        assert_eq!(case.tags, ["ssh"]);
        assert_eq!(case.tier, 1);
        assert_eq!(case.detection_source, "wazuh / 5710");
        let obs = service::observables(&p, &tara, case.case_id).await.unwrap();
        let values: Vec<_> = obs
            .iter()
            .map(|o| (o.data_type.as_str(), o.value.as_str()))
            .collect();
        assert_eq!(values, [("ip", "203.0.113.7"), ("user", "root")]);
        assert!(obs.iter().all(|o| o.alert_id == Some(alert_id)));

        // The alert left the queue as a true positive linked to the case.
        let row = app::alerts::store::alert(&p.db, alert_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.case_id, Some(case.case_id));
        assert_eq!(row.status, AlertStatus::Closed.as_str());
        assert_eq!(row.verdict.as_deref(), Some(Verdict::TruePositive.as_str()));
        let new_only = QueueFilter {
            status: Some("new".into()),
            ..Default::default()
        };
        let queue = alerts::service::queue(&p, &tara, &new_only, None)
            .await
            .unwrap();
        assert!(queue.alerts.is_empty());

        let (events, next) =
            service::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
                .await
                .unwrap();
        let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
        assert!(kinds.contains(&EventKind::CaseOpened), "{kinds:?}");
        assert!(kinds.contains(&EventKind::AlertLinked), "{kinds:?}");
        assert_eq!(next, None);

        // Escalating it again is refused and changes nothing.
        let err = escalation::escalate_alert(&p, &tara, alert_id, EscalateOverrides::default())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Conflict(m) if m.contains(&case.number)),
            "{err:?}"
        );
        let actions = audit_actions(&p).await;
        assert_eq!(
            actions.iter().filter(|a| *a == "alert.escalated").count(),
            1
        );
        assert_eq!(actions.iter().filter(|a| *a == "case.opened").count(), 1);
    }
);

both_databases!(
    merging_adds_alerts_and_only_their_new_observables,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let first = post_alert(
            &p,
            "m-1",
            serde_json::json!([{"type": "ip", "value": "203.0.113.7"}]),
        )
        .await;
        let second = post_alert(
            &p,
            "m-2",
            serde_json::json!([{"type": "ip", "value": "203.0.113.7"}, {"type": "hostname", "value": "web-01"}]),
        )
        .await;
        let third = post_alert(&p, "m-3", serde_json::json!([])).await;
        let case = escalation::escalate_alert(&p, &tara, first, EscalateOverrides::default())
            .await
            .unwrap();
        let merged = escalation::merge_alerts(&p, &tara, &[second, third], case.case_id)
            .await
            .unwrap();
        assert!(merged.version > case.version);
        let obs = service::observables(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(obs.len(), 2, "the shared IP is not added twice");
        let (events, _) = service::timeline(
            &p,
            &tara,
            case.case_id,
            &TimelineFilter {
                kind: Some("alert_linked".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        assert_eq!(events.len(), 3);
        assert!(
            events
                .iter()
                .any(|e| e.summary.contains("m-2") && e.summary.contains("1 new"))
        );

        // One bad id refuses the whole merge.
        let fourth = post_alert(&p, "m-4", serde_json::json!([])).await;
        let err = escalation::merge_alerts(&p, &tara, &[fourth, 999_999], case.case_id)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
        let row = app::alerts::store::alert(&p.db, fourth)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.case_id, None);

        // An alert in another case cannot be merged here.
        let other = service::open(&p, &tara, new_case("Hunt")).await.unwrap();
        let err = escalation::merge_alerts(&p, &tara, &[second], other.case_id)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Conflict(m) if m.contains(&case.number)),
            "{err:?}"
        );
    }
);

both_databases!(
    the_lifecycle_moves_forward_closes_with_a_verdict_and_reopens_with_a_reason,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let case = service::open(&p, &tara, new_case("Hunt")).await.unwrap();
        let patch = |s: &str| CasePatch {
            status: Some(s.into()),
            ..Default::default()
        };
        let c = service::update(
            &p,
            &tara,
            case.case_id,
            Some(case.version),
            patch("investigating"),
        )
        .await
        .unwrap();
        assert_eq!(c.status, CaseStatus::Investigating);
        let err = service::update(&p, &tara, c.case_id, Some(c.version), patch("triage"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(m) if m.contains("back to Triage")),
            "{err:?}"
        );
        let err = service::close(&p, &tara, c.case_id, Some(c.version), "benign", "  ")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));
        let err = service::close(&p, &tara, c.case_id, Some(c.version), "maybe", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));
        let closed = service::close(
            &p,
            &tara,
            c.case_id,
            Some(c.version),
            "true_positive_without_impact",
            "Blocked at the proxy.",
        )
        .await
        .unwrap();
        assert_eq!(closed.status, CaseStatus::Closed);
        assert_eq!(
            closed.closure_verdict,
            Some(ClosureVerdict::TruePositiveWithoutImpact)
        );
        let err = service::add_note(&p, &tara, c.case_id, "late")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)));
        let err = service::reopen(&p, &tara, c.case_id, None, "")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)));
        let reopened = service::reopen(&p, &tara, c.case_id, None, "Same host beaconing again")
            .await
            .unwrap();
        assert_eq!(reopened.status, CaseStatus::Investigating);
        assert_eq!(reopened.closure_verdict, None);
        let (events, _) = service::timeline(
            &p,
            &tara,
            c.case_id,
            &TimelineFilter {
                kind: Some("status_change".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
        let summaries: Vec<_> = events.iter().map(|e| e.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Status: New \u{2192} Investigating",
                "Closed: True positive, without impact",
                "Reopened: Same host beaconing again"
            ]
        );
        let actions = audit_actions(&p).await;
        for a in [
            "case.opened",
            "case.updated",
            "case.closed",
            "case.reopened",
        ] {
            assert!(
                actions.iter().any(|x| x == a),
                "{a} missing from {actions:?}"
            );
        }
    }
);

both_databases!(a_stale_edit_is_refused_with_what_changed, |p| async move {
    let tara = analyst(&p, "tara").await;
    let omar = analyst(&p, "omar").await;
    let case = service::open(&p, &tara, new_case("Hunt")).await.unwrap();
    service::update(
        &p,
        &omar,
        case.case_id,
        Some(case.version),
        CasePatch {
            title: Some("Hunt: beaconing to evil.example".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = service::update(
        &p,
        &tara,
        case.case_id,
        Some(case.version),
        CasePatch {
            severity: Some("critical".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict(m) if m.contains("beaconing to evil.example")),
        "{err:?}"
    );
    let now = service::get(&p, &tara, case.case_id).await.unwrap();
    assert_eq!(now.severity, alerts::Severity::Medium);
});

both_databases!(
    tasks_logs_notes_and_observables_land_on_the_timeline,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let case = service::open(&p, &tara, new_case("Hunt")).await.unwrap();
        let task = service::add_task(
            &p,
            &tara,
            case.case_id,
            TaskInput {
                title: "Isolate web-01".into(),
                group: "containment".into(),
                ..Default::default()
            }
            .check()
            .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(task.status, TaskStatus::Todo);
        service::add_task_log(&p, &tara, task.task_id, "EDR isolation requested")
            .await
            .unwrap();
        assert!(matches!(
            service::add_task_log(&p, &tara, task.task_id, " ").await,
            Err(Error::Invalid(_))
        ));
        let done = service::set_task_status(&p, &tara, task.task_id, "done", None)
            .await
            .unwrap();
        assert!(done.completed_at.is_some());
        let logs = service::task_logs(&p, &tara, task.task_id).await.unwrap();
        assert_eq!(logs.len(), 1);
        let obs = alerts::check_observables(
            &serde_json::from_value::<Vec<alerts::ObservableInput>>(serde_json::json!([
                {"type": "url", "value": "hxxp://evil[.]example/x"},
                {"type": "domain", "value": "evil.example"}
            ]))
            .unwrap(),
        )
        .unwrap();
        let stored =
            service::add_observables(&p, &tara, case.case_id, &obs, "C2", true, None, None)
                .await
                .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(
            stored
                .iter()
                .any(|o| o.value == "http://evil.example/x" && o.ioc)
        );
        let note = EventInput {
            kind: "note".into(),
            occurred_at: "1970-01-01T00:00:01Z".into(),
            body: "Beacon every **60 s** <script>alert(1)</script>".into(),
            ..Default::default()
        };
        service::add_event(&p, &tara, case.case_id, note)
            .await
            .unwrap();
        let (events, _) =
            service::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
                .await
                .unwrap();
        let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
        // The note happened earliest, so it comes first; the domain was already on the case.
        assert_eq!(kinds[0], EventKind::Note);
        assert!(
            events[0].body_html.contains("<strong>60 s</strong>"),
            "{}",
            events[0].body_html
        );
        assert!(
            !events[0].body_html.contains("script"),
            "{}",
            events[0].body_html
        );
        assert!(
            events[0].body.contains("<script>"),
            "the source is kept as written: {:?}",
            events[0].body
        );
        assert_eq!(
            kinds
                .iter()
                .filter(|k| **k == EventKind::ObservableAdded)
                .count(),
            1
        );
        assert!(kinds.contains(&EventKind::TaskAdded));
        assert!(kinds.contains(&EventKind::TaskDone));
        assert!(events.iter().all(|e| e.recorded_by == "tara"));
    }
);

both_databases!(
    auditors_read_cases_but_cannot_open_or_change_them,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        add_user(&p, "ada", "auditor", None).await;
        let ada = sign_in(&p, "ada").await.1;
        let case = service::open(&p, &tara, new_case("Hunt")).await.unwrap();
        assert_eq!(
            service::get(&p, &ada, case.case_id).await.unwrap().title,
            "Hunt"
        );
        assert!(matches!(
            service::open(&p, &ada, new_case("Mine")).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            service::add_note(&p, &ada, case.case_id, "hi").await,
            Err(Error::Forbidden(_))
        ));
        let page = service::list(&p, &ada, &Default::default(), None)
            .await
            .unwrap();
        assert_eq!(page.cases.len(), 1);
    }
);

both_databases!(
    the_case_list_is_keyset_paged_and_finds_by_number,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let mut numbers = Vec::new();
        for i in 0..(service::LIST_PAGE + 3) {
            numbers.push(
                service::open(&p, &tara, new_case(&format!("Case {i}")))
                    .await
                    .unwrap()
                    .number,
            );
        }
        let first = service::list(&p, &tara, &Default::default(), None)
            .await
            .unwrap();
        assert_eq!(first.cases.len() as i64, service::LIST_PAGE);
        assert_eq!(first.cases[0].number, *numbers.last().unwrap());
        let second = service::list(&p, &tara, &Default::default(), first.next.as_deref())
            .await
            .unwrap();
        assert_eq!(second.cases.len(), 3);
        assert_eq!(second.next, None);
        let found = service::find(&p, &tara, &numbers[2].to_lowercase())
            .await
            .unwrap();
        assert_eq!(found.title, "Case 2");
        let filter = app::cases::CaseFilter {
            text: Some("case 1".into()),
            status: Some("open".into()),
            ..Default::default()
        };
        let hits = service::list(&p, &tara, &filter, None).await.unwrap();
        assert!(hits.cases.iter().all(|c| c.title.starts_with("Case 1")));
        assert!(matches!(
            service::list(
                &p,
                &tara,
                &app::cases::CaseFilter {
                    status: Some("done".into()),
                    ..Default::default()
                },
                None
            )
            .await,
            Err(Error::Invalid(_))
        ));
    }
);

both_databases!(
    escalating_a_group_brings_every_grouped_alert_into_the_case,
    |p| async move {
        let mut p = p;
        p.settings = std::sync::Arc::new(app::platform::Settings {
            group_window: Some(time::Duration::minutes(60)),
            ..Default::default()
        });
        let tara = analyst(&p, "tara").await;
        let leader = post_alert(
            &p,
            "grp-1",
            serde_json::json!([{"type": "ip", "value": "203.0.113.7"}]),
        )
        .await;
        let member = post_alert(
            &p,
            "grp-2",
            serde_json::json!([{"type": "ip", "value": "203.0.113.7"}, {"type": "user", "value": "svc-backup"}]),
        )
        .await;
        let case = escalation::escalate_alert(&p, &tara, leader, EscalateOverrides::default())
            .await
            .unwrap();
        let row = app::alerts::store::alert(&p.db, member)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.case_id, Some(case.case_id));
        let obs = service::observables(&p, &tara, case.case_id).await.unwrap();
        assert!(obs.iter().any(|o| o.value == "svc-backup"));
    }
);

both_databases!(
    merge_finds_the_case_by_number_or_a_unique_title,
    |p| async move {
        let tara = analyst(&p, "tara").await;
        let a = service::open(&p, &tara, new_case("Beaconing from db-07"))
            .await
            .unwrap();
        service::open(&p, &tara, new_case("Phishing: invoice"))
            .await
            .unwrap();
        service::open(&p, &tara, new_case("Phishing: parcel"))
            .await
            .unwrap();
        assert_eq!(
            service::find_for_merge(&p, &tara, &a.number)
                .await
                .unwrap()
                .case_id,
            a.case_id
        );
        assert_eq!(
            service::find_for_merge(&p, &tara, "db-07")
                .await
                .unwrap()
                .case_id,
            a.case_id
        );
        let err = service::find_for_merge(&p, &tara, "phishing")
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(m) if m.starts_with("2 open cases match")),
            "{err:?}"
        );
        let err = service::find_for_merge(&p, &tara, "CF-1999-000001")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    }
);
