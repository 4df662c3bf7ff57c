//! SQL for cases: the case row (with its version for conflict detection), the append-only
//! timeline, observables, tasks and task logs.

use super::{NewCase, NewTask};
use crate::{
    execute_tx,
    fields::{FieldCursor, FieldMatch, FieldSort, Target, store as fields_store},
    observables::Observable,
    on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis, db::like_contains},
    validate::tags_to_json,
};

pub use crate::journal::case::{CASE_COLUMNS, CaseRow};

pub async fn insert_case(
    tx: &mut Tx,
    c: &NewCase,
    number: &str,
    tier: i64,
    created_by: &str,
    now: Millis,
) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |conn| {
        sqlx::query_as(
            "insert into incident_case (number, title, description, severity, status, tier, tlp, pap, tags,
                 detection_source, version, opened_at, created_by, created_at, updated_at)
             values ($1, $2, $3, $4, 'new', $5, $6, $7, $8, $9, 1, $10, $11, $10, $10)
             returning case_id",
        )
        .bind(number)
        .bind(&c.title)
        .bind(&c.description)
        .bind(c.severity.level())
        .bind(tier)
        .bind(c.tlp)
        .bind(c.pap)
        .bind(tags_to_json(&c.tags))
        .bind(&c.detection_source)
        .bind(now)
        .bind(created_by)
        .fetch_one(conn)
        .await
    })?;
    crate::journal::search::index_case_header(tx, id).await?;
    Ok(id)
}

/// A case by id or by number (`CF-2026-000123`).
pub async fn case(db: &Db, id: i64) -> Result<Option<CaseRow>> {
    let sql = format!("{CASE_COLUMNS} where c.case_id = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
    })?)
}

pub async fn case_by_number(db: &Db, number: &str) -> Result<Option<CaseRow>> {
    let sql = format!("{CASE_COLUMNS} where c.number = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(number).fetch_optional(pool).await
    })?)
}

/// The case as `tx` sees it, without locking it (for reports on a change, e.g. webhooks: taking
/// the case lock after the audit head could deadlock with an edit holding it).
pub async fn case_in_tx(tx: &mut Tx, id: i64) -> Result<Option<CaseRow>> {
    let sql = format!("{CASE_COLUMNS} where c.case_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(id).fetch_optional(c).await
    })?)
}

/// The fields a plain edit or a lifecycle step writes (the journal raises the version).
pub struct CaseWrite<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub severity: i64,
    pub status: &'a str,
    pub tlp: i64,
    pub pap: i64,
    pub tags: &'a str,
    pub closure_verdict: Option<&'a str>,
    pub closure_summary: Option<&'a str>,
    pub closed_at: Option<Millis>,
}

/// Writes the case if it is still at `version`; returns false if someone else got there first.
pub async fn write_case(
    tx: &mut Tx,
    id: i64,
    version: i64,
    w: &CaseWrite<'_>,
    now: Millis,
) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update incident_case set title = $3, description = $4, severity = $5, status = $6, tlp = $7,
                 pap = $8, tags = $9, closure_verdict = $10, closure_summary = $11, closed_at = $12,
                 updated_at = $13
             where case_id = $1 and version = $2"
        )
        .bind(id)
        .bind(version)
        .bind(w.title)
        .bind(w.description)
        .bind(w.severity)
        .bind(w.status)
        .bind(w.tlp)
        .bind(w.pap)
        .bind(w.tags)
        .bind(w.closure_verdict)
        .bind(w.closure_summary)
        .bind(w.closed_at)
        .bind(now)
    )?;
    if n == 1 {
        crate::journal::search::index_case_header(tx, id).await?;
    }
    Ok(n == 1)
}

pub async fn set_legal_hold(tx: &mut Tx, id: i64, hold: bool, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update incident_case set legal_hold = $2, updated_at = $3
             where case_id = $1"
        )
        .bind(id)
        .bind(i64::from(hold))
        .bind(now)
    )?;
    Ok(())
}

