//! SQL for alerts: idempotent intake, the keyset-paged queue, triage updates. Longer than most
//! files because each statement is spelled out once per dialect where the two differ (batch
//! upserts, the queue's keyset); it holds SQL only.

use std::collections::HashMap;

use super::{NewAlert, Observable};
use crate::{
    execute_tx,
    fields::{FieldCursor, FieldSort, Target, store as fields_store},
    on_pool, on_tx,
    platform::{Db, Error, Result, Tx, clock::Millis, db::like_contains},
    validate::tags_to_json,
};

/// Rows per multi-row statement: well under both databases' bound-parameter limits.
const ROWS_PER_STATEMENT: usize = 1000;

/// Inserts alerts, or bumps the count and last-seen time of those with the same
/// (type, source, source_ref), in few statements (one per 1000 rows). Returns (id, occurrence
/// count) per alert, in input order: a count of 1 means the alert is new. A key that appears k times in the batch is handled in k
/// rounds, because one statement may not touch a row twice.
pub async fn upsert_batch(
    tx: &mut Tx,
    alerts: &[&NewAlert],
    created_by: &str,
    now: Millis,
) -> Result<Vec<(i64, i64)>> {
    let key = |a: &NewAlert| (a.alert_type.clone(), a.source.clone(), a.source_ref.clone());
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let rounds: Vec<usize> = alerts
        .iter()
        .map(|a| {
            let n = seen.entry(key(a)).or_insert(0);
            *n += 1;
            *n - 1
        })
        .collect();
    let mut out = vec![(0, 0); alerts.len()];
    for round in 0..=rounds.iter().copied().max().unwrap_or(0) {
        let positions: Vec<usize> = (0..alerts.len()).filter(|i| rounds[*i] == round).collect();
        for chunk in positions.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<(i64, i64, String, String, String)> = on_tx!(tx, |c| {
                let mut qb = sqlx::QueryBuilder::new(
                    "insert into alert (alert_type, source, source_ref, rule, title, description, severity, tlp, pap,
                         tags, status, occurred_at, first_seen_at, last_seen_at, occurrence_count, created_by,
                         created_at, updated_at) ",
                );
                qb.push_values(chunk, |mut row, &i| {
                    let a = alerts[i];
                    row.push_bind(a.alert_type.clone())
                        .push_bind(a.source.clone())
                        .push_bind(a.source_ref.clone())
                        .push_bind(a.rule.clone())
                        .push_bind(a.title.clone())
                        .push_bind(a.description.clone())
                        .push_bind(a.severity.level())
                        .push_bind(a.tlp)
                        .push_bind(a.pap)
                        .push_bind(tags_to_json(&a.tags))
                        .push_bind("new")
                        .push_bind(a.occurred_at.unwrap_or(now))
                        .push_bind(now)
                        .push_bind(now)
                        .push_bind(1i64)
                        .push_bind(created_by.to_owned())
                        .push_bind(now)
                        .push_bind(now);
                });
                qb.push(
                    " on conflict (alert_type, source, source_ref) do update
                         set occurrence_count = alert.occurrence_count + 1,
                             last_seen_at = excluded.last_seen_at,
                             updated_at = excluded.updated_at
                     returning alert_id, occurrence_count, alert_type, source, source_ref",
                );
                qb.build_query_as().fetch_all(c).await
            })?;
            let by_key: HashMap<(String, String, String), (i64, i64)> = rows
                .into_iter()
                .map(|(id, n, t, s, r)| ((t, s, r), (id, n)))
                .collect();
            for &i in chunk {
                out[i] = *by_key
                    .get(&key(alerts[i]))
                    .ok_or_else(|| Error::internal("upsert returned no row for an alert"))?;
            }
        }
    }
    Ok(out)
}

