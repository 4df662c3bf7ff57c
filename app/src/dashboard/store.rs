//! SQL for the dashboard: recounting the daily aggregates of changed days, and reading them
//! (plus the open cases, which are few next to all cases and read through a partial index).

use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

const DAY_MS: i64 = 86_400_000;

/// Claims the refresh (the row lock makes a second process wait its turn) and returns the
/// update time from which rows are not yet counted.
pub async fn claim_refresh(tx: &mut Tx, now: Millis) -> Result<i64> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "update dashboard_refresh set refreshed_at = $1 where id = 1 returning changed_since"
    )
    .bind(now)
    .fetch_one(c)
    .await)?)
}

pub async fn finish_refresh(tx: &mut Tx, changed_since: i64) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("update dashboard_refresh set changed_since = $1 where id = 1")
            .bind(changed_since)
    )?;
    Ok(())
}

pub async fn refreshed_at(db: &Db) -> Result<i64> {
    Ok(on_pool!(db, |pool| sqlx::query_scalar(
        "select refreshed_at from dashboard_refresh where id = 1"
    )
    .fetch_one(pool)
    .await)?)
}

/// Opening days of cases that changed (or whose SLA clocks did) at or after `since`.
pub async fn changed_case_days(tx: &mut Tx, since: i64) -> Result<Vec<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "select opened_at / 86400000 from incident_case where updated_at >= $1
         union
         select c.opened_at / 86400000 from sla_clock k
           join incident_case c on c.case_id = k.case_id
          where k.updated_at >= $1"
    )
    .bind(since)
    .fetch_all(c)
    .await)?)
}

/// Arrival days of alerts that changed at or after `since`.
pub async fn changed_alert_days(tx: &mut Tx, since: i64) -> Result<Vec<i64>> {
    Ok(on_tx!(tx, |c| sqlx::query_scalar(
        "select distinct created_at / 86400000 from alert where updated_at >= $1"
    )
    .bind(since)
    .fetch_all(c)
    .await)?)
}

/// Recounts one opening day's cases from the cases and their clocks.
pub async fn recount_case_day(tx: &mut Tx, day: i64) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("delete from case_day_stats where day = $1").bind(day)
    )?;
    execute_tx!(
        tx,
        sqlx::query(
            "insert into case_day_stats (day, severity, tier, opened, acknowledged, acknowledge_ms,
                 contained, contain_ms, resolved, resolve_ms, sla_met, sla_breached)
             select $1, c.severity, c.tier, count(*),
                 count(a.met_at), cast(coalesce(sum(a.met_at - a.started_at), 0) as bigint),
                 count(k.met_at), cast(coalesce(sum(k.met_at - k.started_at), 0) as bigint),
                 cast(sum(case when c.status = 'closed' then 1 else 0 end) as bigint),
                 cast(coalesce(sum(case when c.status = 'closed'
                     then c.closed_at - c.opened_at else 0 end), 0) as bigint),
                 cast(sum(case when a.met_at is not null and a.breached_at is null then 1 else 0 end
                     + case when k.met_at is not null and k.breached_at is null then 1 else 0 end
                     + case when r.met_at is not null and r.breached_at is null then 1 else 0 end)
                     as bigint),
                 cast(sum(case when a.breached_at is not null then 1 else 0 end
                     + case when k.breached_at is not null then 1 else 0 end
                     + case when r.breached_at is not null then 1 else 0 end) as bigint)
             from incident_case c
             left join sla_clock a on a.case_id = c.case_id and a.kind = 'acknowledge'
             left join sla_clock k on k.case_id = c.case_id and k.kind = 'contain'
             left join sla_clock r on r.case_id = c.case_id and r.kind = 'resolve'
             where c.opened_at >= $2 and c.opened_at < $3
             group by c.severity, c.tier"
        )
        .bind(day)
        .bind(day * DAY_MS)
        .bind((day + 1) * DAY_MS)
    )?;
    Ok(())
}

/// Recounts one arrival day's alerts by source and rule.
pub async fn recount_alert_day(tx: &mut Tx, day: i64) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("delete from alert_day_stats where day = $1").bind(day)
    )?;
    execute_tx!(
        tx,
        sqlx::query(
            "insert into alert_day_stats (day, source, rule, received, true_positive,
                 false_positive, benign, duplicate)
             select $1, source, rule, count(*),
                 cast(sum(case when verdict = 'true_positive' then 1 else 0 end) as bigint),
                 cast(sum(case when verdict = 'false_positive' then 1 else 0 end) as bigint),
                 cast(sum(case when verdict = 'benign' then 1 else 0 end) as bigint),
                 cast(sum(case when verdict = 'duplicate' then 1 else 0 end) as bigint)
             from alert where created_at >= $2 and created_at < $3
             group by source, rule"
        )
        .bind(day)
        .bind(day * DAY_MS)
        .bind((day + 1) * DAY_MS)
    )?;
    Ok(())
}

