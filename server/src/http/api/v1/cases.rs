//! `/api/v1/cases`: cases and what an investigation adds to them: list, open (with a
//! playbook), read (`ETag`), edit and move through phases with the version check, close,
//! reopen; timeline entries, observables and tasks (containment completion included).

use app::{
    cases::{
        CaseFilter, CaseInput, CasePatch, EventInput, TaskInput, TimelineFilter, service as cases,
    },
    observables::{ObservableInput, check_observables},
    platform::{Actor, Error, Platform},
    playbooks::service as playbooks,
};
use axum::{
    Json,
    extract::{OriginalUri, Path, Query},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::{CaseListItem, CaseView, ObservableView, TaskView, TimelineEntryView};
use crate::http::api::{
    conventions::{ApiJson, Page, V1Actor, etag, expected_version, parse_at},
    idempotency::run_once,
};
use crate::http::rest::{ApiError, ErrorBody};

/// Case list filters. `cursor` is the `next_cursor` of the previous page.
#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    /// A status (`new`, `triage`, `investigating`, `contained`, `eradicated`, `recovered`,
    /// `closed`), or `open` for everything not closed.
    status: Option<String>,
    /// Matches the number or the title.
    q: Option<String>,
    cursor: Option<String>,
}

fn parse_id_cursor(c: Option<&str>) -> Result<Option<i64>, Error> {
    c.map(|c| {
        c.parse().map_err(|_| {
            Error::invalid("`cursor` is not one this server gave out; start from the first page.")
        })
    })
    .transpose()
}