/// Keyset-paged case list.
pub struct CaseQuery {
    /// `None`: all; `Some("open")`: not closed; otherwise that status.
    pub status: Option<String>,
    pub text: Option<String>,
    /// A custom field value the case must have.
    pub field: Option<FieldMatch>,
    pub order: CaseOrder,
    pub limit: i64,
}

/// The order of a case list and where its previous page stopped.
pub enum CaseOrder {
    Newest {
        before: Option<i64>,
    },
    /// By a custom field (see [`crate::fields::FieldCursor`] for the two parts).
    Field {
        sort: FieldSort,
        after: Option<FieldCursor>,
    },
}

fn push_filters<'a, DB: sqlx::Database>(qb: &mut sqlx::QueryBuilder<'a, DB>, q: &'a CaseQuery)
where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push(" where 1 = 1");
    match q.status.as_deref() {
        None => {}
        Some("open") => {
            qb.push(" and c.status <> 'closed'");
        }
        Some(s) => {
            qb.push(" and c.status = ").push_bind(s.to_owned());
        }
    }
    if let Some(t) = &q.text {
        let like = like_contains(t);
        qb.push(" and (lower(c.number) like ")
            .push_bind(like.clone())
            .push(" escape '\\' or lower(c.title) like ")
            .push_bind(like)
            .push(" escape '\\')");
    }
    if let Some(m) = &q.field {
        fields_store::push_match(qb, Target::Case, "c.case_id", m);
    }
}

pub async fn list(db: &Db, q: &CaseQuery) -> Result<Vec<CaseRow>> {
    let (sort, after) = match &q.order {
        CaseOrder::Newest { before } => return newest(db, q, *before, q.limit).await,
        CaseOrder::Field { sort, after } => (sort, after.as_ref()),
    };
    let (valued, blank_before) = FieldCursor::walks(after);
    let mut rows = match valued {
        None => Vec::new(),
        Some(after) => on_pool!(db, |pool| {
            let mut qb = sqlx::QueryBuilder::new(CASE_COLUMNS);
            fields_store::push_sort_join(&mut qb, Target::Case, "c.case_id", sort);
            push_filters(&mut qb, q);
            fields_store::push_sort_page(&mut qb, "c.case_id", sort, after, q.limit);
            qb.build_query_as::<CaseRow>().fetch_all(pool).await
        })?,
    };
    let room = q.limit - rows.len() as i64;
    if room > 0 {
        rows.extend(blank(db, q, sort, blank_before, room).await?);
    }
    Ok(rows)
}

/// Cases newest first.
async fn newest(db: &Db, q: &CaseQuery, before: Option<i64>, limit: i64) -> Result<Vec<CaseRow>> {
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(CASE_COLUMNS);
        push_filters(&mut qb, q);
        if let Some(id) = before {
            qb.push(" and c.case_id < ").push_bind(id);
        }
        qb.push(" order by c.case_id desc limit ").push_bind(limit);
        qb.build_query_as::<CaseRow>().fetch_all(pool).await
    })?)
}

/// Cases without a value of the sort field, newest first.
async fn blank(
    db: &Db,
    q: &CaseQuery,
    sort: &FieldSort,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<CaseRow>> {
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(CASE_COLUMNS);
        push_filters(&mut qb, q);
        fields_store::push_blank(&mut qb, Target::Case, "c.case_id", sort);
        if let Some(id) = before {
            qb.push(" and c.case_id < ").push_bind(id);
        }
        qb.push(" order by c.case_id desc limit ").push_bind(limit);
        qb.build_query_as::<CaseRow>().fetch_all(pool).await
    })?)
}

pub use crate::journal::timeline::NewEvent;

