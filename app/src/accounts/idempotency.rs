//! Idempotency keys for the REST API: the first successful answer to a create sent with an
//! `Idempotency-Key` is kept for a day, per token, and given again to a retry of the same
//! request, so a retried playbook step never creates twice.
//!
//! A key is claimed before the request runs (a row with no answer yet), so two copies of the
//! same request sent at once cannot both create: the second is told to retry. A failed
//! request gives its key back, so the corrected retry runs. A claim left by a process that died
//! mid-request is taken over after [`ABANDONED_MS`].

use crate::on_tx;
use crate::platform::{Error, Platform, Result, clock::Millis, error::ResultExt as _};

/// How long a kept answer is given again.
pub const KEPT_MS: Millis = 24 * 60 * 60 * 1000;
/// A claim older than this without an answer belongs to a request that will not finish.
const ABANDONED_MS: Millis = 5 * 60 * 1000;
/// Longest key accepted.
const MAX_KEY_CHARS: usize = 200;

/// What claiming a key found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or expired): run the request, then [`finish`] or [`release`].
    Run,
    /// The same request succeeded before: answer this again.
    Replay { status: u16, body: String },
}

pub async fn claim(p: &Platform, token_id: i64, key: &str, request_hash: &str) -> Result<Claim> {
    let key = key.trim();
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS || key.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "`Idempotency-Key` must be 1 to {MAX_KEY_CHARS} printable characters (a UUID is usual)."
        )));
    }
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let existing: Option<(String, Option<i32>, Option<String>, i64)> = on_tx!(&mut tx, |c| {
        sqlx::query_as(
            "select request_hash, status, response_body, created_at from api_idempotency
             where api_token_id = $1 and idem_key = $2",
        )
        .bind(token_id)
        .bind(key)
        .fetch_optional(c)
        .await
    })?;
    let claim = match existing {
        None => {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "insert into api_idempotency (api_token_id, idem_key, request_hash, created_at)
                     values ($1, $2, $3, $4)",
                )
                .bind(token_id)
                .bind(key)
                .bind(request_hash)
                .bind(now)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
            })
            .on_unique_violation(in_progress)?;
            Claim::Run
        }
        Some((_, status, _, created_at))
            if now - created_at > KEPT_MS
                || (status.is_none() && now - created_at > ABANDONED_MS) =>
        {
            on_tx!(&mut tx, |c| {
                sqlx::query(
                    "update api_idempotency set request_hash = $3, status = null,
                         response_body = null, created_at = $4
                     where api_token_id = $1 and idem_key = $2",
                )
                .bind(token_id)
                .bind(key)
                .bind(request_hash)
                .bind(now)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
            })?;
            Claim::Run
        }
        Some((hash, _, _, _)) if hash != request_hash => {
            return Err(Error::invalid(
                "`Idempotency-Key` was already used with a different request; use a new key for a new request.",
            ));
        }
        Some((_, Some(status), Some(body), _)) => Claim::Replay {
            status: status as u16,
            body,
        },
        Some(_) => return Err(in_progress()),
    };
    tx.commit().await?;
    Ok(claim)
}

fn in_progress() -> Error {
    Error::conflict(
        "A request with this `Idempotency-Key` is still being processed; retry it in a few seconds.",
    )
}

/// Keeps the answer of a request that ran.
pub async fn finish(p: &Platform, token_id: i64, key: &str, status: u16, body: &str) -> Result<()> {
    let mut tx = p.db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "update api_idempotency set status = $3, response_body = $4
         where api_token_id = $1 and idem_key = $2"
    )
    .bind(token_id)
    .bind(key.trim())
    .bind(i32::from(status))
    .bind(body)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    tx.commit().await
}

/// Gives back the key of a request that failed, so its retry runs.
pub async fn release(p: &Platform, token_id: i64, key: &str) -> Result<()> {
    let mut tx = p.db.begin().await?;
    on_tx!(&mut tx, |c| sqlx::query(
        "delete from api_idempotency where api_token_id = $1 and idem_key = $2 and status is null"
    )
    .bind(token_id)
    .bind(key.trim())
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    tx.commit().await
}

/// Forgets answers older than [`KEPT_MS`]; run by the maintenance job.
pub async fn purge(p: &Platform) -> Result<u64> {
    let cutoff = p.clock.now() - KEPT_MS;
    let mut tx = p.db.begin().await?;
    let done = on_tx!(&mut tx, |c| sqlx::query(
        "delete from api_idempotency where created_at < $1"
    )
    .bind(cutoff)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    tx.commit().await?;
    Ok(done)
}
