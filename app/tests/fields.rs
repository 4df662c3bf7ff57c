//! Custom field service tests, each on SQLite and PostgreSQL: definitions and their checks,
//! values on a case as a versioned edit, required fields at opening and closing, retiring,
//! values arriving on alerts and carried into cases, and list filters.

use app::{
    alerts::{
        AlertInput, IngestOutcome,
        escalation::{self, EscalateOverrides},
        service as alerts,
    },
    both_databases,
    cases::{CaseFilter, CaseInput, EventKind, TimelineFilter, service as cases},
    fields::{FieldInput, ValueMap, service as fields},
    platform::{Actor, Error, Platform},
    testing::*,
};
use serde_json::json;

async fn admin(p: &Platform) -> Actor {
    add_user(p, "root", "admin", None).await;
    sign_in(p, "root").await.1
}

async fn analyst(p: &Platform, name: &str) -> Actor {
    add_user(p, name, "analyst", Some(1)).await;
    sign_in(p, name).await.1
}

fn field(name: &str, ty: &str, extra: serde_json::Value) -> FieldInput {
    let mut v = json!({ "name": name, "label": name.replace('_', " "), "field_type": ty });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    serde_json::from_value(v).unwrap()
}

fn values(v: serde_json::Value) -> ValueMap {
    serde_json::from_value(v).unwrap()
}

async fn open(
    p: &Platform,
    actor: &Actor,
    title: &str,
    custom: serde_json::Value,
) -> Result<app::cases::Case, Error> {
    let input = CaseInput {
        title: title.into(),
        severity: "medium".into(),
        custom_fields: values(custom),
        ..Default::default()
    };
    cases::open(p, actor, input.check().unwrap()).await
}

both_databases!(
    definitions_are_checked_and_name_and_type_never_change,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        let err = fields::define(&p, &tara, &field("bu", "string", json!({})))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
        let err = fields::define(&p, &root, &field("business_unit", "enum", json!({})))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("options"), "{err}");
        let bu = fields::define(
            &p,
            &root,
            &field(
                "business_unit",
                "enum",
                json!({ "options": ["Finance", "HR"] }),
            ),
        )
        .await
        .unwrap();
        assert_eq!(bu.options, ["Finance", "HR"]);
        let err = fields::define(&p, &root, &field("business_unit", "string", json!({})))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        let err = fields::define(
            &p,
            &root,
            &field("x", "integer", json!({ "default": "many" })),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().starts_with("Default:"), "{err}");

        let mut changed = bu.to_input();
        changed.options.push("Legal".into());
        let after = fields::redefine(&p, &root, bu.field_id, Some(bu.version), &changed)
            .await
            .unwrap();
        assert_eq!(after.options, ["Finance", "HR", "Legal"]);
        assert_eq!(after.version, bu.version + 1);
        let err = fields::redefine(&p, &root, bu.field_id, Some(bu.version), &changed)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Conflict(_)),
            "a stale definition edit: {err:?}"
        );
        let mut retyped = after.to_input();
        retyped.field_type = "string".into();
        retyped.options.clear();
        let err = fields::redefine(&p, &root, bu.field_id, None, &retyped)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("never change"), "{err}");
        let actions = audit_actions(&p).await;
        assert!(actions.contains(&"custom_field.defined".to_owned()));
        assert!(actions.contains(&"custom_field.updated".to_owned()));
    }
);

