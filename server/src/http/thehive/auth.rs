//! Authentication for the TheHive API: `Authorization: Bearer <Casefile API token>` or HTTP
//! Basic with a Casefile account, and errors in TheHive's `{"type", "message"}` shape.

use app::{
    accounts::service,
    platform::{Actor, Error, Platform, actor::ClientIp, secrets::Secret},
};
use axum::{
    Json,
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use base64::Engine as _;

/// The authenticated caller of a TheHive API request.
pub struct HiveActor(pub Actor);

/// A failure, answered as TheHive answers it.
pub struct HiveError(pub Error);

impl From<Error> for HiveError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

/// TheHive's error body with `status`.
pub fn hive_error(status: StatusCode, kind: &str, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "type": kind, "message": message.into() });
    (status, Json(body)).into_response()
}

impl IntoResponse for HiveError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let kind = match &self.0 {
            Error::Unauthenticated | Error::BadCredentials => "AuthenticationError",
            Error::Forbidden(_) => "AuthorizationError",
            Error::NotFound(_) => "NotFoundError",
            Error::Invalid(_) => "BadRequest",
            Error::Conflict(_) => "ConflictError",
            Error::TooManyRequests { .. } => "TooManyRequests",
            _ => "InternalError",
        };
        let mut res = hive_error(status, kind, self.0.public_message());
        if let Error::TooManyRequests {
            retry_after_secs, ..
        } = &self.0
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        // No Basic challenge: a browser answering one caches the credentials and replays them
        // on every later request to this origin, cross-site form posts included.
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"casefile\""),
            );
        }
        res
    }
}

impl<S: Send + Sync> FromRequestParts<S> for HiveActor {
    type Rejection = HiveError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let platform = parts
            .extensions
            .get::<Platform>()
            .cloned()
            .ok_or_else(|| Error::internal("platform extension missing"))?;
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0.clone());
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(Error::Unauthenticated)?;
        let (scheme, credentials) = value.split_once(' ').ok_or(Error::Unauthenticated)?;
        let actor = match scheme.to_ascii_lowercase().as_str() {
            "bearer" => service::actor_from_token(&platform, credentials.trim(), ip).await?,
            "basic" => {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(credentials.trim())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or(Error::BadCredentials)?;
                let (user, password) = decoded.split_once(':').ok_or(Error::BadCredentials)?;
                service::actor_from_password(&platform, ip, user, Secret::new(password)).await?
            }
            _ => return Err(Error::Unauthenticated.into()),
        };
        Ok(Self(actor))
    }
}
