//! The REST API for machines (`/api/…`): alert intake, evidence transfer, and the native API
//! under `/api/v1/`; token authentication, JSON errors, and the OpenAPI document of them all.

mod alerts;
pub mod conventions;
mod docs;
pub mod idempotency;
pub mod openapi;
pub mod v1;

use std::time::Duration;

use axum::{
    Json, Router,
    error_handling::HandleErrorLayer,
    http::{HeaderValue, StatusCode, header},
    routing::MethodRouter,
};
use serde::Serialize;
use tower::ServiceBuilder;
use utoipa::OpenApi as _;
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt as _},
    routes,
};

use crate::http::rest::{ApiActor, ErrorBody};

use app::platform::actor::Principal;

/// Intake requests handled at once; more are refused with 503 rather than queued without bound.
const INTAKE_CONCURRENCY: usize = 32;

/// Every documented API route, with the document built from them.
pub fn documented<S: Clone + Send + Sync + 'static>() -> (Router<S>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(whoami))
        // The handler reads the body within its own limit.
        .routes(routes!(alerts::post_alerts).map(|r| limit_intake(r, overloaded)))
        .merge(crate::http::evidence::api_routes())
        .nest("/api/v1", v1::routes())
        .split_for_parts()
}

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let (routes, doc) = documented();
    routes
        // Serves the document at /api/openapi.json too.
        .merge(docs::routes(doc))
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
}

/// An unknown `/api/` path: the API's error shape, not a page.
async fn not_found() -> axum::response::Response {
    crate::http::rest::api_error(
        StatusCode::NOT_FOUND,
        "not_found",
        "There is no such API route; the OpenAPI document at /api/openapi.json lists them.",
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
    let mut res = crate::http::rest::api_error(
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
#[schema(example = json!({"kind": "token", "name": "tines-phishing", "scopes": ["cases:write", "cases:tiers"], "acts_for": "tara"}))]
pub struct WhoAmI {
    /// `token` for API tokens.
    kind: &'static str,
    name: String,
    scopes: Vec<String>,
    /// The account the token acts for, if any.
    acts_for: Option<String>,
}

/// Who the credentials belong to: lets an integrator check a token before wiring it up.
#[utoipa::path(get, path = "/api/whoami", tag = "intake",
    security(("bearer" = [])), responses(
    (status = 200, body = WhoAmI),
    (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
))]
pub async fn whoami(ApiActor(actor): ApiActor) -> Json<WhoAmI> {
    let (kind, scopes, acts_for) = match &actor.principal {
        Principal::Token {
            scopes, acts_for, ..
        } => (
            "token",
            scopes.clone(),
            acts_for.as_ref().map(|a| a.username.clone()),
        ),
        Principal::User { .. } => ("user", Vec::new(), None),
        Principal::System { .. } => ("system", Vec::new(), None),
    };
    Json(WhoAmI {
        kind,
        name: actor.label(),
        scopes,
        acts_for,
    })
}
