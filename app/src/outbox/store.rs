//! SQL for webhooks, the outbox and the delivery log. Claiming due messages pushes their next
//! attempt a lease into the future under `FOR UPDATE SKIP LOCKED`, so two processes never send
//! the same message at once.

use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis, db::Dialect},
};

#[derive(sqlx::FromRow)]
pub struct WebhookRow {
    pub webhook_id: i64,
    pub name: String,
    pub url: String,
    pub secret: String,
    pub events: String,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: i64,
}

const WEBHOOKS: &str = "select webhook_id, name, url, secret, events, enabled, created_by,
    created_at from webhook";

pub async fn webhooks(db: &Db) -> Result<Vec<WebhookRow>> {
    let sql = format!("{WEBHOOKS} order by name limit 500");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await)?)
}

pub async fn webhook(db: &Db, webhook_id: i64) -> Result<Option<WebhookRow>> {
    let sql = format!("{WEBHOOKS} where webhook_id = $1");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(webhook_id)
        .fetch_optional(pool)
        .await)?)
}

/// Enabled webhooks, read inside the transaction of the change being reported.
pub async fn enabled_webhooks(tx: &mut Tx) -> Result<Vec<(i64, String)>> {
    Ok(on_tx!(tx, |c| sqlx::query_as(
        "select webhook_id, events from webhook where enabled order by webhook_id"
    )
    .fetch_all(c)
    .await)?)
}

pub async fn name_taken(tx: &mut Tx, name: &str) -> Result<bool> {
    let n: i64 = on_tx!(tx, |c| sqlx::query_scalar(
        "select count(*) from webhook where name = $1"
    )
    .bind(name)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

pub async fn insert_webhook(
    tx: &mut Tx,
    name: &str,
    url: &str,
    secret: &str,
    events: &str,
    by: &str,
    now: Millis,
) -> Result<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "insert into webhook (name, url, secret, events, enabled, created_by, created_at,
             updated_at) values ($1, $2, $3, $4, true, $5, $6, $6) returning webhook_id"
    )
    .bind(name)
    .bind(url)
    .bind(secret)
    .bind(events)
    .bind(by)
    .bind(now)
    .fetch_one(c)
    .await)?)
}

pub async fn set_enabled(tx: &mut Tx, webhook_id: i64, enabled: bool, now: Millis) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query("update webhook set enabled = $2, updated_at = $3 where webhook_id = $1")
            .bind(webhook_id)
            .bind(enabled)
            .bind(now)
    )?)
}

pub struct NewMessage<'a> {
    pub channel: &'a str,
    pub webhook_id: Option<i64>,
    pub recipient: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub payload: &'a str,
}

pub async fn enqueue(tx: &mut Tx, m: &NewMessage<'_>, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "insert into outbox (channel, webhook_id, recipient, subject, payload, state, attempts,
                 next_attempt_at, created_at, updated_at)
             values ($1, $2, $3, $4, $5, 'pending', 0, $6, $6, $6)"
        )
        .bind(m.channel)
        .bind(m.webhook_id)
        .bind(m.recipient)
        .bind(m.subject)
        .bind(m.payload)
        .bind(now)
    )?;
    Ok(())
}

/// A claimed message with what is needed to send it.
#[derive(sqlx::FromRow)]
pub struct Claimed {
    pub delivery_id: i64,
    pub channel: String,
    pub webhook_id: Option<i64>,
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub payload: String,
    pub attempts: i64,
    pub url: Option<String>,
    pub secret: Option<String>,
}

