//! Evidence locker service tests, each on SQLite and PostgreSQL and on both stores (a local
//! directory and the object-store path): hashing on arrival, limits and interrupted uploads
//! leaving nothing behind, the chain of custody, disposal with approval and legal hold,
//! tamper detection at download, and the encrypted sample zip.

use std::io::Read as _;

use app::{
    accounts::service as accounts,
    audit::store as audit_store,
    cases::{CaseInput, EventKind, TimelineFilter, service as cases},
    every_store,
    evidence::{
        CustodyAction, CustodyInput, EvidenceMeta,
        service::{self as evidence, Packaging},
    },
    platform::{Actor, Error, Platform},
    testing::*,
};
use bytes::Bytes;
use futures::{StreamExt as _, stream};

async fn person(p: &Platform, name: &str, role: &str) -> Actor {
    let tier = (role == "analyst").then_some(2);
    add_user(p, name, role, tier).await;
    sign_in(p, name).await.1
}

async fn open_case(p: &Platform, actor: &Actor, title: &str) -> (i64, String) {
    let c = CaseInput {
        title: title.into(),
        description: "Ransomware note found on a file server".into(),
        severity: "high".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let case = cases::open(p, actor, c).await.unwrap();
    (case.case_id, case.number)
}

fn meta(name: &str) -> EvidenceMeta {
    EvidenceMeta {
        file_name: name.into(),
        description: "Memory of the file server".into(),
        collected_from: "FS-01".into(),
        acquired_at: "2027-01-15T07:30:00Z".into(),
        ..Default::default()
    }
}

/// `content` as a stream of blocks of `block` bytes, as a request body arrives.
fn body(
    content: &[u8],
    block: usize,
) -> impl futures::Stream<Item = Result<Bytes, String>> + Unpin {
    let blocks: Vec<Result<Bytes, String>> = content
        .chunks(block.max(1))
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    stream::iter(blocks)
}

async fn read_all(d: evidence::Download) -> Result<Vec<u8>, std::io::Error> {
    let mut out = Vec::new();
    let mut s = d.body;
    while let Some(block) = s.next().await {
        out.extend_from_slice(&block?);
    }
    Ok(out)
}

fn actions(r: &app::evidence::EvidenceRecord) -> Vec<CustodyAction> {
    r.custody.iter().map(|e| e.action).collect()
}

fn sample() -> Vec<u8> {
    (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect()
}

every_store!(upload_is_hashed_on_arrival_and_recorded, |p| async move {
    let alice = person(&p, "alice", "analyst").await;
    let (case_id, number) = open_case(&p, &alice, "Ransomware on FS-01").await;
    let content = b"abc".repeat(100_000);
    let item = evidence::upload(
        &p,
        &alice,
        &number,
        &meta("fs01.mem"),
        body(&content, 7_000),
    )
    .await
    .unwrap();
    use sha2::Digest as _;
    assert_eq!(item.sha256, hex::encode(sha2::Sha256::digest(&content)));
    assert_eq!(item.sha1, hex::encode(sha1::Sha1::digest(&content)));
    assert_eq!(item.md5, hex::encode(md5::Md5::digest(&content)));
    assert_eq!(item.size_bytes, 300_000);
    assert_eq!(item.file_name, "fs01.mem");
    assert_eq!(item.custodian, "alice");
    assert_eq!(item.collected_by, "alice");
    assert_eq!(item.acquired_at, Some(1_799_998_200_000));
    assert_eq!(
        p.locker.staging_files(),
        0,
        "the staging file was moved, not left"
    );

    let r = evidence::record_of(&p, &alice, item.evidence_id)
        .await
        .unwrap();
    assert_eq!(
        actions(&r),
        [CustodyAction::Collected, CustodyAction::Received]
    );
    assert_eq!(r.custody[0].from_party.as_deref(), Some("FS-01"));
    assert_eq!(r.custody[0].occurred_at, item.acquired_at.unwrap());
    assert_eq!(r.custody[1].recorded_from_ip.as_deref(), Some("192.0.2.10"));

    let (timeline, _) = cases::timeline(&p, &alice, case_id, &TimelineFilter::default(), None)
        .await
        .unwrap();
    let added = timeline
        .iter()
        .find(|e| e.kind == EventKind::EvidenceAdded)
        .expect("timeline entry");
    assert!(added.summary.contains(&item.sha256), "{}", added.summary);
    assert!(
        audit_actions(&p)
            .await
            .contains(&"evidence.upload".to_owned())
    );

    let d = evidence::download(&p, &alice, item.evidence_id, Packaging::Original)
        .await
        .unwrap();
    assert_eq!(d.file_name, "fs01.mem");
    assert_eq!(read_all(d).await.unwrap(), content);
    let r = evidence::record_of(&p, &alice, item.evidence_id)
        .await
        .unwrap();
    assert_eq!(
        actions(&r)[2..],
        [CustodyAction::Downloaded, CustodyAction::HashVerified]
    );
    assert!(r.item.integrity_checked_at.is_some());
});

every_store!(
    oversized_and_interrupted_uploads_leave_nothing,
    |p| async move {
        let alice = person(&p, "alice", "analyst").await;
        let (case_id, number) = open_case(&p, &alice, "Exfiltration").await;
        let big = vec![7u8; TEST_MAX_EVIDENCE_BYTES as usize + 1];
        let err = evidence::upload(
            &p,
            &alice,
            &number,
            &meta("big.pcap"),
            body(&big, 64 * 1024),
        )
        .await
        .unwrap_err();
        assert_eq!(err.status(), 413, "{err}");
        assert!(err.to_string().contains("1.0 MiB"), "{err}");

        let cut = stream::iter(vec![
            Ok(Bytes::from_static(b"first part of the capture")),
            Err("connection reset by peer".to_owned()),
        ]);
        let err = evidence::upload(&p, &alice, &number, &meta("cut.pcap"), cut)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err}");
        assert!(err.to_string().contains("interrupted"), "{err}");

        assert_eq!(p.locker.staging_files(), 0, "partial files are deleted");
        assert!(
            evidence::list(&p, &alice, case_id, None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            !audit_actions(&p)
                .await
                .contains(&"evidence.upload".to_owned())
        );
        // Exactly at the limit is fine.
        let exact = vec![1u8; TEST_MAX_EVIDENCE_BYTES as usize];
        evidence::upload(
            &p,
            &alice,
            &number,
            &meta("exact.bin"),
            body(&exact, 100_000),
        )
        .await
        .unwrap();
    }
);

every_store!(
    file_names_cannot_traverse_and_bad_metadata_stores_nothing,
    |p| async move {
        let alice = person(&p, "alice", "analyst").await;
        let (case_id, number) = open_case(&p, &alice, "Phishing").await;
        let item = evidence::upload(
            &p,
            &alice,
            &number,
            &meta("../../../etc/cron.d/evil"),
            body(b"* * * * * root sh", 4),
        )
        .await
        .unwrap();
        assert_eq!(item.file_name, "evil");
        for (name, kind, when) in [
            ("..", "log", ""),
            ("ok.log", "floppy_disk", ""),
            ("ok.log", "log", "next tuesday"),
        ] {
            let m = EvidenceMeta {
                file_name: name.into(),
                kind: kind.into(),
                acquired_at: when.into(),
                ..Default::default()
            };
            let err = evidence::upload(&p, &alice, &number, &m, body(b"x", 1))
                .await
                .unwrap_err();
            assert!(
                matches!(err, Error::Invalid(_)),
                "{name}/{kind}/{when}: {err}"
            );
        }
        assert_eq!(
            evidence::list(&p, &alice, case_id, None)
                .await
                .unwrap()
                .len(),
            1
        );
        let err = evidence::upload(&p, &alice, "CF-1999-000001", &meta("a.log"), body(b"x", 1))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err}");
    }
);

every_store!(custody_changes_are_appended_and_checked, |p| async move {
    let alice = person(&p, "alice", "analyst").await;
    let bob = person(&p, "bob", "analyst").await;
    let audrey = person(&p, "audrey", "auditor").await;
    let (_, number) = open_case(&p, &alice, "Insider").await;
    let item = evidence::upload(
        &p,
        &alice,
        &number,
        &meta("laptop.E01"),
        body(&sample(), 65_536),
    )
    .await
    .unwrap();
    let id = item.evidence_id;
    let to_lab = CustodyInput {
        party: "Forensics lab (Acme Ltd)".into(),
        reason: "Full disk analysis".into(),
        ..Default::default()
    };
    let no_reason = CustodyInput {
        reason: String::new(),
        ..to_lab.clone()
    };
    let err = evidence::transfer(&p, &alice, id, &no_reason)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("reason"), "{err}");
    let future = CustodyInput {
        occurred_at: "2099-01-01T00:00:00Z".into(),
        ..to_lab.clone()
    };
    assert!(matches!(
        evidence::transfer(&p, &alice, id, &future)
            .await
            .unwrap_err(),
        Error::Invalid(_)
    ));
    let err = evidence::transfer(&p, &audrey, id, &to_lab)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Forbidden(_)),
        "auditors only read: {err}"
    );

    let after = evidence::transfer(&p, &alice, id, &to_lab).await.unwrap();
    assert_eq!(after.custodian, "Forensics lab (Acme Ltd)");
    let back = evidence::receive(&p, &bob, id, &CustodyInput::default())
        .await
        .unwrap();
    assert_eq!(back.custodian, "bob");

    evidence::set_sealed(&p, &bob, id, true, "Seal 00412")
        .await
        .unwrap();
    let err = evidence::download(&p, &audrey, id, Packaging::Original)
        .await
        .err()
        .expect("sealed");
    assert!(err.to_string().contains("sealed"), "{err}");
    assert!(matches!(
        evidence::set_sealed(&p, &bob, id, true, "again")
            .await
            .unwrap_err(),
        Error::Conflict(_)
    ));
    evidence::set_sealed(&p, &bob, id, false, "Court-ordered examination")
        .await
        .unwrap();
    // Auditors may download (recorded on the chain).
    let d = evidence::download(&p, &audrey, id, Packaging::Original)
        .await
        .unwrap();
    assert_eq!(read_all(d).await.unwrap(), sample());

    let r = evidence::record_of(&p, &audrey, id).await.unwrap();
    assert_eq!(
        actions(&r),
        [
            CustodyAction::Collected,
            CustodyAction::Received,
            CustodyAction::Transferred,
            CustodyAction::Received,
            CustodyAction::Sealed,
            CustodyAction::Unsealed,
            CustodyAction::Downloaded,
            CustodyAction::HashVerified,
        ]
    );
    let t = &r.custody[2];
    assert_eq!(t.from_party.as_deref(), Some("alice"));
    assert_eq!(t.to_party.as_deref(), Some("Forensics lab (Acme Ltd)"));
    assert_eq!(
        r.custody[3].from_party.as_deref(),
        Some("Forensics lab (Acme Ltd)")
    );
    assert_eq!(r.custody[6].recorded_by, "audrey");
    assert!(!r.can_change_custody && r.can_download);
    let log = audit_actions(&p).await;
    for a in [
        "evidence.transfer",
        "evidence.receive",
        "evidence.seal",
        "evidence.unseal",
        "evidence.download",
    ] {
        assert!(log.contains(&a.to_owned()), "{a} audited");
    }
});

