//! Runs TheHive queries: resolves the starting record, checks the caller may read what the query
//! touches, compiles and runs it, and shapes the answer as TheHive does (one object, a list, or
//! a count).

use serde_json::{Value, json};

use super::{
    model, model_v0,
    query::{Catalog, Filter, MAX_PAGE, Plan, Source},
    store::{self, ApiVersion, Compiled, Piece, Table},
};
use crate::{
    alerts::{self, store as alerts_store},
    cases::{self, store as cases_store},
    fields::{Target, service as fields_service},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
};

/// Resolves a case reference: `~12`, `12`, or a case number `CF-2026-000012`.
pub async fn case_id(p: &Platform, actor: &Actor, reference: &str) -> Result<i64> {
    let r = reference.trim();
    match model::parse_id(r) {
        Ok(id) => Ok(id),
        Err(_) => Ok(cases::service::find(p, actor, r).await?.case_id),
    }
}

fn id(reference: &str) -> Result<i64> {
    model::parse_id(reference).map_err(Error::Invalid)
}

/// Runs a parsed query.
pub async fn run(p: &Platform, actor: &Actor, plan: &Plan) -> Result<Value> {
    let listed = match &plan.source {
        Source::Catalog(Catalog::CustomField) => Some(custom_field_defs(p, actor, false).await?),
        Source::Catalog(Catalog::CaseTemplate) => Some(case_templates(p, actor, false).await?),
        Source::Catalog(c) => Some(model::catalog(*c)),
        Source::Users => Some(users(p, actor).await?),
        _ => None,
    };
    if let Some(items) = listed {
        return Ok(if plan.count {
            json!(items.len())
        } else {
            Value::Array(items)
        });
    }
    let (table, parent, single) = match &plan.source {
        Source::Catalog(_) | Source::Users => unreachable!("answered above"),
        Source::Comments => (Table::Comments, None, None),
        Source::CaseComments(r) => (Table::Comments, Some(case_id(p, actor, r).await?), None),
        Source::Alerts => (Table::Alerts, None, None),
        Source::Cases => (Table::Cases, None, None),
        Source::Tasks => (Table::Tasks, None, None),
        Source::Alert(r) => (Table::Alerts, None, Some(id(r)?)),
        Source::Case(r) => (Table::Cases, None, Some(case_id(p, actor, r).await?)),
        Source::Task(r) => (Table::Tasks, None, Some(id(r)?)),
        Source::Log(r) => (Table::Logs, None, Some(id(r)?)),
        Source::AlertObservables(r) => (Table::AlertObservables, Some(id(r)?), None),
        Source::CaseObservables(r) => (
            Table::CaseObservables,
            Some(case_id(p, actor, r).await?),
            None,
        ),
        Source::CaseTasks(r) => (Table::Tasks, Some(case_id(p, actor, r).await?), None),
        Source::CaseAlerts(r) => (Table::Alerts, Some(case_id(p, actor, r).await?), None),
        Source::TaskLogs(r) => (Table::Logs, Some(id(r)?), None),
    };
    require_read(actor, table)?;
    let mut conditions = vec![Piece::Sql("1 = 1".into())];
    if let Some(parent_id) = parent {
        let column = table
            .parent_column()
            .ok_or_else(|| Error::internal("parent query on a table without a parent"))?;
        conditions.push(Piece::Sql(format!(" and {column} = ")));
        conditions.push(Piece::Int(parent_id));
    }
    if let Some(one) = single {
        let mut f = Vec::new();
        store::compile_filter(table, ApiVersion::V1, &Filter::Id(json!(one)), &mut f)
            .map_err(Error::Invalid)?;
        conditions.push(Piece::Sql(" and ".into()));
        conditions.extend(f);
    }
    if let Some(filter) = &plan.filter {
        conditions.push(Piece::Sql(" and ".into()));
        store::compile_filter(table, ApiVersion::V1, filter, &mut conditions)
            .map_err(Error::Invalid)?;
    }
    let newest_first = matches!(table, Table::Alerts | Table::Cases) && parent.is_none();
    let (offset, limit) = plan
        .page
        .map_or((0, MAX_PAGE), |(from, to)| (from, to - from));
    let compiled = Compiled {
        table,
        conditions,
        order: store::compile_sort(table, ApiVersion::V1, &plan.sort, newest_first)
            .map_err(Error::Invalid)?,
        limit,
        offset,
    };
    if plan.count {
        return Ok(json!(store::count(&p.db, &compiled).await?));
    }
    let items = fetch_shaped(p, &compiled, ApiVersion::V1).await?;
    if plan.is_single() {
        return items
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found(format!("There is no such {}.", table_noun(table))));
    }
    Ok(Value::Array(items))
}

/// Most accounts `listUser` names.
const MAX_USERS: i64 = 1000;

/// The accounts a case or alert can be assigned to (TheHive's `listUser`).
async fn users(p: &Platform, actor: &Actor) -> Result<Vec<Value>> {
    actor.require(Permission::CaseRead)?;
    let rows = crate::accounts::store::list_users(&p.db, "", MAX_USERS).await?;
    Ok(rows
        .iter()
        .filter(|u| !u.disabled && matches!(u.role.as_str(), "analyst" | "manager"))
        .map(|u| model::user(u.user_id, &u.username, &u.display_name, &u.role))
        .collect())
}

