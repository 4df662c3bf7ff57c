//! `/api/v1/cases`: list, open (with tasks, observables, a playbook), read (`ETag`), edit and
//! move through phases with the version check, close, reopen.

use app::{
    cases::{CaseFilter, CaseInput, CasePatch, service as cases},
    observables::ObservableInput,
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

use super::{
    investigation::TaskBody,
    views::{CaseListItem, CaseView},
};
use crate::http::api::{
    conventions::{ApiJson, Page, V1Actor, etag, expected_version},
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
    /// A custom field's name, to filter by its value: `field_value` for string, enum and
    /// boolean fields, `field_from`/`field_to` (inclusive) for integer, float and date fields.
    field: Option<String>,
    field_value: Option<String>,
    field_from: Option<String>,
    field_to: Option<String>,
    /// A custom field (string, enum, boolean, number or date) to sort by, `-name` for
    /// descending: cases with a value first, by it, then those without, newest first.
    sort: Option<String>,
    cursor: Option<String>,
}

/// Cases, newest first (or by `sort`), one page at a time.
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
        field: q.field,
        field_value: q.field_value,
        field_from: q.field_from,
        field_to: q.field_to,
        sort: q.sort,
    };
    let page = cases::list(&p, &actor, &filter, q.cursor.as_deref()).await?;
    Ok(Json(Page::new(
        page.cases.into_iter().map(Into::into).collect(),
        page.next,
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
    /// info, low, medium, high or critical; may be left out with a `template` that sets one.
    #[serde(default)]
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
    /// Custom field values by field name (see `GET /api/v1/fields`).
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"business_unit": "Finance"}))]
    custom_fields: app::fields::ValueMap,
    /// A case template (its id or name): it fills what the request leaves out.
    #[schema(example = "Phishing")]
    template: Option<String>,
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
        let template = body.template.filter(|t| !t.trim().is_empty());
        let given = app::templates::service::Given {
            description: !body.description.trim().is_empty(),
            severity: !body.severity.trim().is_empty(),
            tlp: body.tlp.is_some(),
            pap: body.pap.is_some(),
        };
        let severity = match (body.severity.trim().is_empty(), &template) {
            // Stands in until the template gives its own (or keeps it).
            (true, Some(_)) => "medium".to_owned(),
            _ => body.severity,
        };
        let input = CaseInput {
            title: body.title,
            description: body.description,
            severity,
            tlp: body.tlp,
            pap: body.pap,
            tags: body.tags,
            detection_source: body.detection_source,
            observables: body.observables,
            tasks,
            custom_fields: body.custom_fields,
        };
        let mut new = input.check().map_err(Error::Invalid)?;
        if let Some(t) = &template {
            app::templates::service::shape(&p, &actor, t, &mut new, None, given).await?;
        }
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

impl StaleBody {
    pub fn new(error: crate::http::rest::ErrorDetail, current: CaseView) -> Self {
        Self { error, current }
    }
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
#[schema(example = json!({"reason": "The sender came back with a new domain", "version": 9}))]
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
