//! Backup and restore on SQLite and PostgreSQL: a backup taken while writes go on restores
//! into an empty target and verifies (rows, the audit chain, its head and signed checkpoints,
//! every evidence object); a target that is not empty, or a damaged backup, is refused before
//! anything is written.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use app::{
    both_databases,
    cases::{CaseInput, service as cases},
    evidence::{EvidenceMeta, service as evidence},
    platform::{AuditKey, Error, Locker, Platform, locker::Backend},
    testing::*,
};
use bytes::Bytes;
use server::backup::{self, RestoreTarget};

async fn open_case(p: &Platform, actor: &app::platform::Actor, title: &str) -> String {
    let input = CaseInput {
        title: title.into(),
        severity: "high".into(),
        ..Default::default()
    };
    cases::open(p, actor, input.check().unwrap())
        .await
        .unwrap()
        .number
}

/// An empty target of the same kind as `p`'s database.
async fn empty_target(p: &Platform) -> (TestDb, String) {
    match p.db {
        app::platform::Db::Sqlite(_) => TestDb::sqlite().await,
        app::platform::Db::Postgres(_) => TestDb::postgres().await,
    }
}

both_databases!(
    a_backup_taken_during_writes_restores_into_an_empty_target_and_verifies,
    |p| async move {
        let work = tempfile::tempdir().unwrap();
        let key_file = work.path().join("audit-signing.key");
        let p = p.with_audit_key(AuditKey::load_or_create(&key_file).unwrap());
        add_user(&p, "tara", "analyst", Some(2)).await;
        let tara = sign_in(&p, "tara").await.1;
        let number = open_case(&p, &tara, "Ransomware on FS-01").await;
        let content: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let meta = EvidenceMeta {
            file_name: "fs01.mem".into(),
            description: "Memory excerpt".into(),
            collected_from: "FS-01".into(),
            acquired_at: "2027-01-15T07:30:00Z".into(),
            ..Default::default()
        };
        let body = futures::stream::iter([Ok::<_, String>(Bytes::from(content.clone()))]);
        evidence::upload(&p, &tara, &number, &meta, body)
            .await
            .unwrap();
        app::audit::service::checkpoint(&p).await.unwrap();

        // Cases keep being opened while the backup runs.
        let stop = Arc::new(AtomicBool::new(false));
        let opened = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (p, tara, stop, opened) = (p.clone(), tara.clone(), stop.clone(), opened.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    open_case(&p, &tara, "Opened during the backup").await;
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        while opened.load(Ordering::Relaxed) < 3 {
            tokio::task::yield_now().await;
        }
        let saved = work.path().join("backup");
        let done = backup::backup(&p.db, &p.locker, Some(&key_file), &saved, p.clock.now())
            .await
            .unwrap();
        stop.store(true, Ordering::Relaxed);
        writer.await.unwrap();
        let m = &done.manifest;
        assert!(m.tables["incident_case"] >= 4, "{:?}", m.tables);
        assert_eq!(m.evidence_objects, 1);
        assert_eq!(m.evidence_bytes, content.len() as u64);
        assert!(m.audit_key_included);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "the backup is its owner's alone");
        }
        assert!(m.audit_head_seq > 0);
        assert!(
            opened.load(Ordering::Relaxed) as i64 + 1 >= m.tables["incident_case"],
            "the snapshot holds no case that was never opened"
        );

        // A restore into an empty target comes back identical, and says so.
        let (target_db, url) = empty_target(&p).await;
        let restored_key = work.path().join("restored").join("audit-signing.key");
        let store = Locker::temporary(Backend::Local, TEST_MAX_EVIDENCE_BYTES).unwrap();
        let target = RestoreTarget {
            url: &url,
            key_file: &restored_key,
        };
        let (back, differences) = backup::restore(&saved, target, &store).await.unwrap();
        assert_eq!(differences, Vec::<String>::new());
        assert_eq!(back.audit_head_seq, m.audit_head_seq);
        assert!(
            restored_key.exists(),
            "the key came back with --include-keys"
        );

        // The restored installation works: its cases read back, its evidence downloads
        // intact, and new work continues the audit chain.
        let db = app::platform::Db::connect(&url).await.unwrap();
        let q = Platform::new(
            db,
            app::platform::Clock::manual(p.clock.now() + 60_000),
            Default::default(),
            store.clone(),
            app::wiring::listeners(),
        )
        .with_audit_key(AuditKey::load_or_create(&restored_key).unwrap());
        let tara_again = sign_in(&q, "tara").await.1;
        let case = cases::find(&q, &tara_again, &number).await.unwrap();
        assert_eq!(case.title, "Ransomware on FS-01");
        let items = evidence::list(&q, &tara_again, case.case_id, None)
            .await
            .unwrap();
        assert_eq!(items.len(), 1);
        let mut download = evidence::download(
            &q,
            &tara_again,
            items[0].evidence_id,
            evidence::Packaging::Original,
        )
        .await
        .unwrap();
        let mut got = Vec::new();
        use futures::StreamExt as _;
        while let Some(block) = download.body.next().await {
            got.extend_from_slice(&block.unwrap());
        }
        assert_eq!(got, content);
        open_case(&q, &tara_again, "After the restore").await;
        let report = app::audit::verify::verify_log(&q.db, None).await.unwrap();
        assert!(report.is_intact(), "{}", report.summary());
        q.db.close().await;

        // A second restore into the same (now full) target is refused, and changes nothing.
        let again = RestoreTarget {
            url: &url,
            key_file: &restored_key,
        };
        let err = backup::restore(&saved, again, &store).await.unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(m) if m.contains("not empty")),
            "{err:?}"
        );
        target_db.drop_db().await;

        // A damaged backup is refused before anything is restored.
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(saved.join("manifest.json")).unwrap()).unwrap();
        let first = manifest["files"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        std::fs::write(saved.join(&first), b"edited").unwrap();
        let (other_db, other_url) = empty_target(&p).await;
        let fresh = RestoreTarget {
            url: &other_url,
            key_file: &work.path().join("other.key"),
        };
        let err = backup::restore(&saved, fresh, &store).await.unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(m) if m.contains("damaged") && m.contains(&first)),
            "{err:?}"
        );
        assert!(
            backup::target_is_empty(&other_url).await.unwrap(),
            "nothing was written"
        );
        other_db.drop_db().await;

        // Backing up into a directory that holds something is refused.
        let err = backup::backup(&p.db, &p.locker, None, &saved, p.clock.now())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }
);