#[derive(sqlx::FromRow)]
pub struct EventRow {
    pub event_id: i64,
    pub kind: String,
    pub occurred_at: i64,
    pub summary: String,
    pub body: String,
    pub detail: String,
    pub techniques: String,
    pub tags: String,
    pub supersedes_event_id: Option<i64>,
    pub superseded_by: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// Which timeline entries to read; `None` means any.
pub struct TimelineQuery<'a> {
    pub kind: Option<&'a str>,
    pub tag: Option<&'a str>,
    pub tactic: Option<&'a str>,
    /// Keyset cursor: entries after this (occurred_at, event_id).
    pub after: Option<(i64, i64)>,
    pub limit: i64,
}

/// Timeline in the order things happened, keyset-paged by (occurred_at, event_id).
pub async fn timeline(db: &Db, case_id: i64, q: &TimelineQuery<'_>) -> Result<Vec<EventRow>> {
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(
            "select e.event_id, e.kind, e.occurred_at, e.summary, e.body, e.detail, e.techniques, e.tags,
                    e.supersedes_event_id,
                    (select min(s.event_id) from case_event s where s.supersedes_event_id = e.event_id)
                        as superseded_by,
                    e.recorded_by, e.recorded_at
             from case_event e where e.case_id = ",
        );
        qb.push_bind(case_id);
        if let Some(k) = q.kind {
            qb.push(" and e.kind = ").push_bind(k.to_owned());
        }
        if let Some(t) = q.tag {
            // Tags are stored as a JSON array of strings; a quoted, escaped match finds one.
            let quoted = serde_json::to_string(t).unwrap_or_default();
            qb.push(" and e.tags like ")
                .push_bind(like_contains(&quoted))
                .push(" escape '\\'");
        }
        if let Some(t) = q.tactic {
            qb.push(
                " and exists (select 1 from event_technique t where t.event_id = e.event_id and t.tactic = ",
            )
            .push_bind(t.to_owned())
            .push(")");
        }
        if let Some((at, id)) = q.after {
            qb.push(" and (e.occurred_at, e.event_id) > (")
                .push_bind(at)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        qb.push(" order by e.occurred_at, e.event_id limit ")
            .push_bind(q.limit);
        qb.build_query_as::<EventRow>().fetch_all(pool).await
    })?)
}

/// A timeline entry of this case, inside `tx`: its kind and the correction that superseded
/// it, if any (to check what a new correction supersedes).
pub async fn event_in_case(
    tx: &mut Tx,
    case_id: i64,
    event_id: i64,
) -> Result<Option<(String, Option<i64>)>> {
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(
            "select e.kind,
                    (select min(s.event_id) from case_event s where s.supersedes_event_id = e.event_id)
             from case_event e where e.case_id = $1 and e.event_id = $2",
        )
            .bind(case_id)
            .bind(event_id)
            .fetch_optional(c)
            .await
    })?)
}

/// The (technique, tactic) pairs tagged on a case's timeline, leaving out superseded entries.
pub async fn techniques(db: &Db, case_id: i64) -> Result<Vec<(String, String)>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
            "select distinct t.technique_id, t.tactic from event_technique t
             where t.case_id = $1
               and not exists (select 1 from case_event s where s.supersedes_event_id = t.event_id)
             order by t.tactic, t.technique_id limit 1000",
        )
        .bind(case_id)
        .fetch_all(pool)
        .await
    })?)
}

#[derive(sqlx::FromRow)]
pub struct RelatedRow {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub status: String,
    pub shared: i64,
}

/// Other cases holding any of this case's observable values, most shared first.
pub async fn related(db: &Db, case_id: i64, limit: i64) -> Result<Vec<RelatedRow>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
            "select c.case_id, c.number, c.title, c.status, count(*) as shared
             from case_observable o
             join case_observable x on x.data_type = o.data_type and x.value = o.value
                 and x.case_id <> o.case_id
             join incident_case c on c.case_id = x.case_id
             where o.case_id = $1
             group by c.case_id, c.number, c.title, c.status
             order by shared desc, c.case_id desc limit $2",
        )
        .bind(case_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}

