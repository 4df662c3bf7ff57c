//! `GET /healthz`: 200 when the database answers, 503 when it does not.

use app::platform::Platform;
use axum::{Extension, http::StatusCode};

pub async fn healthz(Extension(platform): Extension<Platform>) -> (StatusCode, &'static str) {
    match platform.db.ping().await {
        true => (StatusCode::OK, "ok\n"),
        false => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n"),
    }
}