/// Raw payloads of new alerts, many per statement.
pub async fn insert_raws(tx: &mut Tx, raws: &[(i64, &str)], now: Millis) -> Result<()> {
    for chunk in raws.chunks(ROWS_PER_STATEMENT) {
        on_tx!(tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(
                "insert into alert_raw (alert_id, raw, created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut row, (id, raw)| {
                row.push_bind(*id)
                    .push_bind(raw.to_string())
                    .push_bind(now)
                    .push_bind(now);
            });
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Observables of new alerts, many per statement; duplicates per alert are skipped.
pub async fn insert_observables_batch(
    tx: &mut Tx,
    items: &[(i64, &Observable)],
    now: Millis,
) -> Result<()> {
    for chunk in items.chunks(ROWS_PER_STATEMENT) {
        on_tx!(tx, |c| {
            let mut qb = sqlx::QueryBuilder::new(
                "insert into alert_observable (alert_id, data_type, value, tags, created_at, updated_at) ",
            );
            qb.push_values(chunk, |mut row, (id, o)| {
                row.push_bind(*id)
                    .push_bind(o.kind.as_str())
                    .push_bind(o.value.clone())
                    .push_bind(tags_to_json(&o.tags))
                    .push_bind(now)
                    .push_bind(now);
            });
            qb.push(" on conflict do nothing");
            qb.build().execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// A queue row as stored.
#[derive(sqlx::FromRow)]
pub struct QueueRow {
    pub alert_id: i64,
    pub source: String,
    pub rule: String,
    pub title: String,
    pub severity: i64,
    pub status: String,
    pub verdict: Option<String>,
    pub assignee: Option<String>,
    pub occurrence_count: i64,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub group_size: i64,
}

/// Resolved queue filters (names already turned into ids and levels).
#[derive(Default)]
pub struct QueueQuery {
    pub status: Option<String>,
    pub severity: Option<i64>,
    pub source: Option<String>,
    pub rule: Option<String>,
    /// `Some(None)`: unassigned only.
    pub assignee_id: Option<Option<i64>>,
    pub text: Option<String>,
    /// A custom field value the alert must have.
    pub field: Option<crate::fields::FieldMatch>,
    /// Only alerts an alert rule suppressed.
    pub suppressed: bool,
    pub order: QueueOrder,
    pub limit: i64,
}

/// The order of the queue and where its previous page stopped.
#[derive(Default)]
pub enum QueueOrder {
    /// Most severe first, newest first within a severity; keyset on the (severity, alert_id)
    /// of the last row shown.
    #[default]
    Severity,
    SeverityAfter(i64, i64),
    /// By a custom field (see [`crate::fields::FieldCursor`] for the two parts).
    Field {
        sort: FieldSort,
        after: Option<FieldCursor>,
    },
}

const QUEUE_COLUMNS: &str = "select a.alert_id, a.source, a.rule, a.title, a.severity, a.status, a.verdict, u.username as assignee,
        a.occurrence_count, a.first_seen_at, a.last_seen_at, a.group_size
     from alert a left join app_user u on u.user_id = a.assignee_id";

fn push_filters<'a, DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<'a, DB>, q: &'a QueueQuery)
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" where a.group_id is null");
    if let Some(s) = &q.status {
        qb.push(" and a.status = ").push_bind(s.clone());
    }
    if let Some(s) = q.severity {
        qb.push(" and a.severity = ").push_bind(s);
    }
    if let Some(s) = &q.source {
        qb.push(" and a.source = ").push_bind(s.clone());
    }
    if let Some(r) = &q.rule {
        qb.push(" and a.rule = ").push_bind(r.clone());
    }
    match q.assignee_id {
        Some(Some(id)) => {
            qb.push(" and a.assignee_id = ").push_bind(id);
        }
        Some(None) => {
            qb.push(" and a.assignee_id is null");
        }
        None => {}
    }
    if let Some(m) = &q.field {
        crate::fields::store::push_match(qb, Target::Alert, "a.alert_id", m);
    }
    if q.suppressed {
        qb.push(" and a.suppressed_by_rule_id is not null");
    }
    if let Some(t) = &q.text {
        // A substring match on the title; full-text search across alerts and cases is its own seam.
        qb.push(" and lower(a.title) like ")
            .push_bind(like_contains(t))
            .push(" escape '\\'");
    }
}

/// One page of the queue in the order asked for. The raw payload is never read here.
pub async fn queue(db: &Db, q: &QueueQuery) -> Result<Vec<QueueRow>> {
    let (sort, after) = match &q.order {
        QueueOrder::Severity | QueueOrder::SeverityAfter(..) => {
            return Ok(on_pool!(db, |pool| {
                let mut qb = sqlx::QueryBuilder::new(QUEUE_COLUMNS);
                push_filters(&mut qb, q);
                if let QueueOrder::SeverityAfter(sev, id) = q.order {
                    qb.push(" and (a.severity, a.alert_id) < (")
                        .push_bind(sev)
                        .push(", ")
                        .push_bind(id)
                        .push(")");
                }
                qb.push(" order by a.severity desc, a.alert_id desc limit ")
                    .push_bind(q.limit);
                qb.build_query_as::<QueueRow>().fetch_all(pool).await
            })?);
        }
        QueueOrder::Field { sort, after } => (sort, after.as_ref()),
    };
    let (valued, blank_before) = FieldCursor::walks(after);
    let mut rows = match valued {
        None => Vec::new(),
        Some(after) => on_pool!(db, |pool| {
            let mut qb = sqlx::QueryBuilder::new(QUEUE_COLUMNS);
            fields_store::push_sort_join(&mut qb, Target::Alert, "a.alert_id", sort);
            push_filters(&mut qb, q);
            fields_store::push_sort_page(&mut qb, "a.alert_id", sort, after, q.limit);
            qb.build_query_as::<QueueRow>().fetch_all(pool).await
        })?,
    };
    let room = q.limit - rows.len() as i64;
    if room > 0 {
        rows.extend(on_pool!(db, |pool| {
            let mut qb = sqlx::QueryBuilder::new(QUEUE_COLUMNS);
            push_filters(&mut qb, q);
            fields_store::push_blank(&mut qb, Target::Alert, "a.alert_id", sort);
            if let Some(id) = blank_before {
                qb.push(" and a.alert_id < ").push_bind(id);
            }
            qb.push(" order by a.alert_id desc limit ").push_bind(room);
            qb.build_query_as::<QueueRow>().fetch_all(pool).await
        })?);
    }
    Ok(rows)
}

/// Up to `per_alert` observables of each listed alert, as (alert_id, type, value).
pub async fn observable_previews(
    db: &Db,
    alert_ids: &[i64],
    per_alert: usize,
) -> Result<Vec<(i64, String, String)>> {
    if alert_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, String)> = on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(
            "select alert_id, data_type, value from alert_observable where alert_id in (",
        );
        let mut ids = qb.separated(", ");
        for id in alert_ids {
            ids.push_bind(*id);
        }
        ids.push_unseparated(") order by alert_id, alert_observable_id");
        qb.build_query_as().fetch_all(pool).await
    })?;
    let mut out: Vec<(i64, String, String)> = Vec::new();
    for row in rows {
        if out.iter().filter(|r| r.0 == row.0).count() < per_alert {
            out.push(row);
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
pub struct TriageRow {
    pub alert_id: i64,
    pub status: String,
    pub verdict: Option<String>,
    pub assignee_id: Option<i64>,
}

pub async fn triage_state(tx: &mut Tx, alert_id: i64) -> Result<Option<TriageRow>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(
            "select alert_id, status, verdict, assignee_id from alert where alert_id = $1",
        )
        .bind(alert_id)
        .fetch_optional(c)
        .await
    })?)
}

