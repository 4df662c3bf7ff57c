//! Writing the audit log: one hash-chained row per state change or sensitive read, inside the
//! transaction of the change it records.

use serde_json::Value;

use super::chain::Canonical;
use crate::{
    on_tx,
    platform::{Actor, Result, Tx, clock::Millis, db::Dialect},
};

/// What a service says happened; who and when come from the actor and the clock.
pub struct NewAuditEvent<'a> {
    /// `resource.verb`, e.g. `user.login`, `token.revoke`.
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<String>,
    /// Before/after values or other context. Never secrets.
    pub detail: Value,
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
}

/// Appends one entry to the chain in `tx`. The head row is locked until the transaction ends,
/// so concurrent writers (several processes on Postgres) queue and the sequence never gaps.
/// This is the chain write alone: services audit through [`super::Change::audit`], which also
/// runs the listeners (webhook messages). Tests and benchmarks fill a log with it directly.
pub async fn append(
    tx: &mut Tx,
    actor: &Actor,
    now: Millis,
    event: NewAuditEvent<'_>,
) -> Result<i64> {
    write(tx, actor, now, &event).await
}

pub(super) async fn write(
    tx: &mut Tx,
    actor: &Actor,
    now: Millis,
    event: &NewAuditEvent<'_>,
) -> Result<i64> {
    let lock_head = match tx.dialect() {
        // SQLite: the single writer connection already serializes every write transaction.
        Dialect::Sqlite => "select seq, hash from audit_head where audit_head_id = 1",
        Dialect::Postgres => "select seq, hash from audit_head where audit_head_id = 1 for update",
    };
    let head: Head = on_tx!(tx, |c| sqlx::query_as(lock_head).fetch_one(c).await)?;
    let seq = head.seq + 1;
    let detail = event.detail.to_string();
    let label = actor.label();
    let canonical = Canonical {
        seq,
        occurred_at: now,
        actor_user_id: actor.user_id(),
        actor_label: &label,
        actor_ip: actor.ip.as_deref(),
        action: event.action,
        object_type: event.object_type,
        object_id: event.object_id.as_deref(),
        detail: &detail,
    };
    let hash = canonical.hash(&head.hash);
    on_tx!(tx, |c| {
        sqlx::query(
            "insert into audit_event (seq, occurred_at, actor_user_id, actor_label, actor_ip, action,
                 object_type, object_id, detail, prev_hash, hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(seq)
        .bind(now)
        .bind(actor.user_id())
        .bind(&label)
        .bind(actor.ip.as_deref())
        .bind(event.action)
        .bind(event.object_type)
        .bind(event.object_id.as_deref())
        .bind(&detail)
        .bind(&head.hash)
        .bind(&hash)
        .execute(&mut *c)
        .await?;
        sqlx::query(
            "update audit_head set seq = $1, hash = $2, updated_at = $3 where audit_head_id = 1",
        )
        .bind(seq)
        .bind(&hash)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(seq)
}
