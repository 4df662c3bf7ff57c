//! TheHive 3/4 alert routes: create (201 with `id`, as the Wazuh script requires), read,
//! update, delete, search, promote (`createCase`), merge, mark as read/unread, artifacts.

use app::{
    alerts::{escalation, intake::Intake, service},
    platform::{Actor, Error, Platform},
    thehive::{model_v0, service::case_id, store::Table},
};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Path, Request},
    http::StatusCode,
    response::Response,
};
use serde_json::{Value, json};

use super::{Params, created, search as run_search};
use crate::http::thehive::{
    alerts::{Posted, Promote, UpdateAlert, alert_id, already_exists, post_alert},
    auth::{HiveActor, HiveError},
    input,
};

async fn shaped(p: &Platform, actor: &Actor, id: i64) -> Result<Value, Error> {
    let alert = service::get(p, actor, id).await?;
    let artifacts = service::observables(p, actor, id).await?;
    app::thehive::service::with_alert_fields(p, true, model_v0::alert(&alert, &artifacts)).await
}

/// `POST /api/alert`: 201 and the alert; a repeat is TheHive's 400 CreateError.
pub async fn create(
    Extension(p): Extension<Platform>,
    Extension(intake): Extension<Intake>,
    HiveActor(actor): HiveActor,
    req: Request,
) -> Result<Response, HiveError> {
    match post_alert(&p, &intake, &actor, req).await? {
        Posted::Created(id) => match shaped(&p, &actor, id).await {
            Ok(body) => Ok(created(body)),
            // A forwarder token may post without reading: answer with what it needs.
            Err(Error::Forbidden(_)) => Ok(created(json!({
                "id": app::thehive::model::id(id),
                "_id": app::thehive::model::id(id),
                "_type": "alert",
                "status": "New",
            }))),
            Err(e) => Err(e.into()),
        },
        Posted::Repeated => Ok(already_exists()),
    }
}

pub async fn get_one(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(shaped(&p, &actor, alert_id(&id)?).await?))
}

/// `PATCH /api/alert/{id}`: the updated alert. `artifacts`, `follow`, `caseTemplate` and
/// `status` are accepted and ignored; `customFields` set the alert's custom fields.
pub async fn update(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, HiveError> {
    let u: UpdateAlert = input::lenient_json(&body, "alert update")?;
    let id = alert_id(&id)?;
    u.apply(&p, &actor, id).await?;
    Ok(Json(shaped(&p, &actor, id).await?))
}

pub async fn delete(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<StatusCode, HiveError> {
    service::delete(&p, &actor, alert_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn search(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    params: Params,
    body: Bytes,
) -> Result<Response, HiveError> {
    run_search(&p, &actor, Table::Alerts, params, &body).await
}

/// `POST /api/alert/{id}/createCase`: escalates the alert into a new case (201), shaped by the
/// `caseTemplate` named in the body, if any.
pub async fn create_case(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, HiveError> {
    let b: Promote = input::lenient_json(&body, "promotion")?;
    let case = escalation::escalate_alert(&p, &actor, alert_id(&id)?, b.overrides()?).await?;
    Ok(created(
        app::thehive::service::shaped_case(&p, &case, true).await?,
    ))
}

/// `POST /api/alert/{id}/merge/{caseId}` (no body): the case the alert joined.
pub async fn merge(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path((id, case_ref)): Path<(String, String)>,
) -> Result<Json<Value>, HiveError> {
    let case_id = case_id(&p, &actor, &case_ref).await?;
    let case = escalation::merge_alerts(&p, &actor, &[alert_id(&id)?], case_id).await?;
    Ok(Json(
        app::thehive::service::shaped_case(&p, &case, true).await?,
    ))
}

/// `POST /api/alert/{id}/markAsRead`: TheHive's "ignore": an alert not in a case is closed as
/// benign, with that reason on the audit log; one already closed or imported stays as it is.
pub async fn mark_as_read(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    let id = alert_id(&id)?;
    let alert = service::get(&p, &actor, id).await?;
    if alert.case_id.is_none() && alert.status != app::alerts::AlertStatus::Closed {
        service::set_verdict(
            &p,
            &actor,
            &[id],
            "benign",
            "Marked as read (ignored) through the TheHive API.",
        )
        .await?;
    }
    Ok(Json(shaped(&p, &actor, id).await?))
}

/// `POST /api/alert/{id}/markAsUnread`: takes back the verdict and returns the alert to the
/// queue, unless it is part of a case.
pub async fn mark_as_unread(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    let id = alert_id(&id)?;
    service::reopen(&p, &actor, &[id]).await?;
    Ok(Json(shaped(&p, &actor, id).await?))
}

/// `follow`/`unfollow`: accepted; Casefile tells about repeats of every alert.
pub async fn get_after_post(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(shaped(&p, &actor, alert_id(&id)?).await?))
}

/// `POST /api/alert/{id}/artifact`: JSON or multipart; 201 and the alert's new artifacts.
pub async fn add_artifact(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, HiveError> {
    let r = input::observable_request(req, &p.locker).await?;
    let id = alert_id(&id)?;
    let stored = service::add_observables(&p, &actor, id, &r.checked).await?;
    if !r.files.is_empty() {
        service::attach_files(&p, &actor, id, r.files).await?;
    }
    let body: Vec<Value> = stored.iter().map(model_v0::alert_artifact).collect();
    Ok(created(Value::Array(body)))
}
