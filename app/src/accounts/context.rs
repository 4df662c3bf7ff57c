//! How a server function's request becomes an [`Actor`]: the platform, the session and the
//! client address of the request, and the signed-in actor they give.

use tower_sessions::Session;

use super::service;
use crate::platform::{Actor, Error, Platform, Result, actor::ClientIp};

/// What a server function needs to act on behalf of its caller.
pub struct RequestCtx {
    pub platform: Platform,
    pub session: Session,
    pub ip: Option<String>,
}

/// The platform, session and client address of the current server-function request.
pub async fn request() -> Result<RequestCtx> {
    let platform = Platform::from_context()?;
    let session = leptos_axum::extract::<Session>()
        .await
        .map_err(|e| Error::internal(format!("session layer missing: {e}")))?;
    let ip = leptos_axum::extract::<axum::Extension<ClientIp>>()
        .await
        .ok()
        .map(|e| e.0.0);
    Ok(RequestCtx {
        platform,
        session,
        ip,
    })
}

/// The signed-in actor of the current server-function request, or `Unauthenticated`.
pub async fn current_actor() -> Result<(Platform, Actor)> {
    let ctx = request().await?;
    let actor = service::actor_from_session(&ctx.platform, &ctx.session, ctx.ip).await?;
    Ok((ctx.platform, actor))
}