every_store!(
    the_database_refuses_to_rewrite_evidence_or_custody,
    |p| async move {
        let alice = person(&p, "alice", "analyst").await;
        let (_, number) = open_case(&p, &alice, "Tamper").await;
        let item = evidence::upload(&p, &alice, &number, &meta("a.log"), body(b"log line", 3))
            .await
            .unwrap();
        let attempts = [
            "update evidence set sha256 = 'ffff' where evidence_id = $1",
            "update evidence set size_bytes = 1 where evidence_id = $1",
            "delete from evidence where evidence_id = $1",
            "update custody_event set reason = 'rewritten' where evidence_id = $1",
            "delete from custody_event where evidence_id = $1",
        ];
        for sql in attempts {
            let res = app::on_pool!(&p.db, |pool| sqlx::query(sql)
                .bind(item.evidence_id)
                .execute(pool)
                .await
                .map(|_| ()));
            let err = res.expect_err(sql).to_string();
            assert!(
                err.contains("immutable")
                    || err.contains("append-only")
                    || err.contains("never deleted"),
                "{sql}: {err}"
            );
        }
        let r = evidence::record_of(&p, &alice, item.evidence_id)
            .await
            .unwrap();
        assert_eq!(r.item.sha256, item.sha256);
        assert_eq!(r.custody.len(), 2);
    }
);

