//! Alert intake and queue benchmark: prints figures, asserts nothing (speed goals live here, not
//! in timed tests). Run with `cargo bench -p server --bench alerts` (PostgreSQL from
//! `CASEFILE_TEST_POSTGRES`, default 127.0.0.1:5432). `BENCH_QUEUE_ALERTS` sets the size of the
//! large queue (default 1,000,000).
//!
//! For each database it measures, over HTTP on loopback against the real router:
//! - batched intake (arrays of 1000) next to the same rows written straight through the store,
//!   and again with 20 alert rules switched on;
//! - single-alert intake at full speed, then p99 latency at half that rate;
//! - the triage queue's first page (service call: SQL and mapping) at 1,000 and at the large size.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use support::{alert_json, direct_insert, percentile};

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use app::{
    accounts::service as accounts,
    alerts::{QueueFilter, service as alerts},
    platform::{Actor, Platform},
    testing::{TestDb, add_user, platform, sign_in, system},
};
use common::serve;

fn p99(v: Vec<Duration>) -> Duration {
    percentile(v, 0.99)
}

/// (p50, p99) of the queue's first page.
async fn queue_times(p: &Platform, analyst: &Actor, runs: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let page = alerts::queue(p, analyst, &QueueFilter::default(), None)
            .await
            .unwrap();
        times.push(t.elapsed());
        assert_eq!(page.alerts.len(), 50);
    }
    (percentile(times.clone(), 0.5), p99(times))
}

