//! Authentication for the REST API: `Authorization: Bearer <API token>`. Browser sessions are
//! not accepted here, so the API has no ambient credentials to forge.

use app::{
    accounts::service,
    platform::{Actor, Error, Platform, actor::ClientIp},
};
use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};

/// The authenticated caller of an API request.
pub struct ApiActor(pub Actor);

/// An API failure as `{"error": {"code", "message"}}` with its status.
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = crate::http::api_error(status, self.0.code(), self.0.public_message());
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let platform = parts
            .extensions
            .get::<Platform>()
            .cloned()
            .ok_or_else(|| Error::internal("platform extension missing"))?;
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0.clone());
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or(Error::Unauthenticated)?;
        Ok(Self(
            service::actor_from_token(&platform, token.trim(), ip).await?,
        ))
    }
}
