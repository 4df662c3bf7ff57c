//! SQL for assignment and escalation: the case's tier and holder, escalation rows, the tier
//! queues, "my work" and the workload table.

use crate::{
    cases::store::{CASE_COLUMNS, CaseRow},
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

/// Moves the case to `tier` held by `assignee_id` (or nobody); the version goes up by one.
pub async fn set_holder(
    tx: &mut Tx,
    case_id: i64,
    tier: i64,
    assignee_id: Option<i64>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update incident_case set tier = $2, assignee_id = $3, updated_at = $4
             where case_id = $1"
        )
        .bind(case_id)
        .bind(tier)
        .bind(assignee_id)
        .bind(now)
    )?;
    Ok(())
}

#[derive(Clone, sqlx::FromRow)]
pub struct EscalationRow {
    pub escalation_id: i64,
    pub case_id: i64,
    pub from_tier: i64,
    pub to_tier: i64,
    pub direction: String,
    pub reason: String,
    pub handover_note: String,
    pub previous_assignee_id: Option<i64>,
    pub automatic: bool,
    pub state: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub return_reason: Option<String>,
}

const ESCALATIONS: &str = "select escalation_id, case_id, from_tier, to_tier, direction, reason,
    handover_note, previous_assignee_id, automatic, state, requested_by, requested_at, decided_by,
    decided_at, return_reason from case_escalation";

pub struct NewEscalation<'a> {
    pub case_id: i64,
    pub from_tier: i64,
    pub to_tier: i64,
    pub direction: &'a str,
    pub reason: &'a str,
    pub handover_note: &'a str,
    pub previous_assignee_id: Option<i64>,
    pub automatic: bool,
    pub requested_by: &'a str,
    pub requested_by_user_id: Option<i64>,
}

pub async fn insert_escalation(tx: &mut Tx, e: &NewEscalation<'_>, now: Millis) -> Result<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "insert into case_escalation (case_id, from_tier, to_tier, direction, reason,
             handover_note, previous_assignee_id, automatic, state, requested_by,
             requested_by_user_id, requested_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $11, $11)
         returning escalation_id"
    )
    .bind(e.case_id)
    .bind(e.from_tier)
    .bind(e.to_tier)
    .bind(e.direction)
    .bind(e.reason)
    .bind(e.handover_note)
    .bind(e.previous_assignee_id)
    .bind(e.automatic)
    .bind(e.requested_by)
    .bind(e.requested_by_user_id)
    .bind(now)
    .fetch_one(c)
    .await)?)
}

/// The move of this case waiting for its target tier, read in the change's transaction.
pub async fn pending_in_tx(tx: &mut Tx, case_id: i64) -> Result<Option<EscalationRow>> {
    let sql = format!("{ESCALATIONS} where case_id = $1 and state = 'pending'");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(case_id)
        .fetch_optional(c)
        .await)?)
}

pub struct Decision<'a> {
    pub state: &'a str,
    pub by: &'a str,
    pub by_user_id: Option<i64>,
    pub return_reason: Option<&'a str>,
}

pub async fn decide(tx: &mut Tx, escalation_id: i64, d: &Decision<'_>, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update case_escalation set state = $2, decided_by = $3, decided_by_user_id = $4,
                 decided_at = $5, return_reason = $6, updated_at = $5
             where escalation_id = $1 and state = 'pending'"
        )
        .bind(escalation_id)
        .bind(d.state)
        .bind(d.by)
        .bind(d.by_user_id)
        .bind(now)
        .bind(d.return_reason)
    )?;
    Ok(())
}