pub async fn set_verdict(
    tx: &mut Tx,
    alert_id: i64,
    verdict: &str,
    reason: &str,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set verdict = $2, verdict_reason = $3, verdict_at = $4, status = 'closed', updated_at = $4
             where alert_id = $1"
        )
        .bind(alert_id)
        .bind(verdict)
        .bind(reason)
        .bind(now)
    )?;
    Ok(())
}

/// Clears an alert's verdict and puts it back in the queue (in progress if someone holds it).
pub async fn reopen(tx: &mut Tx, alert_id: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set verdict = null, verdict_reason = null, verdict_at = null,
                 status = case when assignee_id is null then 'new' else 'in_progress' end,
                 updated_at = $2
             where alert_id = $1"
        )
        .bind(alert_id)
        .bind(now)
    )?;
    Ok(())
}

pub async fn set_assignee(
    tx: &mut Tx,
    alert_id: i64,
    assignee_id: Option<i64>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set assignee_id = $2,
                 status = case when status = 'new' and $2 is not null then 'in_progress' else status end,
                 updated_at = $3
             where alert_id = $1"
        )
        .bind(alert_id)
        .bind(assignee_id)
        .bind(now)
    )?;
    Ok(())
}

/// The raw payload, and when it was purged under the retention period (if it was).
pub async fn raw(db: &Db, alert_id: i64) -> Result<(Option<String>, Option<Millis>)> {
    let row: Option<(Option<String>, Option<i64>)> = on_pool!(db, |pool| {
        sqlx::query_as(
            "select r.raw, a.raw_purged_at from alert a
             left join alert_raw r on r.alert_id = a.alert_id where a.alert_id = $1",
        )
        .bind(alert_id)
        .fetch_optional(pool)
        .await
    })?;
    Ok(row.unwrap_or_default())
}

