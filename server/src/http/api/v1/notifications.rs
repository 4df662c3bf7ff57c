//! `/api/v1/notifications`: the inbox of the token's own account (assignments, escalations to
//! its tier, SLA warnings, handovers), for a chat bot or a pager bridge.

use app::notifications::{Notification, service as notifications};
use axum::{
    Json,
    extract::{OriginalUri, Query},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::api::conventions::{ApiJson, CursorQuery, Page, V1Actor, at, id_cursor};
use crate::http::rest::{ApiError, ErrorBody};

/// One notification.
#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    id: i64,
    /// `assigned`, `escalated_to_tier`, `returned`, `sla_near_breach`, `sla_breached` or
    /// `handover`.
    kind: String,
    #[schema(example = "CASE-2026-0042 was escalated to tier 2")]
    title: String,
    /// Where it points, relative to the server (a case page, the handover board).
    #[schema(example = "/cases/CASE-2026-0042")]
    link: String,
    read: bool,
    #[schema(format = DateTime)]
    created_at: String,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        Self {
            id: n.notification_id,
            kind: n.kind.as_str().to_owned(),
            title: n.title,
            link: n.link,
            read: n.read,
            created_at: at(n.created_at),
        }
    }
}

/// The token's account's notifications, newest first.
#[utoipa::path(get, path = "/notifications", tag = "notifications",
    security(("bearer" = ["notifications:read"])),
    params(CursorQuery),
    responses(
        (status = 200, body = Page<NotificationView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn list_notifications(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<CursorQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<NotificationView>>, ApiError> {
    let before = id_cursor(q.cursor.as_deref())?;
    let inbox = notifications::inbox(&p, &actor, before).await?;
    Ok(Json(Page::new(
        inbox.items.into_iter().map(Into::into).collect(),
        inbox.next.map(|n| n.to_string()),
        &uri,
    )))
}

/// Which notifications to mark read.
#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct MarkReadBody {
    /// One notification; left out, every one.
    #[schema(example = 17)]
    id: Option<i64>,
}

/// How many were marked.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"marked": 1}))]
pub struct MarkedView {
    marked: u64,
}

/// Marks one notification (or all) read. Marking again changes nothing and answers 0.
#[utoipa::path(post, path = "/notifications/read", tag = "notifications",
    security(("bearer" = ["notifications:read"])),
    request_body = MarkReadBody,
    responses(
        (status = 200, body = MarkedView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn mark_read(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<MarkReadBody>,
) -> Result<Json<MarkedView>, ApiError> {
    let marked = notifications::mark_read(&p, &actor, body.id).await?;
    Ok(Json(MarkedView { marked }))
}
