//! The browsable API reference at `/api/docs`: Swagger UI, its files vendored in the
//! `utoipa-swagger-ui` crate and served from here (no CDN), reading `/api/openapi.json`.

use axum::Router;
use utoipa_swagger_ui::SwaggerUi;

pub fn routes<S: Clone + Send + Sync + 'static>(doc: utoipa::openapi::OpenApi) -> Router<S> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", doc))
}