/// An observable to add to a case, with what the case records about it.
pub struct NewCaseObservable<'a> {
    pub observable: &'a Observable,
    pub description: &'a str,
    pub ioc: bool,
    pub tlp: i64,
    /// The alert it came from, if any.
    pub alert_id: Option<i64>,
}

/// Adds an observable unless the case has it already, noting the watchlists that hold its
/// value; returns its id and those watchlists if it was new.
pub async fn insert_observable(
    tx: &mut Tx,
    case_id: i64,
    n: &NewCaseObservable<'_>,
    created_by: &str,
    now: Millis,
) -> Result<Option<(i64, Option<String>)>> {
    let o = n.observable;
    let lists = crate::watchlists::store::lists_holding_sql(tx.dialect(), "$2", "$3");
    let sql = format!(
        "insert into case_observable (case_id, data_type, value, description, tags, ioc, tlp, alert_id,
             first_seen_at, last_seen_at, created_by, created_at, updated_at, watchlist)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $9, $9, {lists})
         on conflict do nothing
         returning case_observable_id, watchlist"
    );
    let row: Option<(i64, Option<String>)> = on_tx!(tx, |c| {
        sqlx::query_as(&sql)
            .bind(case_id)
            .bind(o.kind.as_str())
            .bind(&o.value)
            .bind(n.description)
            .bind(tags_to_json(&o.tags))
            .bind(i64::from(n.ioc))
            .bind(n.tlp)
            .bind(n.alert_id)
            .bind(now)
            .bind(created_by)
            .fetch_optional(c)
            .await
    })?;
    if let Some((id, _)) = &row {
        let id = *id;
        let body = format!("{} {} {}", o.value, n.description, o.tags.join(" "));
        crate::journal::search::index(tx, case_id, "observable", id, &body).await?;
    } else {
        execute_tx!(
            tx,
            sqlx::query(
                "update case_observable set last_seen_at = $4, updated_at = $4
                 where case_id = $1 and data_type = $2 and value = $3"
            )
            .bind(case_id)
            .bind(o.kind.as_str())
            .bind(&o.value)
            .bind(now)
        )?;
    }
    Ok(row)
}

/// A case observable as read, with how many other cases hold the same value.
pub(crate) const CASE_OBSERVABLE_COLUMNS: &str =
    "select o.case_observable_id, o.case_id, o.data_type, o.value, o.description, o.tags, o.ioc,
        o.tlp, o.alert_id, o.watchlist,
        (select count(*) from case_observable x where x.data_type = o.data_type
            and x.value = o.value and x.case_id <> o.case_id) as seen_in_cases,
        o.created_by, o.created_at, o.updated_at
     from case_observable o";

#[derive(sqlx::FromRow)]
pub struct ObservableRow {
    pub case_observable_id: i64,
    pub case_id: i64,
    pub data_type: String,
    pub value: String,
    pub description: String,
    pub tags: String,
    pub ioc: i64,
    pub tlp: i64,
    pub alert_id: Option<i64>,
    pub watchlist: Option<String>,
    pub seen_in_cases: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One case observable inside `tx`.
pub async fn observable_in_tx(tx: &mut Tx, id: i64) -> Result<Option<ObservableRow>> {
    let sql = format!("{CASE_OBSERVABLE_COLUMNS} where o.case_observable_id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)?)
}

/// What an analyst may change on an observable: its description, tags, IOC flag and TLP.
pub struct ObservableEdit<'a> {
    pub description: &'a str,
    pub tags: &'a str,
    pub ioc: bool,
    pub tlp: i64,
}

pub async fn update_observable(
    tx: &mut Tx,
    id: i64,
    e: &ObservableEdit<'_>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update case_observable set description = $2, tags = $3, ioc = $4, tlp = $5, updated_at = $6
             where case_observable_id = $1"
        )
        .bind(id)
        .bind(e.description)
        .bind(e.tags)
        .bind(i64::from(e.ioc))
        .bind(e.tlp)
        .bind(now)
    )?;
    Ok(())
}

