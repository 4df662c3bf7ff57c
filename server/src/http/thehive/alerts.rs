//! TheHive alert routes: create (JSON or multipart), read, update, delete, add observables,
//! promote to a case, merge into a case.

use app::{
    alerts::escalation::{self as escalation, EscalateOverrides},
    alerts::{AlertPatch, IngestOutcome, intake::Intake, service},
    platform::{Actor, Error, Platform},
    thehive::model,
};
use axum::{
    Extension, Json,
    extract::{Path, Request, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::Value;

use super::{
    auth::{HiveActor, HiveError, hive_error},
    cases::bulk_ids,
    input::{self, InputAlert, json_error},
};

pub fn alert_id(s: &str) -> Result<i64, Error> {
    model::parse_id(s).map_err(Error::Invalid)
}

async fn shaped(p: &Platform, actor: &app::platform::Actor, id: i64) -> Result<Value, Error> {
    let alert = service::get(p, actor, id).await?;
    let n = service::observables(p, actor, id).await?.len() as i64;
    app::thehive::service::with_alert_fields(p, false, model::alert(&alert, n)).await
}

/// What posting one alert came to.
pub enum Posted {
    Created(i64),
    Repeated,
}

/// Reads a TheHive alert (JSON or multipart) and hands it to intake, which group-commits it;
/// the content of its file observables is then kept with the alert (a repeat that brings a file
/// the alert lacks adds it, so a retried post loses nothing).
pub async fn post_alert(
    p: &Platform,
    intake: &Intake,
    actor: &Actor,
    req: Request,
) -> Result<Posted, HiveError> {
    let (json, mut files) = input::json_or_multipart(req, Some(&p.locker)).await?;
    let mut parsed: InputAlert = serde_json::from_str(&json)
        .map_err(|e| Error::invalid(format!("Not a valid TheHive alert: {e}.")))?;
    input::stage_inline(&mut parsed.observables, &p.locker, &mut files).await?;
    input::stage_inline(&mut parsed.artifacts, &p.locker, &mut files).await?;
    input::known_custom_fields(p, app::fields::Target::Alert, &parsed.custom_fields).await?;
    let alert = parsed.check(json, &files)?;
    let staged = input::staged_files(files);
    let outcome = intake
        .submit(actor.clone(), vec![Ok(alert)])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::internal("ingest returned no outcome"))?;
    let (posted, id) = match outcome {
        IngestOutcome::Created { id } => (Posted::Created(id), id),
        IngestOutcome::Repeated { id, .. } => (Posted::Repeated, id),
        IngestOutcome::Rejected { error } => return Err(Error::Invalid(error).into()),
    };
    if !staged.is_empty() {
        service::attach_files(p, actor, id, staged).await?;
    }
    Ok(posted)
}

/// TheHive's answer to a repeated (type, source, sourceRef).
pub fn already_exists() -> Response {
    hive_error(
        StatusCode::BAD_REQUEST,
        "CreateError",
        "Alert already exists",
    )
}

/// `POST /api/v1/alert`. A repeat of (type, source, sourceRef) is refused as TheHive refuses
/// it (400 CreateError), after bumping the existing alert's occurrence count.
pub async fn create(
    Extension(p): Extension<Platform>,
    Extension(intake): Extension<Intake>,
    HiveActor(actor): HiveActor,
    req: Request,
) -> Result<Response, HiveError> {
    match post_alert(&p, &intake, &actor, req).await? {
        Posted::Created(id) => {
            let body = match service::get(&p, &actor, id).await {
                Ok(a) => {
                    let n = service::observables(&p, &actor, id).await?.len() as i64;
                    app::thehive::service::with_alert_fields(&p, false, model::alert(&a, n)).await?
                }
                // A forwarder token may post without reading: answer with the id alone.
                Err(Error::Forbidden(_)) => {
                    serde_json::json!({ "_id": model::id(id), "_type": "Alert" })
                }
                Err(e) => return Err(e.into()),
            };
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
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

/// TheHive's alert PATCH; fields Casefile has no notion of (`follow`, `externalLink`,
/// `status`, `assignee`, …) are accepted and ignored, as the README says. `customFields` set
/// the alert's custom fields.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAlert {
    title: Option<String>,
    description: Option<String>,
    severity: Option<i64>,
    tlp: Option<i64>,
    pap: Option<i64>,
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "input::nullable")]
    add_tags: Vec<String>,
    #[serde(default, deserialize_with = "input::nullable")]
    remove_tags: Vec<String>,
    #[serde(default, deserialize_with = "input::custom_fields")]
    custom_fields: app::fields::ValueMap,
}

impl UpdateAlert {
    /// Applies the edit to alert `id`: its fields, then its custom fields.
    pub async fn apply(self, p: &Platform, actor: &Actor, id: i64) -> Result<(), Error> {
        let fields = self.custom_fields.clone();
        input::known_custom_fields(p, app::fields::Target::Alert, &fields).await?;
        service::update(p, actor, id, self.into_patch()?).await?;
        if !fields.is_empty() {
            app::fields::service::set_alert_values(p, actor, id, &fields).await?;
        }
        Ok(())
    }

    fn into_patch(self) -> Result<AlertPatch, Error> {
        Ok(AlertPatch {
            title: self.title,
            description: self.description,
            severity: self
                .severity
                .map(model::severity_from)
                .transpose()
                .map_err(Error::Invalid)?,
            tlp: self.tlp,
            pap: self.pap,
            tags: self.tags,
            add_tags: self.add_tags,
            remove_tags: self.remove_tags,
        })
    }
}

/// `PATCH /api/v1/alert/{id}`: 204 like TheHive.
pub async fn update(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Result<Json<UpdateAlert>, JsonRejection>,
) -> Result<StatusCode, HiveError> {
    let Json(u) = body.map_err(json_error)?;
    u.apply(&p, &actor, alert_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<StatusCode, HiveError> {
    service::delete(&p, &actor, alert_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/alert/{id}/observable`: JSON, or multipart with `_json` and an `attachment`.
pub async fn add_observable(
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
    let body: Vec<Value> = stored.iter().map(model::alert_observable).collect();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Promote {
    title: Option<String>,
    description: Option<String>,
    severity: Option<i64>,
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "input::custom_fields")]
    custom_fields: app::fields::ValueMap,
    /// A case template's name (or id).
    case_template: Option<String>,
}

impl Promote {
    pub fn overrides(self) -> Result<EscalateOverrides, Error> {
        Ok(EscalateOverrides {
            title: self.title,
            description: self.description,
            severity: self
                .severity
                .map(model::severity_from)
                .transpose()
                .map_err(Error::Invalid)?,
            tags: self.tags,
            custom_fields: self.custom_fields,
            template: self.case_template,
        })
    }
}

/// `POST /api/v1/alert/{id}/case`: escalates the alert into a new case.
pub async fn promote(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Option<Json<Promote>>,
) -> Result<Response, HiveError> {
    let b = body.map(|Json(b)| b).unwrap_or_default();
    let case = escalation::escalate_alert(&p, &actor, alert_id(&id)?, b.overrides()?).await?;
    let body = app::thehive::service::shaped_case(&p, &case, false).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn merge(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path((id, case_ref)): Path<(String, String)>,
) -> Result<Json<Value>, HiveError> {
    let case_id = app::thehive::service::case_id(&p, &actor, &case_ref).await?;
    let case = escalation::merge_alerts(&p, &actor, &[alert_id(&id)?], case_id).await?;
    Ok(Json(
        app::thehive::service::shaped_case(&p, &case, false).await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkMerge {
    case_id: String,
    alert_ids: Vec<String>,
}

/// `POST /api/v1/alert/merge/_bulk`: all of them or none.
pub async fn merge_bulk(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Result<Json<BulkMerge>, JsonRejection>,
) -> Result<Json<Value>, HiveError> {
    let Json(b) = body.map_err(json_error)?;
    let case_id = app::thehive::service::case_id(&p, &actor, &b.case_id).await?;
    let ids = b
        .alert_ids
        .iter()
        .map(|s| alert_id(s))
        .collect::<Result<Vec<_>, _>>()?;
    let case = escalation::merge_alerts(&p, &actor, &ids, case_id).await?;
    Ok(Json(
        app::thehive::service::shaped_case(&p, &case, false).await?,
    ))
}

/// `POST /api/v1/alert/{id}/follow` and `/unfollow`: accepted; Casefile counts every repeat of
/// every alert, followed or not.
pub async fn follow(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(shaped(&p, &actor, alert_id(&id)?).await?))
}

/// The alerts a `_bulk` request names, checked for count and form before any is touched.
fn bulk_alert_ids(ids: &[String]) -> Result<Vec<i64>, Error> {
    bulk_ids(ids)?;
    ids.iter().map(|s| alert_id(s)).collect()
}

#[derive(Deserialize)]
pub struct BulkUpdate {
    ids: Vec<String>,
    #[serde(flatten)]
    update: UpdateAlert,
}

/// `PATCH /api/v1/alert/_bulk`: the same update on each alert, in order, each in its own
/// transaction as in TheHive; the first refusal stops the rest and names its alert.
pub async fn update_bulk(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Result<Json<BulkUpdate>, JsonRejection>,
) -> Result<StatusCode, HiveError> {
    let Json(b) = body.map_err(json_error)?;
    let ids = bulk_alert_ids(&b.ids)?;
    for id in ids {
        b.update
            .clone()
            .apply(&p, &actor, id)
            .await
            .map_err(|e| e.in_context(&format!("alert {}", model::id(id))))?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct BulkIds {
    ids: Vec<String>,
}

/// `POST /api/v1/alert/delete/_bulk`: deletes each alert, in order; the first refusal (an alert
/// in a case, or heading a group) stops the rest and names its alert.
pub async fn delete_bulk(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Result<Json<BulkIds>, JsonRejection>,
) -> Result<StatusCode, HiveError> {
    let Json(b) = body.map_err(json_error)?;
    let ids = bulk_alert_ids(&b.ids)?;
    for id in ids {
        service::delete(&p, &actor, id)
            .await
            .map_err(|e| e.in_context(&format!("alert {}", model::id(id))))?;
    }
    Ok(StatusCode::NO_CONTENT)
}
