//! What every REST route shares: JSON bodies that fail with the one error shape, RFC 3339
//! times, keyset pages with a `next` link, case versions as `ETag`/`If-Match`, and per-token
//! request rates.

use std::{num::NonZeroU32, sync::Arc};

use app::platform::{Error, Platform};
use axum::{
    extract::{FromRequest, FromRequestParts, OriginalUri, Request},
    http::{HeaderMap, header, request::Parts},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use utoipa::IntoParams;

use crate::http::rest::{ApiActor, ApiError};

/// Largest JSON body a v1 route reads (evidence has its own streamed upload route).
const MAX_JSON_BYTES: usize = 2 << 20;

/// A JSON request body; anything unreadable is a 400 naming the field where serde can.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let body = crate::http::body::read_within(req.into_body(), MAX_JSON_BYTES, || {
            format!(
                "A request body may be at most {} MiB.",
                MAX_JSON_BYTES >> 20
            )
        })
        .await?;
        // An empty body reads as `{}`: actions whose fields are all optional need none.
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &body
        };
        serde_json::from_slice(body).map(ApiJson).map_err(|e| {
            ApiError(Error::invalid(format!(
                "The body is not valid JSON for this request: {e}."
            )))
        })
    }
}

/// A time as the API writes it: RFC 3339 in UTC with milliseconds.
pub fn at(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

pub fn at_opt(ms: Option<i64>) -> Option<String> {
    ms.map(at)
}

/// Reads an RFC 3339 time sent in `field`.
pub fn parse_at(field: &str, value: &str) -> Result<i64, Error> {
    OffsetDateTime::parse(value.trim(), &Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| {
            Error::invalid(format!(
                "`{field}` must be an RFC 3339 time such as 2026-12-01T09:30:00Z."
            ))
        })
}

/// A time the services read as text (they also take a person's local time): checked as
/// RFC 3339 here, since a machine has no local time to be read in; empty means now.
pub fn checked_time_text(field: &str, value: Option<&str>) -> Result<String, Error> {
    match value {
        Some(t) => {
            parse_at(field, t)?;
            Ok(t.trim().to_owned())
        }
        None => Ok(String::new()),
    }
}

/// One page of a list: the items and, when there are more, the link (and cursor) to the next.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The same request for the next page (filters kept), relative to the server.
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, next_cursor: Option<String>, uri: &OriginalUri) -> Self {
        let next = next_cursor.as_deref().map(|c| next_link(uri, c));
        Self {
            items,
            next_cursor,
            next,
        }
    }
}

/// A list's paging parameter alone.
#[derive(Deserialize, IntoParams)]
pub struct CursorQuery {
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// The answer to a cursor this server did not give out (or gave out for another order).
pub fn bad_cursor() -> Error {
    Error::invalid("`cursor` is not one this server gave out; start from the first page.")
}

/// A cursor that is the last row's id.
pub fn id_cursor(c: Option<&str>) -> Result<Option<i64>, Error> {
    c.map(|c| c.parse().map_err(|_| bad_cursor())).transpose()
}

/// The request's own path and query with `cursor` set to `cursor`.
fn next_link(uri: &OriginalUri, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.0.query().unwrap_or("")).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".into(), cursor.into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", uri.0.path())
}

/// A case's version as an entity tag.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an edit is based on: `If-Match` (an entity tag from a read) or the body's
/// `version`. `None` edits whatever is current.
pub fn expected_version(headers: &HeaderMap, body: Option<i64>) -> Result<Option<i64>, Error> {
    match headers.get(header::IF_MATCH).map(|v| v.to_str()) {
        None => Ok(body),
        Some(Ok(v)) if v.trim() == "*" => Ok(body),
        Some(Ok(v)) => v
            .trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .parse()
            .map(Some)
            .map_err(|_| Error::invalid("`If-Match` must be the ETag of the case, such as \"3\".")),
        Some(Err(_)) => Err(Error::invalid("`If-Match` is not readable text.")),
    }
}

/// Requests each token may make per minute on `/api/v1/`.
#[derive(Clone)]
pub struct RateLimits(Arc<DefaultKeyedRateLimiter<i64>>);

impl RateLimits {
    pub fn per_minute(n: u32) -> Self {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self(Arc::new(RateLimiter::keyed(Quota::per_minute(n))))
    }

    fn check(&self, token_id: i64) -> Result<(), Error> {
        self.0.check_key(&token_id).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            Error::TooManyRequests {
                message: "This token has made too many requests; slow down and retry after the Retry-After seconds.".into(),
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}

/// The caller of a `/api/v1/` route: a bearer token within its request rate.
pub struct V1Actor(pub app::platform::Actor, pub Platform);

impl<S: Send + Sync> FromRequestParts<S> for V1Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ApiActor(actor) = ApiActor::from_request_parts(parts, state).await?;
        if let (Some(limits), Some(token_id)) =
            (parts.extensions.get::<RateLimits>(), actor.token_id())
        {
            limits.check(token_id)?;
        }
        let platform = parts
            .extensions
            .get::<Platform>()
            .cloned()
            .ok_or_else(|| Error::internal("platform extension missing"))?;
        Ok(Self(actor, platform))
    }
}