/// Cases, newest first, one page at a time.
#[utoipa::path(get, path = "/cases", tag = "cases", params(CaseQuery),
    security(("bearer" = ["cases:read"])),
    responses(
        (status = 200, body = Page<CaseListItem>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn list_cases(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<CaseQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<CaseListItem>>, ApiError> {
    let filter = CaseFilter {
        status: q.status,
        text: q.q,
    };
    let before = parse_id_cursor(q.cursor.as_deref())?;
    let page = cases::list(&p, &actor, &filter, before).await?;
    Ok(Json(Page::new(
        page.cases.into_iter().map(Into::into).collect(),
        page.next.map(|n| n.to_string()),
        &uri,
    )))
}

/// A new case. `playbook_id` adds that playbook's tasks.
#[derive(Deserialize, Serialize, Clone, ToSchema)]
pub struct NewCaseBody {
    #[schema(example = "Phishing: invoice lure to finance")]
    title: String,
    #[serde(default)]
    description: String,
    /// info, low, medium, high or critical.
    #[schema(example = "high")]
    severity: String,
    /// 0 clear … 4 red; 2 (amber) when left out.
    tlp: Option<i64>,
    pap: Option<i64>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    detection_source: String,
    #[serde(default)]
    observables: Vec<ObservableInput>,
    #[serde(default)]
    tasks: Vec<TaskBody>,
    playbook_id: Option<i64>,
}

/// Opens a case. Send `Idempotency-Key` so a retried step never opens two.
#[utoipa::path(post, path = "/cases", tag = "cases",
    security(("bearer" = ["cases:write"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first result")),
    request_body = NewCaseBody,
    responses(
        (status = 201, body = CaseView, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn create_case(
    V1Actor(actor, p): V1Actor,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiJson(body): ApiJson<NewCaseBody>,
) -> Result<Response, ApiError> {
    run_once(&p, &actor, &headers, &uri, &body.clone(), async {
        let tasks = body
            .tasks
            .into_iter()
            .map(TaskBody::into_input)
            .collect::<Result<Vec<_>, _>>()?;
        let input = CaseInput {
            title: body.title,
            description: body.description,
            severity: body.severity,
            tlp: body.tlp,
            pap: body.pap,
            tags: body.tags,
            detection_source: body.detection_source,
            observables: body.observables,
            tasks,
        };
        let new = input.check().map_err(Error::Invalid)?;
        if let Some(id) = body.playbook_id {
            playbooks::get(&p, &actor, id).await?;
        }
        let case = cases::open(&p, &actor, new).await?;
        if let Some(id) = body.playbook_id {
            playbooks::apply(&p, &actor, case.case_id, id).await?;
        }
        Ok((
            StatusCode::CREATED,
            CaseView::from(cases::get(&p, &actor, case.case_id).await?),
        ))
    })
    .await
}

/// A case answered with its version as `ETag`.
fn with_etag(case: app::cases::Case, status: StatusCode) -> Response {
    let tag = etag(case.version);
    let mut res = (status, Json(CaseView::from(case))).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// One case; its `ETag` is the version to send back with an edit.
#[utoipa::path(get, path = "/cases/{case}", tag = "cases",
    security(("bearer" = ["cases:read"])),
    params(("case" = String, Path, description = "The case number (CF-2026-000123) or id")),
    responses(
        (status = 200, body = CaseView, headers(("ETag" = String))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_case(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    Ok(with_etag(
        cases::find(&p, &actor, &reference).await?,
        StatusCode::OK,
    ))
}

/// A refused stale edit: the error and the case as it is now.
#[derive(Serialize, ToSchema)]
pub struct StaleBody {
    error: crate::http::rest::ErrorDetail,
    current: CaseView,
}

/// Runs an edit based on a version; a conflict answers 409 with the current case.
async fn edit(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    change: impl std::future::Future<Output = Result<app::cases::Case, Error>>,
) -> Result<Response, ApiError> {
    match change.await {
        Ok(case) => Ok(with_etag(case, StatusCode::OK)),
        Err(Error::Conflict(message)) => {
            let current = cases::get(p, actor, case_id).await?;
            let mut res = (
                StatusCode::CONFLICT,
                Json(StaleBody {
                    error: crate::http::rest::ErrorDetail::new("conflict", message),
                    current: current.clone().into(),
                }),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&etag(current.version)) {
                res.headers_mut().insert(header::ETAG, v);
            }
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// What an edit changes; fields left out stay. `status` moves the case to a later phase.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct CasePatchBody {
    title: Option<String>,
    description: Option<String>,
    severity: Option<String>,
    tlp: Option<i64>,
    pap: Option<i64>,
    tags: Option<Vec<String>>,
    /// A later phase: `triage`, `investigating`, `contained`, `eradicated`, `recovered`.
    #[schema(example = "contained")]
    status: Option<String>,
    /// The version the edit is based on (or send `If-Match`).
    version: Option<i64>,
}

/// Edits a case. With `If-Match` (or `version`), an edit based on an older version is
/// refused with 409 and the current case.
#[utoipa::path(patch, path = "/cases/{case}", tag = "cases",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the edit is based on")),
    request_body = CasePatchBody,
    responses(
        (status = 200, body = CaseView, headers(("ETag" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Stale: the case changed since that version", body = StaleBody),
    ))]
pub async fn patch_case(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CasePatchBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let version = expected_version(&headers, body.version)?;
    let patch = CasePatch {
        title: body.title,
        description: body.description,
        severity: body.severity,
        tlp: body.tlp,
        pap: body.pap,
        tags: body.tags,
        status: body.status,
    };
    edit(
        &p,
        &actor,
        case.case_id,
        cases::update(&p, &actor, case.case_id, version, patch),
    )
    .await
}

/// How a case ends.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct CloseBody {
    /// `true_positive_with_impact`, `true_positive_without_impact`, `false_positive`,
    /// `benign`, `duplicate`, …
    #[schema(example = "true_positive_without_impact")]
    verdict: String,
    #[schema(example = "Credentials reset, sender blocked, no other recipient clicked.")]
    summary: String,
    version: Option<i64>,
}

/// Closes a case with a verdict and a summary.
#[utoipa::path(post, path = "/cases/{case}/close", tag = "cases",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id"),
        ("If-Match" = Option<String>, Header, description = "The ETag the close is based on")),
    request_body = CloseBody,
    responses(
        (status = 200, body = CaseView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = StaleBody),
    ))]
pub async fn close_case(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CloseBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let version = expected_version(&headers, body.version)?;
    let close = cases::close(
        &p,
        &actor,
        case.case_id,
        version,
        &body.verdict,
        &body.summary,
    );
    edit(&p, &actor, case.case_id, close).await
}

/// Why a closed case is worked again.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct ReopenBody {
    reason: String,
    version: Option<i64>,
}

/// Reopens a closed case (back to investigating).
#[utoipa::path(post, path = "/cases/{case}/reopen", tag = "cases",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id")),
    request_body = ReopenBody,
    responses(
        (status = 200, body = CaseView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = StaleBody),
    ))]
pub async fn reopen_case(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReopenBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let version = expected_version(&headers, body.version)?;
    let reopen = cases::reopen(&p, &actor, case.case_id, version, &body.reason);
    edit(&p, &actor, case.case_id, reopen).await
}

/// Timeline filters; `cursor` is the previous page's `next_cursor`.
#[derive(Deserialize, IntoParams)]
pub struct TimelineQuery {
    /// `note`, `custom`, `status_change`, `observable_added`, … (an entry kind).
    kind: Option<String>,
    tag: Option<String>,
    /// An ATT&CK tactic short name, e.g. `initial-access`.
    tactic: Option<String>,
    cursor: Option<String>,
}

/// A case's timeline in the order things happened.
#[utoipa::path(get, path = "/cases/{case}/timeline", tag = "timeline", params(
        ("case" = String, Path, description = "The case number or id"), TimelineQuery),
    security(("bearer" = ["cases:read"])),
    responses(
        (status = 200, body = Page<TimelineEntryView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn list_timeline(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    Query(q): Query<TimelineQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<TimelineEntryView>>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            c.split_once('.')
                .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                .ok_or_else(|| {
                    Error::invalid(
                        "`cursor` is not one this server gave out; start from the first page.",
                    )
                })?,
        ),
    };
    let filter = TimelineFilter {
        kind: q.kind,
        tag: q.tag,
        tactic: q.tactic,
    };
    let (entries, next) = cases::timeline(&p, &actor, case.case_id, &filter, after).await?;
    Ok(Json(Page::new(
        entries.into_iter().map(Into::into).collect(),
        next.map(|(at, id)| format!("{at}.{id}")),
        &uri,
    )))
}

/// A note or a custom event. With `supersedes`, a correction of an earlier entry, which stays
/// on the timeline marked as superseded.
#[derive(Deserialize, Serialize, Clone, ToSchema)]
pub struct EntryBody {
    /// `note` or `custom`.
    #[schema(example = "note")]
    kind: String,
    /// When it happened (RFC 3339); now when left out.
    #[schema(example = "2026-12-01T09:30:00Z")]
    occurred_at: Option<String>,
    /// One line saying what happened (custom events).
    #[serde(default)]
    summary: String,
    /// Markdown.
    #[serde(default)]
    #[schema(example = "User reported the e-mail; headers show a lookalike domain.")]
    body: String,
    #[serde(default)]
    techniques: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    supersedes: Option<i64>,
}

/// The id of what was created.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Adds a note or a custom event, or corrects an entry.
#[utoipa::path(post, path = "/cases/{case}/timeline", tag = "timeline",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first result")),
    request_body = EntryBody,
    responses(
        (status = 201, body = Created),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The case is closed", body = ErrorBody),
    ))]
pub async fn add_entry(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiJson(body): ApiJson<EntryBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    run_once(&p, &actor, &headers, &uri, &body.clone(), async {
        // RFC 3339 only: a machine has no "local time" to be read in.
        let occurred_at = match body.occurred_at.as_deref() {
            Some(t) => {
                parse_at("occurred_at", t)?;
                t.trim().to_owned()
            }
            None => String::new(),
        };
        let input = EventInput {
            kind: body.kind,
            occurred_at,
            utc_offset_minutes: 0,
            summary: body.summary,
            body: body.body,
            techniques: body.techniques,
            tags: body.tags,
            supersedes: body.supersedes,
        };
        let id = cases::add_event(&p, &actor, case.case_id, input).await?;
        Ok((StatusCode::CREATED, Created { id }))
    })
    .await
}

/// A case's observables (at most 1,000, newest first).
#[utoipa::path(get, path = "/cases/{case}/observables", tag = "observables",
    security(("bearer" = ["cases:read"])),
    params(("case" = String, Path, description = "The case number or id")),
    responses(
        (status = 200, body = Page<ObservableView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn list_observables(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    uri: OriginalUri,
) -> Result<Json<Page<ObservableView>>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let items = cases::observables(&p, &actor, case.case_id).await?;
    Ok(Json(Page::new(
        items.into_iter().map(Into::into).collect(),
        None,
        &uri,
    )))
}

/// Observables to add, with what is known of them.
#[derive(Deserialize, Serialize, Clone, ToSchema)]
pub struct ObservablesBody {
    observables: Vec<ObservableInput>,
    #[serde(default)]
    description: String,
    /// Mark them as indicators of compromise.
    #[serde(default)]
    ioc: bool,
    tlp: Option<i64>,
}

/// Adds observables; values the case already holds are skipped. Answers those added.
#[utoipa::path(post, path = "/cases/{case}/observables", tag = "observables",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first result")),
    request_body = ObservablesBody,
    responses(
        (status = 201, body = Vec<ObservableView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn add_observables(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiJson(body): ApiJson<ObservablesBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    run_once(&p, &actor, &headers, &uri, &body.clone(), async {
        let items = check_observables(&body.observables)
            .map_err(|e| Error::invalid(format!("`observables`: {e}")))?;
        let added = cases::add_observables(
            &p,
            &actor,
            case.case_id,
            &items,
            &body.description,
            body.ioc,
            body.tlp,
            None,
        )
        .await?;
        let views: Vec<ObservableView> = added.into_iter().map(Into::into).collect();
        Ok((StatusCode::CREATED, views))
    })
    .await
}

/// A case's tasks (at most 1,000).
#[utoipa::path(get, path = "/cases/{case}/tasks", tag = "tasks",
    security(("bearer" = ["cases:read"])),
    params(("case" = String, Path, description = "The case number or id")),
    responses(
        (status = 200, body = Page<TaskView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn list_tasks(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    uri: OriginalUri,
) -> Result<Json<Page<TaskView>>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let items = cases::tasks(&p, &actor, case.case_id).await?;
    Ok(Json(Page::new(
        items.into_iter().map(Into::into).collect(),
        None,
        &uri,
    )))
}

/// A task to add. `action` makes it a containment task (`isolate_host`, `block_ip`,
/// `disable_account`, `reset_credentials`, `block_domain`, `quarantine_file`, …).
#[derive(Deserialize, Serialize, Clone, ToSchema)]
pub struct TaskBody {
    #[schema(example = "Block the sender domain at the mail gateway")]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    group: String,
    #[schema(example = "block_domain")]
    action: Option<String>,
    #[schema(example = "2026-12-01T17:00:00Z")]
    due_at: Option<String>,
}

impl TaskBody {
    fn into_input(self) -> Result<TaskInput, Error> {
        Ok(TaskInput {
            title: self.title,
            description: self.description,
            group: self.group,
            status: None,
            due_at: self
                .due_at
                .as_deref()
                .map(|t| parse_at("due_at", t))
                .transpose()?,
            action: self.action,
        })
    }
}

/// Adds a task to an open case.
#[utoipa::path(post, path = "/cases/{case}/tasks", tag = "tasks",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first result")),
    request_body = TaskBody,
    responses(
        (status = 201, body = TaskView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn add_task(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiJson(body): ApiJson<TaskBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    run_once(&p, &actor, &headers, &uri, &body.clone(), async {
        let task = body.into_input()?.check().map_err(Error::Invalid)?;
        let added = cases::add_task(&p, &actor, case.case_id, task).await?;
        Ok((StatusCode::CREATED, TaskView::from(added)))
    })
    .await
}

/// A task's new status. Completing a containment task needs `done_on`: the asset (host,
/// account, address) the action was carried out on, which goes on the timeline.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct TaskStatusBody {
    /// `todo`, `in_progress`, `done` or `cancelled`.
    #[schema(example = "done")]
    status: String,
    #[schema(example = "mail-gw-01")]
    done_on: Option<String>,
}

/// Moves a task to another status.
#[utoipa::path(post, path = "/tasks/{id}/status", tag = "tasks",
    security(("bearer" = ["cases:write"])),
    params(("id" = i64, Path, description = "The task id")),
    request_body = TaskStatusBody,
    responses(
        (status = 200, body = TaskView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn set_task_status(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<TaskStatusBody>,
) -> Result<Json<TaskView>, ApiError> {
    let task =
        cases::set_task_status(&p, &actor, id, &body.status, body.done_on.as_deref()).await?;
    Ok(Json(task.into()))
}
