//! TheHive case routes: create (with tasks), read, update (including closing with TheHive's
//! statuses), observables, tasks and task logs.

use app::{
    cases::{CaseInput, CasePatch, ClosureVerdict, TaskInput, service},
    platform::{Error, Platform},
    thehive::{model, service::case_id},
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
    auth::{HiveActor, HiveError},
    input::{self, json_error},
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputTask {
    title: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "input::status_text")]
    status: Option<String>,
    #[serde(default)]
    due_date: Option<i64>,
}

impl InputTask {
    pub fn into_casefile(self) -> Result<TaskInput, Error> {
        Ok(TaskInput {
            title: self.title,
            description: self.description.unwrap_or_default(),
            group: self.group.unwrap_or_default(),
            status: self
                .status
                .map(|s| model::task_status_from(&s).map(|s| s.as_str().to_owned()))
                .transpose()
                .map_err(Error::Invalid)?,
            due_at: self.due_date,
            action: None,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputCase {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    severity: Option<i64>,
    #[serde(default, deserialize_with = "input::nullable")]
    tags: Vec<String>,
    #[serde(default)]
    tlp: Option<i64>,
    #[serde(default)]
    pap: Option<i64>,
    #[serde(default, deserialize_with = "input::nullable")]
    tasks: Vec<InputTask>,
    #[serde(default, deserialize_with = "input::custom_fields")]
    custom_fields: app::fields::ValueMap,
    /// A case template's name (or id); TheHive 3/4 send it as `template` too.
    #[serde(alias = "template")]
    case_template: Option<String>,
}

/// `POST /api/v1/case`: opens a case, with its tasks, in one transaction.
pub async fn create(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Result<Json<InputCase>, JsonRejection>,
) -> Result<Response, HiveError> {
    let Json(c) = body.map_err(json_error)?;
    let case = open_case(&p, &actor, c).await?;
    let body = app::thehive::service::shaped_case(&p, &case, false).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Opens a case from TheHive's input, with its tasks, in one transaction.
pub async fn open_case(
    p: &Platform,
    actor: &app::platform::Actor,
    c: InputCase,
) -> Result<app::cases::Case, Error> {
    let template = c.case_template.clone().filter(|t| !t.trim().is_empty());
    let description = c.description.unwrap_or_default();
    if description.trim().is_empty() && template.is_none() {
        return Err(Error::invalid("`description` is required."));
    }
    let given = app::templates::service::Given {
        description: !description.trim().is_empty(),
        severity: c.severity.is_some(),
        tlp: c.tlp.is_some(),
        pap: c.pap.is_some(),
    };
    input::known_custom_fields(p, app::fields::Target::Case, &c.custom_fields).await?;
    let input = CaseInput {
        title: c.title,
        description,
        severity: model::severity_from(c.severity.unwrap_or(2))
            .map_err(Error::Invalid)?
            .as_str()
            .to_owned(),
        tlp: c.tlp,
        pap: c.pap,
        tags: c.tags,
        detection_source: "TheHive API".into(),
        observables: Vec::new(),
        tasks: c
            .tasks
            .into_iter()
            .map(InputTask::into_casefile)
            .collect::<Result<_, _>>()?,
        custom_fields: c.custom_fields,
    };
    let mut checked = input.check().map_err(Error::Invalid)?;
    if let Some(t) = &template {
        app::templates::service::shape(p, actor, t, &mut checked, None, given).await?;
    }
    service::open(p, actor, checked).await
}

pub async fn get_one(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    let id = case_id(&p, &actor, &id).await?;
    let case = service::get(&p, &actor, id).await?;
    Ok(Json(
        app::thehive::service::shaped_case(&p, &case, false).await?,
    ))
}

/// TheHive's case PATCH; fields Casefile has no notion of (`flag`, `assignee`, …) are
/// accepted and ignored, as the README says. `customFields` set the case's custom fields.
#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCase {
    title: Option<String>,
    description: Option<String>,
    severity: Option<i64>,
    tags: Option<Vec<String>>,
    tlp: Option<i64>,
    pap: Option<i64>,
    status: Option<String>,
    summary: Option<String>,
    impact_status: Option<String>,
    #[serde(default, deserialize_with = "input::custom_fields")]
    custom_fields: app::fields::ValueMap,
}

/// TheHive's closing statuses as Casefile verdicts.
pub fn closing_verdict(status: &str, impact: Option<&str>) -> Option<ClosureVerdict> {
    match status {
        "TruePositive" if impact == Some("WithImpact") => {
            Some(ClosureVerdict::TruePositiveWithImpact)
        }
        "TruePositive" => Some(ClosureVerdict::TruePositiveWithoutImpact),
        "FalsePositive" => Some(ClosureVerdict::FalsePositive),
        "Duplicated" => Some(ClosureVerdict::Duplicate),
        "Other" | "Indeterminate" => Some(ClosureVerdict::Benign),
        _ => None,
    }
}

/// A TheHive case edit, whichever API it came from.
pub struct CaseEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<i64>,
    pub tags: Option<Vec<String>>,
    pub tlp: Option<i64>,
    pub pap: Option<i64>,
    /// Starts the investigation of a new case (TheHive's `InProgress`).
    pub start: bool,
    /// Closes the case with this verdict and `summary`.
    pub closing: Option<ClosureVerdict>,
    pub summary: Option<String>,
    /// Custom field values to set (before a close, so a required one can come with it).
    pub custom_fields: app::fields::ValueMap,
}

/// Applies an edit: field changes first, then the close. A close is checked before anything
/// is written, so a refused close changes nothing.
pub async fn apply_edit(
    p: &Platform,
    actor: &app::platform::Actor,
    id: i64,
    e: CaseEdit,
) -> Result<(), Error> {
    let current = service::get(p, actor, id).await?;
    if e.closing.is_some() {
        actor.require(app::accounts::roles::Permission::CaseClose)?;
        if e.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
            return Err(Error::invalid(
                "Write a closing summary: what happened and what was done.",
            ));
        }
    }
    let patch = CasePatch {
        title: e.title,
        description: e.description,
        severity: e
            .severity
            .map(|s| model::severity_from(s).map(|s| s.as_str().to_owned()))
            .transpose()
            .map_err(Error::Invalid)?,
        tlp: e.tlp,
        pap: e.pap,
        tags: e.tags,
        status: (e.start && current.status == app::cases::CaseStatus::New)
            .then(|| "investigating".to_owned()),
    };
    input::known_custom_fields(p, app::fields::Target::Case, &e.custom_fields).await?;
    service::update(p, actor, id, None, patch).await?;
    if !e.custom_fields.is_empty() {
        app::fields::service::set_case_values(p, actor, id, None, &e.custom_fields).await?;
    }
    if let Some(verdict) = e.closing {
        let summary = e.summary.unwrap_or_default();
        service::close(p, actor, id, None, verdict.as_str(), &summary).await?;
    }
    Ok(())
}

/// `PATCH /api/v1/case/{id}`: field edits, and TheHive's statuses (`InProgress` starts the
/// investigation; `TruePositive`, `FalsePositive`, … close the case and need a `summary`).
pub async fn update(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Result<Json<UpdateCase>, JsonRejection>,
) -> Result<StatusCode, HiveError> {
    let Json(u) = body.map_err(json_error)?;
    let id = case_id(&p, &actor, &id).await?;
    apply_update(&p, &actor, id, u).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Applies TheHive 5's case update to one case.
async fn apply_update(
    p: &Platform,
    actor: &app::platform::Actor,
    id: i64,
    u: UpdateCase,
) -> Result<(), Error> {
    let (start, closing) = match u.status.as_deref() {
        None | Some("New") => (false, None),
        Some("InProgress") => (true, None),
        Some(s) => match closing_verdict(s, u.impact_status.as_deref()) {
            Some(v) => (false, Some(v)),
            None => {
                return Err(Error::invalid(format!(
                    "Unknown case status \u{201c}{s}\u{201d}: use New, InProgress, TruePositive, FalsePositive, Duplicated, Indeterminate or Other."
                )));
            }
        },
    };
    let edit = CaseEdit {
        title: u.title,
        description: u.description,
        severity: u.severity,
        tags: u.tags,
        tlp: u.tlp,
        pap: u.pap,
        start,
        closing,
        summary: u.summary,
        custom_fields: u.custom_fields,
    };
    apply_edit(p, actor, id, edit).await
}

/// Most records one `_bulk` request changes.
pub const MAX_BULK: usize = 100;

/// The ids of a `_bulk` request, checked for count.
pub fn bulk_ids(ids: &[String]) -> Result<(), Error> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(Error::invalid(format!(
            "`ids` lists 1 to {MAX_BULK} records."
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct BulkCase {
    ids: Vec<String>,
    #[serde(flatten)]
    update: UpdateCase,
}

/// `PATCH /api/v1/case/_bulk`: the same update on each case, in order. Each case changes in
/// its own transaction, as in TheHive; the first refusal stops the rest and names its case.
pub async fn update_bulk(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Result<Json<BulkCase>, JsonRejection>,
) -> Result<StatusCode, HiveError> {
    let Json(b) = body.map_err(json_error)?;
    bulk_ids(&b.ids)?;
    for reference in &b.ids {
        let id = case_id(&p, &actor, reference).await?;
        apply_update(&p, &actor, id, b.update.clone())
            .await
            .map_err(|e| e.in_context(&format!("case {reference}")))?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/case/{id}/observable`: JSON, or multipart with `_json` and an `attachment`.
pub async fn add_observable(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, HiveError> {
    let r = input::observable_request(req, &p.locker).await?;
    let id = case_id(&p, &actor, &id).await?;
    let stored = add_case_observables(&p, &actor, id, r).await?;
    let body: Vec<Value> = stored.iter().map(model::case_observable).collect();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Adds a request's observables to a case; the files of `file` observables become evidence of
/// the case when the caller may upload evidence (otherwise their name and hash are kept).
pub async fn add_case_observables(
    p: &Platform,
    actor: &app::platform::Actor,
    case_id: i64,
    r: input::ObservableRequest,
) -> Result<Vec<app::cases::CaseObservable>, Error> {
    let o = &r.observable;
    if !r.files.is_empty()
        && actor
            .require(app::accounts::roles::Permission::EvidenceUpload)
            .is_ok()
    {
        for (file_name, staged) in r.files {
            let meta = app::evidence::EvidenceMeta {
                kind: app::evidence::EvidenceKind::guess(&file_name)
                    .as_str()
                    .to_owned(),
                file_name,
                description: o.message.clone().unwrap_or_default(),
                collected_from: format!("received from integration {}", actor.label()),
                ..Default::default()
            };
            app::evidence::service::upload_staged(p, actor, case_id, &meta, staged).await?;
        }
    }
    service::add_observables(
        p,
        actor,
        case_id,
        &r.checked,
        o.message.as_deref().unwrap_or_default(),
        o.ioc.unwrap_or(false),
        o.tlp,
        None,
    )
    .await
}

pub async fn add_task(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Result<Json<InputTask>, JsonRejection>,
) -> Result<Response, HiveError> {
    let Json(t) = body.map_err(json_error)?;
    let checked = t.into_casefile()?.check().map_err(Error::Invalid)?;
    let id = case_id(&p, &actor, &id).await?;
    let task = service::add_task(&p, &actor, id, checked).await?;
    Ok((StatusCode::CREATED, Json(model::task(&task))).into_response())
}

fn task_id(s: &str) -> Result<i64, Error> {
    model::parse_id(s).map_err(Error::Invalid)
}

pub async fn get_task(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(model::task(
        &service::task(&p, &actor, task_id(&id)?).await?,
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    status: String,
}

/// `PATCH /api/v1/task/{id}`: Casefile lets integrations move a task's status.
pub async fn update_task(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Result<Json<UpdateTask>, JsonRejection>,
) -> Result<StatusCode, HiveError> {
    let Json(u) = body.map_err(json_error)?;
    let status = model::task_status_from(&u.status).map_err(Error::Invalid)?;
    service::set_task_status(&p, &actor, task_id(&id)?, status.as_str(), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct InputLog {
    #[serde(default)]
    message: String,
}

/// `POST /api/v1/task/{id}/log`.
pub async fn add_log(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, HiveError> {
    let log = add_task_log(&p, &actor, task_id(&id)?, req).await?;
    Ok((StatusCode::CREATED, Json(model::log(&log))).into_response())
}

/// Adds a task log (JSON, or multipart with `_json` and file parts). Attached files become
/// evidence of the task's case, named in the log; that needs `evidence.upload`, and the log
/// is written only once its files are stored.
pub async fn add_task_log(
    p: &Platform,
    actor: &app::platform::Actor,
    task_id: i64,
    req: Request,
) -> Result<app::cases::TaskLog, Error> {
    let (json, files) = input::json_or_multipart(req, Some(&p.locker)).await?;
    let l: InputLog = input::lenient_json(json.as_bytes(), "task log")?;
    let files = input::staged_files(files);
    let mut message = l.message;
    if !files.is_empty() {
        actor.require(app::accounts::roles::Permission::EvidenceUpload)?;
        let task = service::task(p, actor, task_id).await?;
        let mut names = Vec::new();
        for (file_name, staged) in files {
            let meta = app::evidence::EvidenceMeta {
                kind: app::evidence::EvidenceKind::guess(&file_name)
                    .as_str()
                    .to_owned(),
                description: format!("Attached to a log of task \u{201c}{}\u{201d}.", task.title),
                collected_from: format!("received from integration {}", actor.label()),
                file_name,
                ..Default::default()
            };
            let item = app::evidence::service::upload_staged(p, actor, task.case_id, &meta, staged)
                .await?;
            names.push(format!(
                "{} (evidence {}, SHA-256 {})",
                item.file_name, item.evidence_id, item.sha256
            ));
        }
        message = format!("{message}\n\nAttached: {}", names.join(", "));
    }
    service::add_task_log(p, actor, task_id, &message).await
}
