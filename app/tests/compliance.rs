//! Compliance tests on SQLite and PostgreSQL: the audit verifier names the first entry edited,
//! deleted or inserted behind Casefile's back; signed checkpoints catch a consistently
//! rewritten log; the audit log page filters and pages; exports are recorded and streamed;
//! case bundles verify offline and any change to them is named.

use std::io::Write as _;

use app::{
    audit::{
        AuditFilter,
        chain::Canonical,
        service as audit,
        store::{self as audit_store},
        verify::{RANGE, verify_log, verify_log_in_ranges},
    },
    both_databases,
    cases::{CaseFilter, CaseInput, service as cases},
    evidence::{EvidenceMeta, service as evidence},
    exports::{service as exports, verify::verify_bundle_file},
    platform::{Actor, Error, Platform},
    testing::*,
};
use bytes::Bytes;
use futures::StreamExt as _;

async fn person(p: &Platform, name: &str, role: &str) -> Actor {
    let tier = (role == "analyst").then_some(2);
    add_user(p, name, role, tier).await;
    sign_in(p, name).await.1
}

async fn exec(p: &Platform, sql: &str) {
    app::on_pool!(&p.db, |pool| sqlx::query(sql)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
    .expect(sql);
}

/// Some history: a case with notes, so the log holds a few dozen entries.
async fn history(p: &Platform) -> (Actor, i64, String) {
    let alice = person(p, "alice", "analyst").await;
    let c = CaseInput {
        title: "Phishing wave".into(),
        description: "Several users reported the same lure".into(),
        severity: "high".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let case = cases::open(p, &alice, c).await.unwrap();
    for i in 0..5 {
        cases::add_note(p, &alice, case.case_id, &format!("Note {i}"))
            .await
            .unwrap();
    }
    (alice, case.case_id, case.number)
}

async fn verdict(p: &Platform) -> Option<(i64, String)> {
    let key = p.audit_key.as_ref().unwrap().verifying_key();
    verify_log(&p.db, Some(&key))
        .await
        .unwrap()
        .problem
        .map(|pr| (pr.seq, pr.message))
}

async fn entry(p: &Platform, seq: i64) -> app::audit::AuditEntry {
    audit_store::entries_after(&p.db, seq - 1, 1)
        .await
        .unwrap()
        .remove(0)
}

async fn put_back(p: &Platform, e: &app::audit::AuditEntry) {
    app::on_pool!(&p.db, |pool| sqlx::query(
        "insert into audit_event (seq, occurred_at, actor_user_id, actor_label, actor_ip, action,
             object_type, object_id, detail, prev_hash, hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )
    .bind(e.seq)
    .bind(e.occurred_at)
    .bind(e.actor_user_id)
    .bind(&e.actor_label)
    .bind(&e.actor_ip)
    .bind(&e.action)
    .bind(&e.object_type)
    .bind(&e.object_id)
    .bind(&e.detail)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("insert");
}

both_databases!(the_verifier_names_each_tampered_entry, |p| async move {
    history(&p).await;
    let signed = audit::checkpoint(&p).await.unwrap().expect("a checkpoint");
    let head = signed.seq;
    assert!(head >= 8, "history wrote {head} entries");
    assert_eq!(verdict(&p).await, None);
    let report = verify_log(&p.db, None).await.unwrap();
    assert_eq!(report.entries_checked, head);
    assert!(report.summary().starts_with("Audit log intact"));

    // Edited in place.
    let original = entry(&p, 5).await;
    exec(
        &p,
        "update audit_event set detail = '{\"note\":\"nothing to see\"}' where seq = 5",
    )
    .await;
    let (seq, message) = verdict(&p).await.expect("edit detected");
    assert_eq!(seq, 5);
    assert!(message.contains("edited"), "{message}");
    exec(&p, "delete from audit_event where seq = 5").await;
    put_back(&p, &original).await;
    assert_eq!(verdict(&p).await, None);

    // Deleted from the middle.
    exec(&p, "delete from audit_event where seq = 4").await;
    let (seq, message) = verdict(&p).await.expect("deletion detected");
    assert_eq!(seq, 4);
    assert!(message.contains("entry 4 is missing"), "{message}");

    // Inserted: a forged entry with a correct hash of its own, linked to entry 3, at seq 4.
    let three = entry(&p, 3).await;
    let mut forged = three.clone();
    forged.seq = 4;
    forged.action = "user.role_changed".into();
    forged.detail = "{\"after\":\"admin\"}".into();
    forged.prev_hash = three.hash.clone();
    forged.hash = Canonical::from(&forged).hash(&forged.prev_hash);
    put_back(&p, &forged).await;
    let (seq, message) = verdict(&p).await.expect("insertion detected");
    assert_eq!(seq, 4, "{message}");
    assert!(message.contains("inserted"), "{message}");
    exec(&p, "delete from audit_event where seq = 4").await;

    // Rows added after the head.
    let last = entry(&p, head).await;
    let mut extra = last.clone();
    extra.seq = head + 1;
    extra.prev_hash = last.hash.clone();
    extra.hash = Canonical::from(&extra).hash(&extra.prev_hash);
    put_back(&p, &extra).await;
    // (entry 4 is still missing; the first problem is named first)
    assert_eq!(verdict(&p).await.unwrap().0, 4);
});

both_databases!(
    signed_checkpoints_catch_a_consistent_rewrite,
    |p| async move {
        history(&p).await;
        let signed = audit::checkpoint(&p).await.unwrap().unwrap();
        // Someone rewrites entry 3 and re-hashes every later entry and the head: the chain is
        // consistent again, but the checkpoint's signed hash no longer matches.
        let entries = audit_store::entries_after(&p.db, 0, 10_000).await.unwrap();
        let mut prev = entries[1].hash.clone();
        for e in entries.iter().skip(2) {
            let mut e = e.clone();
            if e.seq == 3 {
                e.actor_label = "mallory".into();
            }
            e.prev_hash = prev.clone();
            e.hash = Canonical::from(&e).hash(&e.prev_hash);
            exec(
                &p,
                &format!("delete from audit_event where seq = {}", e.seq),
            )
            .await;
            put_back(&p, &e).await;
            prev = e.hash.clone();
        }
        exec(
            &p,
            &format!("update audit_head set hash = '{prev}' where audit_head_id = 1"),
        )
        .await;
        let (seq, message) = verdict(&p).await.expect("rewrite detected");
        assert_eq!(seq, signed.seq);
        assert!(
            message.contains("rewritten somewhere in entries 1 to"),
            "{message}"
        );

        // Rewriting the checkpoint's hash too makes it all consistent, except for the signature.
        exec(
            &p,
            &format!(
                "update audit_checkpoint set hash = '{}' where seq = {}",
                entry(&p, signed.seq).await.hash,
                signed.seq
            ),
        )
        .await;
        assert_eq!(
            verify_log(&p.db, None).await.unwrap().problem,
            None,
            "without the key nothing shows"
        );
        let (seq, message) = verdict(&p).await.expect("re-signed checkpoint detected");
        assert_eq!(seq, signed.seq);
        assert!(message.contains("forged or altered"), "{message}");
    }
);

both_databases!(deleting_the_end_of_the_log_is_caught, |p| async move {
    history(&p).await;
    let signed = audit::checkpoint(&p).await.unwrap().unwrap();
    exec(
        &p,
        &format!("delete from audit_event where seq >= {}", signed.seq - 1),
    )
    .await;
    let (seq, message) = verdict(&p).await.expect("truncation detected");
    assert_eq!(seq, signed.seq - 1);
    assert!(message.contains("end of the log was deleted"), "{message}");
    // Moving the head back as well: the signed checkpoint past the end still shows it.
    let last = entry(&p, signed.seq - 2).await;
    exec(
        &p,
        &format!(
            "update audit_head set seq = {}, hash = '{}' where audit_head_id = 1",
            last.seq, last.hash
        ),
    )
    .await;
    let (seq, message) = verdict(&p).await.expect("truncation detected");
    assert_eq!(seq, signed.seq - 1);
    assert!(
        message.contains("signed in a checkpoint but are missing"),
        "{message}"
    );
});

both_databases!(a_forged_checkpoint_is_refused, |p| async move {
    history(&p).await;
    let signed = audit::checkpoint(&p).await.unwrap().unwrap();
    exec(
        &p,
        &format!(
            "update audit_checkpoint set signature = '{}' where seq = {}",
            "ab".repeat(64),
            signed.seq
        ),
    )
    .await;
    let (seq, message) = verdict(&p).await.expect("forged checkpoint detected");
    assert_eq!(seq, signed.seq);
    assert!(message.contains("forged or altered"), "{message}");
    // A second checkpoint is only made when the head moves.
    assert!(audit::checkpoint(&p).await.unwrap().is_none());
});

/// The verdict reading three sequence numbers at a time, which must be the whole-log verdict.
async fn verdict_in_small_ranges(p: &Platform) -> Option<(i64, String)> {
    let key = p.audit_key.as_ref().unwrap().verifying_key();
    let small = verify_log_in_ranges(&p.db, Some(&key), 3).await.unwrap();
    let whole = verify_log(&p.db, Some(&key)).await.unwrap();
    assert_eq!(small, whole, "ranges of 3 and of {RANGE} disagree");
    small.problem.map(|pr| (pr.seq, pr.message))
}

both_databases!(tampering_at_the_edges_of_ranges_is_named, |p| async move {
    // Ranges of 3 are (0, 3], (3, 6], (6, 9], …: entry 4 opens one, entry 6 closes one.
    history(&p).await;
    audit::checkpoint(&p).await.unwrap().expect("a checkpoint");
    history_more(&p).await;
    audit::checkpoint(&p)
        .await
        .unwrap()
        .expect("a second checkpoint");
    assert_eq!(verdict_in_small_ranges(&p).await, None);
    let key = p.audit_key.as_ref().unwrap().verifying_key();
    let report = verify_log_in_ranges(&p.db, Some(&key), 3).await.unwrap();
    assert_eq!(report.entries_checked, report.head_seq);
    assert_eq!(report.checkpoints_checked, 2);

    // The first entry of a range edited.
    let four = entry(&p, 4).await;
    exec(
        &p,
        "update audit_event set actor_label = 'mallory' where seq = 4",
    )
    .await;
    let (seq, message) = verdict_in_small_ranges(&p).await.expect("edit detected");
    assert_eq!(seq, 4);
    assert!(message.contains("edited"), "{message}");
    exec(&p, "delete from audit_event where seq = 4").await;
    put_back(&p, &four).await;

    // The first entry of a range deleted, then the whole range.
    exec(&p, "delete from audit_event where seq = 4").await;
    let (seq, message) = verdict_in_small_ranges(&p)
        .await
        .expect("deletion detected");
    assert_eq!(
        (seq, message.contains("entry 4 is missing")),
        (4, true),
        "{message}"
    );
    let (five, six) = (entry(&p, 5).await, entry(&p, 6).await);
    exec(&p, "delete from audit_event where seq in (5, 6)").await;
    let (seq, message) = verdict_in_small_ranges(&p)
        .await
        .expect("deletion detected");
    assert_eq!(seq, 4);
    assert!(message.contains("entries 4 to 6 are missing"), "{message}");
    for e in [&four, &five] {
        put_back(&p, e).await;
    }

    // The last entry of a range replaced by a forgery with a correct hash of its own: the
    // next range's first entry no longer links to it.
    let mut forged = six.clone();
    forged.detail = "{\"after\":\"admin\"}".into();
    forged.hash = Canonical::from(&forged).hash(&forged.prev_hash);
    put_back(&p, &forged).await;
    let (seq, message) = verdict_in_small_ranges(&p)
        .await
        .expect("insertion detected");
    assert_eq!(seq, 6, "{message}");
    assert!(message.contains("inserted"), "{message}");
    exec(&p, "delete from audit_event where seq = 6").await;
    put_back(&p, &six).await;
    assert_eq!(verdict_in_small_ranges(&p).await, None);
});

/// More history after the first checkpoint, so two checkpoints fall in different ranges.
async fn history_more(p: &Platform) {
    let bob = person(p, "bob", "analyst").await;
    let c = CaseInput {
        title: "Beaconing host".into(),
        severity: "medium".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let case = cases::open(p, &bob, c).await.unwrap();
    for i in 0..3 {
        cases::add_note(p, &bob, case.case_id, &format!("Beacon note {i}"))
            .await
            .unwrap();
    }
}

/// Only SQLite lets a column hold a value of another type than it was declared with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_of_the_wrong_type_is_named_as_an_edit() {
    run_on("sqlite", |p| async move {
        history(&p).await;
        exec(
            &p,
            "update audit_event set detail = cast(detail as blob) where seq = 5",
        )
        .await;
        let (seq, message) = verdict(&p).await.expect("edit detected");
        assert_eq!(seq, 5);
        assert!(message.contains("edited"), "{message}");
    })
    .await;
}

both_databases!(the_audit_log_page_filters_and_pages, |p| async move {
    let (alice, case_id, _) = history(&p).await;
    let manager = person(&p, "maria", "manager").await;
    let auditor = person(&p, "aud", "auditor").await;
    let all = audit::log(&p, &manager, &AuditFilter::default(), None)
        .await
        .unwrap();
    assert!(
        all.entries.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );

    let notes = AuditFilter {
        actor: Some("alice".into()),
        action: Some("case".into()),
        ..Default::default()
    };
    let page = audit::log(&p, &auditor, &notes, None).await.unwrap();
    assert!(page.entries.len() >= 6);
    assert!(
        page.entries
            .iter()
            .all(|e| e.actor_label == "alice" && e.action.starts_with("case."))
    );

    let object = AuditFilter {
        object_type: Some("case".into()),
        object_id: Some(case_id.to_string()),
        ..Default::default()
    };
    let page = audit::log(&p, &auditor, &object, None).await.unwrap();
    assert!(
        page.entries
            .iter()
            .all(|e| e.object_id.as_deref() == Some(&*case_id.to_string()))
    );

    // The manual clock stands in 2027; a period in 2020 holds nothing.
    let old = AuditFilter {
        from: Some("2020-01-01".into()),
        to: Some("2020-12-31".into()),
        ..Default::default()
    };
    assert!(
        audit::log(&p, &auditor, &old, None)
            .await
            .unwrap()
            .entries
            .is_empty()
    );
    let bad = AuditFilter {
        from: Some("yesterday".into()),
        ..Default::default()
    };
    assert!(
        matches!(audit::log(&p, &auditor, &bad, None).await, Err(Error::Invalid(m)) if m.contains("yesterday"))
    );
    assert!(matches!(
        audit::log(&p, &alice, &AuditFilter::default(), None).await,
        Err(Error::Forbidden(_))
    ));

    // Keyset paging: 120 more entries, three pages of 50, no overlap.
    for i in 0..120 {
        cases::add_note(&p, &alice, case_id, &format!("more {i}"))
            .await
            .unwrap();
    }
    let first = audit::log(&p, &auditor, &AuditFilter::default(), None)
        .await
        .unwrap();
    assert_eq!(first.entries.len(), 50);
    let second = audit::log(&p, &auditor, &AuditFilter::default(), first.next_before)
        .await
        .unwrap();
    assert_eq!(second.entries[0].seq, first.entries[49].seq - 1);

    // Auditors read everything and change nothing; what anyone searches for is recorded.
    assert!(matches!(
        cases::add_note(&p, &auditor, case_id, "hello").await,
        Err(Error::Forbidden(_))
    ));
    let q = app::search::SearchQuery {
        q: "Phishing".into(),
        ..Default::default()
    };
    app::search::service::search(&p, &auditor, &q)
        .await
        .unwrap();
    let searched = audit::log(
        &p,
        &auditor,
        &AuditFilter {
            action: Some("search".into()),
            ..Default::default()
        },
        None,
    )
    .await
    .unwrap();
    assert!(searched.entries[0].detail.contains("Phishing"));

    // Verifying from the page is itself audited, and managers may not export.
    assert!(audit::verify(&p, &auditor).await.unwrap().is_intact());
    assert!(
        audit_actions(&p)
            .await
            .contains(&"audit.verified".to_owned())
    );
    assert!(matches!(
        exports::audit_log(&p, &manager, &AuditFilter::default(), true).await,
        Err(Error::Forbidden(_))
    ));
});

async fn collect(e: exports::Export) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = e.body;
    while let Some(b) = body.next().await {
        out.extend_from_slice(&b.unwrap());
    }
    out
}

both_databases!(exports_are_recorded_and_streamed, |p| async move {
    let (alice, _, number) = history(&p).await;
    let auditor = person(&p, "aud", "auditor").await;
    for i in 0..1_100 {
        cases::add_note(&p, &alice, 1, &format!("bulk {i}"))
            .await
            .unwrap();
    }
    let jsonl = collect(
        exports::audit_log(&p, &auditor, &AuditFilter::default(), false)
            .await
            .unwrap(),
    )
    .await;
    let lines: Vec<&str> = std::str::from_utf8(&jsonl).unwrap().lines().collect();
    // Every entry up to and including the export's own record, across two pages.
    assert!(lines.len() > 1_100, "{}", lines.len());
    let last: app::audit::AuditEntry = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last.action, "audit.exported");

    let csv = collect(
        exports::audit_log(
            &p,
            &auditor,
            &AuditFilter {
                action: Some("case.note_added".into()),
                ..Default::default()
            },
            true,
        )
        .await
        .unwrap(),
    )
    .await;
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("seq,occurred_at,actor,actor_ip,action,"));
    assert_eq!(text.lines().count(), 1 + 1_105, "header and every note");

    let cases_csv = collect(
        exports::cases_csv(
            &p,
            &auditor,
            CaseFilter {
                status: Some("open".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap(),
    )
    .await;
    let text = String::from_utf8(cases_csv).unwrap();
    assert!(text.lines().nth(1).unwrap().starts_with(&number));
    assert!(matches!(
        exports::cases_csv(
            &p,
            &auditor,
            CaseFilter {
                status: Some("sleeping".into()),
                ..Default::default()
            }
        )
        .await,
        Err(Error::Invalid(_))
    ));
    let alerts_csv = collect(
        exports::alerts_csv(&p, &auditor, Default::default())
            .await
            .unwrap(),
    )
    .await;
    assert!(
        String::from_utf8(alerts_csv)
            .unwrap()
            .starts_with("alert_id,source,rule,title")
    );
    let actions = audit_actions(&p).await;
    for a in ["audit.exported", "cases.exported", "alerts.exported"] {
        assert!(actions.contains(&a.to_owned()), "{a}");
    }
    assert_eq!(
        app::exports::csv::cell("=HYPERLINK(\"x\")"),
        "'=HYPERLINK(\"x\")"
    );
});

both_databases!(
    a_case_bundle_verifies_offline_and_names_what_changed,
    |p| async move {
        let (alice, case_id, number) = history(&p).await;
        let content = b"MZ fake sample".repeat(10_000);
        let meta = EvidenceMeta {
            file_name: "dropper.exe".into(),
            description: "Attachment of the lure".into(),
            collected_from: "mail gateway".into(),
            acquired_at: "2027-01-15T07:30:00Z".into(),
            ..Default::default()
        };
        let blocks = futures::stream::iter(vec![Ok::<_, String>(Bytes::from(content.clone()))]);
        let item = evidence::upload(&p, &alice, &number, &meta, blocks)
            .await
            .unwrap();
        let auditor = person(&p, "aud", "auditor").await;

        let bundle = exports::case_bundle(&p, &auditor, case_id, true)
            .await
            .unwrap();
        assert_eq!(bundle.file_name, format!("{number}-bundle.zip"));
        let bytes = collect(bundle).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.zip");
        std::fs::write(&path, &bytes).unwrap();
        let key = p.audit_key.as_ref().unwrap().verifying_key();
        let report = verify_bundle_file(&path, Some(&key)).unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        for f in [
            "case.json",
            "timeline.csv",
            "observables.csv",
            "custody.csv",
            "audit.jsonl",
            "manifest.json",
        ] {
            assert!(
                report.checked.iter().any(|c| c.contains(f)),
                "{f}: {:?}",
                report.checked
            );
        }
        assert!(
            report
                .checked
                .iter()
                .any(|c| c.contains("matches the SHA-256 recorded at collection"))
        );

        // The bundle holds the evidence as uploaded, and its export is on the chain of custody.
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        let name = format!("evidence/{}-dropper.exe", item.evidence_id);
        let mut held = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(&name).unwrap(), &mut held).unwrap();
        assert_eq!(held, content);
        let record = evidence::record_of(&p, &auditor, item.evidence_id)
            .await
            .unwrap();
        assert!(
            record
                .custody
                .iter()
                .any(|c| c.action.as_str() == "exported")
        );
        let actions = audit_actions(&p).await;
        assert!(
            actions.contains(&"case.exported".to_owned())
                && actions.contains(&"evidence.export".to_owned())
        );

        // Change one file, keeping everything else: the verifier names it.
        let tampered = dir.path().join("tampered.zip");
        {
            let mut out = zip::ZipWriter::new(std::fs::File::create(&tampered).unwrap());
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).unwrap();
                let name = f.name().unwrap().into_owned();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut data).unwrap();
                if name == "timeline.csv" {
                    data.extend_from_slice(
                        b"999,2027-01-01T00:00:00Z,,note,forged,,,,,,,mallory\n",
                    );
                }
                out.start_file(name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                out.write_all(&data).unwrap();
            }
            out.finish().unwrap();
        }
        let report = verify_bundle_file(&tampered, Some(&key)).unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0].starts_with("timeline.csv: SHA-256 is"),
            "{:?}",
            report.problems
        );

        // Another installation's key does not accept it.
        let other = app::platform::AuditKey::generate().verifying_key();
        let report = verify_bundle_file(&path, Some(&other)).unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|m| m.contains("different signing key")),
            "{:?}",
            report.problems
        );

        // Analysts may not export bundles.
        assert!(matches!(
            exports::case_bundle(&p, &alice, case_id, false).await,
            Err(Error::Forbidden(_))
        ));
    }
);
