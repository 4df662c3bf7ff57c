//! The REST API for machines (`/api/…`): token authentication and JSON errors. Capabilities
//! add their routes here.

mod alerts;
mod auth;
mod openapi;

use std::time::Duration;

use axum::{
    Json, Router,
    error_handling::HandleErrorLayer,
    http::{HeaderValue, StatusCode, header},
    routing::{MethodRouter, get, post},
};
use serde::Serialize;
use tower::ServiceBuilder;

pub use auth::{ApiActor, ApiError};

use app::platform::actor::Principal;

/// Intake requests handled at once; more are refused with 503 rather than queued without bound.
const INTAKE_CONCURRENCY: usize = 32;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/api/whoami", get(whoami))
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route(
            "/api/alerts",
            // The handler reads the body within its own limit.
            limit_intake(post(alerts::post_alerts), overloaded),
        )
}

/// Bounds an intake route: at most [`INTAKE_CONCURRENCY`] requests at once, each within 60 s;
/// past that, `overloaded` answers at once (503 with `Retry-After`) instead of queueing.
pub fn limit_intake<S: Clone + Send + Sync + 'static>(
    route: MethodRouter<S>,
    overloaded: fn() -> axum::response::Response,
) -> MethodRouter<S> {
    route.layer::<_, std::convert::Infallible>(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(
                move |_: tower::BoxError| async move { overloaded() },
            ))
            .load_shed()
            .concurrency_limit(INTAKE_CONCURRENCY)
            .timeout(Duration::from_secs(60)),
    )
}

/// 503 with `Retry-After`, for forwarders to back off and resend (intake is idempotent).
fn overloaded() -> axum::response::Response {
    let mut res = crate::http::api_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        "Casefile is busy ingesting; retry this request shortly.",
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    res
}

/// Who a token belongs to.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WhoAmI {
    /// `token` for API tokens.
    kind: &'static str,
    name: String,
    scopes: Vec<String>,
}

/// Every REST error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// invalid, unauthenticated, forbidden, not_found, conflict, too_large, overloaded, internal.
    code: String,
    /// A sentence a person can act on.
    message: String,
}

/// Who the credentials belong to: lets an integrator check a token before wiring it up.
#[utoipa::path(get, path = "/api/whoami", responses(
    (status = 200, body = WhoAmI),
    (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
))]
pub async fn whoami(ApiActor(actor): ApiActor) -> Json<WhoAmI> {
    let (kind, scopes) = match &actor.principal {
        Principal::Token { scopes, .. } => ("token", scopes.clone()),
        Principal::User { .. } => ("user", Vec::new()),
        Principal::System { .. } => ("system", Vec::new()),
    };
    Json(WhoAmI {
        kind,
        name: actor.label(),
        scopes,
    })
}