/// Closed alerts decided before `before` whose raw payload is still kept, oldest first; not
/// those of a case that is still open or on legal hold.
pub async fn payloads_due(tx: &mut Tx, before: Millis, limit: i64) -> Result<Vec<i64>> {
    let due: Vec<(i64, Option<i64>)> = on_tx!(tx, |c| sqlx::query_as(
        "select a.alert_id, a.case_id from alert a
         left join incident_case c on c.case_id = a.case_id
         where a.status = 'closed' and a.raw_purged_at is null and a.verdict_at < $1
           and (a.case_id is null or (c.status = 'closed' and c.legal_hold = 0))
         order by a.verdict_at, a.alert_id limit $2"
    )
    .bind(before)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    let Tx::Postgres(pg) = tx else {
        // SQLite's single writer has no legal hold committing while this transaction runs.
        return Ok(due.into_iter().map(|(alert, _)| alert).collect());
    };
    // A legal hold committed since the read above must not lose its alerts: lock the cases
    // and read them again. A hold still in flight is waited for and then seen; one begun
    // after this waits for the purge to commit.
    let mut cases: Vec<i64> = due.iter().filter_map(|(_, case)| *case).collect();
    cases.sort_unstable();
    cases.dedup();
    let released: Vec<i64> = sqlx::query_scalar(
        "select case_id from incident_case
         where case_id = any($1) and status = 'closed' and legal_hold = 0
         order by case_id for share",
    )
    .bind(&cases)
    .fetch_all(&mut **pg)
    .await?;
    Ok(due
        .into_iter()
        .filter(|(_, case)| case.is_none_or(|c| released.binary_search(&c).is_ok()))
        .map(|(alert, _)| alert)
        .collect())
}

/// Deletes the alert's raw payload and notes when.
pub async fn purge_payload(tx: &mut Tx, alert_id: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("delete from alert_raw where alert_id = $1").bind(alert_id)
    )?;
    execute_tx!(
        tx,
        sqlx::query("update alert set raw_purged_at = $2 where alert_id = $1")
            .bind(alert_id)
            .bind(now)
    )?;
    Ok(())
}

/// Verdict counts per detection rule for alerts decided in `[from, to)`: (rule, verdict, n).
pub async fn verdicts_by_rule(
    db: &Db,
    from: Millis,
    to: Millis,
) -> Result<Vec<(String, String, i64)>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
            "select rule, verdict, count(*) from alert
             where verdict_at >= $1 and verdict_at < $2 and verdict is not null
             group by rule, verdict",
        )
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
    })?)
}

