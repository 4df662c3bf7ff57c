//! Case workspace benchmark: prints figures, asserts nothing. Run with
//! `cargo bench -p server --bench cases` (`BENCH_DATABASE=sqlite|postgres` for one database,
//! `BENCH_SEARCH_CASES` for the search corpus size, default 100,000).
//!
//! - The case page's data (the `case_view` service call: header, first timeline page,
//!   observables, tasks, techniques by tactic, related cases) for a case with 10,000 timeline
//!   entries, unfiltered and filtered by tactic.
//! - Full-text search over 100,000 cases (four documents each: header, two notes, an observable),
//!   loaded straight into the tables the services write; queries with frequent words, rare
//!   words, an IP address and two words.
//! - The case list filtered by a custom field value (an enum) or range (an integer) over the
//!   same 100,000 cases, every case carrying both fields: first and next page.

use std::time::Instant;

use app::{
    cases::{CaseFilter, CaseInput, EventInput, TimelineFilter, service as cases},
    fields::{FieldInput, service as fields},
    platform::{Actor, Db, Platform},
    search::{SearchQuery, service as search},
    testing::{TestDb, add_user, platform, sign_in},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::json;

mod support;

use support::{ms, percentile, timed};

const EVENTS: usize = 10_000;

async fn case_page(p: &Platform, tara: &Actor) {
    let input = CaseInput {
        title: "Bench: long-running intrusion".into(),
        severity: "high".into(),
        observables: serde_json::from_value(serde_json::json!([
            {"type": "ip", "value": "203.0.113.7"}, {"type": "hostname", "value": "ws-042"}
        ]))
        .unwrap(),
        ..Default::default()
    };
    let case = cases::open(p, tara, input.check().unwrap()).await.unwrap();
    let t = Instant::now();
    for i in 0..EVENTS {
        let techniques = match i % 10 {
            0 => vec!["T1059.001".to_owned()],
            5 => vec!["T1566.001".to_owned()],
            _ => Vec::new(),
        };
        let e = EventInput {
            kind: "note".into(),
            body: format!("Entry {i}: checked **proxy** logs for host ws-042, nothing new."),
            techniques,
            tags: vec![format!("batch-{}", i % 7)],
            ..Default::default()
        };
        cases::add_event(p, tara, case.case_id, e).await.unwrap();
    }
    let rate = EVENTS as f64 / t.elapsed().as_secs_f64();
    println!("timeline entries written through the service:   {rate:>8.0} /s");
    let any = TimelineFilter::default();
    let (p50, p99) = timed(200, |_| async {
        app::workspace::service::workspace(p, tara, &case.number, &any, None)
            .await
            .unwrap();
    })
    .await;
    println!(
        "case page, {EVENTS} entries (first 200):        p50 {:>6.2} ms  p99 {:>6.2} ms",
        ms(p50),
        ms(p99)
    );
    let tactic = TimelineFilter {
        tactic: Some("initial-access".into()),
        ..Default::default()
    };
    let (p50, p99) = timed(200, |_| async {
        app::workspace::service::workspace(p, tara, &case.number, &tactic, None)
            .await
            .unwrap();
    })
    .await;
    println!(
        "case page filtered by tactic:                   p50 {:>6.2} ms  p99 {:>6.2} ms",
        ms(p50),
        ms(p99)
    );
}

const WORDS: [&str; 40] = [
    "powershell",
    "beacon",
    "phishing",
    "credential",
    "lateral",
    "ransomware",
    "exfiltration",
    "mimikatz",
    "dropper",
    "persistence",
    "scheduled",
    "registry",
    "firewall",
    "proxy",
    "dns",
    "tunnel",
    "invoice",
    "macro",
    "payload",
    "sandbox",
    "quarantine",
    "isolate",
    "reimage",
    "backup",
    "encryption",
    "wallet",
    "vpn",
    "mfa",
    "token",
    "session",
    "cobalt",
    "strike",
    "loader",
    "shell",
    "webshell",
    "sql",
    "injection",
    "brute",
    "force",
    "spray",
];

fn sentence(rng: &mut StdRng, words: usize) -> String {
    (0..words)
        .map(|_| {
            // Two in three words come from the SOC vocabulary (frequent); the rest are rare.
            if rng.random_range(0..3) < 2 {
                WORDS[rng.random_range(0..WORDS.len())].to_owned()
            } else {
                format!("k{}", rng.random_range(0..200_000))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Loads `n` cases and their search documents in transactions of 500 rows.
async fn load_cases(db: &Db, n: usize) {
    let mut rng = StdRng::seed_from_u64(7);
    let mut i = 0;
    while i < n {
        let stop = (i + 500).min(n);
        let rows: Vec<(String, String, String, String, String)> = (i..stop)
            .map(|k| {
                (
                    format!("CF-2000-{k:06}"),
                    sentence(&mut rng, 6),
                    sentence(&mut rng, 30),
                    sentence(&mut rng, 20),
                    format!("10.{}.{}.{}", k % 250, (k / 250) % 250, k % 7),
                )
            })
            .collect();
        macro_rules! load {
            ($conn:expr) => {{
                let mut tx = $conn.begin().await.unwrap();
                let mut qb = sqlx::QueryBuilder::new(
                    "insert into incident_case (number, title, description, severity, status, tier, tlp, pap,
                         tags, detection_source, version, opened_at, created_by, created_at, updated_at,
                         closure_verdict) ",
                );
                qb.push_values(rows.iter().enumerate(), |mut b, (j, r)| {
                    // A third of the cases are closed, so the status filter has work to do.
                    let closed = j % 3 == 0;
                    b.push_bind(r.0.clone()).push_bind(r.1.clone()).push_bind(r.2.clone())
                        .push_bind((j % 5 + 1) as i64)
                        .push_bind(if closed { "closed" } else { "investigating" }).push_bind(1i64)
                        .push_bind(2i64).push_bind(2i64).push_bind("[]").push_bind("bench")
                        .push_bind(1i64).push_bind(0i64).push_bind("bench").push_bind(0i64)
                        .push_bind(0i64).push_bind(closed.then_some("benign"));
                });
                qb.push(" returning case_id");
                let ids: Vec<(i64,)> = qb.build_query_as().fetch_all(&mut *tx).await.unwrap();
                let mut qb = sqlx::QueryBuilder::new("insert into search_doc (case_id, kind, ref_id, body) ");
                let docs = ids.iter().zip(&rows).flat_map(|((id, ), r)| {
                    [
                        (*id, "case", *id, format!("{} {} {}", r.0, r.1, r.2)),
                        (*id, "event", *id * 2, r.3.clone()),
                        (*id, "event", *id * 2 + 1, format!("Observable added: ip {}", r.4)),
                        (*id, "observable", *id, r.4.clone()),
                    ]
                });
                qb.push_values(docs, |mut b, d| {
                    b.push_bind(d.0).push_bind(d.1).push_bind(d.2).push_bind(d.3);
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

async fn search_bench(kind: &str, n: usize) {
    let (tdb, url) = if kind == "sqlite" {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await
    };
    let p = platform(&url).await;
    add_user(&p, "tara", "analyst", Some(1)).await;
    let tara = sign_in(&p, "tara").await.1;
    let t = Instant::now();
    load_cases(&p.db, n).await;
    p.db.analyze().await.unwrap();
    let docs = app::search::store::document_count(&p.db).await.unwrap();
    println!(
        "search corpus: {n} cases, {docs} documents, loaded in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let queries: [(&str, &str); 5] = [
        ("frequent word", "powershell"),
        ("two frequent words", "ransomware backup"),
        ("rare word", "k12345"),
        ("IP address", "10.17.3.4"),
        ("case number", "CF-2000-004242"),
    ];
    let mut all = Vec::new();
    for (label, q) in queries {
        let query = SearchQuery {
            q: q.into(),
            ..Default::default()
        };
        let hits = search::search(&p, &tara, &query).await.unwrap().hits.len();
        let mut times = Vec::new();
        for _ in 0..60 {
            let t = Instant::now();
            search::search(&p, &tara, &query).await.unwrap();
            times.push(t.elapsed());
        }
        all.extend(times.iter().copied());
        println!(
            "search {label:<20} ({hits:>2} hits shown):   p50 {:>7.2} ms  p99 {:>7.2} ms",
            ms(percentile(times.clone(), 0.5)),
            ms(percentile(times, 0.99))
        );
    }
    let open = SearchQuery {
        q: "powershell beacon".into(),
        status: Some("open".into()),
        kind: Some("case".into()),
    };
    let (p50, p99) = timed(60, |_| async {
        search::search(&p, &tara, &open).await.unwrap();
    })
    .await;
    all.push(p99);
    println!(
        "search with filters (open, case headers):       p50 {:>7.2} ms  p99 {:>7.2} ms",
        ms(p50),
        ms(p99)
    );
    println!(
        "search, all queries:                            p99 {:>7.2} ms (goal <= 100 ms)",
        ms(percentile(all, 0.99))
    );
    field_filters(&p, &tara, n).await;
    p.db.close().await;
    tdb.drop_db().await;
}

/// The case list filtered by a custom field over the loaded cases: an enum field on every
/// case (one of 8 business units) and an integer on every case (0–999), both set directly.
async fn field_filters(p: &Platform, tara: &Actor, n: usize) {
    let root = {
        add_user(p, "root", "admin", None).await;
        sign_in(p, "root").await.1
    };
    let units = [
        "Finance", "HR", "Legal", "Sales", "IT", "R&D", "Ops", "Retail",
    ];
    for input in [
        json!({ "name": "business_unit", "label": "Business unit", "field_type": "enum", "options": units }),
        json!({ "name": "hosts_hit", "label": "Hosts hit", "field_type": "integer" }),
    ] {
        let input: FieldInput = serde_json::from_value(input).unwrap();
        fields::define(p, &root, &input).await.unwrap();
    }
    let defs = fields::definitions(p, &root).await.unwrap();
    let (bu, hosts) = (defs[0].field_id, defs[1].field_id);
    let t = Instant::now();
    let mut first = 1i64;
    while first <= n as i64 {
        let last = (first + 999).min(n as i64);
        macro_rules! load {
            ($conn:expr) => {{
                let mut tx = $conn.begin().await.unwrap();
                let mut qb = sqlx::QueryBuilder::new(
                    "insert into case_field_value (case_id, field_id, value, value_key, value_number, updated_at) ",
                );
                qb.push_values((first..=last).flat_map(|id| [(id, bu), (id, hosts)]), |mut b, (id, f)| {
                    if f == bu {
                        let u = units[(id % 8) as usize];
                        b.push_bind(id).push_bind(f).push_bind(format!("\"{u}\"")).push_bind(Some(u.to_owned()))
                            .push_bind(None::<f64>).push_bind(0i64);
                    } else {
                        let h = (id % 1000) as f64;
                        b.push_bind(id).push_bind(f).push_bind(h.to_string()).push_bind(None::<String>)
                            .push_bind(Some(h)).push_bind(0i64);
                    }
                });
                qb.build().execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }};
        }
        match &p.db {
            Db::Sqlite(pools) => load!(pools.write),
            Db::Postgres(pool) => load!(pool),
        }
        first = last + 1;
    }
    p.db.analyze().await.unwrap();
    println!(
        "custom field values: {} set in {:.0} s",
        2 * n,
        t.elapsed().as_secs_f64()
    );
    let filters = [
        (
            "enum value, open cases",
            CaseFilter {
                status: Some("open".into()),
                field: Some("business_unit".into()),
                field_value: Some("Legal".into()),
                ..Default::default()
            },
        ),
        (
            "enum value, any status",
            CaseFilter {
                field: Some("business_unit".into()),
                field_value: Some("Retail".into()),
                ..Default::default()
            },
        ),
        (
            "integer range (1%)",
            CaseFilter {
                field: Some("hosts_hit".into()),
                field_from: Some("500".into()),
                field_to: Some("509".into()),
                ..Default::default()
            },
        ),
    ];
    let mut all = Vec::new();
    for (label, f) in filters {
        let page = cases::list(p, tara, &f, None).await.unwrap();
        let next = page.next;
        let (p50, p99) = timed(60, |_| async {
            cases::list(p, tara, &f, None).await.unwrap();
        })
        .await;
        let (_, p99_next) = timed(60, |_| async {
            cases::list(p, tara, &f, next.as_deref()).await.unwrap();
        })
        .await;
        all.extend([p99, p99_next]);
        println!(
            "case list by {label:<24} ({:>2} shown): p50 {:>6.2} ms  p99 {:>6.2} ms  (next page p99 {:>6.2} ms)",
            page.cases.len(),
            ms(p50),
            ms(p99),
            ms(p99_next)
        );
    }
    println!(
        "case list by a custom field, {n} cases:     p99 {:>7.2} ms (goal <= 50 ms)",
        ms(all.into_iter().max().unwrap_or_default())
    );
}

async fn bench(kind: &str, search_cases: usize) {
    println!("\n== {kind}");
    let (tdb, url) = if kind == "sqlite" {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await
    };
    let p = platform(&url).await;
    add_user(&p, "tara", "analyst", Some(1)).await;
    let tara = sign_in(&p, "tara").await.1;
    case_page(&p, &tara).await;
    p.db.close().await;
    tdb.drop_db().await;
    search_bench(kind, search_cases).await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let size = std::env::var("BENCH_SEARCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let only = std::env::var("BENCH_DATABASE").ok();
    for kind in ["sqlite", "postgres"] {
        if only.as_deref().is_none_or(|o| o == kind) {
            bench(kind, size).await;
        }
    }
}
