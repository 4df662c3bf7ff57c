//! The REST API for machines (`/api/…`): token authentication and JSON errors. Capabilities
//! add their routes here.

mod auth;

use axum::{Json, Router, routing::get};
use serde::Serialize;

pub use auth::ApiActor;

use app::platform::actor::Principal;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/api/whoami", get(whoami))
}

#[derive(Serialize)]
struct WhoAmI {
    kind: &'static str,
    name: String,
    scopes: Vec<String>,
}

/// Who the credentials belong to: lets an integrator check a token before wiring it up.
async fn whoami(ApiActor(actor): ApiActor) -> Json<WhoAmI> {
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