/// Every column a reader of one alert needs (not the raw payload).
pub(crate) const ALERT_COLUMNS: &str =
    "select a.alert_id, a.alert_type, a.source, a.source_ref, a.rule, a.title, a.description,
        a.severity, a.tlp, a.pap, a.tags, a.status, a.verdict, a.verdict_reason, a.assignee_id,
        u.username as assignee, a.case_id, a.occurred_at, a.first_seen_at, a.last_seen_at,
        a.occurrence_count, a.created_by, a.created_at, a.updated_at
     from alert a left join app_user u on u.user_id = a.assignee_id";

#[derive(sqlx::FromRow)]
pub struct AlertRow {
    pub alert_id: i64,
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub rule: String,
    pub title: String,
    pub description: String,
    pub severity: i64,
    pub tlp: i64,
    pub pap: i64,
    pub tags: String,
    pub status: String,
    pub verdict: Option<String>,
    pub verdict_reason: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
    pub case_id: Option<i64>,
    pub occurred_at: i64,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub occurrence_count: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub async fn alert(db: &Db, alert_id: i64) -> Result<Option<AlertRow>> {
    let sql = format!("{ALERT_COLUMNS} where a.alert_id = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(alert_id)
            .fetch_optional(pool)
            .await
    })?)
}

/// The alert as seen inside `tx`, locked on Postgres until the transaction ends so two
/// escalations or edits of one alert queue instead of both acting on what they read.
/// The alert as `tx` sees it, without locking it (for reports on a change, e.g. webhooks).
pub async fn alert_snapshot_in_tx(tx: &mut Tx, alert_id: i64) -> Result<Option<AlertRow>> {
    let sql = format!("{ALERT_COLUMNS} where a.alert_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(alert_id).fetch_optional(c).await
    })?)
}

pub async fn alert_in_tx(tx: &mut Tx, alert_id: i64) -> Result<Option<AlertRow>> {
    let sql = match tx.dialect() {
        crate::platform::db::Dialect::Sqlite => format!("{ALERT_COLUMNS} where a.alert_id = $1"),
        crate::platform::db::Dialect::Postgres => {
            format!("{ALERT_COLUMNS} where a.alert_id = $1 for update of a")
        }
    };
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(alert_id).fetch_optional(c).await
    })?)
}

#[derive(sqlx::FromRow)]
pub struct ObservableRow {
    pub alert_observable_id: i64,
    pub alert_id: i64,
    pub data_type: String,
    pub value: String,
    pub tags: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub(crate) const OBSERVABLE_COLUMNS: &str =
    "select alert_observable_id, alert_id, data_type, value, tags, created_at, updated_at
     from alert_observable";

/// An alert's observables in the order they arrived; an alert holds at most a few hundred.
pub async fn observables(db: &Db, alert_id: i64) -> Result<Vec<ObservableRow>> {
    let sql = format!("{OBSERVABLE_COLUMNS} where alert_id = $1 order by alert_observable_id");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(alert_id).fetch_all(pool).await
    })?)
}

pub async fn observables_in_tx(tx: &mut Tx, alert_id: i64) -> Result<Vec<ObservableRow>> {
    let sql = format!("{OBSERVABLE_COLUMNS} where alert_id = $1 order by alert_observable_id");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(alert_id).fetch_all(c).await
    })?)
}

/// Links an alert to the case it was escalated or merged into: it leaves the queue as a true
/// positive.
pub async fn link_to_case(
    tx: &mut Tx,
    alert_id: i64,
    case_id: i64,
    reason: &str,
    now: Millis,
) -> Result<()> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update alert set case_id = $2, status = 'closed', verdict = 'true_positive',
                 verdict_reason = $3, verdict_at = $4, updated_at = $4
             where alert_id = $1 and case_id is null"
        )
        .bind(alert_id)
        .bind(case_id)
        .bind(reason)
        .bind(now)
    )?;
    if n != 1 {
        return Err(Error::conflict(format!(
            "Alert {alert_id} was just linked to another case."
        )));
    }
    Ok(())
}

/// The editable fields of an alert (TheHive's PATCH).
pub struct AlertEdit<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub severity: i64,
    pub tlp: i64,
    pub pap: i64,
    pub tags: &'a str,
}

