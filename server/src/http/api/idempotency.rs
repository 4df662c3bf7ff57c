//! `Idempotency-Key` on the REST API's creates: a retry of the same request gets the first
//! answer again (marked `Idempotent-Replayed: true`) instead of creating a second record.

use std::future::Future;

use app::{
    accounts::idempotency::{self, Claim},
    platform::{Actor, Error, Platform},
};
use axum::{
    Json,
    extract::OriginalUri,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::http::rest::ApiError;

pub const HEADER: &str = "idempotency-key";

/// Runs `create` once per key: without the header it simply runs; with it, a repeat of the
/// same request (path and body) answers what the first one did, and the key used for a
/// different request is refused.
pub async fn run_once<T: Serialize>(
    p: &Platform,
    actor: &Actor,
    headers: &HeaderMap,
    uri: &OriginalUri,
    request: &impl Serialize,
    create: impl Future<Output = Result<(StatusCode, T), Error>>,
) -> Result<Response, ApiError> {
    let key = match headers.get(HEADER).map(|v| v.to_str()) {
        None => return Ok(respond(create.await?)),
        Some(Ok(k)) => k.to_owned(),
        Some(Err(_)) => {
            return Err(Error::invalid("`Idempotency-Key` must be printable text.").into());
        }
    };
    let token_id = actor
        .token_id()
        .ok_or_else(|| Error::internal("idempotency key without a token"))?;
    let hash = {
        let mut h = Sha256::new();
        h.update(uri.0.path().as_bytes());
        h.update([0]);
        h.update(serde_json::to_vec(request).unwrap_or_default());
        hex::encode(h.finalize())
    };
    match idempotency::claim(p, token_id, &key, &hash).await? {
        Claim::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut res = (status, body).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(res)
        }
        Claim::Run => match create.await {
            Ok((status, value)) => {
                let body = serde_json::to_string(&value)
                    .map_err(|e| Error::internal(format!("encoding an answer: {e}")))?;
                idempotency::finish(p, token_id, &key, status.as_u16(), &body).await?;
                let mut res = (status, body).into_response();
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                Ok(res)
            }
            Err(e) => {
                idempotency::release(p, token_id, &key).await?;
                Err(e.into())
            }
        },
    }
}

fn respond<T: Serialize>((status, value): (StatusCode, T)) -> Response {
    (status, Json(value)).into_response()
}
