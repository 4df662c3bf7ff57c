//! Alert intake and triage service tests, each on SQLite and PostgreSQL.

use app::{
    alerts::{
        AlertInput, AlertStatus, IngestOutcome, NewAlert, QueueFilter, RawPayload, Severity,
        Verdict, service,
    },
    both_databases,
    platform::{Actor, Error, Platform},
    testing::*,
};

fn alert(source_ref: &str, severity: &str, title: &str) -> NewAlert {
    let input: AlertInput = serde_json::from_value(serde_json::json!({
        "source": "wazuh", "source_ref": source_ref, "rule": "5710", "title": title, "severity": severity,
        "observables": [{"type": "ip", "value": "203.0.113.7"}, {"type": "user", "value": "root"}],
        "raw": {"agent": {"name": "web-01"}, "full_log": "<script>alert(1)</script>"}
    }))
    .unwrap();
    input.check().unwrap()
}

async fn forwarder(p: &Platform) -> Actor {
    let t = service_token(p).await;
    app::accounts::service::actor_from_token(p, &t, None)
        .await
        .unwrap()
}

async fn service_token(p: &Platform) -> String {
    app::accounts::service::create_token(p, &system(), "wazuh", &["alerts:write".into()], None)
        .await
        .unwrap()
        .token
}

fn id_of(o: &IngestOutcome) -> i64 {
    match o {
        IngestOutcome::Created { id } | IngestOutcome::Repeated { id, .. } => *id,
        IngestOutcome::Rejected { error } => panic!("rejected: {error}"),
    }
}

both_databases!(
    a_repeat_bumps_the_count_and_never_duplicates,
    |p| async move {
        let fw = forwarder(&p).await;
        let first = service::ingest(&p, &fw, vec![Ok(alert("r-1", "high", "SSH brute force"))])
            .await
            .unwrap();
        assert!(matches!(first[0], IngestOutcome::Created { .. }));
        p.clock.advance(time::Duration::seconds(5));
        let again = service::ingest(&p, &fw, vec![Ok(alert("r-1", "high", "SSH brute force"))])
            .await
            .unwrap();
        assert_eq!(
            again[0],
            IngestOutcome::Repeated {
                id: id_of(&first[0]),
                occurrences: 2
            }
        );

        let (_, analyst) = {
            add_user(&p, "tara", "analyst", Some(1)).await;
            sign_in(&p, "tara").await
        };
        let page = service::queue(&p, &analyst, &QueueFilter::default(), None)
            .await
            .unwrap();
        assert_eq!(page.alerts.len(), 1);
        let row = &page.alerts[0];
        assert_eq!(row.occurrence_count, 2);
        assert_eq!(row.last_seen_at - row.first_seen_at, 5000);
        assert_eq!(row.observables_preview, ["ip:203.0.113.7", "user:root"]);
        let RawPayload::Kept(raw) = service::raw_payload(&p, &analyst, row.alert_id)
            .await
            .unwrap()
        else {
            panic!("the payload is kept")
        };
        assert!(
            raw.contains("<script>alert(1)</script>"),
            "kept exactly as sent"
        );
    }
);

