//! `/api/v1/fields` and the custom field values of a case or an alert: administrators' tools
//! define fields; playbooks read and set values (a case's are a versioned case edit).

use app::{
    cases::service as cases,
    fields::{FieldDef, FieldInput, FieldType, FieldValue, Mandatory, ValueMap, service as fields},
    platform::Error,
};
use axum::{
    Json,
    extract::{OriginalUri, Path},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{cases::StaleBody, views::CaseView};
use crate::http::api::conventions::{ApiJson, Page, V1Actor, at, etag, expected_version};
use crate::http::rest::{ApiError, ErrorBody, ErrorDetail};

/// A custom field's definition.
#[derive(Serialize, ToSchema)]
pub struct FieldView {
    id: i64,
    /// What integrations send as the key of `custom_fields` (`customFields` on TheHive's API).
    #[schema(example = "business_unit")]
    name: String,
    label: String,
    description: String,
    #[serde(rename = "type")]
    field_type: FieldType,
    /// An enum's options.
    options: Vec<String>,
    on_cases: bool,
    on_alerts: bool,
    mandatory: Mandatory,
    #[schema(value_type = Option<serde_json::Value>)]
    default: Option<Value>,
    position: i64,
    /// Hidden from forms and no longer required; values are kept.
    retired: bool,
    /// Send it back as `If-Match` (or `version`) with an edit.
    version: i64,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<FieldDef> for FieldView {
    fn from(d: FieldDef) -> Self {
        Self {
            id: d.field_id,
            name: d.name,
            label: d.label,
            description: d.description,
            field_type: d.field_type,
            options: d.options,
            on_cases: d.on_cases,
            on_alerts: d.on_alerts,
            mandatory: d.mandatory,
            default: d.default,
            position: d.position,
            retired: d.retired,
            version: d.version,
            updated_at: at(d.updated_at),
        }
    }
}

/// Every custom field, retired ones included.
#[utoipa::path(get, path = "/fields", tag = "fields",
    security(("bearer" = ["cases:read"]), ("bearer" = ["alerts:read"]), ("bearer" = ["fields:write"])),
    responses(
        (status = 200, body = Page<FieldView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_fields(
    V1Actor(actor, p): V1Actor,
    uri: OriginalUri,
) -> Result<Json<Page<FieldView>>, ApiError> {
    let defs = fields::definitions(&p, &actor).await?;
    Ok(Json(Page::new(
        defs.into_iter().map(Into::into).collect(),
        None,
        &uri,
    )))
}

/// Defines a custom field. Its name and type never change afterwards.
#[utoipa::path(post, path = "/fields", tag = "fields",
    security(("bearer" = ["fields:write"])),
    request_body = FieldInput,
    responses(
        (status = 201, body = FieldView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ))]
pub async fn define_field(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<FieldInput>,
) -> Result<(StatusCode, Json<FieldView>), ApiError> {
    let def = fields::define(&p, &actor, &body).await?;
    Ok((StatusCode::CREATED, Json(def.into())))
}

/// A definition's new label, description, options, targets, rule, default or order; `name`
/// and `type` must be the field's own.
#[derive(Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"name": "business_unit", "label": "Business unit", "field_type": "enum", "options": ["Finance", "HR", "Retail"], "on_cases": true, "on_alerts": true, "mandatory": "before_close", "version": 1}))]
pub struct FieldPatchBody {
    #[serde(flatten)]
    field: FieldInput,
    /// The version the edit is based on (or send `If-Match`).
    version: Option<i64>,
}

/// Changes a custom field's definition; a stale edit is refused with 409.
#[utoipa::path(patch, path = "/fields/{id}", tag = "fields",
    security(("bearer" = ["fields:write"])),
    params(("id" = i64, Path, description = "The field id"),
        ("If-Match" = Option<String>, Header, description = "The field's version as an ETag")),
    request_body = FieldPatchBody,
    responses(
        (status = 200, body = FieldView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn patch_field(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<FieldPatchBody>,
) -> Result<Json<FieldView>, ApiError> {
    let version = expected_version(&headers, body.version)?;
    Ok(Json(
        fields::redefine(&p, &actor, id, version, &body.field)
            .await?
            .into(),
    ))
}

/// Retires a field: hidden from forms, no longer required, its values kept and shown.
#[utoipa::path(post, path = "/fields/{id}/retire", tag = "fields",
    security(("bearer" = ["fields:write"])),
    params(("id" = i64, Path, description = "The field id")),
    responses(
        (status = 200, body = FieldView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn retire_field(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
) -> Result<Json<FieldView>, ApiError> {
    Ok(Json(
        fields::set_retired(&p, &actor, id, true).await?.into(),
    ))
}

/// Brings a retired field back into forms.
#[utoipa::path(post, path = "/fields/{id}/restore", tag = "fields",
    security(("bearer" = ["fields:write"])),
    params(("id" = i64, Path, description = "The field id")),
    responses(
        (status = 200, body = FieldView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn restore_field(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
) -> Result<Json<FieldView>, ApiError> {
    Ok(Json(
        fields::set_retired(&p, &actor, id, false).await?.into(),
    ))
}

/// A record's custom field values; with the case's version when they are a case's.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"custom_fields": [{"name": "business_unit", "label": "Business unit", "field_type": "enum", "value": "Finance", "retired": false}], "version": 8}))]
pub struct ValuesView {
    custom_fields: Vec<FieldValue>,
    /// The case's version after the change (cases only): the next edit's `If-Match`.
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
}

/// Values to set by field name; `null` clears one.
#[derive(Deserialize, Serialize, ToSchema)]
#[schema(example = json!({"custom_fields": {"business_unit": "Finance", "ticket": "INC-4711"}, "version": 7}))]
pub struct ValuesBody {
    #[schema(value_type = Object, example = json!({"business_unit": "Finance", "ticket": "INC-4711"}))]
    custom_fields: ValueMap,
    /// The case version the change is based on (or send `If-Match`); cases only.
    version: Option<i64>,
}

fn with_case_etag(body: ValuesView, version: i64) -> Response {
    let mut res = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// A case's custom field values, with its version as `ETag`.
#[utoipa::path(get, path = "/cases/{case}/fields", tag = "fields",
    security(("bearer" = ["cases:read"])),
    params(("case" = String, Path, description = "The case number or id")),
    responses(
        (status = 200, body = ValuesView, headers(("ETag" = String))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn case_fields(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let values = fields::case_values(&p, &actor, case.case_id).await?;
    Ok(with_case_etag(
        ValuesView {
            custom_fields: values,
            version: Some(case.version),
        },
        case.version,
    ))
}

/// Sets a case's custom field values: one case edit, on the timeline and the audit log. A
/// stale edit is refused with 409 and the current case.
#[utoipa::path(patch, path = "/cases/{case}/fields", tag = "fields",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id"),
        ("If-Match" = Option<String>, Header, description = "The case's ETag the change is based on")),
    request_body = ValuesBody,
    responses(
        (status = 200, body = ValuesView, headers(("ETag" = String))),
        (status = 400, description = "An unknown field or a bad value, named in `field`", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Stale, or the case is closed", body = StaleBody),
    ))]
pub async fn set_case_fields(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ValuesBody>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let version = expected_version(&headers, body.version)?;
    match fields::set_case_values(&p, &actor, case.case_id, version, &body.custom_fields).await {
        Ok(values) => {
            let now = cases::get(&p, &actor, case.case_id).await?;
            Ok(with_case_etag(
                ValuesView {
                    custom_fields: values,
                    version: Some(now.version),
                },
                now.version,
            ))
        }
        Err(Error::Conflict(message)) => {
            let current = cases::get(&p, &actor, case.case_id).await?;
            let version = current.version;
            let body = StaleBody::new(
                ErrorDetail::new("conflict", message),
                CaseView::from(current),
            );
            let mut res = (StatusCode::CONFLICT, Json(body)).into_response();
            if let Ok(v) = HeaderValue::from_str(&etag(version)) {
                res.headers_mut().insert(header::ETAG, v);
            }
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

/// An alert's custom field values.
#[utoipa::path(get, path = "/alerts/{id}/fields", tag = "fields",
    security(("bearer" = ["alerts:read"])),
    params(("id" = i64, Path, description = "The alert id")),
    responses(
        (status = 200, body = ValuesView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn alert_fields(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
) -> Result<Json<ValuesView>, ApiError> {
    app::alerts::service::get(&p, &actor, id).await?;
    Ok(Json(ValuesView {
        custom_fields: fields::alert_values(&p, &actor, id).await?,
        version: None,
    }))
}

/// Sets an alert's custom field values (audited).
#[utoipa::path(patch, path = "/alerts/{id}/fields", tag = "fields",
    security(("bearer" = ["alerts:triage"])),
    params(("id" = i64, Path, description = "The alert id")),
    request_body = ValuesBody,
    responses(
        (status = 200, body = ValuesView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn set_alert_fields(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ValuesBody>,
) -> Result<Json<ValuesView>, ApiError> {
    Ok(Json(ValuesView {
        custom_fields: fields::set_alert_values(&p, &actor, id, &body.custom_fields).await?,
        version: None,
    }))
}