/// Claims due messages: up to `per_target` for each of up to `targets` targets (a webhook, or
/// e-mail), oldest first, skipping disabled webhooks. Their next attempt moves `lease` ms
/// ahead, so a crash mid-send only delays them. Commit before sending.
pub async fn claim_due(
    tx: &mut Tx,
    now: Millis,
    lease: Millis,
    targets: i64,
    per_target: i64,
) -> Result<Vec<Claimed>> {
    // 0 stands for e-mail (webhook ids start at 1).
    let due_targets: Vec<i64> = on_tx!(tx, |c| sqlx::query_scalar(
        "select distinct coalesce(o.webhook_id, 0) from outbox o
         left join webhook w on w.webhook_id = o.webhook_id
         where o.state = 'pending' and o.next_attempt_at <= $1
           and (o.webhook_id is null or w.enabled)
         limit $2"
    )
    .bind(now)
    .bind(targets)
    .fetch_all(c)
    .await)?;
    let lock = match tx.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " for update skip locked",
    };
    let pick = format!(
        "select delivery_id from outbox
         where coalesce(webhook_id, 0) = $1 and state = 'pending' and next_attempt_at <= $2
         order by next_attempt_at, delivery_id limit $3{lock}"
    );
    let mut ids = Vec::new();
    for target in due_targets {
        let mine: Vec<i64> = on_tx!(tx, |c| sqlx::query_scalar(&pick)
            .bind(target)
            .bind(now)
            .bind(per_target)
            .fetch_all(c)
            .await)?;
        ids.extend(mine);
    }
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Claimed = on_tx!(tx, |c| {
            sqlx::query(
                "update outbox set next_attempt_at = $2, updated_at = $3 where delivery_id = $1",
            )
            .bind(id)
            .bind(now + lease)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query_as(
                "select o.delivery_id, o.channel, o.webhook_id, o.recipient, o.subject, o.payload,
                        o.attempts, w.url, w.secret
                 from outbox o left join webhook w on w.webhook_id = o.webhook_id
                 where o.delivery_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *c)
            .await
        })?;
        claimed.push(row);
    }
    Ok(claimed)
}

/// Puts claimed messages back in the queue for `at`, unattempted.
pub async fn reschedule(tx: &mut Tx, delivery_ids: &[i64], at: Millis, now: Millis) -> Result<()> {
    for id in delivery_ids {
        execute_tx!(
            tx,
            sqlx::query(
                "update outbox set next_attempt_at = $2, updated_at = $3
                 where delivery_id = $1 and state = 'pending'"
            )
            .bind(id)
            .bind(at)
            .bind(now)
        )?;
    }
    Ok(())
}

pub struct Outcome<'a> {
    pub delivered: bool,
    pub status_code: Option<i64>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    /// When to try again; `None` gives up (marks failed) unless delivered.
    pub retry_at: Option<Millis>,
}

/// Records an attempt and its effect on the message.
pub async fn record_attempt(
    tx: &mut Tx,
    delivery_id: i64,
    o: &Outcome<'_>,
    now: Millis,
) -> Result<()> {
    let state = match (o.delivered, o.retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    on_tx!(tx, |c| {
        sqlx::query(
            "insert into delivery_attempt (delivery_id, attempted_at, status_code, error,
                 duration_ms) values ($1, $2, $3, $4, $5)",
        )
        .bind(delivery_id)
        .bind(now)
        .bind(o.status_code)
        .bind(o.error)
        .bind(o.duration_ms)
        .execute(&mut *c)
        .await?;
        sqlx::query(
            "update outbox set state = $2, attempts = attempts + 1, next_attempt_at = $3,
                 last_error = $4, delivered_at = $5, updated_at = $6 where delivery_id = $1",
        )
        .bind(delivery_id)
        .bind(state)
        .bind(o.retry_at.unwrap_or(now))
        .bind(o.error)
        .bind(o.delivered.then_some(now))
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    pub delivery_id: i64,
    pub target: Option<String>,
    pub channel: String,
    pub subject: Option<String>,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

/// The delivery log, newest first, optionally for one webhook.
pub async fn deliveries(
    db: &Db,
    webhook_id: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select o.delivery_id, coalesce(w.name, o.recipient) as target, o.channel, o.subject,
                o.payload, o.state, o.attempts, o.next_attempt_at, o.last_error, o.delivered_at,
                o.created_at
         from outbox o left join webhook w on w.webhook_id = o.webhook_id
         where ($1 is null or o.webhook_id = $1) and o.delivery_id < $2
         order by o.delivery_id desc limit $3"
    )
    .bind(webhook_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

#[derive(sqlx::FromRow)]
pub struct AttemptRow {
    pub delivery_id: i64,
    pub attempted_at: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// The attempts of these messages (one page of the log), at most 20 each shown by the caller.
pub async fn attempts_of(db: &Db, delivery_ids: &[i64]) -> Result<Vec<AttemptRow>> {
    if delivery_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(
            "select delivery_id, attempted_at, status_code, error, duration_ms
             from delivery_attempt where delivery_id in (",
        );
        let mut ids = qb.separated(", ");
        for id in delivery_ids {
            ids.push_bind(*id);
        }
        qb.push(") order by delivery_id, attempt_id");
        qb.build_query_as::<AttemptRow>().fetch_all(pool).await
    })?)
}