fn require_read(actor: &Actor, table: Table) -> Result<()> {
    actor.require(match table {
        Table::Alerts | Table::AlertObservables => Permission::AlertRead,
        _ => Permission::CaseRead,
    })
}

/// A v0 search (`POST /api/<entity>/_search`): one page, as (offset, limit), of the records
/// matching `filter` in TheHive 3/4's shapes, and how many match in all (the `X-Total` header).
pub async fn search_v0(
    p: &Platform,
    actor: &Actor,
    table: Table,
    filter: &Filter,
    (offset, limit): (i64, i64),
    sort: &[(String, bool)],
) -> Result<(Vec<Value>, i64)> {
    require_read(actor, table)?;
    let mut conditions = Vec::new();
    store::compile_filter(table, ApiVersion::V0, filter, &mut conditions)
        .map_err(Error::Invalid)?;
    let newest_first = matches!(table, Table::Alerts | Table::Cases);
    let compiled = Compiled {
        table,
        conditions,
        order: store::compile_sort(table, ApiVersion::V0, sort, newest_first)
            .map_err(Error::Invalid)?,
        limit,
        offset,
    };
    let total = store::count(&p.db, &compiled).await?;
    let items = if limit == 0 {
        Vec::new()
    } else {
        fetch_shaped(p, &compiled, ApiVersion::V0).await?
    };
    Ok((items, total))
}

/// One record by id in TheHive 3/4's shape.
pub async fn get_v0(p: &Platform, actor: &Actor, table: Table, id: i64) -> Result<Value> {
    let (items, _) = search_v0(p, actor, table, &Filter::Id(json!(id)), (0, 1), &[]).await?;
    items.into_iter().next().ok_or_else(|| {
        Error::not_found(format!(
            "There is no {} {}.",
            table_noun(table),
            model::id(id)
        ))
    })
}

/// One record by id in TheHive 5's shape.
pub async fn get_v1(p: &Platform, actor: &Actor, table: Table, id: i64) -> Result<Value> {
    require_read(actor, table)?;
    let mut conditions = Vec::new();
    store::compile_filter(
        table,
        ApiVersion::V1,
        &Filter::Id(json!(id)),
        &mut conditions,
    )
    .map_err(Error::Invalid)?;
    let compiled = Compiled {
        table,
        conditions,
        order: store::compile_sort(table, ApiVersion::V1, &[], false).map_err(Error::Invalid)?,
        limit: 1,
        offset: 0,
    };
    fetch_shaped(p, &compiled, ApiVersion::V1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::not_found(format!(
                "There is no {} {}.",
                table_noun(table),
                model::id(id)
            ))
        })
}

/// A case timeline note as a TheHive comment.
pub async fn comment(p: &Platform, actor: &Actor, event_id: i64) -> Result<Value> {
    get_v0(p, actor, Table::Comments, event_id).await
}

fn table_noun(t: Table) -> &'static str {
    match t {
        Table::Alerts => "alert",
        Table::Cases => "case",
        Table::Tasks => "task",
        Table::AlertObservables | Table::CaseObservables => "observable",
        Table::Logs => "log",
        Table::Comments => "comment",
    }
}

/// Fills `customFields` of TheHive-shaped cases or alerts (`_id` `~n`) with their values.
pub async fn attach_custom_fields(
    p: &Platform,
    target: Target,
    v0: bool,
    items: &mut [Value],
) -> Result<()> {
    let ids: Vec<i64> = items
        .iter()
        .filter_map(|i| model::parse_id(i["_id"].as_str()?).ok())
        .collect();
    let mut values = fields_service::values_of(p, target, &ids).await?;
    for item in items.iter_mut() {
        let Some(id) = item["_id"].as_str().and_then(|s| model::parse_id(s).ok()) else {
            continue;
        };
        let mine = values.remove(&id).unwrap_or_default();
        item["customFields"] = if v0 {
            model::custom_fields_v0(&mine)
        } else {
            model::custom_fields(&mine)
        };
    }
    Ok(())
}

/// The case templates, as TheHive lists them (v0: TheHive 3/4's shape).
pub async fn case_templates(p: &Platform, actor: &Actor, v0: bool) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for t in crate::templates::service::list(p, actor).await? {
        let mut tasks = Vec::new();
        for name in &t.playbooks {
            tasks.extend(crate::playbooks::service::tasks_named(p, actor, name).await?);
        }
        out.push(model::case_template(&t, &tasks, v0));
    }
    Ok(out)
}

/// The custom field definitions in use, as TheHive lists them (v0: TheHive 3/4's shape).
pub async fn custom_field_defs(p: &Platform, actor: &Actor, v0: bool) -> Result<Vec<Value>> {
    Ok(fields_service::definitions(p, actor)
        .await?
        .iter()
        .filter(|d| !d.retired)
        .map(|d| {
            if v0 {
                model::custom_field_def_v0(d)
            } else {
                model::custom_field_def(d)
            }
        })
        .collect())
}