both_databases!(
    case_values_are_a_versioned_edit_on_the_timeline_and_audit_log,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        fields::define(
            &p,
            &root,
            &field(
                "business_unit",
                "enum",
                json!({ "options": ["Finance", "HR"] }),
            ),
        )
        .await
        .unwrap();
        fields::define(&p, &root, &field("hosts_hit", "integer", json!({})))
            .await
            .unwrap();
        fields::define(&p, &root, &field("notified_on", "date", json!({})))
            .await
            .unwrap();
        let case = open(&p, &tara, "Phish", json!({})).await.unwrap();

        let set = fields::set_case_values(
        &p,
        &tara,
        case.case_id,
        Some(case.version),
        &values(json!({ "business_unit": "finance", "hosts_hit": "3", "notified_on": "2026-12-04" })),
    )
    .await
    .unwrap();
        let shown: Vec<(String, serde_json::Value)> = set
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect();
        assert!(
            shown.contains(&("business_unit".into(), json!("Finance"))),
            "{shown:?}"
        );
        assert!(shown.contains(&("hosts_hit".into(), json!(3))), "{shown:?}");
        assert!(
            shown.contains(&("notified_on".into(), json!("2026-12-04"))),
            "{shown:?}"
        );
        let now = cases::get(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(
            now.version,
            case.version + 1,
            "the edit raises the case version"
        );

        // A stale edit and a bad value are refused and change nothing.
        let err = fields::set_case_values(
            &p,
            &tara,
            case.case_id,
            Some(case.version),
            &values(json!({ "hosts_hit": 4 })),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        let err = fields::set_case_values(
            &p,
            &tara,
            case.case_id,
            Some(now.version),
            &values(json!({ "hosts_hit": 5, "business_unit": "Legal" })),
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("`business_unit`") && err.to_string().contains("Finance, HR"),
            "{err}"
        );
        let err = fields::set_case_values(
            &p,
            &tara,
            case.case_id,
            None,
            &values(json!({ "ticket": "INC-1" })),
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("no custom field `ticket`"),
            "{err}"
        );
        let kept = fields::case_values(&p, &tara, case.case_id).await.unwrap();
        assert!(
            kept.iter()
                .any(|v| v.name == "hosts_hit" && v.value == json!(3)),
            "{kept:?}"
        );
        assert_eq!(
            cases::get(&p, &tara, case.case_id).await.unwrap().version,
            now.version
        );

        // null clears.
        fields::set_case_values(
            &p,
            &tara,
            case.case_id,
            None,
            &values(json!({ "hosts_hit": null })),
        )
        .await
        .unwrap();
        let kept = fields::case_values(&p, &tara, case.case_id).await.unwrap();
        assert!(!kept.iter().any(|v| v.name == "hosts_hit"), "{kept:?}");

        let (timeline, _) =
            cases::timeline(&p, &tara, case.case_id, &TimelineFilter::default(), None)
                .await
                .unwrap();
        let field_entries: Vec<&str> = timeline
            .iter()
            .filter(|e| e.kind == EventKind::CaseUpdated)
            .map(|e| e.summary.as_str())
            .collect();
        assert_eq!(field_entries.len(), 2, "{field_entries:?}");
        assert!(
            field_entries
                .iter()
                .any(|s| s.contains("business_unit \u{2192} Finance")),
            "{field_entries:?}"
        );
        let changes = audit_actions(&p)
            .await
            .into_iter()
            .filter(|a| a == "case.fields_changed")
            .count();
        assert_eq!(changes, 2);

        // Values are in full-text search.
        let q = app::search::SearchQuery {
            q: "finance".into(),
            ..Default::default()
        };
        let hits = app::search::service::search(&p, &tara, &q)
            .await
            .unwrap()
            .hits;
        assert!(
            hits.iter()
                .any(|h| h.case_id == case.case_id && h.kind == "case"),
            "{hits:?}"
        );
    }
);

both_databases!(
    required_fields_hold_back_opening_and_closing_until_filled,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        fields::define(
            &p,
            &root,
            &field(
                "regulator_notified",
                "boolean",
                json!({ "mandatory": "before_close" }),
            ),
        )
        .await
        .unwrap();
        fields::define(
            &p,
            &root,
            &field("ticket", "string", json!({ "mandatory": "on_open" })),
        )
        .await
        .unwrap();
        fields::define(
            &p,
            &root,
            &field(
                "shift",
                "enum",
                json!({ "options": ["day", "night"], "default": "day" }),
            ),
        )
        .await
        .unwrap();

        let err = open(&p, &tara, "No ticket", json!({})).await.unwrap_err();
        assert!(err.to_string().contains("`ticket`"), "{err}");
        let case = open(&p, &tara, "With ticket", json!({ "ticket": "INC-4711" }))
            .await
            .unwrap();
        let vals = fields::case_values(&p, &tara, case.case_id).await.unwrap();
        assert!(
            vals.iter()
                .any(|v| v.name == "shift" && v.value == json!("day")),
            "the default is given: {vals:?}"
        );

        let err = cases::close(&p, &tara, case.case_id, None, "benign", "Nothing found.")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("`regulator_notified`"), "{err}");
        assert_ne!(
            cases::get(&p, &tara, case.case_id).await.unwrap().status,
            app::cases::CaseStatus::Closed
        );
        fields::set_case_values(
            &p,
            &tara,
            case.case_id,
            None,
            &values(json!({ "regulator_notified": false })),
        )
        .await
        .unwrap();
        let closed = cases::close(&p, &tara, case.case_id, None, "benign", "Nothing found.")
            .await
            .unwrap();
        assert_eq!(closed.status, app::cases::CaseStatus::Closed);
        let err = fields::set_case_values(
            &p,
            &tara,
            case.case_id,
            None,
            &values(json!({ "shift": "night" })),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, Error::Conflict(_)),
            "a closed case is not edited: {err:?}"
        );
    }
);

