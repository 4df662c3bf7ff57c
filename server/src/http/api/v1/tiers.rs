//! `/api/v1/cases/{case}/…` for tiers and SLA: claim, release, assign, escalate (or move
//! down), accept, return; the clocks, pause and resume. A token acting for an account does
//! these as that account, by the same tier rules as the case page.

use app::{cases::service as cases, sla::service as sla, tiers::service as tiers};
use axum::{Json, extract::Path};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{CaseView, TierStateView};
use crate::http::api::conventions::{ApiJson, V1Actor};
use crate::http::rest::{ApiError, ErrorBody};

/// A case's tier, holder, SLA clocks and moves between tiers.
#[utoipa::path(get, path = "/cases/{case}/tier", tag = "tiers",
    security(("bearer" = ["cases:read"])),
    params(("case" = String, Path, description = "The case number or id")),
    responses(
        (status = 200, body = TierStateView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn tier_state(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
) -> Result<Json<TierStateView>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let panel = tiers::panel(&p, &actor, &case).await?;
    Ok(Json(TierStateView {
        tier: case.tier,
        assignee: case.assignee,
        clocks: panel.clocks.into_iter().map(Into::into).collect(),
        pending: panel.pending.map(Into::into),
        escalations: panel.escalations.into_iter().map(Into::into).collect(),
    }))
}

macro_rules! case_action {
    ($name:ident, $path:literal, $doc:literal, $scope:literal, $call:path) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "tiers",
            security(("bearer" = [$scope])),
            params(("case" = String, Path, description = "The case number or id")),
            responses(
                (status = 200, body = CaseView),
                (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
                (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
                (status = 409, description = "The case's state does not allow it", body = ErrorBody),
            ))]
        pub async fn $name(
            V1Actor(actor, p): V1Actor,
            Path(reference): Path<String>,
        ) -> Result<Json<CaseView>, ApiError> {
            let case = cases::find(&p, &actor, &reference).await?;
            Ok(Json($call(&p, &actor, case.case_id).await?.into()))
        }
    };
}

case_action!(
    claim,
    "/cases/{case}/claim",
    "Takes an unassigned case of the caller's tier.",
    "cases:tiers",
    tiers::claim
);
case_action!(
    release,
    "/cases/{case}/release",
    "Gives a held case back to its tier's queue.",
    "cases:tiers",
    tiers::release
);
case_action!(
    accept,
    "/cases/{case}/accept",
    "Accepts the pending escalation into the caller's tier; the caller becomes the holder.",
    "cases:tiers",
    tiers::accept
);

/// Who should hold the case.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct AssignCaseBody {
    #[schema(example = "tom")]
    username: String,
}

/// Assigns a case to an analyst of its tier.
#[utoipa::path(post, path = "/cases/{case}/assign", tag = "tiers",
    security(("bearer" = ["cases:tiers"])),
    params(("case" = String, Path, description = "The case number or id")),
    request_body = AssignCaseBody,
    responses(
        (status = 200, body = CaseView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn assign(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<AssignCaseBody>,
) -> Result<Json<CaseView>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    Ok(Json(
        tiers::assign(&p, &actor, case.case_id, &body.username)
            .await?
            .into(),
    ))
}

/// A move to another tier: up needs a reason and a handover note (what was checked, what
/// remains, next steps); down a reason.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct EscalateCaseBody {
    #[schema(example = 3)]
    to_tier: i64,
    #[schema(example = "Lateral movement from the finance host; needs incident response.")]
    reason: String,
    #[serde(default)]
    #[schema(example = "Mailbox purged; host isolated; memory image uploaded as evidence.")]
    handover_note: String,
}

/// Escalates a case to a higher tier (waits for someone there to accept) or moves it down.
#[utoipa::path(post, path = "/cases/{case}/escalate", tag = "tiers",
    security(("bearer" = ["cases:tiers"])),
    params(("case" = String, Path, description = "The case number or id")),
    request_body = EscalateCaseBody,
    responses(
        (status = 200, body = CaseView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn escalate(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<EscalateCaseBody>,
) -> Result<Json<CaseView>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let moved = tiers::move_tier(
        &p,
        &actor,
        case.case_id,
        body.to_tier,
        &body.reason,
        &body.handover_note,
    )
    .await?;
    Ok(Json(moved.into()))
}

/// Why an escalation goes back, or an SLA clock stops.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct ReasonBody {
    #[schema(example = "Waiting for the customer to confirm the maintenance window.")]
    reason: String,
}

/// Returns a pending escalation to the tier it came from, with a reason.
#[utoipa::path(post, path = "/cases/{case}/return", tag = "tiers",
    security(("bearer" = ["cases:tiers"])),
    params(("case" = String, Path, description = "The case number or id")),
    request_body = ReasonBody,
    responses(
        (status = 200, body = CaseView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn return_escalation(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<CaseView>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    Ok(Json(
        tiers::return_move(&p, &actor, case.case_id, &body.reason)
            .await?
            .into(),
    ))
}

/// Pauses the case's running SLA clocks, with a reason.
#[utoipa::path(post, path = "/cases/{case}/sla/pause", tag = "sla",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id")),
    request_body = ReasonBody,
    responses(
        (status = 200, body = TierStateView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn pause_sla(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<TierStateView>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    sla::pause(&p, &actor, case.case_id, &body.reason).await?;
    tier_state(V1Actor(actor, p), Path(reference)).await
}

/// Resumes the case's paused SLA clocks.
#[utoipa::path(post, path = "/cases/{case}/sla/resume", tag = "sla",
    security(("bearer" = ["cases:write"])),
    params(("case" = String, Path, description = "The case number or id")),
    responses(
        (status = 200, body = TierStateView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn resume_sla(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
) -> Result<Json<TierStateView>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    sla::resume(&p, &actor, case.case_id).await?;
    tier_state(V1Actor(actor, p), Path(reference)).await
}
