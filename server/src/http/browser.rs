//! Authentication for plain HTTP routes the pages use outside server functions (live updates,
//! evidence upload and download): the signed-in session, as server functions see it.

use app::{
    accounts::service::actor_from_session,
    platform::{Actor, Error, Platform, actor::ClientIp},
};
use axum::{extract::FromRequestParts, http::request::Parts};
use tower_sessions::Session;

use super::rest::ApiError;

/// The signed-in person making the request; 401 (JSON) without a valid session.
pub struct BrowserActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for BrowserActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let platform = parts
            .extensions
            .get::<Platform>()
            .cloned()
            .ok_or_else(|| Error::internal("platform extension missing"))?;
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0.clone());
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| Error::internal("session layer missing"))?;
        Ok(Self(actor_from_session(&platform, &session, ip).await?))
    }
}