both_databases!(
    retired_fields_keep_their_values_and_stop_being_required,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        let f = fields::define(
            &p,
            &root,
            &field("customer", "string", json!({ "mandatory": "before_close" })),
        )
        .await
        .unwrap();
        let case = open(&p, &tara, "Retire", json!({ "customer": "ACME" }))
            .await
            .unwrap();
        let other = open(&p, &tara, "Other", json!({})).await.unwrap();
        let retired = fields::set_retired(&p, &root, f.field_id, true)
            .await
            .unwrap();
        assert!(retired.retired);
        let vals = fields::case_values(&p, &tara, case.case_id).await.unwrap();
        assert!(
            vals.iter()
                .any(|v| v.name == "customer" && v.retired && v.value == json!("ACME")),
            "{vals:?}"
        );
        let err = fields::set_case_values(
            &p,
            &tara,
            case.case_id,
            None,
            &values(json!({ "customer": "Initech" })),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("`customer`"), "{err}");
        cases::close(
            &p,
            &tara,
            other.case_id,
            None,
            "benign",
            "No customer needed now.",
        )
        .await
        .unwrap();
        let err = fields::set_retired(&p, &root, f.field_id, true)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)));
        fields::set_retired(&p, &root, f.field_id, false)
            .await
            .unwrap();
        assert!(
            audit_actions(&p)
                .await
                .contains(&"custom_field.retired".to_owned())
        );
    }
);

fn alert(source_ref: &str, custom: serde_json::Value) -> Result<app::alerts::NewAlert, String> {
    let input: AlertInput = serde_json::from_value(json!({
        "source": "splunk", "source_ref": source_ref, "title": "Impossible travel",
        "severity": "high", "customFields": custom,
    }))
    .unwrap();
    input.check()
}

both_databases!(
    alert_values_arrive_with_intake_and_come_along_into_the_case,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        fields::define(
            &p,
            &root,
            &field(
                "business_unit",
                "enum",
                json!({ "options": ["Finance", "HR"], "on_alerts": true }),
            ),
        )
        .await
        .unwrap();
        fields::define(
            &p,
            &root,
            &field(
                "sensor",
                "string",
                json!({ "on_alerts": true, "on_cases": false, "default": "edge-1" }),
            ),
        )
        .await
        .unwrap();
        let outcomes = alerts::ingest(
            &p,
            &system_forwarder(&p).await,
            vec![
                alert("a-1", json!({ "business_unit": "HR" })),
                alert("a-2", json!({ "business_unit": "Marketing" })),
                alert("a-3", json!({ "no_such_field": 1 })),
            ],
        )
        .await
        .unwrap();
        let IngestOutcome::Created { id } = outcomes[0] else {
            panic!("{outcomes:?}")
        };
        match (&outcomes[1], &outcomes[2]) {
            (IngestOutcome::Rejected { error: e1 }, IngestOutcome::Rejected { error: e2 }) => {
                assert!(e1.contains("`business_unit`"), "{e1}");
                assert!(e2.contains("`no_such_field`"), "{e2}");
            }
            other => panic!("{other:?}"),
        }
        let vals = fields::alert_values(&p, &tara, id).await.unwrap();
        assert!(
            vals.iter()
                .any(|v| v.name == "business_unit" && v.value == json!("HR")),
            "{vals:?}"
        );
        assert!(
            vals.iter()
                .any(|v| v.name == "sensor" && v.value == json!("edge-1")),
            "{vals:?}"
        );

        let case = escalation::escalate_alert(&p, &tara, id, EscalateOverrides::default())
            .await
            .unwrap();
        let vals = fields::case_values(&p, &tara, case.case_id).await.unwrap();
        assert_eq!(
            vals.iter()
                .map(|v| (v.name.as_str(), v.value.clone()))
                .collect::<Vec<_>>(),
            [("business_unit", json!("HR"))],
            "fields on cases come along; the alert-only one stays on the alert"
        );
    }
);

async fn system_forwarder(p: &Platform) -> Actor {
    let t = app::accounts::service::create_token(
        p,
        &system(),
        "splunk",
        &["alerts:write".into()],
        None,
    )
    .await
    .unwrap()
    .token;
    app::accounts::service::actor_from_token(p, &t, None)
        .await
        .unwrap()
}

