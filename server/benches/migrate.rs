//! SQLite to PostgreSQL migration benchmark: prints rows per second, asserts nothing. Run with
//! `cargo bench -p server --bench migrate` (PostgreSQL from `CASEFILE_TEST_POSTGRES`).
//! `BENCH_MIGRATE_ALERTS` (default 1,000,000) and `BENCH_MIGRATE_CASES` (default 100,000) set
//! the size: each alert brings two observables and its raw payload, each case its timeline
//! entries and audit rows.

mod support;

use std::time::Instant;

use app::{
    cases::{CaseInput, service as cases},
    testing::{TestDb, add_user, platform, sign_in},
};
use server::backup::migrate;
use support::direct_insert;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (alerts, case_count) = (
        size("BENCH_MIGRATE_ALERTS", 1_000_000),
        size("BENCH_MIGRATE_CASES", 100_000),
    );
    let (source_db, source_url) = TestDb::sqlite().await;
    let p = platform(&source_url).await;
    let filled = Instant::now();
    direct_insert(&p, 0, alerts).await;
    add_user(&p, "tara", "analyst", Some(1)).await;
    let tara = sign_in(&p, "tara").await.1;
    for i in 0..case_count {
        let input = CaseInput {
            title: format!("Case {i}"),
            severity: "medium".into(),
            ..Default::default()
        };
        cases::open(&p, &tara, input.check().unwrap())
            .await
            .unwrap();
    }
    println!(
        "filled SQLite with {alerts} alerts and {case_count} cases in {:.0} s",
        filled.elapsed().as_secs_f64()
    );

    let (target_db, target_url) = TestDb::postgres().await;
    let started = Instant::now();
    let mut total = 0i64;
    let differences = migrate::sqlite_to_postgres(&p.db, &target_url, None, |t| {
        total += t.rows;
        if t.rows >= 10_000 {
            println!(
                "  {:<24} {:>9} rows {:>7.0} rows/s",
                t.table,
                t.rows,
                t.rows as f64 / t.took.as_secs_f64().max(0.001)
            );
        }
    })
    .await
    .unwrap();
    let took = started.elapsed().as_secs_f64();
    println!(
        "migrated {total} rows in {took:.1} s: {:.0} rows/s overall, the check included (goal >= 50,000); {} difference(s)",
        total as f64 / took,
        differences.len()
    );
    p.db.close().await;
    target_db.drop_db().await;
    source_db.drop_db().await;
}