/// Open cases per (status, severity, tier).
pub async fn open_cases(db: &Db) -> Result<Vec<(String, i64, i64, i64)>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select status, severity, tier, count(*) from incident_case
         where status <> 'closed' group by status, severity, tier"
    )
    .fetch_all(pool)
    .await)?)
}

#[derive(sqlx::FromRow)]
pub struct CaseStatsRow {
    pub day: i64,
    pub severity: i64,
    pub tier: i64,
    pub opened: i64,
    pub acknowledged: i64,
    pub acknowledge_ms: i64,
    pub contained: i64,
    pub contain_ms: i64,
    pub resolved: i64,
    pub resolve_ms: i64,
    pub sla_met: i64,
    pub sla_breached: i64,
}

/// The period's case aggregates: at most days × 5 severities × 3 tiers rows.
pub async fn case_stats(db: &Db, first: i64, last: i64) -> Result<Vec<CaseStatsRow>> {
    Ok(on_pool!(db, |pool| sqlx::query_as(
        "select day, severity, tier, opened, acknowledged, acknowledge_ms, contained, contain_ms,
             resolved, resolve_ms, sla_met, sla_breached
         from case_day_stats where day between $1 and $2"
    )
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await)?)
}

#[derive(sqlx::FromRow)]
pub struct AlertStatsRow {
    pub key: String,
    pub received: i64,
    pub true_positive: i64,
    pub false_positive: i64,
    pub benign: i64,
    pub duplicate: i64,
}

const ALERT_SUMS: &str = "cast(sum(received) as bigint) as received,
    cast(sum(true_positive) as bigint) as true_positive,
    cast(sum(false_positive) as bigint) as false_positive,
    cast(sum(benign) as bigint) as benign, cast(sum(duplicate) as bigint) as duplicate";

/// Alerts per source over the period, most first.
pub async fn alerts_by_source(
    db: &Db,
    first: i64,
    last: i64,
    limit: i64,
) -> Result<Vec<AlertStatsRow>> {
    let sql = format!(
        "select source as key, {ALERT_SUMS} from alert_day_stats where day between $1 and $2
         group by source order by received desc, source limit $3"
    );
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(first)
        .bind(last)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Alerts per detection rule over the period, most false positives first.
pub async fn alerts_by_rule(
    db: &Db,
    first: i64,
    last: i64,
    limit: i64,
) -> Result<Vec<AlertStatsRow>> {
    let sql = format!(
        "select rule as key, {ALERT_SUMS} from alert_day_stats where day between $1 and $2
         group by rule order by false_positive desc, received desc, rule limit $3"
    );
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(first)
        .bind(last)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// Alerts per arrival day over the period (the key is the day number).
pub async fn alerts_by_day(db: &Db, first: i64, last: i64) -> Result<Vec<(i64, AlertStatsRow)>> {
    let sql = format!(
        "select day, '' as key, {ALERT_SUMS} from alert_day_stats where day between $1 and $2
         group by day"
    );
    let rows: Vec<DayRow> = on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().map(|r| (r.day, r.stats)).collect())
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: i64,
    #[sqlx(flatten)]
    stats: AlertStatsRow,
}

/// Per value of custom field `field_id` (`None`: cases without one): open cases now, and the
/// cases resolved in `from..to` with their total time to resolve. Reads open cases (by the
/// status index) and those closed in the period; run only when a breakdown is asked for.
pub async fn by_field(
    db: &Db,
    field_id: i64,
    from: Millis,
    to: Millis,
) -> Result<Vec<(Option<String>, i64, i64, i64)>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
        "select v.value_key,
                cast(sum(case when c.status <> 'closed' then 1 else 0 end) as bigint),
                cast(sum(case when c.closed_at >= $2 and c.closed_at < $3 then 1 else 0 end) as bigint),
                cast(sum(case when c.closed_at >= $2 and c.closed_at < $3
                         then c.closed_at - c.opened_at else 0 end) as bigint)
         from incident_case c
         left join case_field_value v on v.case_id = c.case_id and v.field_id = $1
         where c.status <> 'closed' or (c.closed_at >= $2 and c.closed_at < $3)
         group by v.value_key"
    )
    .bind(field_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?)
}
