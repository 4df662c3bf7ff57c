//! `/api/v1/rules`: alert rules for the teams that tune detections as code: list them with
//! their figures, write them, try one on the last 7 days.

use app::alerts::rules::{DryRun, Rule, RuleAction, RuleInput, service as rules};
use axum::{
    Json,
    extract::{OriginalUri, Path},
    http::{HeaderMap, StatusCode},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::api::conventions::{ApiJson, Page, V1Actor, at, expected_version};
use crate::http::rest::{ApiError, ErrorBody};

/// An alert rule, with what it matched.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 3, "name": "Scanner noise", "description": "Our vulnerability scanner", "position": 1, "enabled": true, "conditions": {"observable_type": "ip", "observable_value": "203.0.113.7"}, "action": {"action": "suppress", "verdict": "false_positive", "reason": "our vulnerability scanner"}, "expires_at": "2027-03-01T00:00:00Z", "expired": false, "matched_count": 1284, "last_matched_at": "2026-12-07T09:10:02Z", "version": 2}))]
pub struct RuleView {
    id: i64,
    name: String,
    description: String,
    /// Rules run lowest first.
    position: i64,
    enabled: bool,
    conditions: app::alerts::rules::Conditions,
    action: RuleAction,
    #[schema(format = DateTime)]
    expires_at: Option<String>,
    /// Its expiry has passed: it no longer runs.
    expired: bool,
    matched_count: i64,
    #[schema(format = DateTime)]
    last_matched_at: Option<String>,
    /// Send it back as `If-Match` with an edit.
    version: i64,
}

impl From<Rule> for RuleView {
    fn from(r: Rule) -> Self {
        Self {
            id: r.rule_id,
            name: r.name,
            description: r.description,
            position: r.position,
            enabled: r.enabled,
            conditions: r.conditions,
            action: r.action,
            expires_at: r.expires_at.map(at),
            expired: r.expired,
            matched_count: r.matched_count,
            last_matched_at: r.last_matched_at.map(at),
            version: r.version,
        }
    }
}

/// Every alert rule, in the order they run.
#[utoipa::path(get, path = "/rules", tag = "rules",
    security(("bearer" = ["alerts:read"]), ("bearer" = ["rules:write"])),
    responses(
        (status = 200, body = Page<RuleView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_rules(
    V1Actor(actor, p): V1Actor,
    uri: OriginalUri,
) -> Result<Json<Page<RuleView>>, ApiError> {
    let all = rules::list(&p, &actor).await?;
    Ok(Json(Page::new(
        all.into_iter().map(Into::into).collect(),
        None,
        &uri,
    )))
}

/// Creates an alert rule (switched off unless `enabled`).
#[utoipa::path(post, path = "/rules", tag = "rules",
    security(("bearer" = ["rules:write"])),
    request_body = RuleInput,
    responses(
        (status = 201, body = RuleView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "The template is unknown", body = ErrorBody),
        (status = 409, description = "The name is taken", body = ErrorBody),
    ))]
pub async fn create_rule(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<RuleInput>,
) -> Result<(StatusCode, Json<RuleView>), ApiError> {
    let r = rules::create(&p, &actor, &body).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// Replaces an alert rule, whole (switching it on or off is an edit); with `If-Match`, a
/// stale edit is refused with 409.
#[utoipa::path(put, path = "/rules/{id}", tag = "rules",
    security(("bearer" = ["rules:write"])),
    params(("id" = i64, Path, description = "The rule id"),
        ("If-Match" = Option<String>, Header, description = "The rule's version as an ETag")),
    request_body = RuleInput,
    responses(
        (status = 200, body = RuleView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
    ))]
pub async fn replace_rule(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RuleInput>,
) -> Result<Json<RuleView>, ApiError> {
    let version = expected_version(&headers, None)?;
    Ok(Json(
        rules::update(&p, &actor, id, version, &body).await?.into(),
    ))
}

/// Tries a rule on the last 7 days of alerts: how many it would have matched. Keeps nothing.
#[utoipa::path(post, path = "/rules/dry-run", tag = "rules",
    security(("bearer" = ["rules:write"])),
    request_body = RuleInput,
    responses(
        (status = 200, body = DryRun),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn dry_run(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<RuleInput>,
) -> Result<Json<DryRun>, ApiError> {
    Ok(Json(rules::dry_run(&p, &actor, &body).await?))
}