both_databases!(one_bad_item_never_loses_the_good_ones, |p| async move {
    let fw = forwarder(&p).await;
    let items = vec![
        Ok(alert("a", "low", "one")),
        Err("`title` is required.".to_owned()),
        Ok(alert("b", "low", "two")),
    ];
    let out = service::ingest(&p, &fw, items).await.unwrap();
    assert!(matches!(out[0], IngestOutcome::Created { .. }));
    assert_eq!(
        out[1],
        IngestOutcome::Rejected {
            error: "`title` is required.".into()
        }
    );
    assert!(matches!(out[2], IngestOutcome::Created { .. }));
    let entries = app::audit::store::entries_after(&p.db, 0, 100)
        .await
        .unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last.action, "alert.ingested");
    let detail: serde_json::Value = serde_json::from_str(&last.detail).unwrap();
    assert_eq!(
        (detail["created"].as_i64(), detail["rejected"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(last.actor_label, "token:wazuh");
});

both_databases!(only_ingest_scoped_callers_may_post_alerts, |p| async move {
    add_user(&p, "audra", "auditor", None).await;
    let (_, auditor) = sign_in(&p, "audra").await;
    let err = service::ingest(&p, &auditor, vec![Ok(alert("a", "low", "x"))])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
});

both_databases!(
    the_queue_is_critical_first_then_newest_and_pages_by_keyset,
    |p| async move {
        let fw = forwarder(&p).await;
        let severities = ["info", "low", "medium", "high", "critical"];
        let items: Vec<_> = (0..120)
            .map(|i| {
                Ok(alert(
                    &format!("r{i}"),
                    severities[i % 5],
                    &format!("alert {i}"),
                ))
            })
            .collect();
        service::ingest(&p, &fw, items).await.unwrap();
        add_user(&p, "tara", "analyst", Some(1)).await;
        let (_, analyst) = sign_in(&p, "tara").await;
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = service::queue(&p, &analyst, &QueueFilter::default(), cursor.as_deref())
                .await
                .unwrap();
            assert!(page.alerts.len() <= 50);
            seen.extend(page.alerts.iter().map(|a| (a.severity, a.alert_id)));
            match page.next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 120, "every alert once");
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(seen, sorted, "severity descending, then newest first");
        assert_eq!(seen[0].0, Severity::Critical);

        let filter = QueueFilter {
            severity: Some("high".into()),
            text: Some("ALERT 1".into()),
            ..Default::default()
        };
        let page = service::queue(&p, &analyst, &filter, None).await.unwrap();
        assert!(!page.alerts.is_empty());
        assert!(
            page.alerts
                .iter()
                .all(|a| a.severity == Severity::High && a.title.starts_with("alert 1"))
        );
        let bad = QueueFilter {
            severity: Some("urgent".into()),
            ..Default::default()
        };
        assert!(matches!(
            service::queue(&p, &analyst, &bad, None).await,
            Err(Error::Invalid(_))
        ));
    }
);

both_databases!(
    a_verdict_needs_a_reason_closes_the_alert_and_is_audited,
    |p| async move {
        let fw = forwarder(&p).await;
        let out = service::ingest(
            &p,
            &fw,
            vec![Ok(alert("a", "medium", "x")), Ok(alert("b", "medium", "y"))],
        )
        .await
        .unwrap();
        let ids: Vec<i64> = out.iter().map(id_of).collect();
        add_user(&p, "tara", "analyst", Some(1)).await;
        let (_, analyst) = sign_in(&p, "tara").await;
        let err = service::set_verdict(&p, &analyst, &ids, "false_positive", "  ")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("reason")));
        let err = service::set_verdict(&p, &analyst, &ids, "maybe", "checked")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("Unknown verdict")));
        let err = service::set_verdict(&p, &analyst, &[ids[0], 999_999], "benign", "checked")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)));
        let page = service::queue(&p, &analyst, &QueueFilter::default(), None)
            .await
            .unwrap();
        assert!(
            page.alerts.iter().all(|a| a.verdict.is_none()),
            "a failed bulk action changes nothing"
        );

        service::set_verdict(
            &p,
            &analyst,
            &ids,
            "false_positive",
            "scanner on the allow-list",
        )
        .await
        .unwrap();
        let page = service::queue(&p, &analyst, &QueueFilter::default(), None)
            .await
            .unwrap();
        assert!(
            page.alerts
                .iter()
                .all(|a| a.status == AlertStatus::Closed
                    && a.verdict == Some(Verdict::FalsePositive))
        );
        let open = QueueFilter {
            status: Some("new".into()),
            ..Default::default()
        };
        assert!(
            service::queue(&p, &analyst, &open, None)
                .await
                .unwrap()
                .alerts
                .is_empty()
        );
        let verdicts = audit_actions(&p)
            .await
            .into_iter()
            .filter(|a| a == "alert.verdict")
            .count();
        assert_eq!(verdicts, 2);

        add_user(&p, "audra", "auditor", None).await;
        let (_, auditor) = sign_in(&p, "audra").await;
        assert!(matches!(
            service::set_verdict(&p, &auditor, &ids, "benign", "x").await,
            Err(Error::Forbidden(_))
        ));
    }
);

