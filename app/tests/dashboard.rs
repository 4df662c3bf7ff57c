//! Dashboard tests on SQLite and PostgreSQL: the charts count what happened (open cases, response
//! times, SLA compliance, alert volume, false-positive rates, trends), the daily aggregates
//! follow later changes and equal a full recount, and rights, bad periods and CSV exports.

use app::{
    alerts::{AlertInput, IngestOutcome, NewAlert, service as alerts},
    both_databases,
    cases::{CaseInput, CasePatch, service as cases},
    dashboard::{Chart, ChartId, Dashboard, PeriodQuery, service as dashboard},
    platform::{Actor, Error, Platform},
    testing::*,
    tiers::sweep::sweep,
};
use futures::StreamExt as _;

const HOUR: time::Duration = time::Duration::hours(1);

async fn person(p: &Platform, name: &str, role: &str) -> Actor {
    let tier = (role == "analyst").then_some(1);
    add_user(p, name, role, tier).await;
    sign_in(p, name).await.1
}

fn alert(source: &str, rule: &str, reference: &str) -> NewAlert {
    let input: AlertInput = serde_json::from_value(serde_json::json!({
        "source": source, "source_ref": reference, "rule": rule, "title": "Suspicious thing",
        "severity": "medium", "raw": {"k": reference}
    }))
    .unwrap();
    input.check().unwrap()
}

async fn ingest(p: &Platform, items: Vec<NewAlert>) -> Vec<i64> {
    let token =
        app::accounts::service::create_token(p, &system(), "siem", &["alerts:write".into()], None)
            .await
            .unwrap()
            .token;
    let fw = app::accounts::service::actor_from_token(p, &token, None)
        .await
        .unwrap();
    alerts::ingest(p, &fw, items.into_iter().map(Ok).collect())
        .await
        .unwrap()
        .into_iter()
        .map(|o| match o {
            IngestOutcome::Created { id } => id,
            other => panic!("{other:?}"),
        })
        .collect()
}

async fn open(p: &Platform, who: &Actor, title: &str, severity: &str) -> i64 {
    let c = CaseInput {
        title: title.into(),
        severity: severity.into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    cases::open(p, who, c).await.unwrap().case_id
}

fn chart(d: &Dashboard, id: ChartId) -> &Chart {
    d.charts.iter().find(|c| c.id == id).unwrap()
}

/// The values of the row labelled `label`.
fn row<'a>(c: &'a Chart, label: &str) -> &'a [Option<f64>] {
    &c.rows
        .iter()
        .find(|r| r.label == label)
        .unwrap_or_else(|| panic!("no row {label} in {:?}", c.rows))
        .values
}

fn column_sum(c: &Chart, i: usize) -> f64 {
    c.rows.iter().filter_map(|r| r.values[i]).sum()
}

/// Two cases and five alerts with known timings and verdicts.
async fn history(p: &Platform) -> (Actor, Actor, Vec<i64>) {
    let maria = person(p, "maria", "manager").await;
    let alice = person(p, "alice", "analyst").await;
    let ids = ingest(
        p,
        vec![
            alert("splunk", "R-phish", "s-1"),
            alert("splunk", "R-phish", "s-2"),
            alert("splunk", "R-phish", "s-3"),
            alert("crowdstrike", "R-powershell", "c-1"),
            alert("crowdstrike", "R-powershell", "c-2"),
        ],
    )
    .await;
    alerts::set_verdict(p, &alice, &ids[..2], "false_positive", "Known mail test")
        .await
        .unwrap();
    alerts::set_verdict(p, &alice, &ids[3..4], "true_positive", "Real")
        .await
        .unwrap();

    // Critical: acknowledged at once (opened by a person), contained after 2 h, closed after 5 h.
    let a = open(p, &alice, "Ransomware on ws-7", "critical").await;
    p.clock.advance(2 * HOUR);
    let contained = CasePatch {
        status: Some("contained".into()),
        ..Default::default()
    };
    cases::update(p, &alice, a, None, contained).await.unwrap();
    p.clock.advance(3 * HOUR);
    cases::close(p, &alice, a, None, "true_positive_with_impact", "Reimaged")
        .await
        .unwrap();
    // High: acknowledged at once, then nobody contains it within its 8 h.
    open(p, &alice, "Odd VPN logins", "high").await;
    p.clock.advance(9 * HOUR);
    sweep(p).await.unwrap();
    (maria, alice, ids)
}

