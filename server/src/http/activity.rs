//! Activity keeps a signed-in session alive: each request (but for static files) may push the
//! session's idle expiry back, before the handler runs so a streamed page renews it too.

use app::{accounts::session::renew_on_activity, platform::Platform};
use axum::{extract::Request, middleware::Next, response::Response};
use tower_sessions::Session;

pub async fn renew_sessions(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let asset = path.starts_with("/pkg/") || path == "/favicon.ico" || path == "/healthz";
    if !asset
        && let (Some(p), Some(session)) = (
            req.extensions().get::<Platform>(),
            req.extensions().get::<Session>(),
        )
        && let Err(e) = renew_on_activity(session, p.settings.idle_timeout).await
    {
        tracing::warn!(error = %e, "renewing a session failed");
    }
    next.run(req).await
}