/// A case's observables, oldest first, at most `limit`, each with the number of other cases
/// holding the same value.
pub async fn observables(db: &Db, case_id: i64, limit: i64) -> Result<Vec<ObservableRow>> {
    let sql = format!(
        "{CASE_OBSERVABLE_COLUMNS} where o.case_id = $1 order by o.case_observable_id limit $2"
    );
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(case_id)
            .bind(limit)
            .fetch_all(pool)
            .await
    })?)
}

pub async fn insert_task(
    tx: &mut Tx,
    case_id: i64,
    t: &NewTask,
    created_by: &str,
    now: Millis,
) -> Result<i64> {
    let completed_at = (t.status == super::TaskStatus::Done).then_some(now);
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into case_task (case_id, title, description, group_name, status, due_at, completed_at,
                 created_by, created_at, updated_at, action)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)
             returning task_id",
        )
        .bind(case_id)
        .bind(&t.title)
        .bind(&t.description)
        .bind(&t.group_name)
        .bind(t.status.as_str())
        .bind(t.due_at)
        .bind(completed_at)
        .bind(created_by)
        .bind(now)
        .bind(t.action.map(|a| a.as_str()))
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

pub(crate) const TASK_COLUMNS: &str =
    "select t.task_id, t.case_id, t.title, t.description, t.group_name, t.status, t.action, t.done_on,
        u.username as assignee, t.due_at, t.completed_at, t.created_by, t.created_at, t.updated_at
     from case_task t left join app_user u on u.user_id = t.assignee_id";

#[derive(sqlx::FromRow)]
pub struct TaskRow {
    pub task_id: i64,
    pub case_id: i64,
    pub title: String,
    pub description: String,
    pub group_name: String,
    pub status: String,
    pub action: Option<String>,
    pub done_on: Option<String>,
    pub assignee: Option<String>,
    pub due_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A case's tasks in the order they were added, at most `limit`.
pub async fn tasks(db: &Db, case_id: i64, limit: i64) -> Result<Vec<TaskRow>> {
    let sql = format!("{TASK_COLUMNS} where t.case_id = $1 order by t.task_id limit $2");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(case_id)
            .bind(limit)
            .fetch_all(pool)
            .await
    })?)
}

pub async fn task(db: &Db, task_id: i64) -> Result<Option<TaskRow>> {
    let sql = format!("{TASK_COLUMNS} where t.task_id = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(task_id)
            .fetch_optional(pool)
            .await
    })?)
}

pub async fn task_in_tx(tx: &mut Tx, task_id: i64) -> Result<Option<TaskRow>> {
    let sql = format!("{TASK_COLUMNS} where t.task_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(task_id).fetch_optional(c).await
    })?)
}

/// Sets a task's status; `done_on` is the asset a containment action was carried out on.
pub async fn set_task_status(
    tx: &mut Tx,
    task_id: i64,
    status: &str,
    done_on: Option<&str>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update case_task set status = $2,
                 completed_at = case when $2 = 'done' then $3 else null end,
                 done_on = case when $2 = 'done' then $4 else null end, updated_at = $3
             where task_id = $1"
        )
        .bind(task_id)
        .bind(status)
        .bind(now)
        .bind(done_on)
    )?;
    Ok(())
}

pub async fn insert_task_log(
    tx: &mut Tx,
    task_id: i64,
    message: &str,
    created_by: &str,
    now: Millis,
) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into task_log (task_id, message, created_by, created_at) values ($1, $2, $3, $4)
             returning task_log_id",
        )
        .bind(task_id)
        .bind(message)
        .bind(created_by)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
pub struct TaskLogRow {
    pub task_log_id: i64,
    pub task_id: i64,
    pub message: String,
    pub created_by: String,
    pub created_at: i64,
}

pub async fn task_logs(db: &Db, task_id: i64, limit: i64) -> Result<Vec<TaskLogRow>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
            "select task_log_id, task_id, message, created_by, created_at from task_log
             where task_id = $1 order by task_log_id limit $2",
        )
        .bind(task_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}
