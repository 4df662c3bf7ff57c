//! Auditors' page views are sensitive reads: every page an auditor opens is recorded on the
//! audit log (path and query), after it was served.

use app::{
    accounts::{roles::Role, service::actor_from_session},
    audit::service::record_read,
    platform::{Platform, actor::ClientIp},
};
use axum::{extract::Request, http::Method, middleware::Next, response::Response};
use tower_sessions::Session;

/// Paths that are not pages: data calls, streams, files and assets.
fn is_page(path: &str) -> bool {
    const NOT_PAGES: [&str; 6] = ["/rpc/", "/api/", "/live/", "/pkg/", "/healthz", "/thehive/"];
    !NOT_PAGES.iter().any(|p| path.starts_with(p))
        && !path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

pub async fn auditor_page_views(req: Request, next: Next) -> Response {
    let page = req.method() == Method::GET && is_page(req.uri().path());
    if !page {
        return next.run(req).await;
    }
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let platform = req.extensions().get::<Platform>().cloned();
    let session = req.extensions().get::<Session>().cloned();
    let ip = req.extensions().get::<ClientIp>().map(|c| c.0.clone());
    let res = next.run(req).await;
    if let (true, Some(p), Some(session)) = (res.status().is_success(), platform, session)
        && let Ok(actor) = actor_from_session(&p, &session, ip).await
        && actor.role() == Some(Role::Auditor)
        && let Err(e) = record_read(
            &p,
            &actor,
            "page.viewed",
            "page",
            Some(target),
            serde_json::json!({}),
        )
        .await
    {
        tracing::error!(error = %e, "recording an auditor's page view failed");
    }
    res
}