pub async fn update_fields(
    tx: &mut Tx,
    alert_id: i64,
    e: &AlertEdit<'_>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set title = $2, description = $3, severity = $4, tlp = $5, pap = $6, tags = $7,
                 updated_at = $8
             where alert_id = $1"
        )
        .bind(alert_id)
        .bind(e.title)
        .bind(e.description)
        .bind(e.severity)
        .bind(e.tlp)
        .bind(e.pap)
        .bind(e.tags)
        .bind(now)
    )?;
    Ok(())
}

/// Deletes an alert with its raw payload and observables (cascade); a grouped alert leaves its
/// group's count.
pub async fn delete(tx: &mut Tx, alert_id: i64) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set group_size = group_size - 1
             where alert_id = (select group_id from alert where alert_id = $1)"
        )
        .bind(alert_id)
    )?;
    execute_tx!(
        tx,
        sqlx::query("delete from alert where alert_id = $1").bind(alert_id)
    )?;
    Ok(())
}

/// The open alert a new one should join: older, same source and rule, not itself grouped, seen since
/// `since`, sharing one of `keys` (type, value). Returns (leader id, the shared observable).
pub async fn find_group_leader(
    tx: &mut Tx,
    alert_id: i64,
    source: &str,
    rule: &str,
    keys: &[(&str, &str)],
    since: Millis,
) -> Result<Option<(i64, String, String)>> {
    if keys.is_empty() {
        return Ok(None);
    }
    Ok(on_tx!(tx, |c| {
        let mut qb = sqlx::QueryBuilder::new(
            "select a.alert_id, o.data_type, o.value from alert_observable o
             join alert a on a.alert_id = o.alert_id
             where a.group_id is null and a.status <> 'closed' and a.case_id is null and a.alert_id < ",
        );
        qb.push_bind(alert_id)
            .push(" and a.source = ")
            .push_bind(source.to_owned())
            .push(" and a.rule = ")
            .push_bind(rule.to_owned())
            .push(" and a.group_size < 1000 and a.last_seen_at >= ")
            .push_bind(since)
            .push(" and (");
        for (i, (t, v)) in keys.iter().enumerate() {
            if i > 0 {
                qb.push(" or ");
            }
            qb.push("(o.data_type = ")
                .push_bind(t.to_string())
                .push(" and o.value = ")
                .push_bind(v.to_string())
                .push(")");
        }
        qb.push(") order by a.alert_id desc limit 1");
        qb.build_query_as().fetch_optional(c).await
    })?)
}

/// Folds `member` into `leader`'s group: the member leaves the queue, the leader's count and
/// last-seen time go up.
pub async fn join_group(
    tx: &mut Tx,
    member: i64,
    leader: i64,
    reason: &str,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set group_id = $2, group_reason = $3, updated_at = $4 where alert_id = $1"
        )
        .bind(member)
        .bind(leader)
        .bind(reason)
        .bind(now)
    )?;
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set group_size = group_size + 1, last_seen_at = $2, updated_at = $2 where alert_id = $1"
        )
        .bind(leader)
        .bind(now)
    )?;
    Ok(())
}

/// Ids of the alerts grouped under `leader` (not the leader itself).
/// Whether any alert (in a case or not) is grouped under `leader`.
pub async fn leads_group(tx: &mut Tx, leader: i64) -> Result<bool> {
    let row: Option<(i64,)> = on_tx!(tx, |c| {
        sqlx::query_as("select alert_id from alert where group_id = $1 limit 1")
            .bind(leader)
            .fetch_optional(c)
            .await
    })?;
    Ok(row.is_some())
}

/// Members already in a case (escalated or merged on their own) are left out.
pub async fn group_member_ids(tx: &mut Tx, leader: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "select alert_id from alert where group_id = $1 and case_id is null order by alert_id limit 1000",
        )
            .bind(leader)
            .fetch_all(c)
            .await
    })?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The members of a group with why each joined: (id, title, reason, first seen).