fn casefile(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_casefile"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("CASEFILE_DATA_DIR")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

/// The README's commands, as an operator types them: back up a data directory, restore it into
/// a new one, check the restored audit log; a second restore over it is refused.
#[test]
fn the_backup_and_restore_commands_work_as_the_readme_shows() {
    let work = tempfile::tempdir().unwrap();
    let (live, saved, restored) = (
        work.path().join("live"),
        work.path().join("backup"),
        work.path().join("restored"),
    );
    let arg = |p: &std::path::Path| p.to_string_lossy().into_owned();
    let out = casefile(
        &[
            "user",
            "add",
            "--data-dir",
            &arg(&live),
            "--username",
            "root",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("a long enough passphrase\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = casefile(
        &[
            "backup",
            "--data-dir",
            &arg(&live),
            "--to",
            &arg(&saved),
            "--include-keys",
        ],
        None,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Backed up"), "{said}");
    let out = casefile(
        &[
            "restore",
            "--data-dir",
            &arg(&restored),
            "--from",
            &arg(&saved),
        ],
        None,
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Restored and verified"), "{said}");
    let out = casefile(&["audit", "verify", "--data-dir", &arg(&restored)], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = casefile(
        &[
            "restore",
            "--data-dir",
            &arg(&restored),
            "--from",
            &arg(&saved),
        ],
        None,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// SQLite to PostgreSQL: every row, the audit chain with its signed checkpoints and the same
/// head; the PostgreSQL side then carries on (its ids continue); a target that is not empty is
/// refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_installation_moves_to_postgresql_with_its_audit_chain() {
    let (source_db, source_url) = TestDb::sqlite().await;
    let work = tempfile::tempdir().unwrap();
    let key_file = work.path().join("audit-signing.key");
    let key = AuditKey::load_or_create(&key_file).unwrap();
    let p = platform(&source_url)
        .await
        .with_audit_key(AuditKey::load_or_create(&key_file).unwrap());
    add_user(&p, "tara", "analyst", Some(1)).await;
    let tara = sign_in(&p, "tara").await.1;
    for i in 0..30 {
        open_case(&p, &tara, &format!("Case {i}")).await;
    }
    app::audit::service::checkpoint(&p).await.unwrap();
    let number = open_case(&p, &tara, "The last one").await;

    let (target_db, target_url) = TestDb::postgres().await;
    let mut copied = Vec::new();
    let differences = backup::migrate::sqlite_to_postgres(&p.db, &target_url, Some(&key), |t| {
        copied.push((t.table.clone(), t.rows))
    })
    .await
    .unwrap();
    assert_eq!(differences, Vec::<String>::new());
    assert!(
        copied.contains(&("incident_case".to_owned(), 31)),
        "{copied:?}"
    );

    let q = platform(&target_url)
        .await
        .with_audit_key(AuditKey::load_or_create(&key_file).unwrap());
    let tara_again = sign_in(&q, "tara").await.1;
    assert_eq!(
        cases::find(&q, &tara_again, &number).await.unwrap().title,
        "The last one"
    );
    let next = open_case(&q, &tara_again, "First on PostgreSQL").await;
    assert!(next.ends_with("000032"), "numbers and ids continue: {next}");
    let report = app::audit::verify::verify_log(&q.db, Some(&key.verifying_key()))
        .await
        .unwrap();
    assert!(report.is_intact(), "{}", report.summary());
    assert!(
        report.checkpoints_checked >= 1,
        "the checkpoint's signature still holds"
    );

    let err = backup::migrate::sqlite_to_postgres(&p.db, &target_url, Some(&key), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(m) if m.contains("not empty")),
        "{err:?}"
    );
    q.db.close().await;
    p.db.close().await;
    target_db.drop_db().await;
    source_db.drop_db().await;
}