both_databases!(
    the_case_list_filters_by_a_field_value_or_range,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        fields::define(
            &p,
            &root,
            &field(
                "business_unit",
                "enum",
                json!({ "options": ["Finance", "HR"] }),
            ),
        )
        .await
        .unwrap();
        fields::define(&p, &root, &field("hosts_hit", "integer", json!({})))
            .await
            .unwrap();
        fields::define(&p, &root, &field("notes", "text", json!({})))
            .await
            .unwrap();
        for i in 0..60 {
            let bu = if i % 3 == 0 { "Finance" } else { "HR" };
            open(
                &p,
                &tara,
                &format!("Case {i}"),
                json!({ "business_unit": bu, "hosts_hit": i }),
            )
            .await
            .unwrap();
        }
        let finance = CaseFilter {
            status: Some("open".into()),
            field: Some("business_unit".into()),
            field_value: Some("finance".into()),
            ..Default::default()
        };
        let first = cases::list(&p, &tara, &finance, None).await.unwrap();
        assert_eq!(first.cases.len(), 20, "one case in three");
        assert!(first.next.is_none());
        let wide = CaseFilter {
            field: Some("hosts_hit".into()),
            field_from: Some("5".into()),
            field_to: Some("58".into()),
            ..Default::default()
        };
        let page1 = cases::list(&p, &tara, &wide, None).await.unwrap();
        assert_eq!(page1.cases.len(), 50, "a page");
        let page2 = cases::list(&p, &tara, &wide, page1.next.as_deref())
            .await
            .unwrap();
        assert_eq!(page2.cases.len(), 4, "5..=58 is 54 cases");
        assert!(
            page2
                .cases
                .iter()
                .all(|c| c.title != "Case 59" && c.title != "Case 4")
        );
        let err = cases::list(
            &p,
            &tara,
            &CaseFilter {
                field: Some("notes".into()),
                field_value: Some("x".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("text field"), "{err}");
        let err = cases::list(
            &p,
            &tara,
            &CaseFilter {
                field: Some("hosts_hit".into()),
                field_from: Some("lots".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("`hosts_hit`"), "{err}");
    }
);

/// Every page of a sorted list, followed by its cursors: (title, value) in the order shown.
async fn sorted_cases(p: &Platform, actor: &Actor, sort: &str) -> Vec<(String, Option<f64>)> {
    let filter = CaseFilter {
        sort: Some(sort.into()),
        ..Default::default()
    };
    let (mut seen, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let page = cases::list(p, actor, &filter, cursor.as_deref())
            .await
            .unwrap();
        assert!(page.cases.len() <= 50);
        for c in &page.cases {
            let v = fields::case_values(p, actor, c.case_id).await.unwrap();
            let impact = v.iter().find(|v| v.name == "impact");
            seen.push((c.title.clone(), impact.and_then(|v| v.value.as_f64())));
        }
        match page.next {
            Some(n) => cursor = Some(n),
            None => return seen,
        }
    }
}

both_databases!(
    lists_sort_by_a_field_with_blanks_last_and_page_through_every_record_once,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        fields::define(&p, &root, &field("impact", "float", json!({})))
            .await
            .unwrap();
        fields::define(&p, &root, &field("notes", "text", json!({})))
            .await
            .unwrap();
        // 120 cases: values with many ties (the keyset must break them by id) and every
        // fifth case without a value.
        for i in 0..120 {
            let custom = match i % 5 {
                0 => json!({}),
                _ => json!({ "impact": f64::from(i % 7) / 2.0 }),
            };
            open(&p, &tara, &format!("Case {i:03}"), custom)
                .await
                .unwrap();
        }
        for (sort, descending) in [("impact", false), ("-impact", true)] {
            let seen = sorted_cases(&p, &tara, sort).await;
            assert_eq!(seen.len(), 120, "{sort}: every case once");
            let mut titles: Vec<&String> = seen.iter().map(|s| &s.0).collect();
            titles.sort();
            titles.dedup();
            assert_eq!(titles.len(), 120, "{sort}: no case twice");
            let valued: Vec<f64> = seen.iter().map_while(|s| s.1).collect();
            assert_eq!(
                valued.len(),
                96,
                "{sort}: the cases with a value come first"
            );
            let mut expected = valued.clone();
            expected.sort_by(|a, b| a.total_cmp(b));
            if descending {
                expected.reverse();
            }
            assert_eq!(valued, expected, "{sort}: by the value");
            // Ties in the value's direction by id (titles number the cases in opening order).
            for pair in seen[..96].windows(2) {
                if pair[0].1 == pair[1].1 {
                    assert_eq!(pair[0].0 < pair[1].0, !descending, "{sort}: {pair:?}");
                }
            }
            let blanks: Vec<&str> = seen[96..].iter().map(|s| s.0.as_str()).collect();
            assert_eq!(
                blanks.first(),
                Some(&"Case 115"),
                "{sort}: blanks newest first"
            );
            assert_eq!(blanks.last(), Some(&"Case 000"));
        }
        let err = cases::list(
            &p,
            &tara,
            &CaseFilter {
                sort: Some("notes".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("lists sort by"), "{err}");
        let err = cases::list(
            &p,
            &tara,
            &CaseFilter {
                sort: Some("impact".into()),
                ..Default::default()
            },
            Some("12"),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(err, Error::Invalid(_)),
            "a cursor of another order: {err:?}"
        );

        // The alert queue sorts the same way.
        fields::define(
            &p,
            &root,
            &field(
                "risk",
                "integer",
                json!({ "on_alerts": true, "on_cases": false }),
            ),
        )
        .await
        .unwrap();
        let batch = (0..70)
            .map(|i| match i % 4 {
                0 => alert(&format!("r-{i}"), json!({})),
                _ => alert(&format!("r-{i}"), json!({ "risk": i % 9 })),
            })
            .collect();
        alerts::ingest(&p, &system_forwarder(&p).await, batch)
            .await
            .unwrap();
        let filter = app::alerts::QueueFilter {
            sort: Some("-risk".into()),
            ..Default::default()
        };
        let (mut risks, mut cursor) = (Vec::new(), None::<String>);
        loop {
            let page = alerts::queue(&p, &tara, &filter, cursor.as_deref())
                .await
                .unwrap();
            for a in &page.alerts {
                let v = fields::alert_values(&p, &tara, a.alert_id).await.unwrap();
                risks.push(
                    v.iter()
                        .find(|v| v.name == "risk")
                        .and_then(|v| v.value.as_i64()),
                );
            }
            match page.next {
                Some(n) => cursor = Some(n),
                None => break,
            }
        }
        assert_eq!(risks.len(), 70, "every alert once");
        let valued: Vec<i64> = risks.iter().map_while(|r| *r).collect();
        assert_eq!(valued.len(), 52);
        assert!(valued.windows(2).all(|w| w[0] >= w[1]), "{valued:?}");
        assert!(risks[52..].iter().all(Option::is_none));
    }
);

both_databases!(
    the_dashboard_breaks_cases_down_by_an_enum_field,
    |p| async move {
        let root = admin(&p).await;
        let tara = analyst(&p, "tara").await;
        add_user(&p, "mona", "manager", None).await;
        let mona = sign_in(&p, "mona").await.1;
        fields::define(
            &p,
            &root,
            &field(
                "business_unit",
                "enum",
                json!({ "options": ["Finance", "HR"] }),
            ),
        )
        .await
        .unwrap();
        fields::define(&p, &root, &field("ticket", "string", json!({})))
            .await
            .unwrap();
        for (title, bu) in [("a", "Finance"), ("b", "Finance"), ("c", "HR")] {
            open(&p, &tara, title, json!({ "business_unit": bu }))
                .await
                .unwrap();
        }
        let closed = open(&p, &tara, "d", json!({ "business_unit": "HR" }))
            .await
            .unwrap();
        cases::close(&p, &tara, closed.case_id, None, "benign", "done")
            .await
            .unwrap();
        open(&p, &tara, "e", json!({})).await.unwrap();

        let q = app::dashboard::PeriodQuery {
            days: Some("7".into()),
            by: Some("business_unit".into()),
            ..Default::default()
        };
        let d = app::dashboard::service::dashboard(&p, &mona, &q)
            .await
            .unwrap();
        let chart = d
            .charts
            .iter()
            .find(|c| c.id == app::dashboard::ChartId::ByField)
            .expect("the breakdown chart");
        let row = |label: &str| {
            chart
                .rows
                .iter()
                .find(|r| r.label == label)
                .unwrap()
                .values
                .clone()
        };
        assert_eq!(row("Finance")[..2], [Some(2.0), Some(0.0)]);
        assert_eq!(row("HR")[..2], [Some(1.0), Some(1.0)]);
        assert_eq!(row("(not set)")[0], Some(1.0));
        assert!(row("HR")[2].is_some(), "a mean time to resolve");
        let bad = app::dashboard::PeriodQuery {
            by: Some("ticket".into()),
            ..Default::default()
        };
        let err = app::dashboard::service::dashboard(&p, &mona, &bad)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("enum custom field"), "{err}");
        let plain = app::dashboard::PeriodQuery::default();
        let d = app::dashboard::service::dashboard(&p, &mona, &plain)
            .await
            .unwrap();
        assert!(
            !d.charts
                .iter()
                .any(|c| c.id == app::dashboard::ChartId::ByField)
        );
    }
);
