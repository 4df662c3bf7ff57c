//! Evidence locker benchmark: prints figures, asserts nothing. Run with
//! `cargo bench -p server --bench evidence` (`BENCH_EVIDENCE_MIB` for the file size, default
//! 1024; `BENCH_DATABASE=postgres` to record on PostgreSQL instead of SQLite).
//!
//! The real HTTP application on loopback with the local evidence store in a temporary
//! directory: one multipart upload of the whole file through the token API (hashed three ways,
//! written, fsynced, moved into the store), then one download re-verifying its SHA-256. For each:
//! throughput and the peak resident memory growth of the process (server and client share it,
//! so the figure is an upper bound for the server). Goal: ≥ 200 MB/s, growth ≤ 64 MB.

use std::time::Instant;

use app::{
    accounts::service as accounts,
    cases::{CaseInput, service as cases},
    evidence::locker::{Backend, Locker},
    platform::{Clock, Db, Platform, Settings},
    testing::{TestDb, system},
};
use bytes::Bytes;
use futures::StreamExt as _;

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use support::{mb, reset_peak, rss};

const BLOCK: usize = 1 << 20;

#[tokio::main]
async fn main() {
    let mib: u64 = std::env::var("BENCH_EVIDENCE_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = mib << 20;
    let (test_db, url) = match std::env::var("BENCH_DATABASE").as_deref() {
        Ok("postgres") => TestDb::postgres().await,
        _ => TestDb::sqlite().await,
    };
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let locker = Locker::temporary(Backend::Local, size + (1 << 20)).unwrap();
    let p = Platform::new(
        db,
        Clock::system(),
        Settings::default(),
        locker,
        app::wiring::listeners(),
    );
    let token = accounts::create_token(
        &p,
        &system(),
        "bench",
        &["evidence:write".into(), "evidence:read".into()],
        None,
    )
    .await
    .unwrap()
    .token;
    let case = cases::open(
        &p,
        &system(),
        CaseInput {
            title: "Bench: disk image".into(),
            severity: "high".into(),
            ..Default::default()
        }
        .check()
        .unwrap(),
    )
    .await
    .unwrap();
    let base = common::serve(p.clone(), None).await;
    let client = reqwest::Client::new();

    // Varied content (not one repeated block), generated as it is sent.
    let seed: Vec<u8> = (0..BLOCK as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let blocks = (size as usize).div_ceil(BLOCK);
    let body = futures::stream::iter(0..blocks).map(move |n| {
        let mut b = seed.clone();
        b[..8].copy_from_slice(&(n as u64).to_le_bytes());
        Ok::<_, std::io::Error>(Bytes::from(b))
    });
    let part = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(body), size)
        .file_name("disk.img");
    let form = reqwest::multipart::Form::new()
        .text("kind", "disk_image")
        .part("file", part);

    let (before, _) = rss();
    reset_peak();
    let t = Instant::now();
    let res = client
        .post(format!("{base}/api/cases/{}/evidence", case.number))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let upload = t.elapsed();
    let (_, peak) = rss();
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let item: serde_json::Value = res.json().await.unwrap();
    let id = item["evidence_id"].as_i64().unwrap();
    println!(
        "upload {mib} MiB over loopback (SHA-256 + SHA-1 + MD5, fsync, move into the store): {:.2} s, {:.0} MB/s, peak RSS growth {:.1} MB",
        upload.as_secs_f64(),
        mb(size) / upload.as_secs_f64(),
        mb(peak.saturating_sub(before))
    );

    let (before, _) = rss();
    reset_peak();
    let t = Instant::now();
    let res = client
        .get(format!("{base}/api/evidence/{id}/download"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut stream = res.bytes_stream();
    let mut received = 0u64;
    while let Some(block) = stream.next().await {
        received += block.expect("download completes: content verified").len() as u64;
    }
    let download = t.elapsed();
    let (_, peak) = rss();
    assert_eq!(received, size);
    println!(
        "download {mib} MiB with SHA-256 re-verification: {:.2} s, {:.0} MB/s, peak RSS growth {:.1} MB",
        download.as_secs_f64(),
        mb(size) / download.as_secs_f64(),
        mb(peak.saturating_sub(before))
    );
    p.db.close().await;
    test_db.drop_db().await;
}
