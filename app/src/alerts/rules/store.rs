//! SQL for alert rules and what intake and the dry run read.

use super::NewRule;
use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

#[derive(sqlx::FromRow)]
pub struct RuleRow {
    pub rule_id: i64,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub enabled: i64,
    pub action: String,
    pub conditions: String,
    pub action_detail: String,
    pub expires_at: Option<i64>,
    pub matched_count: i64,
    pub last_matched_at: Option<i64>,
    pub version: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "select rule_id, name, description, position, enabled, action, conditions,
    action_detail, expires_at, matched_count, last_matched_at, version, updated_at from alert_rule";

/// Most rules kept; intake runs the enabled ones on every alert.
pub const MAX_RULES: i64 = 500;

fn json_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

pub async fn insert(tx: &mut Tx, r: &NewRule, by: &str, now: Millis) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into alert_rule (name, description, position, enabled, action, conditions,
                 action_detail, expires_at, matched_count, last_matched_at, version, created_by,
                 created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, 0, null, 1, $9, $10, $10)
             returning rule_id",
        )
        .bind(&r.name)
        .bind(&r.description)
        .bind(r.position)
        .bind(i64::from(r.enabled))
        .bind(r.action.name())
        .bind(json_of(&r.conditions))
        .bind(json_of(&r.action))
        .bind(r.expires_at)
        .bind(by)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

/// Writes the rule over version `version`; false if it moved on.
pub async fn update(tx: &mut Tx, id: i64, version: i64, r: &NewRule, now: Millis) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update alert_rule set name = $3, description = $4, position = $5, enabled = $6,
                 action = $7, conditions = $8, action_detail = $9, expires_at = $10,
                 version = version + 1, updated_at = $11
             where rule_id = $1 and version = $2"
        )
        .bind(id)
        .bind(version)
        .bind(&r.name)
        .bind(&r.description)
        .bind(r.position)
        .bind(i64::from(r.enabled))
        .bind(r.action.name())
        .bind(json_of(&r.conditions))
        .bind(json_of(&r.action))
        .bind(r.expires_at)
        .bind(now)
    )?;
    Ok(n == 1)
}

pub async fn all(db: &Db) -> Result<Vec<RuleRow>> {
    let sql = format!("{COLUMNS} order by position, rule_id limit {MAX_RULES}");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await)?)
}

/// The rules intake runs, in order: enabled and not expired at `now`.
pub async fn live_in_tx(tx: &mut Tx, now: Millis) -> Result<Vec<RuleRow>> {
    let sql = format!(
        "{COLUMNS} where enabled = 1 and (expires_at is null or expires_at > $1)
         order by position, rule_id limit {MAX_RULES}"
    );
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(now)
        .fetch_all(c)
        .await)?)
}

pub async fn get_in_tx(tx: &mut Tx, id: i64) -> Result<Option<RuleRow>> {
    let sql = format!("{COLUMNS} where rule_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(id).fetch_optional(c).await
    })?)
}

pub async fn by_name_in_tx(tx: &mut Tx, name: &str) -> Result<Option<RuleRow>> {
    let sql = format!("{COLUMNS} where name = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(name).fetch_optional(c).await
    })?)
}

/// Counts `n` more matches for rule `id`, at `now`.
pub async fn count_matches(tx: &mut Tx, id: i64, n: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert_rule set matched_count = matched_count + $2, last_matched_at = $3
             where rule_id = $1"
        )
        .bind(id)
        .bind(n)
        .bind(now)
    )?;
    Ok(())
}

/// Closes a new alert as a rule's suppression.
pub async fn suppress(
    tx: &mut Tx,
    alert_id: i64,
    rule_id: i64,
    verdict: &str,
    reason: &str,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set status = 'closed', verdict = $3, verdict_reason = $4, verdict_at = $5,
                 suppressed_by_rule_id = $2, updated_at = $5
             where alert_id = $1"
        )
        .bind(alert_id)
        .bind(rule_id)
        .bind(verdict)
        .bind(reason)
        .bind(now)
    )?;
    Ok(())
}

/// Assigns a new alert as a rule routes it.
pub async fn assign(tx: &mut Tx, alert_id: i64, user_id: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("update alert set assignee_id = $2, updated_at = $3 where alert_id = $1")
            .bind(alert_id)
            .bind(user_id)
            .bind(now)
    )?;
    Ok(())
}

/// The active account named `username`, for a route's assignee.
pub async fn active_user(tx: &mut Tx, username: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> = on_tx!(tx, |c| {
        sqlx::query_as("select user_id from app_user where username = $1 and not disabled")
            .bind(username)
            .fetch_optional(c)
            .await
    })?;
    Ok(row.map(|r| r.0))
}

/// An alert as a dry run reads it.
#[derive(sqlx::FromRow)]
pub struct PastAlert {
    pub alert_id: i64,
    pub source: String,
    pub rule: String,
    pub title: String,
    pub severity: i64,
    pub tags: String,
}

/// A page of the alerts that arrived since `since`, after `after_id`, oldest first.
pub async fn past_alerts(
    db: &Db,
    since: Millis,
    after_id: i64,
    limit: i64,
) -> Result<Vec<PastAlert>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select alert_id, source, rule, title, severity, tags from alert
         where first_seen_at >= $1 and alert_id > $2 order by alert_id limit $3"
    )
    .bind(since)
    .bind(after_id)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// The observables of alerts `ids`: (alert id, type, value).
pub async fn observables_of(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(
            "select alert_id, data_type, value from alert_observable where alert_id in (",
        );
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(")");
        qb.build_query_as::<(i64, String, String)>()
            .fetch_all(pool)
            .await
    })?)
}
