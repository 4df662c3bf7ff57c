//! SQL for the audit log: reading the chain back in sequence order, and its checkpoints. (The
//! journal writes it.)

use super::{
    AuditEntry, Checkpoint,
    chain::{Canonical, StoredEntry, StoredRow},
};
pub use crate::journal::audit::{NewAuditEvent, append};
use crate::{
    on_pool,
    platform::{Db, Error, Result, clock::Millis},
};

const ENTRY_COLUMNS: &str = "seq, occurred_at, actor_user_id, actor_label, actor_ip, action,
    object_type, object_id, detail, prev_hash, hash";

/// Up to `limit` entries with `seq > after`, oldest first (keyset paging for verification and
/// export).
pub async fn entries_after(db: &Db, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&format!(
            "select {ENTRY_COLUMNS} from audit_event where seq > $1 order by seq limit $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}

/// The entries with `from < seq <= to`, in sequence order.
async fn entries_in(db: &Db, from: i64, to: i64) -> Result<Vec<AuditEntry>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&format!(
            "select {ENTRY_COLUMNS} from audit_event where seq > $1 and seq <= $2 order by seq"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })?)
}

/// Hands each entry with `from < seq <= to` to `visit` with `state`, in sequence order, on a
/// blocking thread, until `visit` answers false; then gives `state` back.
///
/// On SQLite the rows are read through rusqlite on a read-only connection of its own, with
/// every value borrowed where SQLite holds it: sqlx copies each value and passes each row to
/// the async side over a channel, which made reading, not hashing, the bound of verifying the
/// log. On PostgreSQL sqlx reads the range, and the rows are then visited.
pub async fn scan_entries<T: Send + 'static>(
    db: &Db,
    from: i64,
    to: i64,
    mut state: T,
    visit: fn(&mut T, StoredRow<'_>) -> bool,
) -> Result<T> {
    let blocking = match db {
        Db::Sqlite(pools) => {
            let pools = pools.clone();
            tokio::task::spawn_blocking(move || {
                scan_sqlite(&pools.blocking_reader()?, from, to, |row| {
                    visit(&mut state, row)
                })
                .map_err(|e| Error::internal(format!("reading the audit log: {e}")))?;
                Ok(state)
            })
        }
        Db::Postgres(_) => {
            let entries = entries_in(db, from, to).await?;
            tokio::task::spawn_blocking(move || {
                for e in &entries {
                    if !visit(&mut state, StoredRow::Entry(e.into())) {
                        break;
                    }
                }
                Ok(state)
            })
        }
    };
    blocking
        .await
        .map_err(|e| Error::internal(format!("reading the audit log stopped: {e}")))?
}

fn scan_sqlite(
    conn: &rusqlite::Connection,
    from: i64,
    to: i64,
    mut visit: impl FnMut(StoredRow<'_>) -> bool,
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare(&format!(
        "select {ENTRY_COLUMNS} from audit_event where seq > ?1 and seq <= ?2 order by seq"
    ))?;
    let mut rows = statement.query((from, to))?;
    while let Some(row) = rows.next()? {
        // `seq` is the rowid, always an integer.
        let seq = row.get_ref(0)?.as_i64()?;
        let row = stored_entry(row).map_or(StoredRow::Mistyped { seq }, StoredRow::Entry);
        if !visit(row) {
            break;
        }
    }
    Ok(())
}

/// The row's values where SQLite holds them, in `ENTRY_COLUMNS` order; an error when one has
/// the wrong type (or text that is not UTF-8).
fn stored_entry<'r>(row: &'r rusqlite::Row<'_>) -> rusqlite::Result<StoredEntry<'r>> {
    let int = |i| row.get_ref(i).and_then(|v| Ok(v.as_i64()?));
    let text = |i| row.get_ref(i).and_then(|v| Ok(v.as_str()?));
    let optional_text = |i| row.get_ref(i).and_then(|v| Ok(v.as_str_or_null()?));
    Ok(StoredEntry {
        canonical: Canonical {
            seq: int(0)?,
            occurred_at: int(1)?,
            actor_user_id: row.get_ref(2)?.as_i64_or_null()?,
            actor_label: text(3)?,
            actor_ip: optional_text(4)?,
            action: text(5)?,
            object_type: text(6)?,
            object_id: optional_text(7)?,
            detail: text(8)?,
        },
        prev_hash: text(9)?,
        hash: text(10)?,
    })
}

/// The chain's head and the highest sequence number stored (0 for an empty log), read in one
/// statement so that both come from one snapshot while others keep appending.
pub async fn head_and_max_seq(db: &Db) -> Result<(i64, String, i64)> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select seq, hash, (select coalesce(max(seq), 0) from audit_event)
         from audit_head where audit_head_id = 1"
    )
    .fetch_one(pool)
    .await)?)
}

