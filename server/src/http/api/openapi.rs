//! The OpenAPI document of the REST API, served at `/api/openapi.json`; generated from the
//! handlers' annotations and the request and response types, so it follows the code.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use super::alerts;

#[derive(OpenApi)]
#[openapi(
    info(title = "Casefile REST API", description = "Alert intake and machine access. Authenticate with `Authorization: Bearer <API token>`."),
    paths(alerts::post_alerts, super::whoami),
    components(schemas(
        app::alerts::AlertInput,
        app::alerts::ObservableInput,
        app::alerts::IngestOutcome,
        alerts::BatchResult,
        alerts::ItemResult,
        super::WhoAmI,
        super::ErrorBody,
        super::ErrorDetail,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