/// The case's moves, newest first (at most `limit`).
pub async fn escalations_of(db: &Db, case_id: i64, limit: i64) -> Result<Vec<EscalationRow>> {
    let sql = format!("{ESCALATIONS} where case_id = $1 order by escalation_id desc limit $2");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(case_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Pending moves of these cases (one page of a queue).
pub async fn pending_of(db: &Db, case_ids: &[i64]) -> Result<Vec<EscalationRow>> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(ESCALATIONS);
        qb.push(" where state = 'pending' and case_id in (");
        let mut ids = qb.separated(", ");
        for id in case_ids {
            ids.push_bind(*id);
        }
        qb.push(")");
        qb.build_query_as::<EscalationRow>().fetch_all(pool).await
    })?)
}

/// Open cases of `tier` nobody holds, newest first.
pub async fn queue(db: &Db, tier: i64, before: Option<i64>, limit: i64) -> Result<Vec<CaseRow>> {
    let sql = format!(
        "{CASE_COLUMNS} where c.tier = $1 and c.assignee_id is null and c.status <> 'closed'
           and c.case_id < $2 order by c.case_id desc limit $3"
    );
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(tier)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Open cases held by the user, newest first.
pub async fn held_by(db: &Db, user_id: i64, limit: i64) -> Result<Vec<CaseRow>> {
    let sql = format!(
        "{CASE_COLUMNS} where c.assignee_id = $1 and c.status <> 'closed'
         order by c.case_id desc limit $2"
    );
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Open tasks assigned to the user: those with a due date first, soonest first.
pub async fn tasks_of(
    db: &Db,
    user_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String, String, String, Option<i64>)>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select t.task_id, c.number, t.title, t.status, t.due_at from case_task t
         join incident_case c on c.case_id = t.case_id
         where t.assignee_id = $1 and t.status in ('todo', 'in_progress', 'blocked')
         order by (t.due_at is null), t.due_at, t.task_id limit $2"
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Alerts assigned to the user and still open.
pub async fn alerts_of(db: &Db, user_id: i64, limit: i64) -> Result<Vec<(i64, String, i64, i64)>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select alert_id, title, severity, created_at from alert
         where assignee_id = $1 and status <> 'closed' order by alert_id desc limit $2"
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

#[derive(sqlx::FromRow)]
pub struct WorkloadDbRow {
    pub username: String,
    pub display_name: String,
    pub tier: i64,
    pub open_cases: i64,
    pub open_tasks: i64,
    pub overdue_tasks: i64,
    pub open_alerts: i64,
}

/// Open work per active analyst; each count is an index range on the analyst's own rows.
pub async fn workload(db: &Db, now: Millis) -> Result<Vec<WorkloadDbRow>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
        "select u.username, u.display_name, u.tier,
            (select count(*) from incident_case c
              where c.assignee_id = u.user_id and c.status <> 'closed') as open_cases,
            (select count(*) from case_task t where t.assignee_id = u.user_id
              and t.status in ('todo', 'in_progress', 'blocked')) as open_tasks,
            (select count(*) from case_task t where t.assignee_id = u.user_id
              and t.status in ('todo', 'in_progress', 'blocked') and t.due_at < $1) as overdue_tasks,
            (select count(*) from alert a
              where a.assignee_id = u.user_id and a.status <> 'closed') as open_alerts
         from app_user u where u.role = 'analyst' and not u.disabled
         order by u.tier, u.username limit 1000"
    )
    .bind(now)
    .fetch_all(pool)
    .await
    })?)
}

/// An active analyst by username: (user_id, tier).
pub async fn analyst_by_name(tx: &mut Tx, username: &str) -> Result<Option<(i64, i64)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "select user_id, tier from app_user
         where username = $1 and role = 'analyst' and not disabled"
    )
    .bind(username)
    .fetch_optional(c)
    .await)?)
}

/// Usernames of the active analysts of a tier (for the assign form).
pub async fn analysts_of_tier(db: &Db, tier: i64) -> Result<Vec<String>> {
    Ok(on_pool!(db, |pool| sqlx::query_scalar(
        "select username from app_user where role = 'analyst' and tier = $1 and not disabled
         order by username limit 500"
    )
    .bind(tier)
    .fetch_all(pool)
    .await)?)
}
