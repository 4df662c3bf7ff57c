//! `/api/v1/alerts`: the triage queue for machines: list with the queue's filters, read one,
//! record a verdict, assign, escalate into a case, merge into a case.

use app::alerts::{
    QueueFilter,
    escalation::{self, EscalateOverrides},
    service as alerts,
};
use app::{cases::service as cases, severity::Severity};
use axum::{
    Json,
    extract::{OriginalUri, Path, Query},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::{AlertListItem, AlertView, CaseView};
use crate::http::api::{
    conventions::{ApiJson, Page, V1Actor},
    idempotency::run_once,
};
use crate::http::rest::{ApiError, ErrorBody};
use app::platform::Error;

/// Queue filters; all optional. `cursor` is the `next_cursor` of the previous page.
#[derive(Deserialize, IntoParams)]
pub struct AlertQuery {
    /// `new`, `in_progress`, `closed`, … (the queue shows open alerts when empty).
    status: Option<String>,
    severity: Option<String>,
    source: Option<String>,
    rule: Option<String>,
    /// `me`, a username, or `none` for unassigned.
    assignee: Option<String>,
    /// Words in the title or an observable value.
    q: Option<String>,
    /// A custom field on alerts to filter by, as on `GET /api/v1/cases`.
    field: Option<String>,
    field_value: Option<String>,
    field_from: Option<String>,
    field_to: Option<String>,
    /// A custom field (string, enum, boolean, number or date) to sort by, `-name` for
    /// descending: alerts with a value first, by it, then those without, newest first.
    sort: Option<String>,
    cursor: Option<String>,
}

/// Lists the alert queue, most severe first, one page at a time.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertQuery),
    security(("bearer" = ["alerts:read"])),
    responses(
        (status = 200, body = Page<AlertListItem>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 429, body = ErrorBody),
    ))]
pub async fn list_alerts(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<AlertQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<AlertListItem>>, ApiError> {
    let filter = QueueFilter {
        status: q.status,
        severity: q.severity,
        source: q.source,
        rule: q.rule,
        assignee: q.assignee,
        text: q.q,
        field: q.field,
        field_value: q.field_value,
        field_from: q.field_from,
        field_to: q.field_to,
        sort: q.sort,
    };
    let page = alerts::queue(&p, &actor, &filter, q.cursor.as_deref()).await?;
    Ok(Json(Page::new(
        page.alerts.into_iter().map(Into::into).collect(),
        page.next,
        &uri,
    )))
}

/// One alert with its observables.
#[utoipa::path(get, path = "/alerts/{id}", tag = "alerts",
    security(("bearer" = ["alerts:read"])),
    params(("id" = i64, Path, description = "The alert id")),
    responses(
        (status = 200, body = AlertView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_alert(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
) -> Result<Json<AlertView>, ApiError> {
    let alert = alerts::get(&p, &actor, id).await?;
    let observables = alerts::observables(&p, &actor, id).await?;
    Ok(Json(AlertView::new(alert, observables)))
}

/// A verdict on an alert; it leaves the queue.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct VerdictBody {
    /// `true_positive`, `false_positive`, `benign` or `duplicate`.
    #[schema(example = "false_positive")]
    verdict: String,
    /// Why, for the rule's owners and the audit log.
    #[schema(example = "Scheduled vulnerability scan from the scanner subnet.")]
    reason: String,
}

/// Records a verdict (with its reason) and closes the alert.
#[utoipa::path(post, path = "/alerts/{id}/verdict", tag = "alerts",
    security(("bearer" = ["alerts:triage"])),
    params(("id" = i64, Path, description = "The alert id")),
    request_body = VerdictBody,
    responses(
        (status = 200, body = AlertView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Already in a case", body = ErrorBody),
    ))]
pub async fn set_verdict(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<VerdictBody>,
) -> Result<Json<AlertView>, ApiError> {
    alerts::get(&p, &actor, id).await?;
    alerts::set_verdict(&p, &actor, &[id], &body.verdict, &body.reason).await?;
    get_alert(V1Actor(actor, p), Path(id)).await
}

/// Who works an alert.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct AssignBody {
    /// `me` (the token's account), a username, or `null` to return it to the queue.
    #[schema(example = "alice")]
    assignee: Option<String>,
}

/// Assigns an alert, or returns it to the queue.
#[utoipa::path(post, path = "/alerts/{id}/assign", tag = "alerts",
    security(("bearer" = ["alerts:triage"])),
    params(("id" = i64, Path, description = "The alert id")),
    request_body = AssignBody,
    responses(
        (status = 200, body = AlertView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn assign_alert(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AssignBody>,
) -> Result<Json<AlertView>, ApiError> {
    alerts::get(&p, &actor, id).await?;
    alerts::assign(&p, &actor, &[id], body.assignee.as_deref()).await?;
    get_alert(V1Actor(actor, p), Path(id)).await
}

/// Overrides for the case an alert becomes; anything left out is the alert's.
#[derive(Deserialize, Serialize, Default, Clone, ToSchema)]
pub struct EscalateBody {
    title: Option<String>,
    description: Option<String>,
    /// info, low, medium, high or critical.
    severity: Option<String>,
    tags: Option<Vec<String>>,
    /// Custom field values for the case, over those the alert carries.
    #[serde(default)]
    #[schema(value_type = Object)]
    custom_fields: app::fields::ValueMap,
    /// A case template (its id or name) to shape the case with.
    #[schema(example = "Phishing")]
    template: Option<String>,
}

/// Escalates an alert into a new case (its observables come along); answers the case.
/// Send `Idempotency-Key` so a retried step answers the same case instead of a conflict.
#[utoipa::path(post, path = "/alerts/{id}/escalate", tag = "alerts",
    security(("bearer" = ["alerts:triage", "cases:write"])),
    params(("id" = i64, Path, description = "The alert id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry answer the first result")),
    request_body = EscalateBody,
    responses(
        (status = 201, body = CaseView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Already in a case, or the key is in use", body = ErrorBody),
    ))]
pub async fn escalate_alert(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    uri: OriginalUri,
    ApiJson(body): ApiJson<EscalateBody>,
) -> Result<Response, ApiError> {
    run_once(&p, &actor, &headers, &uri, &body.clone(), async {
        let severity = body
            .severity
            .as_deref()
            .map(Severity::parse)
            .transpose()
            .map_err(Error::Invalid)?;
        let overrides = EscalateOverrides {
            title: body.title,
            description: body.description,
            severity,
            tags: body.tags,
            custom_fields: body.custom_fields,
            template: body.template,
        };
        let case = escalation::escalate_alert(&p, &actor, id, overrides).await?;
        Ok((StatusCode::CREATED, CaseView::from(case)))
    })
    .await
}

/// Alerts to merge into an open case.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct MergeBody {
    alert_ids: Vec<i64>,
    /// The case's number or id.
    #[schema(example = "CF-2026-000042")]
    case: String,
}

/// Merges alerts into an existing open case; all or nothing.
#[utoipa::path(post, path = "/alerts/merge", tag = "alerts",
    security(("bearer" = ["alerts:triage", "cases:write"])),
    request_body = MergeBody,
    responses(
        (status = 200, body = CaseView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn merge_alerts(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &body.case).await?;
    let merged = escalation::merge_alerts(&p, &actor, &body.alert_ids, case.case_id).await?;
    Ok(Json(CaseView::from(merged)).into_response())
}
