//! Compliance benchmark: prints figures, asserts nothing. Run with
//! `cargo bench -p server --bench compliance` (`BENCH_DATABASE=sqlite|postgres` for one
//! database; `BENCH_PART=verify|bundle|dashboard` for one part; sizes from
//! `BENCH_AUDIT_ENTRIES` (200,000), `BENCH_DASHBOARD_CASES` (100,000), `BENCH_EVIDENCE_MIB`
//! (1024)).
//!
//! - Audit verification: a chain of 200,000 entries written through the audit store, then the
//!   whole-log verifier (every link, the head, the checkpoints). Goal ≥ 200,000 entries/s.
//! - Case bundle: a case with 10,000 timeline entries and 1 GiB of evidence (uploaded over
//!   HTTP), exported with its evidence through the bundle service into a sink; throughput and
//!   peak resident memory growth. Goal ≤ 64 MB.
//! - Dashboard: 100,000 cases over a year (with their SLA clocks; 8 % open, held by 20
//!   analysts) and 300,000 alerts from 8 sources and 300 rules, loaded straight into the
//!   tables; the first full count, an incremental refresh after 100 changed cases, then the
//!   dashboard service call for 30, 90 and 365 days. Goal p99 ≤ 200 ms.

use std::time::Instant;

use app::{
    audit::{
        service as audit,
        store::{self as audit_store, NewAuditEvent},
        verify::verify_log,
    },
    cases::{CaseInput, EventInput, service as cases},
    dashboard::{PeriodQuery, service as dashboard},
    evidence::locker::{Backend, Locker},
    exports::service as exports,
    platform::{AuditKey, Clock, Db, Platform, Settings},
    testing::{TestDb, add_user, sign_in, system},
};
use bytes::Bytes;
use futures::StreamExt as _;
use rand::{Rng, SeedableRng, rngs::StdRng};

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use support::{mb, ms, reset_peak, rss, timed};

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_800_000_000_000;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn platform(url: &str, max_evidence: u64) -> Platform {
    let db = Db::connect(url).await.unwrap();
    db.migrate().await.unwrap();
    let locker = Locker::temporary(Backend::Local, max_evidence).unwrap();
    Platform::new(
        db,
        Clock::manual(NOW),
        Settings::default(),
        locker,
        app::wiring::listeners(),
    )
    .with_audit_key(AuditKey::generate())
}

