//! TheHive 3/4 case routes: list, create (with tasks), read, update (closing with
//! `Resolved` and a `resolutionStatus`), linked cases, artifacts, tasks and task logs, and
//! their searches.

use app::{
    cases::service,
    platform::{Error, Platform},
    thehive::{
        model_v0,
        query::Filter,
        service::{case_id, get_v0, search_v0},
        store::Table,
    },
};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Path, Request},
    response::Response,
};
use serde::Deserialize;
use serde_json::Value;

use super::{Params, created, list_range, search as run_search, with_total};
use crate::http::thehive::{
    auth::{HiveActor, HiveError},
    cases::{
        CaseEdit, InputCase, InputTask, add_case_observables, add_task_log, apply_edit,
        closing_verdict, open_case,
    },
    input,
};

fn id_of(s: &str) -> Result<i64, Error> {
    app::thehive::model::parse_id(s).map_err(Error::Invalid)
}

/// `GET /api/case`: the newest cases (n8n checks its credentials with it).
pub async fn list(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    params: Params,
) -> Result<Response, HiveError> {
    let range = list_range(&params)?;
    let sort = [("createdAt".to_owned(), false)];
    let (items, total) = search_v0(&p, &actor, Table::Cases, &Filter::All, range, &sort).await?;
    Ok(with_total(items, total))
}

/// `POST /api/case`: 201 and the case, its tasks opened with it.
pub async fn create(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Bytes,
) -> Result<Response, HiveError> {
    let c: InputCase = input::lenient_json(&body, "case")?;
    let case = open_case(&p, &actor, c).await?;
    Ok(created(
        app::thehive::service::shaped_case(&p, &case, true).await?,
    ))
}

pub async fn get_one(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    let id = case_id(&p, &actor, &id).await?;
    let case = service::get(&p, &actor, id).await?;
    Ok(Json(
        app::thehive::service::shaped_case(&p, &case, true).await?,
    ))
}

/// TheHive 3/4's case PATCH. `flag`, `owner`, `metrics` are accepted and ignored;
/// `customFields` set the case's custom fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCase {
    title: Option<String>,
    description: Option<String>,
    severity: Option<i64>,
    tags: Option<Vec<String>>,
    tlp: Option<i64>,
    pap: Option<i64>,
    status: Option<String>,
    resolution_status: Option<String>,
    impact_status: Option<String>,
    summary: Option<String>,
    #[serde(default, deserialize_with = "input::custom_fields")]
    custom_fields: app::fields::ValueMap,
}