pub async fn group_members(db: &Db, leader: i64) -> Result<Vec<(i64, String, String, i64)>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
            "select alert_id, title, coalesce(group_reason, ''), first_seen_at from alert
             where group_id = $1 order by alert_id limit 1000",
        )
        .bind(leader)
        .fetch_all(pool)
        .await
    })?)
}

// --- Comments and procedures posted on an alert ---

#[derive(sqlx::FromRow)]
pub struct AlertNoteRow {
    pub alert_note_id: i64,
    pub alert_id: i64,
    pub kind: String,
    pub message: String,
    pub technique: String,
    pub tactic: String,
    pub occurred_at: i64,
    pub created_by: String,
    pub created_at: i64,
}

pub struct NewAlertNote<'a> {
    pub kind: &'a str,
    pub message: &'a str,
    pub technique: &'a str,
    pub tactic: &'a str,
    pub occurred_at: Millis,
}

pub async fn insert_note(
    tx: &mut Tx,
    alert_id: i64,
    n: &NewAlertNote<'_>,
    created_by: &str,
    now: Millis,
) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into alert_note (alert_id, kind, message, technique, tactic, occurred_at, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning alert_note_id",
        )
        .bind(alert_id)
        .bind(n.kind)
        .bind(n.message)
        .bind(n.technique)
        .bind(n.tactic)
        .bind(n.occurred_at)
        .bind(created_by)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

/// Most notes one alert keeps; integrations post a handful.
pub const MAX_ALERT_NOTES: i64 = 1000;

/// An alert's notes in the order they were posted.
pub async fn notes_in_tx(tx: &mut Tx, alert_id: i64) -> Result<Vec<AlertNoteRow>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(
            "select alert_note_id, alert_id, kind, message, technique, tactic, occurred_at, created_by, created_at
             from alert_note where alert_id = $1 order by alert_note_id limit $2",
        )
        .bind(alert_id)
        .bind(MAX_ALERT_NOTES)
        .fetch_all(c)
        .await
    })?)
}

// --- Files that arrived with an alert ---

#[derive(sqlx::FromRow, Clone)]
pub struct AlertFileRow {
    pub alert_file_id: i64,
    pub alert_id: i64,
    pub file_name: String,
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    pub size_bytes: i64,
    pub created_by: String,
    pub created_at: i64,
}

/// Most files one alert keeps.
pub const MAX_ALERT_FILES: i64 = 100;

/// Records a file of an alert unless it has it already (same content and name); its id if new.
pub async fn insert_file(
    tx: &mut Tx,
    alert_id: i64,
    file_name: &str,
    d: &crate::platform::digests::Digests,
    created_by: &str,
    now: Millis,
) -> Result<Option<i64>> {
    let size = i64::try_from(d.len).unwrap_or(i64::MAX);
    let row: Option<(i64,)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into alert_file (alert_id, file_name, sha256, sha1, md5, size_bytes, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict do nothing returning alert_file_id",
        )
        .bind(alert_id)
        .bind(file_name)
        .bind(&d.sha256)
        .bind(&d.sha1)
        .bind(&d.md5)
        .bind(size)
        .bind(created_by)
        .bind(now)
        .fetch_optional(c)
        .await
    })?;
    Ok(row.map(|r| r.0))
}

const FILE_COLUMNS: &str =
    "select alert_file_id, alert_id, file_name, sha256, sha1, md5, size_bytes,
    created_by, created_at from alert_file";

pub async fn files_in_tx(tx: &mut Tx, alert_id: i64) -> Result<Vec<AlertFileRow>> {
    let sql = format!("{FILE_COLUMNS} where alert_id = $1 order by alert_file_id limit $2");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(alert_id)
        .bind(MAX_ALERT_FILES)
        .fetch_all(c)
        .await)?)
}

pub async fn count_files(tx: &mut Tx, alert_id: i64) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |c| sqlx::query_as(
        "select count(*) from alert_file where alert_id = $1"
    )
    .bind(alert_id)
    .fetch_one(c)
    .await)?;
    Ok(n)
}
