//! `/api/v1/` for what an investigation adds to a case: timeline entries (notes, custom
//! events, corrections), observables, and tasks with containment completion.

use app::{
    cases::{EventInput, TaskInput, TimelineFilter, service as cases},
    observables::{ObservableInput, check_observables},
    platform::Error,
};
use axum::{
    Json,
    extract::{OriginalUri, Path, Query},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::{ObservableView, TaskView, TimelineEntryView};
use crate::http::api::{
    conventions::{ApiJson, Page, V1Actor, bad_cursor, checked_time_text, parse_at},
    idempotency::run_once,
};
use crate::http::rest::{ApiError, ErrorBody};

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
                .ok_or_else(bad_cursor)?,
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
#[schema(example = json!({"id": 311}))]
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
        let occurred_at = checked_time_text("occurred_at", body.occurred_at.as_deref())?;
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
#[schema(example = json!({"observables": [{"type": "domain", "value": "invoices-example[.]test"}, {"type": "ip", "value": "203.0.113.7"}], "description": "From the lure", "ioc": true, "tlp": 2}))]
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
    pub(super) fn into_input(self) -> Result<TaskInput, Error> {
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