/// `PATCH /api/case/{id}`: edits; `status: Resolved` with a `resolutionStatus` (and, for a
/// true positive, `impactStatus`) and a `summary` closes the case. Answers the case.
pub async fn update(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, HiveError> {
    let u: UpdateCase = input::lenient_json(&body, "case update")?;
    let id = case_id(&p, &actor, &id).await?;
    let closing = match u.status.as_deref() {
        None | Some("Open") => None,
        Some("Resolved") => {
            let resolution = u.resolution_status.as_deref().unwrap_or("Other");
            Some(
                closing_verdict(resolution, u.impact_status.as_deref()).ok_or_else(|| {
                    Error::invalid(format!(
                        "Unknown resolutionStatus \u{201c}{resolution}\u{201d}: use TruePositive, FalsePositive, Indeterminate, Duplicated or Other."
                    ))
                })?,
            )
        }
        Some(s) => {
            return Err(Error::invalid(format!(
                "Unknown case status \u{201c}{s}\u{201d}: use Open or Resolved (Casefile never deletes cases)."
            ))
            .into());
        }
    };
    let edit = CaseEdit {
        title: u.title,
        description: u.description,
        severity: u.severity,
        tags: u.tags,
        tlp: u.tlp,
        pap: u.pap,
        start: false,
        closing,
        summary: u.summary,
        custom_fields: u.custom_fields,
    };
    apply_edit(&p, &actor, id, edit).await?;
    let case = service::get(&p, &actor, id).await?;
    Ok(Json(
        app::thehive::service::shaped_case(&p, &case, true).await?,
    ))
}

/// `DELETE /api/case/{id}`: refused. A case is a record of what happened; close it instead.
pub async fn delete(HiveActor(_): HiveActor, Path(_): Path<String>) -> HiveError {
    Error::invalid(
        "Casefile never deletes cases: they are records of what happened. Close the case instead (PATCH status Resolved).",
    )
    .into()
}

pub async fn search(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    params: Params,
    body: Bytes,
) -> Result<Response, HiveError> {
    run_search(&p, &actor, Table::Cases, params, &body).await
}

/// `GET /api/case/{id}/links`: cases sharing observables with this one.
pub async fn links(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    let id = case_id(&p, &actor, &id).await?;
    let related = service::related(&p, &actor, id).await?;
    Ok(Json(Value::Array(
        related.iter().map(model_v0::linked_case).collect(),
    )))
}

/// `POST /api/case/{id}/artifact`: JSON, or multipart with `_json` and an `attachment`; 201 and
/// the new artifacts (one per value of `data`).
pub async fn add_artifact(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, HiveError> {
    let r = input::observable_request(req, &p.locker).await?;
    let id = case_id(&p, &actor, &id).await?;
    let stored = add_case_observables(&p, &actor, id, r).await?;
    Ok(created(Value::Array(
        stored.iter().map(model_v0::artifact).collect(),
    )))
}

pub async fn search_artifacts(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    params: Params,
    body: Bytes,
) -> Result<Response, HiveError> {
    run_search(&p, &actor, Table::CaseObservables, params, &body).await
}

pub async fn get_artifact(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(
        get_v0(&p, &actor, Table::CaseObservables, id_of(&id)?).await?,
    ))
}

/// `POST /api/case/{id}/task`: 201 and the task.
pub async fn add_task(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, HiveError> {
    let t: InputTask = input::lenient_json(&body, "task")?;
    let checked = t.into_casefile()?.check().map_err(Error::Invalid)?;
    let id = case_id(&p, &actor, &id).await?;
    let task = service::add_task(&p, &actor, id, checked).await?;
    Ok(created(model_v0::task(&task)))
}

pub async fn search_tasks(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    params: Params,
    body: Bytes,
) -> Result<Response, HiveError> {
    run_search(&p, &actor, Table::Tasks, params, &body).await
}

pub async fn get_task(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(model_v0::task(
        &service::task(&p, &actor, id_of(&id)?).await?,
    )))
}

/// TheHive 3/4's task PATCH: Casefile moves the status; `title`, `owner`, `flag`, … are
/// accepted and ignored.
#[derive(Deserialize, Default)]
pub struct UpdateTask {
    #[serde(default, deserialize_with = "input::status_text")]
    status: Option<String>,
}

/// `PATCH /api/case/task/{id}` (thehive4py also "deletes" a task this way, with `Cancel`).
pub async fn update_task(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, HiveError> {
    let u: UpdateTask = input::lenient_json(&body, "task update")?;
    let id = id_of(&id)?;
    if let Some(status) = u.status {
        let status = app::thehive::model::task_status_from(&status).map_err(Error::Invalid)?;
        service::set_task_status(&p, &actor, id, status.as_str(), None).await?;
    }
    Ok(Json(model_v0::task(&service::task(&p, &actor, id).await?)))
}

/// `POST /api/case/task/{id}/log`: 201 and the log.
pub async fn add_log(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, HiveError> {
    let log = add_task_log(&p, &actor, id_of(&id)?, req).await?;
    Ok(created(model_v0::log(&log)))
}

pub async fn search_logs(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    params: Params,
    body: Bytes,
) -> Result<Response, HiveError> {
    run_search(&p, &actor, Table::Logs, params, &body).await
}

pub async fn get_log(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(get_v0(&p, &actor, Table::Logs, id_of(&id)?).await?))
}