every_store!(
    disposal_needs_another_managers_approval_and_no_legal_hold,
    |p| async move {
        let alice = person(&p, "alice", "analyst").await;
        let mona = person(&p, "mona", "manager").await;
        let max = person(&p, "max", "manager").await;
        let (case_id, number) = open_case(&p, &alice, "Old phishing").await;
        let (_, other_number) = open_case(&p, &alice, "Same attachment elsewhere").await;
        let item = evidence::upload(
            &p,
            &alice,
            &number,
            &meta("invoice.pdf"),
            body(&sample(), 10_000),
        )
        .await
        .unwrap();
        let twin = evidence::upload(
            &p,
            &alice,
            &other_number,
            &meta("copy.pdf"),
            body(&sample(), 9_999),
        )
        .await
        .unwrap();
        assert_eq!(item.sha256, twin.sha256, "same content, stored once");
        let id = item.evidence_id;

        cases::set_legal_hold(&p, &mona, case_id, true, "Litigation 2027-044")
            .await
            .unwrap();
        let err = evidence::request_disposal(&p, &alice, id, "Retention ended")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("legal hold"), "{err}");
        let err = cases::set_legal_hold(&p, &alice, case_id, false, "mine")
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(_)),
            "analysts cannot lift holds: {err}"
        );
        cases::set_legal_hold(&p, &mona, case_id, false, "Matter closed")
            .await
            .unwrap();

        assert!(matches!(
            evidence::request_disposal(&p, &alice, id, " ")
                .await
                .unwrap_err(),
            Error::Invalid(_)
        ));
        evidence::request_disposal(&p, &mona, id, "Retention ended")
            .await
            .unwrap();
        let err = evidence::decide_disposal(&p, &mona, id, true, "ok")
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(_)),
            "no self-approval: {err}"
        );
        let err = evidence::decide_disposal(&p, &alice, id, true, "ok")
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden(_)),
            "analysts cannot approve: {err}"
        );
        // A hold placed while the request waits blocks the approval too.
        cases::set_legal_hold(&p, &max, case_id, true, "New request")
            .await
            .unwrap();
        let err = evidence::decide_disposal(&p, &max, id, true, "ok")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("legal hold"), "{err}");
        evidence::decide_disposal(&p, &max, id, false, "Held again")
            .await
            .unwrap();
        cases::set_legal_hold(&p, &max, case_id, false, "Released")
            .await
            .unwrap();

        evidence::request_disposal(&p, &alice, id, "Retention ended")
            .await
            .unwrap();
        let disposed = evidence::decide_disposal(&p, &max, id, true, "Approved per policy 7.2")
            .await
            .unwrap();
        assert!(disposed.disposed());
        let err = evidence::download(&p, &alice, id, Packaging::Original)
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("disposed"), "{err}");
        assert!(matches!(
            evidence::transfer(
                &p,
                &alice,
                id,
                &CustodyInput {
                    party: "x".into(),
                    reason: "y".into(),
                    ..Default::default()
                }
            )
            .await
            .unwrap_err(),
            Error::Conflict(_)
        ));
        // The other case's copy still downloads: the shared content was kept.
        let d = evidence::download(&p, &alice, twin.evidence_id, Packaging::Original)
            .await
            .unwrap();
        assert_eq!(read_all(d).await.unwrap(), sample());
        let r = evidence::record_of(&p, &alice, id).await.unwrap();
        assert_eq!(
            actions(&r)[2..],
            [
                CustodyAction::DisposalRequested,
                CustodyAction::DisposalRejected,
                CustodyAction::DisposalRequested,
                CustodyAction::Disposed,
            ]
        );

        // Disposing of the last holder deletes the content.
        evidence::request_disposal(&p, &alice, twin.evidence_id, "Duplicate")
            .await
            .unwrap();
        evidence::decide_disposal(&p, &max, twin.evidence_id, true, "ok")
            .await
            .unwrap();
        assert!(p.locker.read(&twin.sha256).await.is_err());
    }
);

