//! `/api/v1/webhooks`: the receivers a SOAR registers to hear about changes (signed with the
//! secret given once, at creation), pausing them, and their delivery log.

use app::outbox::{Delivery, Webhook, service as outbox};
use axum::{
    Json,
    extract::{OriginalUri, Path, Query},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::api::conventions::{ApiJson, CursorQuery, Page, V1Actor, at, at_opt, id_cursor};
use crate::http::rest::{ApiError, ErrorBody};

/// A webhook receiver.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Tines: escalations", "url": "https://soar.example.org/webhook/casefile", "events": ["case.escalated", "case.closed"], "enabled": true, "created_by": "root", "created_at": "2026-12-07T08:00:00Z"}))]
pub struct WebhookView {
    id: i64,
    name: String,
    url: String,
    /// Audit actions it receives: exact (`case.closed`) or a prefix (`case.*`); empty for all.
    events: Vec<String>,
    enabled: bool,
    created_by: String,
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<Webhook> for WebhookView {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.webhook_id,
            name: w.name,
            url: w.url,
            events: w.events,
            enabled: w.enabled,
            created_by: w.created_by,
            created_at: at(w.created_at),
        }
    }
}

/// Every webhook.
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    security(("bearer" = ["webhooks:write"])),
    responses(
        (status = 200, body = Page<WebhookView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_webhooks(
    V1Actor(actor, p): V1Actor,
    uri: OriginalUri,
) -> Result<Json<Page<WebhookView>>, ApiError> {
    let hooks = outbox::webhooks(&p, &actor).await?;
    Ok(Json(Page::new(
        hooks.into_iter().map(Into::into).collect(),
        None,
        &uri,
    )))
}

/// A new webhook receiver.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct NewWebhookBody {
    #[schema(example = "Tines: escalations")]
    name: String,
    /// An `https://` URL (plain `http://` only to hosts the server allows).
    #[schema(example = "https://soar.example.org/webhook/casefile")]
    url: String,
    #[serde(default)]
    #[schema(example = json!(["case.escalated", "case.closed"]))]
    events: Vec<String>,
}

/// A webhook just created, with the secret its deliveries are signed with: shown only here.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"webhook": {"id": 1, "name": "Tines: escalations", "url": "https://soar.example.org/webhook/casefile", "events": ["case.escalated", "case.closed"], "enabled": true, "created_by": "root", "created_at": "2026-12-07T08:00:00Z"}, "secret": "Yq3v3f6m4JXo2dS1nR8pQk0tWb5uZc7eHa9LgT2iVxA"}))]
pub struct CreatedWebhookView {
    webhook: WebhookView,
    /// Each delivery carries `X-Casefile-Signature: sha256=<HMAC-SHA256 of the body>`.
    secret: String,
}

/// Registers a webhook. Its name is unique, so a retried create answers 409 rather than
/// registering twice (and the secret is never stored for a replay).
#[utoipa::path(post, path = "/webhooks", tag = "webhooks",
    security(("bearer" = ["webhooks:write"])),
    request_body = NewWebhookBody,
    responses(
        (status = 201, body = CreatedWebhookView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn create_webhook(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<NewWebhookBody>,
) -> Result<(StatusCode, Json<CreatedWebhookView>), ApiError> {
    let created = outbox::create_webhook(&p, &actor, &body.name, &body.url, &body.events).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhookView {
            webhook: created.webhook.into(),
            secret: created.secret,
        }),
    ))
}

/// Whether a webhook receives changes.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct WebhookPatch {
    /// `false` pauses it: changes are not queued for it, and what is queued is not sent.
    #[schema(example = false)]
    enabled: bool,
}

/// Pauses or resumes a webhook.
#[utoipa::path(patch, path = "/webhooks/{id}", tag = "webhooks",
    security(("bearer" = ["webhooks:write"])),
    params(("id" = i64, Path, description = "The webhook id")),
    request_body = WebhookPatch,
    responses(
        (status = 200, body = WebhookView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn patch_webhook(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<WebhookPatch>,
) -> Result<Json<WebhookView>, ApiError> {
    outbox::set_webhook_enabled(&p, &actor, id, body.enabled).await?;
    let hook = outbox::webhooks(&p, &actor)
        .await?
        .into_iter()
        .find(|w| w.webhook_id == id)
        .ok_or_else(|| app::platform::Error::not_found(format!("There is no webhook {id}.")))?;
    Ok(Json(hook.into()))
}

/// One message sent (or being sent) to a webhook.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 77, "summary": "update case", "state": "failed", "attempts": 12, "next_attempt_at": "2026-12-08T20:00:00Z", "last_error": "HTTP 502 from the receiver", "delivered_at": null, "created_at": "2026-12-07T08:12:00Z"}))]
pub struct DeliveryView {
    id: i64,
    /// `operation objectType` of the change.
    summary: String,
    /// `pending`, `delivered` or `failed` (after the last retry).
    state: String,
    attempts: i64,
    #[schema(format = DateTime)]
    next_attempt_at: String,
    last_error: Option<String>,
    #[schema(format = DateTime)]
    delivered_at: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.delivery_id,
            summary: d.summary,
            state: d.state.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at: at(d.next_attempt_at),
            last_error: d.last_error,
            delivered_at: at_opt(d.delivered_at),
            created_at: at(d.created_at),
        }
    }
}

/// A webhook's deliveries, newest first: what was sent, what failed and why.
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks",
    security(("bearer" = ["webhooks:write"])),
    params(("id" = i64, Path, description = "The webhook id"), CursorQuery),
    responses(
        (status = 200, body = Page<DeliveryView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn list_deliveries(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    Query(q): Query<CursorQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<DeliveryView>>, ApiError> {
    let before = id_cursor(q.cursor.as_deref())?;
    let page = outbox::deliveries(&p, &actor, Some(id), before).await?;
    Ok(Json(Page::new(
        page.deliveries.into_iter().map(Into::into).collect(),
        page.next.map(|n| n.to_string()),
        &uri,
    )))
}
