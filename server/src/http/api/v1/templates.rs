//! `/api/v1/templates`: case templates for the tools that keep a SOC's process as code; they
//! are exported and imported as the JSON the admin page shares.

use app::{
    platform::Error,
    templates::{ImportReport, Template, TemplateInput, service as templates},
};
use axum::{
    Json,
    extract::{OriginalUri, Path},
    http::{HeaderMap, StatusCode},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::api::conventions::{ApiJson, Page, V1Actor, at, expected_version};
use crate::http::rest::{ApiError, ErrorBody};

/// A case template.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 2, "name": "Insider threat", "description": "Data taken by an employee", "title_prefix": "[Insider] ", "body": "Reported by {{alert.source}}: {{alert.title}}", "severity": "high", "tlp": 3, "pap": 2, "tier": 2, "tags": ["insider"], "playbooks": ["Data exfiltration"], "custom_fields": {"business_unit": "HR"}, "version": 1, "updated_at": "2026-12-01T10:00:00Z"}))]
pub struct TemplateView {
    id: i64,
    name: String,
    description: String,
    title_prefix: String,
    body: String,
    severity: Option<String>,
    tlp: Option<i64>,
    pap: Option<i64>,
    tier: Option<i64>,
    tags: Vec<String>,
    playbooks: Vec<String>,
    #[schema(value_type = Object)]
    custom_fields: app::fields::ValueMap,
    /// Send it back as `If-Match` with an edit.
    version: i64,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<Template> for TemplateView {
    fn from(t: Template) -> Self {
        let i = t.to_input();
        Self {
            id: t.template_id,
            name: i.name,
            description: i.description,
            title_prefix: i.title_prefix,
            body: i.body,
            severity: i.severity,
            tlp: i.tlp,
            pap: i.pap,
            tier: i.tier,
            tags: i.tags,
            playbooks: i.playbooks,
            custom_fields: i.custom_fields,
            version: t.version,
            updated_at: at(t.updated_at),
        }
    }
}

/// Every case template.
#[utoipa::path(get, path = "/templates", tag = "templates",
    security(("bearer" = ["cases:read"]), ("bearer" = ["templates:write"])),
    responses(
        (status = 200, body = Page<TemplateView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_templates(
    V1Actor(actor, p): V1Actor,
    uri: OriginalUri,
) -> Result<Json<Page<TemplateView>>, ApiError> {
    let all = templates::list(&p, &actor).await?;
    Ok(Json(Page::new(
        all.into_iter().map(Into::into).collect(),
        None,
        &uri,
    )))
}

/// Creates a case template.
#[utoipa::path(post, path = "/templates", tag = "templates",
    security(("bearer" = ["templates:write"])),
    request_body = TemplateInput,
    responses(
        (status = 201, body = TemplateView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ))]
pub async fn create_template(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<TemplateInput>,
) -> Result<(StatusCode, Json<TemplateView>), ApiError> {
    let t = templates::create(&p, &actor, &body).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// One case template, by id or name.
#[utoipa::path(get, path = "/templates/{template}", tag = "templates",
    security(("bearer" = ["cases:read"]), ("bearer" = ["templates:write"])),
    params(("template" = String, Path, description = "The template's id or name")),
    responses(
        (status = 200, body = TemplateView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn get_template(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
) -> Result<Json<TemplateView>, ApiError> {
    Ok(Json(templates::find(&p, &actor, &reference).await?.into()))
}

/// Replaces a case template, whole; with `If-Match` (its version), a stale edit is refused
/// with 409.
#[utoipa::path(put, path = "/templates/{template}", tag = "templates",
    security(("bearer" = ["templates:write"])),
    params(("template" = String, Path, description = "The template's id or name"),
        ("If-Match" = Option<String>, Header, description = "The template's version as an ETag")),
    request_body = TemplateInput,
    responses(
        (status = 200, body = TemplateView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn replace_template(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TemplateInput>,
) -> Result<Json<TemplateView>, ApiError> {
    let current = templates::find(&p, &actor, &reference).await?;
    let version = expected_version(&headers, None)?;
    let t = templates::update(&p, &actor, current.template_id, version, &body).await?;
    Ok(Json(t.into()))
}

/// Deletes a case template (cases opened with it keep what it gave them).
#[utoipa::path(delete, path = "/templates/{template}", tag = "templates",
    security(("bearer" = ["templates:write"])),
    params(("template" = String, Path, description = "The template's id or name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn delete_template(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
) -> Result<StatusCode, ApiError> {
    let current = templates::find(&p, &actor, &reference).await?;
    templates::delete(&p, &actor, current.template_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every template as the JSON array another Casefile imports.
#[utoipa::path(get, path = "/templates/export", tag = "templates",
    security(("bearer" = ["cases:read"]), ("bearer" = ["templates:write"])),
    responses(
        (status = 200, body = Vec<TemplateInput>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn export_templates(
    V1Actor(actor, p): V1Actor,
) -> Result<Json<serde_json::Value>, ApiError> {
    let text = templates::export(&p, &actor).await?;
    Ok(Json(
        serde_json::from_str(&text).map_err(|e| Error::internal(e.to_string()))?,
    ))
}

/// What an import did.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"created": 2, "updated": 1}))]
pub struct TemplateImportView {
    created: usize,
    /// Templates of a name already kept, replaced.
    updated: usize,
}

impl From<ImportReport> for TemplateImportView {
    fn from(r: ImportReport) -> Self {
        Self {
            created: r.created,
            updated: r.updated,
        }
    }
}

/// Imports an export: templates of a name already kept are replaced. All or none.
#[utoipa::path(post, path = "/templates/import", tag = "templates",
    security(("bearer" = ["templates:write"])),
    request_body = Vec<TemplateInput>,
    responses(
        (status = 200, body = TemplateImportView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn import_templates(
    V1Actor(actor, p): V1Actor,
    body: axum::body::Bytes,
) -> Result<Json<TemplateImportView>, ApiError> {
    let text =
        std::str::from_utf8(&body).map_err(|_| Error::invalid("The body is not UTF-8 JSON."))?;
    Ok(Json(templates::import(&p, &actor, text).await?.into()))
}