/// One case as TheHive shapes it (v1, or v0 for TheHive 3/4), with its custom fields.
pub async fn shaped_case(p: &Platform, case: &cases::Case, v0: bool) -> Result<Value> {
    let mut v = [if v0 {
        model_v0::case(case)
    } else {
        model::case(case)
    }];
    attach_custom_fields(p, Target::Case, v0, &mut v).await?;
    let [v] = v;
    Ok(v)
}

/// Fills `customFields` of one TheHive-shaped alert.
pub async fn with_alert_fields(p: &Platform, v0: bool, alert: Value) -> Result<Value> {
    let mut v = [alert];
    attach_custom_fields(p, Target::Alert, v0, &mut v).await?;
    let [v] = v;
    Ok(v)
}

async fn fetch_shaped(p: &Platform, q: &Compiled, api: ApiVersion) -> Result<Vec<Value>> {
    let mut items = fetch_rows_shaped(p, q, api).await?;
    let target = match q.table {
        Table::Alerts => Some(Target::Alert),
        Table::Cases => Some(Target::Case),
        _ => None,
    };
    if let Some(t) = target {
        attach_custom_fields(p, t, api == ApiVersion::V0, &mut items).await?;
    }
    Ok(items)
}

async fn fetch_rows_shaped(p: &Platform, q: &Compiled, api: ApiVersion) -> Result<Vec<Value>> {
    let v0 = api == ApiVersion::V0;
    Ok(match q.table {
        Table::Alerts if v0 => {
            let rows: Vec<alerts_store::AlertRow> = store::fetch(&p.db, q).await?;
            let ids: Vec<i64> = rows.iter().map(|r| r.alert_id).collect();
            let artifacts: Vec<alerts::AlertObservable> = store::alert_observables_of(&p.db, &ids)
                .await?
                .into_iter()
                .map(alerts::service::to_alert_observable)
                .collect();
            rows.into_iter()
                .map(|r| {
                    let mine: Vec<_> = artifacts
                        .iter()
                        .filter(|o| o.alert_id == r.alert_id)
                        .cloned()
                        .collect();
                    Ok(model_v0::alert(&alerts::service::to_alert(r)?, &mine))
                })
                .collect::<Result<Vec<_>>>()?
        }
        Table::Alerts => {
            let rows: Vec<alerts_store::AlertRow> = store::fetch(&p.db, q).await?;
            let ids: Vec<i64> = rows.iter().map(|r| r.alert_id).collect();
            let counts = store::alert_observable_counts(&p.db, &ids).await?;
            rows.into_iter()
                .map(|r| {
                    let n = counts.iter().find(|c| c.0 == r.alert_id).map_or(0, |c| c.1);
                    Ok(model::alert(&alerts::service::to_alert(r)?, n))
                })
                .collect::<Result<Vec<_>>>()?
        }
        Table::Cases => {
            let rows: Vec<cases_store::CaseRow> = store::fetch(&p.db, q).await?;
            let shape = if v0 { model_v0::case } else { model::case };
            rows.into_iter()
                .map(|r| Ok(shape(&cases::service::to_case(r)?)))
                .collect::<Result<Vec<_>>>()?
        }
        Table::Tasks => {
            let rows: Vec<cases_store::TaskRow> = store::fetch(&p.db, q).await?;
            let shape = if v0 { model_v0::task } else { model::task };
            rows.into_iter()
                .map(|r| Ok(shape(&cases::service::to_task(r)?)))
                .collect::<Result<Vec<_>>>()?
        }
        Table::AlertObservables => {
            let rows: Vec<alerts_store::ObservableRow> = store::fetch(&p.db, q).await?;
            rows.into_iter()
                .map(|r| model::alert_observable(&alerts::service::to_alert_observable(r)))
                .collect()
        }
        Table::CaseObservables => {
            let rows: Vec<cases_store::ObservableRow> = store::fetch(&p.db, q).await?;
            let shape = if v0 {
                model_v0::artifact
            } else {
                model::case_observable
            };
            rows.into_iter()
                .map(|r| shape(&cases::service::to_observable(r)))
                .collect()
        }
        Table::Comments => {
            let rows: Vec<store::CommentRow> = store::fetch(&p.db, q).await?;
            rows.iter()
                .map(|c| {
                    model::comment(
                        c.event_id,
                        c.case_id,
                        &c.body,
                        &c.recorded_by,
                        c.recorded_at,
                    )
                })
                .collect()
        }
        Table::Logs => {
            let rows: Vec<cases_store::TaskLogRow> = store::fetch(&p.db, q).await?;
            let shape = if v0 { model_v0::log } else { model::log };
            rows.into_iter()
                .map(|r| {
                    shape(&cases::TaskLog {
                        task_log_id: r.task_log_id,
                        task_id: r.task_id,
                        message: r.message,
                        created_by: r.created_by,
                        created_at: r.created_at,
                    })
                })
                .collect()
        }
    })
}
