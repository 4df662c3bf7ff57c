//! SQL for SLA policy and clocks. (The breach sweep locks its case through the journal, which
//! skips a case another process holds, so no breach is handled twice.)

use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

#[derive(sqlx::FromRow)]
pub struct PolicyDbRow {
    pub severity: i64,
    pub acknowledge_minutes: i64,
    pub contain_minutes: i64,
    pub resolve_minutes: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

const POLICY: &str = "select severity, acknowledge_minutes, contain_minutes, resolve_minutes,
    updated_by, updated_at from sla_policy";

pub async fn policy(db: &Db) -> Result<Vec<PolicyDbRow>> {
    let sql = format!("{POLICY} order by severity desc");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await)?)
}

pub async fn policy_for(tx: &mut Tx, severity: i64) -> Result<Option<PolicyDbRow>> {
    let sql = format!("{POLICY} where severity = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(severity)
        .fetch_optional(c)
        .await)?)
}

pub async fn set_policy(tx: &mut Tx, p: &PolicyDbRow, now: Millis) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "update sla_policy set acknowledge_minutes = $2, contain_minutes = $3,
                 resolve_minutes = $4, updated_by = $5, updated_at = $6 where severity = $1"
        )
        .bind(p.severity)
        .bind(p.acknowledge_minutes)
        .bind(p.contain_minutes)
        .bind(p.resolve_minutes)
        .bind(&p.updated_by)
        .bind(now)
    )?)
}

pub async fn start_clock(
    tx: &mut Tx,
    case_id: i64,
    kind: &str,
    budget_ms: i64,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "insert into sla_clock (case_id, kind, budget_ms, started_at, due_at, warn_at,
                 created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $4, $4)"
        )
        .bind(case_id)
        .bind(kind)
        .bind(budget_ms)
        .bind(now)
        .bind(now + budget_ms)
        .bind(now + budget_ms - budget_ms / 4)
    )?;
    Ok(())
}

/// Stops a running or paused clock as met; returns whether it was still open.
pub async fn meet(tx: &mut Tx, case_id: i64, kind: &str, now: Millis) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update sla_clock set met_at = $3, paused_at = null, updated_at = $3
             where case_id = $1 and kind = $2 and met_at is null"
        )
        .bind(case_id)
        .bind(kind)
        .bind(now)
    )?;
    Ok(n > 0)
}

/// Pauses every open clock of the case that is running; returns how many.
pub async fn pause(tx: &mut Tx, case_id: i64, reason: &str, now: Millis) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "update sla_clock set paused_at = $2, pause_reason = $3, updated_at = $2
             where case_id = $1 and met_at is null and breached_at is null and paused_at is null"
        )
        .bind(case_id)
        .bind(now)
        .bind(reason)
    )?)
}

/// Resumes the paused clocks of the case, moving their due and warning times later by the
/// length of the pause; returns how many.
pub async fn resume(tx: &mut Tx, case_id: i64, now: Millis) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "update sla_clock set due_at = due_at + ($2 - paused_at),
                 warn_at = warn_at + ($2 - paused_at), paused_at = null, pause_reason = null,
                 updated_at = $2
             where case_id = $1 and paused_at is not null"
        )
        .bind(case_id)
        .bind(now)
    )?)
}

#[derive(sqlx::FromRow)]
pub struct ClockRow {
    pub case_id: i64,
    pub kind: String,
    pub budget_ms: i64,
    pub started_at: i64,
    pub due_at: i64,
    pub warn_at: i64,
    pub paused_at: Option<i64>,
    pub pause_reason: Option<String>,
    pub met_at: Option<i64>,
    pub breached_at: Option<i64>,
}

const CLOCKS: &str = "select case_id, kind, budget_ms, started_at, due_at, warn_at, paused_at,
    pause_reason, met_at, breached_at from sla_clock";

/// The clocks of these cases (a page of a queue at most).
pub async fn clocks_of(db: &Db, case_ids: &[i64]) -> Result<Vec<ClockRow>> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(CLOCKS);
        qb.push(" where case_id in (");
        let mut ids = qb.separated(", ");
        for id in case_ids {
            ids.push_bind(*id);
        }
        qb.push(") order by case_id, due_at");
        qb.build_query_as::<ClockRow>().fetch_all(pool).await
    })?)
}

/// Up to `limit` clocks past due and not yet handled: running, not met, not breached.
pub async fn due(db: &Db, now: Millis, limit: i64) -> Result<Vec<(i64, String)>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select case_id, kind from sla_clock
         where met_at is null and breached_at is null and paused_at is null and due_at <= $1
         order by due_at limit $2"
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Up to `limit` clocks in their last quarter that nobody was warned about yet.
pub async fn nearing(db: &Db, now: Millis, limit: i64) -> Result<Vec<(i64, String)>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select case_id, kind from sla_clock
         where met_at is null and warned_at is null and breached_at is null and paused_at is null
           and warn_at <= $1 and due_at > $1
         order by warn_at limit $2"
    )
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Marks a clock breached if it still is due and unhandled, returning when it was due. The row
/// is locked by this update until the transaction ends, and the guard makes a second process's
/// attempt match nothing: whoever commits first handles the breach, the other sees `None`.
pub async fn mark_breached(
    tx: &mut Tx,
    case_id: i64,
    kind: &str,
    now: Millis,
) -> Result<Option<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "update sla_clock set breached_at = $3, updated_at = $3
         where case_id = $1 and kind = $2 and met_at is null and breached_at is null
           and paused_at is null and due_at <= $3
         returning due_at"
    )
    .bind(case_id)
    .bind(kind)
    .bind(now)
    .fetch_optional(c)
    .await)?)
}

/// Marks a clock warned if it is still in its last quarter and unwarned.
pub async fn mark_warned(tx: &mut Tx, case_id: i64, kind: &str, now: Millis) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update sla_clock set warned_at = $3, updated_at = $3
             where case_id = $1 and kind = $2 and met_at is null and warned_at is null
               and breached_at is null and paused_at is null and warn_at <= $3 and due_at > $3"
        )
        .bind(case_id)
        .bind(kind)
        .bind(now)
    )?;
    Ok(n > 0)
}

/// Open clocks due within `horizon` of `now` (for the shift handover), soonest first.
pub async fn due_within(
    db: &Db,
    now: Millis,
    horizon: Millis,
    limit: i64,
) -> Result<Vec<(String, String, String, i64)>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select c.number, c.title, k.kind, k.due_at from sla_clock k
         join incident_case c on c.case_id = k.case_id
         where k.met_at is null and k.breached_at is null and k.paused_at is null
           and k.due_at <= $1
         order by k.due_at limit $2"
    )
    .bind(now + horizon)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}
