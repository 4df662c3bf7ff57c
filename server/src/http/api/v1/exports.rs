//! `/api/v1/` downloads and custody: the case and alert lists as CSV, the audit log (JSONL,
//! CSV), a case's STIX 2.1 bundle and its bundle zip (with evidence if asked), and the chain
//! of custody actions on an item of evidence. Each export is recorded on the audit log by the
//! service before the first byte, exactly as from the pages.

use app::{
    cases::{CaseFilter, service as cases},
    evidence::{CustodyInput, EvidenceItem, service as evidence},
    exports::service as exports,
    platform::Error,
};
use axum::{
    Json,
    extract::{Path, Query},
    response::Response,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::EvidenceView;
use crate::http::{
    api::conventions::{ApiJson, V1Actor, checked_time_text},
    exports::attachment,
    rest::{ApiError, ErrorBody},
};

#[derive(Deserialize, IntoParams)]
pub struct CaseExportQuery {
    /// A status, or `open`.
    status: Option<String>,
    q: Option<String>,
    /// A custom field filter, as on `GET /api/v1/cases`.
    field: Option<String>,
    field_value: Option<String>,
    field_from: Option<String>,
    field_to: Option<String>,
    /// A custom field to sort by, as on `GET /api/v1/cases`.
    sort: Option<String>,
}

/// The case list as CSV (every matching case, streamed).
#[utoipa::path(get, path = "/exports/cases.csv", tag = "exports", params(CaseExportQuery),
    security(("bearer" = ["cases:read"])),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn cases_csv(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<CaseExportQuery>,
) -> Result<Response, ApiError> {
    let filter = CaseFilter {
        status: q.status,
        text: q.q,
        field: q.field,
        field_value: q.field_value,
        field_from: q.field_from,
        field_to: q.field_to,
        sort: q.sort,
    };
    Ok(attachment(exports::cases_csv(&p, &actor, filter).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct AlertExportQuery {
    status: Option<String>,
    severity: Option<String>,
    source: Option<String>,
    rule: Option<String>,
    assignee: Option<String>,
    q: Option<String>,
    /// A custom field filter, as on `GET /api/v1/alerts`.
    field: Option<String>,
    field_value: Option<String>,
    field_from: Option<String>,
    field_to: Option<String>,
    /// A custom field to sort by, as on `GET /api/v1/alerts`.
    sort: Option<String>,
}

/// The alert queue as CSV.
#[utoipa::path(get, path = "/exports/alerts.csv", tag = "exports", params(AlertExportQuery),
    security(("bearer" = ["alerts:read"])),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn alerts_csv(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<AlertExportQuery>,
) -> Result<Response, ApiError> {
    let filter = app::alerts::QueueFilter {
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
    Ok(attachment(exports::alerts_csv(&p, &actor, filter).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditExportQuery {
    /// `jsonl` (default; each line one entry with its hashes) or `csv`.
    format: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    /// First and last UTC day, `YYYY-MM-DD`.
    from: Option<String>,
    to: Option<String>,
}

/// The audit log, filtered, as JSON lines or CSV (recorded as an export).
#[utoipa::path(get, path = "/exports/audit", tag = "exports", params(AuditExportQuery),
    security(("bearer" = ["audit:read"])),
    responses(
        (status = 200, description = "JSON lines or CSV", content(
            ("application/x-ndjson", example = json!("{\"seq\":1207,\"occurred_at\":\"2026-12-07T09:12:31Z\",\"actor\":\"tara\",\"action\":\"case.status_changed\",\"object_type\":\"case\",\"object_id\":\"42\",\"detail\":\"{}\",\"prev_hash\":\"9f2c…\",\"hash\":\"4be1…\"}\n")),
            ("text/csv"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn audit_export(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<AuditExportQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("jsonl") => false,
        Some("csv") => true,
        Some(_) => return Err(Error::invalid("`format` must be jsonl or csv.").into()),
    };
    let filter = app::audit::AuditFilter {
        actor: q.actor,
        action: q.action,
        object_type: q.object_type,
        object_id: q.object_id,
        from: q.from,
        to: q.to,
    };
    Ok(attachment(
        exports::audit_log(&p, &actor, &filter, csv).await?,
    ))
}

/// A case's observables, techniques and relations as a STIX 2.1 bundle.
#[utoipa::path(get, path = "/cases/{case}/stix", tag = "exports",
    security(("bearer" = ["cases:read"])),
    params(("case" = String, Path, description = "The case number or id")),
    responses(
        (status = 200, description = "A STIX 2.1 bundle", content(("application/json", example = json!({
            "type": "bundle", "id": "bundle--6f1c2a44-1e0b-4a53-9d1a-2b0f4a7c9e11",
            "objects": [{"type": "indicator", "spec_version": "2.1",
                "id": "indicator--0b1e2f3a-4c5d-4e6f-8a9b-0c1d2e3f4a5b",
                "pattern": "[domain-name:value = 'invoices-example.test']", "pattern_type": "stix",
                "valid_from": "2026-12-07T08:45:10Z"}]})))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn case_stix(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    Ok(attachment(exports::stix(&p, &actor, case.case_id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct BundleQuery {
    /// `true` to include the evidence files.
    evidence: Option<bool>,
}

/// A case bundle: the case's records and a manifest with every file's SHA-256 and a signed
/// audit checkpoint (`casefile verify-export` checks it offline).
#[utoipa::path(get, path = "/cases/{case}/bundle", tag = "exports",
    security(("bearer" = ["cases:read", "audit:read"])),
    params(("case" = String, Path, description = "The case number or id"), BundleQuery),
    responses(
        (status = 200, description = "A zip", content_type = "application/zip"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn case_bundle(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    Query(q): Query<BundleQuery>,
) -> Result<Response, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let bundle =
        exports::case_bundle(&p, &actor, case.case_id, q.evidence.unwrap_or(false)).await?;
    Ok(attachment(bundle))
}

/// A custody step on an item of evidence.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct CustodyBody {
    /// `transfer`, `receive`, `seal`, `unseal`, `request_disposal`, `approve_disposal` or
    /// `reject_disposal`.
    #[schema(example = "transfer")]
    action: String,
    /// Who receives (transfer) or who handed it over (receive).
    #[serde(default)]
    #[schema(example = "Forensics lab, case 2026-118")]
    party: String,
    #[serde(default)]
    #[schema(example = "Disk image for full forensic analysis")]
    reason: String,
    /// When it happened (RFC 3339); now when left out.
    occurred_at: Option<String>,
}

/// Records a custody step (transfer, receipt, seal, disposal request or decision).
#[utoipa::path(post, path = "/evidence/{id}/custody", tag = "evidence",
    security(("bearer" = ["evidence:custody"])),
    params(("id" = i64, Path, description = "The evidence id")),
    request_body = CustodyBody,
    responses(
        (status = 200, body = EvidenceView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn custody(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CustodyBody>,
) -> Result<Json<EvidenceView>, ApiError> {
    let occurred_at = checked_time_text("occurred_at", body.occurred_at.as_deref())?;
    let input = CustodyInput {
        party: body.party,
        reason: body.reason.clone(),
        occurred_at,
        utc_offset_minutes: 0,
    };
    let item: EvidenceItem = match body.action.trim() {
        "transfer" => evidence::transfer(&p, &actor, id, &input).await?,
        "receive" => evidence::receive(&p, &actor, id, &input).await?,
        "seal" => evidence::set_sealed(&p, &actor, id, true, &body.reason).await?,
        "unseal" => evidence::set_sealed(&p, &actor, id, false, &body.reason).await?,
        "request_disposal" => evidence::request_disposal(&p, &actor, id, &body.reason).await?,
        "approve_disposal" => evidence::decide_disposal(&p, &actor, id, true, &body.reason).await?,
        "reject_disposal" => evidence::decide_disposal(&p, &actor, id, false, &body.reason).await?,
        other => {
            return Err(Error::invalid(format!(
                "`action` \u{201c}{other}\u{201d} is not a custody step: use transfer, receive, seal, unseal, request_disposal, approve_disposal or reject_disposal."
            ))
            .into());
        }
    };
    Ok(Json(item.into()))
}
