//! SQL for notifications: writing them, the inbox page, the capped unread count, recipients.

use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    kind: &str,
    title: &str,
    link: &str,
    case_id: Option<i64>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "insert into notification (user_id, kind, title, link, case_id, created_at)
             values ($1, $2, $3, $4, $5, $6)"
        )
        .bind(user_id)
        .bind(kind)
        .bind(title)
        .bind(link)
        .bind(case_id)
        .bind(now)
    )?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct NotificationRow {
    pub notification_id: i64,
    pub kind: String,
    pub title: String,
    pub link: String,
    pub read_at: Option<i64>,
    pub created_at: i64,
}

pub async fn inbox(
    db: &Db,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<NotificationRow>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select notification_id, kind, title, link, read_at, created_at from notification
         where user_id = $1 and notification_id < $2 order by notification_id desc limit $3"
    )
    .bind(user_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Unread notifications, counted up to `cap` (an index range scan, never the whole table).
pub async fn unread(db: &Db, user_id: i64, cap: i64) -> Result<i64> {
    Ok(on_pool!(db, |pool| sqlx::query_scalar(
        "select count(*) from (select 1 from notification
         where user_id = $1 and read_at is null limit $2) as capped"
    )
    .bind(user_id)
    .bind(cap)
    .fetch_one(pool)
    .await)?)
}

/// Marks one (or, with `None`, every) unread notification of the user read; returns how many.
pub async fn mark_read(
    tx: &mut Tx,
    user_id: i64,
    notification_id: Option<i64>,
    now: Millis,
) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "update notification set read_at = $3
             where user_id = $1 and read_at is null and ($2 is null or notification_id = $2)"
        )
        .bind(user_id)
        .bind(notification_id)
        .bind(now)
    )?)
}

/// Active analysts of a tier, with their e-mail address if they gave one.
pub async fn analysts_of_tier(tx: &mut Tx, tier: i64) -> Result<Vec<(i64, Option<String>)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "select user_id, email from app_user
         where role = 'analyst' and tier = $1 and not disabled order by user_id"
    )
    .bind(tier)
    .fetch_all(c)
    .await)?)
}

/// Active managers, who hear of breaches nobody else above can take.
pub async fn managers(tx: &mut Tx) -> Result<Vec<(i64, Option<String>)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "select user_id, email from app_user where role = 'manager' and not disabled
         order by user_id"
    )
    .fetch_all(c)
    .await)?)
}

pub async fn email_of(tx: &mut Tx, user_id: i64) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = on_tx!(tx, |c| sqlx::query_as(
        "select email from app_user where user_id = $1 and not disabled"
    )
    .bind(user_id)
    .fetch_optional(c)
    .await)?;
    Ok(row.and_then(|r| r.0))
}

pub async fn set_email(tx: &mut Tx, user_id: i64, email: Option<&str>, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("update app_user set email = $2, updated_at = $3 where user_id = $1")
            .bind(user_id)
            .bind(email)
            .bind(now)
    )?;
    Ok(())
}

pub async fn email_of_user(db: &Db, user_id: i64) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = on_pool!(db, |pool| sqlx::query_as(
        "select email from app_user where user_id = $1"
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|r| r.0))
}
