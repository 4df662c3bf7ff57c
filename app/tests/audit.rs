//! Audit-log tests on SQLite and PostgreSQL: every change is chained, gap-free even when many
//! writers race, and the chain verifies.

use app::{
    audit::{
        chain::{GENESIS_HASH, verify_run},
        store::{NewAuditEvent, append, entries_after},
    },
    platform::Error,
};
use app::{both_databases, testing::*};

both_databases!(
    concurrent_writers_get_a_gap_free_verifiable_chain,
    |p| async move {
        let mut tasks = Vec::new();
        for i in 0..40 {
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = p.db.begin().await?;
                let event = NewAuditEvent {
                    action: "test.event",
                    object_type: "test",
                    object_id: Some(i.to_string()),
                    detail: serde_json::json!({ "i": i }),
                };
                append(&mut tx, &system(), p.clock.now(), event).await?;
                tx.commit().await?;
                Ok::<_, Error>(())
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let entries = entries_after(&p.db, 0, 1000).await.unwrap();
        assert_eq!(entries.len(), 40);
        assert_eq!(
            entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=40).collect::<Vec<_>>()
        );
        assert_eq!(verify_run(0, GENESIS_HASH, &entries), Ok(()));
    }
);

both_databases!(a_rolled_back_change_leaves_no_audit_row, |p| async move {
    let mut tx = p.db.begin().await.unwrap();
    let event = NewAuditEvent {
        action: "test.event",
        object_type: "test",
        object_id: None,
        detail: serde_json::json!({}),
    };
    append(&mut tx, &system(), p.clock.now(), event)
        .await
        .unwrap();
    drop(tx);
    assert!(entries_after(&p.db, 0, 10).await.unwrap().is_empty());
});