async fn verify_bench(kind: &str) {
    let n = env("BENCH_AUDIT_ENTRIES", 200_000);
    let (tdb, url) = fresh(kind).await;
    let p = platform(&url, 1 << 20).await;
    let actor = system();
    let t = Instant::now();
    let mut written = 0;
    while written < n {
        let mut tx = p.db.begin().await.unwrap();
        for i in written..(written + 1000).min(n) {
            let detail = serde_json::json!({ "before": { "status": "new" },
                "after": { "status": "investigating", "note": format!("entry {i}") } });
            let event = NewAuditEvent {
                action: "case.updated",
                object_type: "case",
                object_id: Some((i % 5000).to_string()),
                detail,
            };
            audit_store::append(&mut tx, &actor, NOW + i as i64, event)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        written = (written + 1000).min(n);
        if written % 50_000 == 0 {
            audit::checkpoint(&p).await.unwrap();
        }
    }
    audit::checkpoint(&p).await.unwrap();
    println!(
        "[{kind}] audit chain: {n} entries written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let key = p.audit_key.as_ref().unwrap().verifying_key();
    for run in 1..=3 {
        let t = Instant::now();
        let report = verify_log(&p.db, Some(&key)).await.unwrap();
        let took = t.elapsed();
        assert!(report.is_intact(), "{}", report.summary());
        println!(
            "[{kind}] verify run {run}: {} entries in {:.2} s = {:.0} entries/s",
            report.entries_checked,
            took.as_secs_f64(),
            report.entries_checked as f64 / took.as_secs_f64()
        );
    }
    p.db.close().await;
    tdb.drop_db().await;
}

async fn bundle_bench(kind: &str) {
    let mib = env("BENCH_EVIDENCE_MIB", 1024) as u64;
    let size = mib << 20;
    let (tdb, url) = fresh(kind).await;
    let p = platform(&url, size + (1 << 20)).await;
    let token = app::accounts::service::create_token(
        &p,
        &system(),
        "bench",
        &["evidence:write".into()],
        None,
    )
    .await
    .unwrap()
    .token;
    let case = cases::open(
        &p,
        &system(),
        CaseInput {
            title: "Bench: bundle".into(),
            severity: "high".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
    )
    .await
    .unwrap();
    let t = Instant::now();
    for i in 0..10_000 {
        let e = EventInput {
            kind: "note".into(),
            body: format!("Entry {i}: checked proxy logs for host ws-042, nothing new."),
            ..Default::default()
        };
        cases::add_event(&p, &system(), case.case_id, e)
            .await
            .unwrap();
    }
    println!(
        "[{kind}] 10,000 timeline entries written in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    // Four evidence files of a quarter each, varied content generated as it is sent.
    let base = common::serve(p.clone(), None).await;
    let client = reqwest::Client::new();
    let part_size = size / 4;
    for f in 0..4u64 {
        let blocks = (part_size as usize).div_ceil(1 << 20);
        let body = futures::stream::iter(0..blocks).map(move |n| {
            let mut b: Vec<u8> = (0..1u32 << 20)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect();
            b[..16].copy_from_slice(&(((f as u128) << 64) | n as u128).to_le_bytes());
            Ok::<_, std::io::Error>(Bytes::from(b))
        });
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::wrap_stream(body),
            part_size,
        )
        .file_name(format!("disk-{f}.img"));
        let form = reqwest::multipart::Form::new()
            .text("kind", "disk_image")
            .part("file", part);
        let res = client
            .post(format!("{base}/api/cases/{}/evidence", case.number))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            201,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    let (before, _) = rss();
    reset_peak();
    let t = Instant::now();
    let export = exports::case_bundle(&p, &system(), case.case_id, true)
        .await
        .unwrap();
    let mut body = export.body;
    let mut sent = 0u64;
    while let Some(chunk) = body.next().await {
        sent += chunk.unwrap().len() as u64;
    }
    let took = t.elapsed();
    let (_, peak) = rss();
    println!(
        "[{kind}] bundle with 10,000 entries and {mib} MiB of evidence: {:.0} MB in {:.1} s ({:.0} MB/s), peak RSS growth {:.1} MB",
        mb(sent),
        took.as_secs_f64(),
        mb(sent) / took.as_secs_f64(),
        mb(peak.saturating_sub(before))
    );
    p.db.close().await;
    tdb.drop_db().await;
}

/// Loads `n` cases opened over the last year with their clocks, and 3n alerts.
async fn load_history(db: &Db, n: usize, analysts: &[i64]) {
    let mut rng = StdRng::seed_from_u64(11);
    let mut i = 0;
    while i < n {
        let stop = (i + 500).min(n);
        struct Case {
            number: String,
            severity: i64,
            tier: i64,
            open: bool,
            opened: i64,
            assignee: Option<i64>,
            ack: i64,
            contain: Option<i64>,
            closed: Option<i64>,
            breached: bool,
        }
        let rows: Vec<Case> = (i..stop)
            .map(|k| {
                let opened = NOW - rng.random_range(0..365 * DAY);
                let open = rng.random_range(0..100) < 8;
                let ack = opened + rng.random_range(60_000..4 * 3_600_000);
                let contain = (rng.random_range(0..10) < 7).then(|| ack + rng.random_range(0..DAY));
                let closed = (!open).then(|| opened + rng.random_range(DAY / 2..10 * DAY));
                Case {
                    number: format!("CF-2000-{k:06}"),
                    severity: rng.random_range(1..=5),
                    tier: [1, 1, 1, 2, 2, 3][rng.random_range(0..6)],
                    open,
                    opened,
                    assignee: open.then(|| analysts[k % analysts.len()]),
                    ack,
                    contain,
                    closed,
                    breached: rng.random_range(0..10) == 0,
                }
            })
            .collect();
        let alerts: Vec<(String, String, String, i64, Option<&str>)> = (i * 3..stop * 3)
            .map(|k| {
                let at = NOW - rng.random_range(0..365 * DAY);
                let verdict = match rng.random_range(0..10) {
                    0..=4 => Some("false_positive"),
                    5..=6 => Some("true_positive"),
                    7 => Some("benign"),
                    8 => Some("duplicate"),
                    _ => None,
                };
                // A rule belongs to one tool, as in a real SIEM.
                let rule = rng.random_range(0..300);
                (
                    format!("src-{}", rule % 8),
                    format!("rule-{rule}"),
                    format!("ref-{k}"),
                    at,
                    verdict,
                )
            })
            .collect();
        macro_rules! load {
            ($conn:expr) => {{
                let mut tx = $conn.begin().await.unwrap();
                let mut qb = sqlx::QueryBuilder::new(
                    "insert into incident_case (number, title, description, severity, status, tier,
                         tlp, pap, tags, detection_source, version, opened_at, closed_at, assignee_id,
                         created_by, created_at, updated_at, closure_verdict) ",
                );
                qb.push_values(&rows, |mut b, r| {
                    b.push_bind(r.number.clone()).push_bind("Bench case").push_bind("")
                        .push_bind(r.severity)
                        .push_bind(if r.open { "investigating" } else { "closed" })
                        .push_bind(r.tier).push_bind(2i64).push_bind(2i64).push_bind("[]")
                        .push_bind("bench").push_bind(1i64).push_bind(r.opened).push_bind(r.closed)
                        .push_bind(r.assignee).push_bind("bench").push_bind(r.opened)
                        .push_bind(r.closed.unwrap_or(r.opened))
                        .push_bind((!r.open).then_some("benign"));
                });
                qb.push(" returning case_id");
                let ids: Vec<(i64,)> = qb.build_query_as().fetch_all(&mut *tx).await.unwrap();
                let mut qb = sqlx::QueryBuilder::new(
                    "insert into sla_clock (case_id, kind, budget_ms, started_at, due_at, warn_at,
                         met_at, breached_at, created_at, updated_at) ",
                );
                let clocks = ids.iter().zip(&rows).flat_map(|((id,), r)| {
                    let budget = 4 * 3_600_000i64;
                    let breach = r.breached.then_some(r.opened + budget);
                    [
                        (*id, "acknowledge", Some(r.ack), breach),
                        (*id, "contain", r.contain, None),
                        (*id, "resolve", r.closed, None),
                    ]
                    .map(|(id, kind, met, breached)| (id, kind, budget, r.opened, met, breached))
                });
                qb.push_values(clocks, |mut b, c| {
                    b.push_bind(c.0).push_bind(c.1).push_bind(c.2).push_bind(c.3)
                        .push_bind(c.3 + c.2).push_bind(c.3 + c.2 * 3 / 4).push_bind(c.4)
                        .push_bind(c.5).push_bind(c.3).push_bind(c.4.unwrap_or(c.3));
                });
                qb.build().execute(&mut *tx).await.unwrap();
                let mut qb = sqlx::QueryBuilder::new(
                    "insert into alert (alert_type, source, source_ref, rule, title, description,
                         severity, tlp, pap, tags, status, verdict, verdict_at, occurred_at,
                         first_seen_at, last_seen_at, occurrence_count, created_by, created_at,
                         updated_at) ",
                );
                qb.push_values(&alerts, |mut b, a| {
                    let decided = a.4.map(|_| a.3 + 3_600_000);
                    b.push_bind("external").push_bind(a.0.clone()).push_bind(a.2.clone())
                        .push_bind(a.1.clone()).push_bind("Bench alert").push_bind("")
                        .push_bind(3i64).push_bind(2i64).push_bind(2i64).push_bind("[]")
                        .push_bind(if a.4.is_some() { "closed" } else { "new" }).push_bind(a.4)
                        .push_bind(decided).push_bind(a.3).push_bind(a.3).push_bind(a.3)
                        .push_bind(1i64).push_bind("bench").push_bind(a.3)
                        .push_bind(decided.unwrap_or(a.3));
                });
                qb.build().execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }};
        }
        match db {
            Db::Sqlite(pools) => load!(pools.write),
            Db::Postgres(pool) => load!(pool),
        }
        i = stop;
    }
}

async fn dashboard_bench(kind: &str) {
    let n = env("BENCH_DASHBOARD_CASES", 100_000);
    let (tdb, url) = fresh(kind).await;
    let p = platform(&url, 1 << 20).await;
    add_user(&p, "maria", "manager", None).await;
    let maria = sign_in(&p, "maria").await.1;
    let mut analysts = Vec::new();
    for a in 0..20 {
        analysts.push(add_user(&p, &format!("analyst{a}"), "analyst", Some(a % 3 + 1)).await);
    }
    let t = Instant::now();
    load_history(&p.db, n, &analysts).await;
    p.db.analyze().await.unwrap();
    println!(
        "[{kind}] dashboard data: {n} cases, {} SLA clocks, {} alerts loaded in {:.0} s",
        n * 3,
        n * 3,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let r = dashboard::refresh(&p).await.unwrap();
    println!(
        "[{kind}] first full count: {} case days, {} alert days in {:.2} s",
        r.case_days,
        r.alert_days,
        t.elapsed().as_secs_f64()
    );
    p.clock.advance(time::Duration::minutes(10));
    let later = p.clock.now();
    app::on_pool!(&p.db, |pool| sqlx::query(
        "update incident_case set updated_at = $1 where case_id % 1000 = 0"
    )
    .bind(later)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    let t = Instant::now();
    let r = dashboard::refresh(&p).await.unwrap();
    println!(
        "[{kind}] incremental refresh after 100 changed cases: {} case days recounted in {:.1} ms",
        r.case_days,
        ms(t.elapsed())
    );
    p.db.analyze().await.unwrap();
    for days in [30, 90, 365] {
        let q = PeriodQuery {
            days: Some(days.to_string()),
            ..Default::default()
        };
        let d = dashboard::dashboard(&p, &maria, &q).await.unwrap();
        assert_eq!(d.charts.len(), 10);
        let (p50, p99) = timed(100, |_| async {
            dashboard::dashboard(&p, &maria, &q).await.unwrap();
        })
        .await;
        println!(
            "[{kind}] dashboard, {days:>3} days at {n} cases:  p50 {:>6.1} ms  p99 {:>6.1} ms",
            ms(p50),
            ms(p99)
        );
    }
    p.db.close().await;
    tdb.drop_db().await;
}

async fn fresh(kind: &str) -> (TestDb, String) {
    match kind {
        "sqlite" => TestDb::sqlite().await,
        _ => TestDb::postgres().await,
    }
}

#[tokio::main]
async fn main() {
    let kinds: Vec<String> = match std::env::var("BENCH_DATABASE") {
        Ok(k) => vec![k],
        Err(_) => vec!["sqlite".into(), "postgres".into()],
    };
    let part = std::env::var("BENCH_PART").unwrap_or_default();
    for kind in &kinds {
        if part.is_empty() || part == "verify" {
            verify_bench(kind).await;
        }
        if part.is_empty() || part == "dashboard" {
            dashboard_bench(kind).await;
        }
        if part.is_empty() || part == "bundle" {
            bundle_bench(kind).await;
        }
    }
}
