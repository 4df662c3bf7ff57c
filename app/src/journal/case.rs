//! The case row as a change locks it, and the version every committed change raises.

use crate::{
    execute_tx, on_tx,
    platform::{Result, Tx, clock::Millis, db::Dialect},
};

pub const CASE_COLUMNS: &str =
    "select c.case_id, c.number, c.title, c.description, c.severity, c.status, c.tier,
        c.assignee_id, u.username as assignee, c.tlp, c.pap, c.tags, c.detection_source,
        c.closure_verdict, c.closure_summary, c.version, c.opened_at, c.closed_at, c.created_by,
        c.created_at, c.updated_at, c.legal_hold
     from incident_case c left join app_user u on u.user_id = c.assignee_id";

#[derive(sqlx::FromRow)]
pub struct CaseRow {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub description: String,
    pub severity: i64,
    pub status: String,
    pub tier: i64,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub tlp: i64,
    pub pap: i64,
    pub tags: String,
    pub detection_source: String,
    pub closure_verdict: Option<String>,
    pub closure_summary: Option<String>,
    pub version: i64,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub legal_hold: i64,
}

/// The case in `tx`, locked against concurrent changes until the transaction ends (PostgreSQL:
/// `for update`; SQLite's single writer already serializes write transactions).
pub(super) async fn lock(tx: &mut Tx, case_id: i64) -> Result<Option<CaseRow>> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => format!("{CASE_COLUMNS} where c.case_id = $1"),
        Dialect::Postgres => format!("{CASE_COLUMNS} where c.case_id = $1 for update of c"),
    };
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(case_id)
        .fetch_optional(c)
        .await)?)
}

/// Like [`lock`], but `None` at once if another transaction holds the case (PostgreSQL
/// `skip locked`): for sweeps that retry later rather than queue behind a person's change.
pub(super) async fn try_lock(tx: &mut Tx, case_id: i64) -> Result<Option<CaseRow>> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => format!("{CASE_COLUMNS} where c.case_id = $1"),
        Dialect::Postgres => {
            format!("{CASE_COLUMNS} where c.case_id = $1 for update of c skip locked")
        }
    };
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(case_id)
        .fetch_optional(c)
        .await)?)
}

/// One more version: forms loaded before this change are then refused rather than overwriting it.
pub(super) async fn bump(tx: &mut Tx, case_id: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update incident_case set version = version + 1, updated_at = $2 where case_id = $1"
        )
        .bind(case_id)
        .bind(now)
    )?;
    Ok(())
}
