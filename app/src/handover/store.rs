//! SQL for shifts and handovers, and the bounded range reads the handover summary is made of.

use super::{CaseLine, SUMMARY_LIMIT, TaskLine};
use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

#[derive(sqlx::FromRow)]
pub struct ShiftRow {
    pub shift_id: i64,
    pub name: String,
    pub start_minute: i64,
    pub duration_minutes: i64,
}

pub async fn shifts(db: &Db) -> Result<Vec<ShiftRow>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select shift_id, name, start_minute, duration_minutes from shift
         order by start_minute limit 48"
    )
    .fetch_all(pool)
    .await)?)
}

pub async fn shifts_in_tx(tx: &mut Tx) -> Result<Vec<ShiftRow>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "select shift_id, name, start_minute, duration_minutes from shift
         order by start_minute limit 48"
    )
    .fetch_all(c)
    .await)?)
}

pub async fn update_shift(
    tx: &mut Tx,
    shift_id: i64,
    name: &str,
    start_minute: i64,
    duration_minutes: i64,
    now: Millis,
) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "update shift set name = $2, start_minute = $3, duration_minutes = $4, updated_at = $5
             where shift_id = $1"
        )
        .bind(shift_id)
        .bind(name)
        .bind(start_minute)
        .bind(duration_minutes)
        .bind(now)
    )?)
}

#[derive(sqlx::FromRow)]
struct CaseLineRow {
    number: String,
    title: String,
    status: String,
    tier: i64,
    assignee: Option<String>,
}

fn lines(rows: Vec<CaseLineRow>) -> Vec<CaseLine> {
    rows.into_iter()
        .map(|r| CaseLine {
            number: r.number,
            title: r.title,
            status: r.status,
            tier: r.tier,
            assignee: r.assignee,
        })
        .collect()
}

const LINE: &str = "select c.number, c.title, c.status, c.tier, u.username as assignee
    from incident_case c left join app_user u on u.user_id = c.assignee_id";

/// Cases whose `column` (opened_at or closed_at) falls in [from, to).
pub async fn cases_between(
    db: &Db,
    column: &str,
    from: Millis,
    to: Millis,
) -> Result<Vec<CaseLine>> {
    let column = match column {
        "closed_at" => "c.closed_at",
        _ => "c.opened_at",
    };
    let sql = format!("{LINE} where {column} >= $1 and {column} < $2 order by {column} limit $3");
    let rows = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(from)
        .bind(to)
        .bind(SUMMARY_LIMIT)
        .fetch_all(pool)
        .await)?;
    Ok(lines(rows))
}

/// Cases moved up a tier in [from, to).
pub async fn escalated_between(db: &Db, from: Millis, to: Millis) -> Result<Vec<CaseLine>> {
    let sql = format!(
        "{LINE} where c.case_id in (select e.case_id from case_escalation e
             where e.requested_at >= $1 and e.requested_at < $2 and e.direction = 'up')
         order by c.case_id limit $3"
    );
    let rows = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(from)
        .bind(to)
        .bind(SUMMARY_LIMIT)
        .fetch_all(pool)
        .await)?;
    Ok(lines(rows))
}

/// Open cases, most recently changed first.
pub async fn open_cases(db: &Db) -> Result<Vec<CaseLine>> {
    let sql = format!("{LINE} where c.status <> 'closed' order by c.case_id desc limit $1");
    let rows = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(SUMMARY_LIMIT)
        .fetch_all(pool)
        .await)?;
    Ok(lines(rows))
}

/// Alerts triaged in [from, to), counted per verdict (an index range on verdict_at).
pub async fn verdicts_between(db: &Db, from: Millis, to: Millis) -> Result<Vec<(String, i64)>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select verdict, count(*) from alert
         where verdict_at >= $1 and verdict_at < $2 and verdict is not null
         group by verdict order by verdict"
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

#[derive(sqlx::FromRow)]
struct TaskLineRow {
    number: String,
    title: String,
    status: String,
    assignee: Option<String>,
    due_at: Option<i64>,
}