every_store!(tampered_content_is_caught_at_download, |p| async move {
    let alice = person(&p, "alice", "analyst").await;
    let (case_id, number) = open_case(&p, &alice, "Webshell").await;
    let content = sample();
    let item = evidence::upload(
        &p,
        &alice,
        &number,
        &meta("shell.php"),
        body(&content, 50_000),
    )
    .await
    .unwrap();
    let mut altered = content.clone();
    altered[123_456] ^= 0xff;
    p.locker.tamper(&item.sha256, altered).await;

    let d = evidence::download(&p, &alice, item.evidence_id, Packaging::Original)
        .await
        .unwrap();
    let got = read_all(d).await;
    assert!(got.is_err(), "the download must not complete");

    let r = evidence::record_of(&p, &alice, item.evidence_id)
        .await
        .unwrap();
    assert!(!r.item.intact);
    let last = r.custody.last().unwrap();
    assert_eq!(last.action, CustodyAction::HashMismatch);
    assert!(last.detail.contains(&item.sha256), "{}", last.detail);
    let (timeline, _) = cases::timeline(&p, &alice, case_id, &TimelineFilter::default(), None)
        .await
        .unwrap();
    assert!(
        timeline
            .iter()
            .any(|e| e.kind == EventKind::EvidenceIntegrity && e.summary.contains("shell.php"))
    );
    assert!(
        audit_actions(&p)
            .await
            .contains(&"evidence.integrity_failed".to_owned())
    );
    // The case page's data carries the failure, which it shows as a warning at the top.
    let page =
        app::workspace::service::workspace(&p, &alice, &number, &TimelineFilter::default(), None)
            .await
            .unwrap();
    assert!(!page.evidence[0].intact);
    let err = evidence::download(&p, &alice, item.evidence_id, Packaging::Original)
        .await
        .err()
        .expect("refused once marked");
    assert!(err.to_string().contains("SHA-256"), "{err}");
    let err = evidence::download(&p, &alice, item.evidence_id, Packaging::MalwareZip)
        .await
        .err()
        .expect("zip refused too");
    assert!(matches!(err, Error::Conflict(_)));
});

