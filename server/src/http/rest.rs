//! What every REST answer shares: the caller authenticated by `Authorization: Bearer <API
//! token>` (browser sessions are not accepted, so the API has no ambient credentials to
//! forge) and the one JSON error shape. Below the API and the download routes that use them.

use app::{
    accounts::service,
    platform::{Actor, Error, Platform, actor::ClientIp},
};
use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use serde::Serialize;

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
        let message = self.0.public_message();
        let mut res = api_error_with_field(
            status,
            self.0.code(),
            field_named_in(&message),
            message.clone(),
        );
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        if let Error::TooManyRequests {
            retry_after_secs, ..
        } = &self.0
            && let Ok(v) = header::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// The field a validation message is about: messages name it first in backticks
/// (`` `title` is required. ``), and serde's say "missing field `title`".
fn field_named_in(message: &str) -> Option<String> {
    let quoted = |s: &str| {
        let rest = s.split_once('`')?.1;
        let name = rest.split_once('`')?.0;
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '-'));
        plain.then(|| name.to_owned())
    };
    if message.starts_with('`') {
        return quoted(message);
    }
    ["missing field `", "unknown field `"]
        .iter()
        .find_map(|marker| {
            let at = message.find(marker)?;
            quoted(&message[at + marker.len() - 1..])
        })
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

/// The REST error body: `{"error": {"code": "...", "message": "..."}}`.
pub fn api_error(
    status: axum::http::StatusCode,
    code: &str,
    message: impl Into<String>,
) -> axum::response::Response {
    api_error_with_field(status, code, None, message)
}

/// The REST error body naming the request field it is about:
/// `{"error": {"code": "invalid", "message": "...", "field": "title"}}`.
pub fn api_error_with_field(
    status: axum::http::StatusCode,
    code: &str,
    field: Option<String>,
    message: impl Into<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let mut error = serde_json::json!({ "code": code, "message": message.into() });
    if let Some(field) = field {
        error["field"] = field.into();
    }
    (status, axum::Json(serde_json::json!({ "error": error }))).into_response()
}

/// Every REST error: `{"error": {"code": "...", "message": "...", "field": "..."}}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// invalid, unauthenticated, forbidden, not_found, conflict, too_large,
    /// too_many_requests, overloaded, internal.
    #[schema(example = "invalid")]
    code: String,
    /// A sentence a person can act on.
    #[schema(example = "`title` is required.")]
    message: String,
    /// The request field the error is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "title")]
    field: Option<String>,
}

impl ErrorDetail {
    pub fn new(code: &str, message: String) -> Self {
        Self {
            code: code.into(),
            message,
            field: None,
        }
    }
}