both_databases!(
    assigning_to_me_moves_alerts_in_progress_and_filters_by_assignee,
    |p| async move {
        let fw = forwarder(&p).await;
        let out = service::ingest(
            &p,
            &fw,
            vec![Ok(alert("a", "medium", "x")), Ok(alert("b", "medium", "y"))],
        )
        .await
        .unwrap();
        add_user(&p, "tara", "analyst", Some(1)).await;
        let (_, analyst) = sign_in(&p, "tara").await;
        service::assign(&p, &analyst, &[id_of(&out[0])], Some("me"))
            .await
            .unwrap();
        let mine = QueueFilter {
            assignee: Some("me".into()),
            ..Default::default()
        };
        let page = service::queue(&p, &analyst, &mine, None).await.unwrap();
        assert_eq!(page.alerts.len(), 1);
        assert_eq!(page.alerts[0].assignee.as_deref(), Some("tara"));
        assert_eq!(page.alerts[0].status, AlertStatus::InProgress);
        let unassigned = QueueFilter {
            assignee: Some("none".into()),
            ..Default::default()
        };
        assert_eq!(
            service::queue(&p, &analyst, &unassigned, None)
                .await
                .unwrap()
                .alerts
                .len(),
            1
        );
        let err = service::assign(&p, &analyst, &[id_of(&out[1])], Some("nobody"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(ref m) if m.contains("nobody")));
    }
);

both_databases!(
    rule_feedback_counts_verdicts_per_rule_in_the_period,
    |p| async move {
        let fw = forwarder(&p).await;
        let mut noisy = alert("n1", "low", "noisy 1");
        noisy.rule = "noisy-rule".into();
        let mut noisy2 = alert("n2", "low", "noisy 2");
        noisy2.rule = "noisy-rule".into();
        let good = alert("g1", "high", "real");
        let out = service::ingest(&p, &fw, vec![Ok(noisy), Ok(noisy2), Ok(good)])
            .await
            .unwrap();
        add_user(&p, "tara", "analyst", Some(1)).await;
        let (_, analyst) = sign_in(&p, "tara").await;
        service::set_verdict(
            &p,
            &analyst,
            &[id_of(&out[0])],
            "false_positive",
            "test traffic",
        )
        .await
        .unwrap();
        p.clock.advance(time::Duration::days(10));
        service::set_verdict(
            &p,
            &analyst,
            &[id_of(&out[1])],
            "false_positive",
            "test traffic",
        )
        .await
        .unwrap();
        service::set_verdict(
            &p,
            &analyst,
            &[id_of(&out[2])],
            "true_positive",
            "confirmed",
        )
        .await
        .unwrap();

        let week = service::rule_feedback(&p, &analyst, 7).await.unwrap();
        let noisy = week.iter().find(|r| r.rule == "noisy-rule").unwrap();
        assert_eq!(
            noisy.false_positive, 1,
            "the older verdict is outside the week"
        );
        let month = service::rule_feedback(&p, &analyst, 30).await.unwrap();
        assert_eq!(month[0].rule, "noisy-rule");
        assert_eq!(month[0].false_positive_rate(), Some(1.0));
        assert_eq!(month[1].true_positive, 1);
        assert!(matches!(
            service::rule_feedback(&p, &analyst, 0).await,
            Err(Error::Invalid(_))
        ));
    }
);

both_databases!(
    a_batch_larger_than_one_statement_keeps_order_and_in_batch_repeats,
    |p| async move {
        let fw = forwarder(&p).await;
        let mut items: Vec<_> = (0..1200)
            .map(|i| Ok(alert(&format!("big-{i}"), "low", "bulk")))
            .collect();
        items.extend((0..10).map(|i| Ok(alert(&format!("big-{i}"), "low", "bulk"))));
        let out = service::ingest(&p, &fw, items).await.unwrap();
        assert_eq!(out.len(), 1210);
        assert!(
            out[..1200]
                .iter()
                .all(|o| matches!(o, IngestOutcome::Created { .. }))
        );
        for i in 0..10 {
            assert_eq!(
                out[1200 + i],
                IngestOutcome::Repeated {
                    id: id_of(&out[i]),
                    occurrences: 2
                }
            );
        }
        add_user(&p, "tara", "analyst", Some(1)).await;
        let (_, analyst) = sign_in(&p, "tara").await;
        let page = service::queue(&p, &analyst, &QueueFilter::default(), None)
            .await
            .unwrap();
        assert_eq!(
            page.alerts[0].observables_preview.len(),
            2,
            "observables stored for batch-created alerts"
        );
    }
);