both_databases!(the_charts_count_what_happened, |p| async move {
    let (maria, _, _) = history(&p).await;
    let r = dashboard::refresh(&p).await.unwrap();
    assert!(r.case_days >= 1 && r.alert_days >= 1, "{r:?}");
    let d = dashboard::dashboard(&p, &maria, &PeriodQuery::default())
        .await
        .unwrap();
    assert_eq!(d.period.days(), 30);
    assert!(d.refreshed_at > 0);
    assert_eq!(d.charts.len(), ChartId::ALL.len());

    let status = chart(&d, ChartId::OpenByStatus);
    assert_eq!(row(status, "New"), [Some(1.0)]);
    assert_eq!(column_sum(status, 0), 1.0, "the closed case is not open");
    assert_eq!(row(chart(&d, ChartId::OpenBySeverity), "High"), [Some(1.0)]);
    // Nobody held the high case when its clock ran out: the breach moved it to tier 2.
    assert_eq!(row(chart(&d, ChartId::OpenByTier), "Tier 2"), [Some(1.0)]);

    // MTTA, time to contain, MTTR, then the counts.
    let by_severity = chart(&d, ChartId::ResponseBySeverity);
    assert_eq!(
        row(by_severity, "Critical")[..4],
        [Some(0.0), Some(7_200_000.0), Some(18_000_000.0), Some(1.0)]
    );
    assert_eq!(
        row(by_severity, "High")[..4],
        [Some(0.0), None, None, Some(1.0)]
    );
    assert_eq!(row(by_severity, "Low")[..4], [None, None, None, Some(0.0)]);
    assert_eq!(column_sum(chart(&d, ChartId::ResponseByTier), 3), 2.0);

    // Critical: three clocks met; high: acknowledge met, contain breached, resolve running.
    let sla_chart = chart(&d, ChartId::SlaCompliance);
    assert_eq!(
        row(sla_chart, "Critical"),
        [Some(100.0), Some(3.0), Some(0.0)]
    );
    assert_eq!(row(sla_chart, "High"), [Some(50.0), Some(1.0), Some(1.0)]);
    assert_eq!(row(sla_chart, "All"), [Some(80.0), Some(4.0), Some(1.0)]);
    assert_eq!(row(sla_chart, "Info"), [None, Some(0.0), Some(0.0)]);

    let sources = chart(&d, ChartId::AlertsBySource);
    assert_eq!(sources.rows[0].label, "splunk", "busiest first");
    assert_eq!(row(sources, "splunk"), [Some(3.0), Some(2.0)]);
    assert_eq!(row(sources, "crowdstrike"), [Some(2.0), Some(1.0)]);

    let rules = chart(&d, ChartId::FalsePositivesByRule);
    assert_eq!(rules.rows[0].label, "R-phish", "most false positives first");
    assert_eq!(
        row(rules, "R-phish"),
        [Some(100.0), Some(2.0), Some(2.0), Some(3.0)]
    );
    assert_eq!(
        row(rules, "R-powershell"),
        [Some(0.0), Some(0.0), Some(1.0), Some(2.0)]
    );

    let workload = chart(&d, ChartId::Workload);
    assert_eq!(
        row(workload, "alice (T1)")[0],
        Some(0.0),
        "nobody holds the case"
    );

    let trend = chart(&d, ChartId::Trend);
    assert_eq!(trend.rows.len(), 30, "one column a day");
    assert_eq!((column_sum(trend, 0), column_sum(trend, 1)), (5.0, 2.0));
});

