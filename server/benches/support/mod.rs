//! What the benchmarks share: percentiles of timed runs, the process's resident memory, and
//! generated alerts written straight through the store.

#![allow(dead_code, reason = "each benchmark uses part of this")]

use std::time::{Duration, Instant};

use app::{
    alerts::{AlertInput, NewAlert, store},
    platform::Platform,
};

pub fn percentile(mut v: Vec<Duration>, q: f64) -> Duration {
    v.sort();
    v[((v.len() as f64) * q).ceil() as usize - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `f` `runs` times and returns the median and the 99th percentile.
pub async fn timed<F, Fut>(runs: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i).await;
        times.push(t.elapsed());
    }
    (percentile(times.clone(), 0.5), percentile(times, 0.99))
}

/// Resident memory now and its peak since the last reset, in bytes (Linux).
pub fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak (VmHWM) to the current resident size.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub fn alert_json(i: usize) -> serde_json::Value {
    let sev = ["info", "low", "medium", "high", "critical"][i % 5];
    serde_json::json!({
        "source": "bench", "source_ref": format!("b-{i}"), "rule": format!("rule-{}", i % 50),
        "title": format!("Suspicious activity {i}"), "severity": sev,
        "observables": [{"type": "ip", "value": format!("10.{}.{}.{}", i % 200, (i / 200) % 200, i % 250)},
                        {"type": "user", "value": format!("user{}", i % 1000)}],
        "raw": {"event_id": i, "message": "process created", "host": format!("host-{}", i % 300)}
    })
}

pub fn new_alert(i: usize) -> NewAlert {
    serde_json::from_value::<AlertInput>(alert_json(i))
        .unwrap()
        .check()
        .unwrap()
}

/// Writes alerts `start..end` straight through the store's batch statements in transactions
/// of 1000: the reference for HTTP intake (same SQL, no HTTP, JSON, validation or audit).
pub async fn direct_insert(p: &Platform, start: usize, end: usize) {
    let mut i = start;
    while i < end {
        let stop = (i + 1000).min(end);
        let batch: Vec<NewAlert> = (i..stop).map(new_alert).collect();
        let refs: Vec<&NewAlert> = batch.iter().collect();
        let now = p.clock.now();
        let mut tx = p.db.begin().await.unwrap();
        let ids = store::upsert_batch(&mut tx, &refs, "bench", now)
            .await
            .unwrap();
        let raws: Vec<(i64, &str)> = ids
            .iter()
            .zip(&batch)
            .map(|((id, _), a)| (*id, a.raw.as_deref().unwrap_or("{}")))
            .collect();
        let obs: Vec<(i64, &app::alerts::Observable)> = ids
            .iter()
            .zip(&batch)
            .flat_map(|((id, _), a)| a.observables.iter().map(move |o| (*id, o)))
            .collect();
        store::insert_raws(&mut tx, &raws, now).await.unwrap();
        store::insert_observables_batch(&mut tx, &obs, now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        i = stop;
    }
}