/// Up to `limit` entries older than `before` (newest first), optionally for one action prefix.
pub async fn recent(db: &Db, before: Option<i64>, limit: i64) -> Result<Vec<AuditEntry>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&format!(
            "select {ENTRY_COLUMNS} from audit_event where seq < $1 order by seq desc limit $2"
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}

const CHECKPOINT_COLUMNS: &str = "seq, hash, signed_at, public_key, signature";

/// The chain's head as stored: the last sequence number and its hash.
pub async fn head(db: &Db) -> Result<(i64, String)> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as("select seq, hash from audit_head where audit_head_id = 1")
            .fetch_one(pool)
            .await
    })?)
}

/// The checkpoints with `from < seq <= to`, in sequence order.
pub async fn checkpoints_in(db: &Db, from: i64, to: i64) -> Result<Vec<Checkpoint>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&format!(
            "select {CHECKPOINT_COLUMNS} from audit_checkpoint where seq > $1 and seq <= $2
             order by seq"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })?)
}

/// Up to `limit` checkpoints with `seq > after`, in sequence order.
pub async fn checkpoints_after(db: &Db, after: i64, limit: i64) -> Result<Vec<Checkpoint>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&format!(
            "select {CHECKPOINT_COLUMNS} from audit_checkpoint where seq > $1 order by seq limit $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}

/// The newest checkpoint, if any.
pub async fn last_checkpoint(db: &Db) -> Result<Option<Checkpoint>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&format!(
            "select {CHECKPOINT_COLUMNS} from audit_checkpoint order by seq desc limit 1"
        ))
        .fetch_optional(pool)
        .await
    })?)
}

/// The newest checkpoint at or before `seq`: the one that covers an entry.
pub async fn checkpoint_covering(db: &Db, seq: i64) -> Result<Option<Checkpoint>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&format!(
            "select {CHECKPOINT_COLUMNS} from audit_checkpoint where seq >= $1 order by seq limit 1"
        ))
        .bind(seq)
        .fetch_optional(pool)
        .await
    })?)
}

/// Stores a checkpoint; another process having signed the same entry is not an error.
pub async fn insert_checkpoint(db: &Db, c: &Checkpoint, now: Millis) -> Result<bool> {
    let inserted = on_pool!(db, |pool| {
        sqlx::query(
            "insert into audit_checkpoint (seq, hash, signed_at, public_key, signature, created_at)
             values ($1, $2, $3, $4, $5, $6) on conflict (seq) do nothing",
        )
        .bind(c.seq)
        .bind(&c.hash)
        .bind(c.signed_at)
        .bind(&c.public_key)
        .bind(&c.signature)
        .bind(now)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(inserted == 1)
}

/// The filters as bound values: `None` binds as SQL null, which turns its clause off.
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub from: Option<Millis>,
    pub to: Option<Millis>,
}

// `action` matches exactly or as a dotted prefix (`case` finds `case.escalated`).
const FILTERS: &str = "($1 is null or actor_label = $1)
    and ($2 is null or action = $2 or action like $2 || '.%')
    and ($3 is null or object_type = $3)
    and ($4 is null or object_id = $4)
    and ($5 is null or occurred_at >= $5)
    and ($6 is null or occurred_at < $6)";

/// Up to `limit` matching entries with `seq < before`, newest first (the audit log page).
pub async fn filtered_before(
    db: &Db,
    b: &Bounds,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let sql = format!(
        "select {ENTRY_COLUMNS} from audit_event where {FILTERS} and seq < $7
         order by seq desc limit $8"
    );
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(&b.actor)
            .bind(&b.action)
            .bind(&b.object_type)
            .bind(&b.object_id)
            .bind(b.from)
            .bind(b.to)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await
    })?)
}

/// Up to `limit` matching entries with `seq > after`, oldest first (exports).
pub async fn filtered_after(
    db: &Db,
    b: &Bounds,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>> {
    let sql = format!(
        "select {ENTRY_COLUMNS} from audit_event where {FILTERS} and seq > $7
         order by seq limit $8"
    );
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(&b.actor)
            .bind(&b.action)
            .bind(&b.object_type)
            .bind(&b.object_id)
            .bind(b.from)
            .bind(b.to)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await
    })?)
}