both_databases!(
    aggregates_follow_changes_and_equal_a_full_recount,
    |p| async move {
        let (maria, alice, ids) = history(&p).await;
        dashboard::refresh(&p).await.unwrap();
        // A later verdict changes the day the alert arrived, not the day of the verdict.
        p.clock.advance(3 * HOUR);
        alerts::set_verdict(
            &p,
            &alice,
            &ids[2..3],
            "false_positive",
            "Also the mail test",
        )
        .await
        .unwrap();
        let b = open(&p, &alice, "Later case", "low").await;
        cases::close(&p, &alice, b, None, "benign", "Nothing to see")
            .await
            .unwrap();
        let again = dashboard::refresh(&p).await.unwrap();
        assert!(again.case_days >= 1 && again.alert_days >= 1, "{again:?}");
        let d = dashboard::dashboard(&p, &maria, &PeriodQuery::default())
            .await
            .unwrap();
        let rules = chart(&d, ChartId::FalsePositivesByRule);
        assert_eq!(
            row(rules, "R-phish")[..3],
            [Some(100.0), Some(3.0), Some(3.0)]
        );
        assert_eq!(
            row(chart(&d, ChartId::ResponseBySeverity), "Low")[3],
            Some(1.0)
        );

        // Nothing changed: once past the overlap, a refresh recounts nothing.
        let incremental = d.clone();
        p.clock.advance(time::Duration::hours(1));
        dashboard::refresh(&p).await.unwrap();
        p.clock.advance(time::Duration::hours(1));
        assert_eq!(
            dashboard::refresh(&p).await.unwrap(),
            dashboard::Refreshed {
                case_days: 0,
                alert_days: 0
            }
        );
        // Forget every aggregate and count from scratch: the same figures.
        for sql in [
            "delete from case_day_stats",
            "delete from alert_day_stats",
            "update dashboard_refresh set changed_since = 0",
        ] {
            app::on_pool!(&p.db, |pool| sqlx::query(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))
            .unwrap();
        }
        dashboard::refresh(&p).await.unwrap();
        let full = dashboard::dashboard(&p, &maria, &PeriodQuery::default())
            .await
            .unwrap();
        assert_eq!(full.charts, incremental.charts);
    }
);

both_databases!(rights_bad_periods_and_csv_downloads, |p| async move {
    let (maria, alice, _) = history(&p).await;
    dashboard::refresh(&p).await.unwrap();
    let q = PeriodQuery::default();
    assert!(matches!(
        dashboard::dashboard(&p, &alice, &q).await,
        Err(Error::Forbidden(_))
    ));
    let auditor = person(&p, "audrey", "auditor").await;
    dashboard::dashboard(&p, &auditor, &q).await.unwrap();

    let bad = PeriodQuery {
        from: Some("2026-02-30".into()),
        ..Default::default()
    };
    match dashboard::dashboard(&p, &maria, &bad).await {
        Err(Error::Invalid(m)) => assert!(m.contains("2026-02-30"), "{m}"),
        other => panic!("{other:?}"),
    }
    let long = PeriodQuery {
        days: Some("5000".into()),
        ..Default::default()
    };
    assert!(matches!(
        dashboard::dashboard(&p, &maria, &long).await,
        Err(Error::Invalid(_))
    ));

    let before = audit_actions(&p).await.len();
    let export = dashboard::chart_csv(&p, &maria, &q, ChartId::SlaCompliance)
        .await
        .unwrap();
    assert!(export.file_name.starts_with("casefile-sla-compliance-"));
    let mut body = Vec::new();
    let mut stream = export.body;
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.unwrap());
    }
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.starts_with("Severity,Compliance (%),Met in time,Breached\n"),
        "{text}"
    );
    assert!(text.contains("\nAll,80.0,4,1\n"), "{text}");
    let actions = audit_actions(&p).await;
    assert_eq!(actions.len(), before + 1);
    assert!(actions.iter().any(|a| a == "dashboard.exported"));
    assert!(matches!(
        dashboard::chart_csv(&p, &alice, &q, ChartId::Trend).await,
        Err(Error::Forbidden(_))
    ));
});