/// Open tasks, soonest due first.
pub async fn open_tasks(db: &Db) -> Result<Vec<TaskLine>> {
    let rows: Vec<TaskLineRow> = on_pool!(db, |pool| sqlx::query_as(
        "select c.number, t.title, t.status, u.username as assignee, t.due_at from case_task t
         join incident_case c on c.case_id = t.case_id
         left join app_user u on u.user_id = t.assignee_id
         where t.status in ('todo', 'in_progress', 'blocked')
         order by (t.due_at is null), t.due_at, t.task_id limit $1"
    )
    .bind(SUMMARY_LIMIT)
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|r| TaskLine {
            number: r.number,
            title: r.title,
            status: r.status,
            assignee: r.assignee,
            due_at: r.due_at,
        })
        .collect())
}

pub struct NewHandover<'a> {
    pub shift_name: &'a str,
    pub shift_start: Millis,
    pub shift_end: Millis,
    pub summary: &'a str,
    pub notes: &'a str,
    pub written_by: &'a str,
    pub written_by_user_id: Option<i64>,
}

pub async fn insert(tx: &mut Tx, h: &NewHandover<'_>, now: Millis) -> Result<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "insert into handover (shift_name, shift_start, shift_end, summary, notes, written_by,
             written_by_user_id, written_at, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) returning handover_id"
    )
    .bind(h.shift_name)
    .bind(h.shift_start)
    .bind(h.shift_end)
    .bind(h.summary)
    .bind(h.notes)
    .bind(h.written_by)
    .bind(h.written_by_user_id)
    .bind(now)
    .fetch_one(c)
    .await)?)
}

#[derive(sqlx::FromRow)]
pub struct HandoverRow {
    pub handover_id: i64,
    pub shift_name: String,
    pub shift_start: i64,
    pub shift_end: i64,
    pub summary: String,
    pub notes: String,
    pub written_by: String,
    pub written_by_user_id: Option<i64>,
    pub written_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
}

const HANDOVERS: &str = "select handover_id, shift_name, shift_start, shift_end, summary, notes,
    written_by, written_by_user_id, written_at, acknowledged_by, acknowledged_at from handover";

pub async fn handover_in_tx(tx: &mut Tx, handover_id: i64) -> Result<Option<HandoverRow>> {
    let sql = format!("{HANDOVERS} where handover_id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(handover_id)
        .fetch_optional(c)
        .await)?)
}

pub async fn handover(db: &Db, handover_id: i64) -> Result<Option<HandoverRow>> {
    let sql = format!("{HANDOVERS} where handover_id = $1");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(handover_id)
        .fetch_optional(pool)
        .await)?)
}

/// Handovers nobody acknowledged yet, oldest first.
pub async fn waiting(db: &Db, limit: i64) -> Result<Vec<HandoverRow>> {
    let sql = format!("{HANDOVERS} where acknowledged_at is null order by handover_id limit $1");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Handovers older than `before`, newest first.
pub async fn history(db: &Db, before: Option<i64>, limit: i64) -> Result<Vec<HandoverRow>> {
    let sql = format!("{HANDOVERS} where handover_id < $1 order by handover_id desc limit $2");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

pub async fn acknowledge(
    tx: &mut Tx,
    handover_id: i64,
    by: &str,
    by_user_id: Option<i64>,
    now: Millis,
) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "update handover set acknowledged_by = $2, acknowledged_by_user_id = $3,
                 acknowledged_at = $4, updated_at = $4
             where handover_id = $1 and acknowledged_at is null"
        )
        .bind(handover_id)
        .bind(by)
        .bind(by_user_id)
        .bind(now)
    )?)
}

/// Everyone who may take over a shift: active analysts and managers.
pub async fn incoming(tx: &mut Tx) -> Result<Vec<(i64, Option<String>)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "select user_id, email from app_user
         where role in ('analyst', 'manager') and not disabled order by user_id limit 1000"
    )
    .fetch_all(c)
    .await)?)
}