/// Posts alerts `first..first + 20,000` as 20 batches of 1000 from two concurrent clients;
/// returns alerts per second.
async fn batched_intake(client: &reqwest::Client, base: &str, token: &str, first: usize) -> f64 {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..2 {
        let (client, base, token) = (client.clone(), base.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            for b in 0..10 {
                let start = first + (worker * 10 + b) * 1000;
                let batch: Vec<_> = (start..start + 1000).map(alert_json).collect();
                let res = client
                    .post(format!("{base}/api/alerts"))
                    .bearer_auth(&token)
                    .json(&batch)
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    20_000.0 / t.elapsed().as_secs_f64()
}

async fn bench(kind: &str, queue_size: usize) {
    let (db, url) = if kind == "sqlite" {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await
    };
    let p = platform(&url).await;
    let token = accounts::create_token(&p, &system(), "bench", &["alerts:write".into()], None)
        .await
        .unwrap()
        .token;
    let base = serve(p.clone(), None).await;
    let client = reqwest::Client::new();
    println!("\n== {kind}");

    // Reference: the same rows through sqlx directly, 20 transactions of 1000.
    let t = Instant::now();
    direct_insert(&p, 0, 20_000).await;
    let direct_rate = 20_000.0 / t.elapsed().as_secs_f64();
    println!("direct sqlx insert (batches of 1000):       {direct_rate:>9.0} alerts/s");

    // Batched HTTP intake: 20 batches of 1000 from two concurrent clients.
    let batch_rate = batched_intake(&client, &base, &token, 100_000).await;
    println!(
        "HTTP batched intake (1000 per request):     {batch_rate:>9.0} alerts/s  ({:.0}% of direct)",
        100.0 * batch_rate / direct_rate
    );

    // The same with 20 alert rules switched on: 18 that match nothing, two routes that match
    // a fifth of the alerts each (a tag, a severity).
    for r in 0..20 {
        let rule = match r {
            0 => serde_json::json!({ "name": "tag rule 7", "position": r, "enabled": true,
                "conditions": { "detection_rule": "rule-7" },
                "action": { "action": "route", "add_tags": ["tuned"] } }),
            1 => serde_json::json!({ "name": "raise critical", "position": r, "enabled": true,
                "conditions": { "min_severity": "critical", "title_contains": "suspicious" },
                "action": { "action": "route", "add_tags": ["page-on-call"] } }),
            n if n % 3 == 0 => {
                serde_json::json!({ "name": format!("noise {n}"), "position": r, "enabled": true,
                "conditions": { "observable_type": "ip", "observable_value": format!("198.51.100.{n}") },
                "expires_at": p.clock.now() + 86_400_000,
                "action": { "action": "suppress", "verdict": "false_positive", "reason": "scanner" } })
            }
            n => serde_json::json!({ "name": format!("route {n}"), "position": r, "enabled": true,
                "conditions": { "source": format!("other-{n}"), "tags": ["x"] },
                "action": { "action": "route", "severity": "high" } }),
        };
        let input: app::alerts::rules::RuleInput = serde_json::from_value(rule).unwrap();
        app::alerts::rules::service::create(&p, &system(), &input)
            .await
            .unwrap();
    }
    let ruled_rate = batched_intake(&client, &base, &token, 400_000).await;
    println!(
        "HTTP batched intake with 20 rules:          {ruled_rate:>9.0} alerts/s  ({:.0}% of without; goal >= 10,000 on SQLite)",
        100.0 * ruled_rate / batch_rate
    );
    // Switched off again, so the figures below are intake's own.
    for r in app::alerts::rules::service::list(&p, &system())
        .await
        .unwrap()
    {
        let mut input = r.to_input();
        input.enabled = false;
        app::alerts::rules::service::update(&p, &system(), r.rule_id, None, &input)
            .await
            .unwrap();
    }

    // Single-alert intake at full speed: 3000 requests, 16 in flight.
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(200_000));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, base, token, next) =
            (client.clone(), base.clone(), token.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= 203_000 {
                    break;
                }
                let res = client
                    .post(format!("{base}/api/alerts"))
                    .bearer_auth(&token)
                    .json(&alert_json(i))
                    .send()
                    .await
                    .unwrap();
                assert!(res.status().is_success());
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let single_rate = 3000.0 / t.elapsed().as_secs_f64();
    println!("HTTP single-alert intake (16 in flight):    {single_rate:>9.0} alerts/s");

    // Latency at half that rate, open loop for ~4 s.
    let rate = (single_rate / 2.0).max(1.0);
    let n = (rate * 4.0) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut ticker = tokio::time::interval(interval);
    let mut tasks = Vec::with_capacity(n);
    for k in 0..n {
        ticker.tick().await;
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let res = client
                .post(format!("{base}/api/alerts"))
                .bearer_auth(&token)
                .json(&alert_json(300_000 + k))
                .send()
                .await
                .unwrap();
            (res.status().is_success(), t.elapsed())
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut refused = 0;
    for t in tasks {
        let (ok, took) = t.await.unwrap();
        refused += usize::from(!ok);
        lat.push(took);
    }
    println!(
        "  p99 latency at {rate:>6.0} alerts/s (half):   {:>9.1} ms  ({refused} of {n} refused with 503)",
        p99(lat).as_secs_f64() * 1000.0
    );

    // The queue at 1,000 and at the large size: a fresh database each.
    let (qdb, qurl) = if kind == "sqlite" {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await
    };
    let q = platform(&qurl).await;
    add_user(&q, "tara", "analyst", Some(1)).await;
    let (_, analyst) = sign_in(&q, "tara").await;
    direct_insert(&q, 0, 1000).await;
    let (small50, small) = queue_times(&q, &analyst, 300).await;
    println!(
        "queue first page, 1,000 alerts:             {:>9.2} ms p99  ({:.2} ms p50)",
        small.as_secs_f64() * 1000.0,
        small50.as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    direct_insert(&q, 1000, queue_size).await;
    // Steady state: the statistics autovacuum would have gathered after such a load.
    q.db.analyze().await.unwrap();
    println!(
        "  (loaded {queue_size} alerts in {:.0} s)",
        t.elapsed().as_secs_f64()
    );
    let (large50, large) = queue_times(&q, &analyst, 300).await;
    println!(
        "queue first page, {queue_size} alerts:        {:>9.2} ms p99  ({:.2} ms p50; p99 {:.2}x the 1,000 figure)",
        large.as_secs_f64() * 1000.0,
        large50.as_secs_f64() * 1000.0,
        large.as_secs_f64() / small.as_secs_f64()
    );
    q.db.close().await;
    qdb.drop_db().await;
    p.db.close().await;
    db.drop_db().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let size = std::env::var("BENCH_QUEUE_ALERTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let only = std::env::var("BENCH_DATABASE").ok();
    for kind in ["sqlite", "postgres"] {
        if only.as_deref().is_none_or(|o| o == kind) {
            bench(kind, size).await;
        }
    }
}
