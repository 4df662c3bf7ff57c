//! How large a server function's request body may be, in one place. Most server functions
//! take a form of a few fields and keep axum's 2 MiB; reading a pasted e-mail takes up to
//! [`MAX_EML_BYTES`] of text, which form encoding can triple (`%0D%0A` for a line break), so
//! that one function's limit is sized to carry any e-mail the page lets through. A request
//! declaring more is answered 413 with what to do, before its body is read.

use app::cases::MAX_EML_BYTES;
use axum::{
    body::Body,
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};
use http_body_util::Limited;

/// The body limit of every server function but the e-mail import.
pub const SERVER_FN_BYTES: usize = 2 << 20;
/// The body limit of the e-mail import: every byte of the e-mail percent-encoded, and the
/// form's other fields.
pub const EML_FORM_BYTES: usize = 3 * MAX_EML_BYTES + (64 << 10);

fn limit_of(path: &str) -> usize {
    match path {
        "/rpc/import_case_eml" => EML_FORM_BYTES,
        _ => SERVER_FN_BYTES,
    }
}

/// Holds a server function's body to its limit: refused at once when the declared length is
/// over it, cut off when a body without one runs past it.
pub async fn server_function_bodies(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/rpc/") {
        return next.run(req).await;
    }
    let limit = limit_of(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        let message = match limit {
            EML_FORM_BYTES => format!(
                "That e-mail is too large to read here (at most {} MB); attach the .eml file as evidence instead.",
                MAX_EML_BYTES >> 20
            ),
            _ => format!(
                "The request is larger than {} MB, more than this form takes; nothing was saved.",
                limit >> 20
            ),
        };
        return super::rest::api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message);
    }
    next.run(req.map(|body| Body::new(Limited::new(body, limit))))
        .await
}