every_store!(samples_download_in_an_encrypted_zip, |p| async move {
    let alice = person(&p, "alice", "analyst").await;
    let (_, number) = open_case(&p, &alice, "Loader").await;
    let content = b"MZ\x90\x00 not really a PE".repeat(1000);
    let m = EvidenceMeta {
        kind: "malware_sample".into(),
        ..meta("loader.exe")
    };
    let item = evidence::upload(&p, &alice, &number, &m, body(&content, 4096))
        .await
        .unwrap();
    let d = evidence::download(&p, &alice, item.evidence_id, Packaging::MalwareZip)
        .await
        .unwrap();
    assert_eq!(d.file_name, "loader.exe.zip");
    let zipped = read_all(d).await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zipped)).unwrap();
    assert!(
        archive.by_name("loader.exe").is_err(),
        "encrypted: no password, no content"
    );
    let mut inner = Vec::new();
    archive
        .by_name_decrypt("loader.exe", b"infected")
        .unwrap()
        .read_to_end(&mut inner)
        .unwrap();
    assert_eq!(inner, content);
    let r = evidence::record_of(&p, &alice, item.evidence_id)
        .await
        .unwrap();
    let downloaded = r
        .custody
        .iter()
        .find(|e| e.action == CustodyAction::Downloaded)
        .unwrap();
    assert!(downloaded.detail.contains("encrypted zip"));
    assert_eq!(
        r.custody.last().unwrap().action,
        CustodyAction::HashVerified
    );
});

every_store!(tokens_upload_and_read_by_scope, |p| async move {
    // Evidence tokens are a manager's to make: a token reaches no further than its maker.
    let root = person(&p, "mona", "manager").await;
    let alice = person(&p, "alice", "analyst").await;
    let (_, number) = open_case(&p, &alice, "EDR upload").await;
    let writer = accounts::create_token(&p, &root, "edr", &["evidence:write".into()], None)
        .await
        .unwrap()
        .token;
    let reader = accounts::create_token(&p, &root, "auditor-tool", &["evidence:read".into()], None)
        .await
        .unwrap()
        .token;
    let writer = accounts::actor_from_token(&p, &writer, None).await.unwrap();
    let reader = accounts::actor_from_token(&p, &reader, None).await.unwrap();
    let item = evidence::upload(&p, &writer, &number, &meta("triage.zip"), body(b"PK..", 2))
        .await
        .unwrap();
    assert_eq!(item.uploaded_by, "token:edr");
    assert!(matches!(
        evidence::upload(&p, &reader, &number, &meta("x.log"), body(b"x", 1))
            .await
            .unwrap_err(),
        Error::Forbidden(_)
    ));
    let d = evidence::download(&p, &reader, item.evidence_id, Packaging::Original)
        .await
        .unwrap();
    assert_eq!(read_all(d).await.unwrap(), b"PK..");
    let e = audit_store::entries_after(&p.db, 0, 1000).await.unwrap();
    assert!(
        e.iter()
            .any(|e| e.action == "evidence.download" && e.actor_label == "token:auditor-tool")
    );
});