fn grouped(source_ref: &str, rule: &str, ip: &str) -> NewAlert {
    let input: AlertInput = serde_json::from_value(serde_json::json!({
        "source": "wazuh", "source_ref": source_ref, "rule": rule, "title": format!("Brute force {source_ref}"),
        "severity": "high", "observables": [{"type": "ip", "value": ip}, {"type": "other", "value": "noise"}],
    }))
    .unwrap();
    input.check().unwrap()
}

both_databases!(
    grouping_folds_same_rule_and_shared_observable_within_the_window,
    |p| async move {
        let mut p = p;
        p.settings = std::sync::Arc::new(app::platform::Settings {
            group_window: Some(time::Duration::minutes(60)),
            ..Default::default()
        });
        let fw = forwarder(&p).await;
        let out = service::ingest(
            &p,
            &fw,
            vec![
                Ok(grouped("g-1", "5710", "203.0.113.7")),
                Ok(grouped("g-2", "5710", "203.0.113.7")),
                // Another rule, or only a non-key observable in common: not grouped.
                Ok(grouped("g-3", "5712", "203.0.113.7")),
                Ok(grouped("g-4", "5710", "198.51.100.1")),
            ],
        )
        .await
        .unwrap();
        p.clock.advance(time::Duration::minutes(30));
        service::ingest(&p, &fw, vec![Ok(grouped("g-5", "5710", "203.0.113.7"))])
            .await
            .unwrap();
        p.clock.advance(time::Duration::minutes(120));
        service::ingest(&p, &fw, vec![Ok(grouped("g-6", "5710", "203.0.113.7"))])
            .await
            .unwrap();

        add_user(&p, "tara", "analyst", Some(1)).await;
        let analyst = sign_in(&p, "tara").await.1;
        let page = service::queue(&p, &analyst, &QueueFilter::default(), None)
            .await
            .unwrap();
        let leader = id_of(&out[0]);
        let sizes: Vec<(i64, i64)> = page
            .alerts
            .iter()
            .map(|a| (a.alert_id, a.group_size))
            .collect();
        assert_eq!(page.alerts.len(), 4, "{sizes:?}");
        assert!(sizes.contains(&(leader, 3)), "{sizes:?}");
        let members = service::group_members(&p, &analyst, leader).await.unwrap();
        assert_eq!(members.len(), 2);
        assert!(
            members[0].reason.contains("rule (5710)")
                && members[0].reason.contains("ip:203.0.113.7"),
            "{}",
            members[0].reason
        );

        // A verdict on the group's row closes every alert in it.
        service::set_verdict(&p, &analyst, &[leader], "false_positive", "Pen test")
            .await
            .unwrap();
        for m in &members {
            let a = service::get(&p, &analyst, m.alert_id).await.unwrap();
            assert_eq!(a.verdict, Some(Verdict::FalsePositive));
        }
    }
);

both_databases!(grouping_is_off_unless_configured, |p| async move {
    let fw = forwarder(&p).await;
    service::ingest(
        &p,
        &fw,
        vec![
            Ok(grouped("n-1", "5710", "203.0.113.7")),
            Ok(grouped("n-2", "5710", "203.0.113.7")),
        ],
    )
    .await
    .unwrap();
    add_user(&p, "tara", "analyst", Some(1)).await;
    let analyst = sign_in(&p, "tara").await.1;
    let page = service::queue(&p, &analyst, &QueueFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(page.alerts.len(), 2);
    assert!(page.alerts.iter().all(|a| a.group_size == 1));
});
