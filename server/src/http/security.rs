//! The layer every request passes first: it decides the client address, refuses cross-origin
//! state changes (CSRF), and sets the security headers, including a per-request CSP nonce.

use std::net::SocketAddr;

use app::platform::{
    actor::{ClientIp, CspNonce},
    secrets::random_urlsafe,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::Response,
};

#[derive(Clone, Debug)]
pub struct Policy {
    /// `scheme://host[:port]` people use to reach Casefile.
    pub public_origin: String,
    pub trust_proxy_headers: bool,
}

pub async fn guard(State(policy): State<Policy>, mut req: Request, next: Next) -> Response {
    if let Some(ip) = client_ip(&policy, &req) {
        req.extensions_mut().insert(ClientIp(ip));
    }
    // The REST API under /api/ authenticates only by bearer token, never by the session cookie,
    // so a forged cross-site request there carries no credentials; it answers 401 itself.
    let cookie_authenticated = !req.uri().path().starts_with("/api/");
    if cookie_authenticated
        && let Err(message) = check_same_origin(&policy, req.method(), req.headers())
    {
        tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-origin request refused");
        return super::api_error(StatusCode::FORBIDDEN, "cross_origin", message);
    }
    let nonce = random_urlsafe(16);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    set_security_headers(res.headers_mut(), &nonce);
    res
}

fn client_ip(policy: &Policy, req: &Request) -> Option<String> {
    if policy.trust_proxy_headers {
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// CSRF defence without tokens: a state-changing request must come from our own pages.
/// Browsers send `Sec-Fetch-Site` (modern) and `Origin` (all, on POST); a page on another site
/// cannot forge either. Requests that authenticate with an `Authorization` header (API tokens,
/// HTTP Basic from scripts) carry no ambient credentials and are exempt.
pub fn check_same_origin(
    policy: &Policy,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), &'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        || headers.contains_key(header::AUTHORIZATION)
    {
        return Ok(());
    }
    let refused = "Cross-site request refused: this change must be made from Casefile's own pages.";
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(refused),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Err(
            "Request refused: a change needs an Origin header (sent by every browser) or an API token.",
        );
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    if origin == policy.public_origin || (!host.is_empty() && origin_host == host) {
        Ok(())
    } else {
        Err(refused)
    }
}

fn set_security_headers(h: &mut HeaderMap, nonce: &str) {
    // 'wasm-unsafe-eval' lets the page compile its own wasm; it does not allow eval() of JS.
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    // Case data must not linger in shared or browser caches; assets set their own policy.
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            public_origin: "https://casefile.example.org".into(),
            trust_proxy_headers: false,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reads_and_token_calls_pass_without_origin() {
        assert!(check_same_origin(&policy(), &Method::GET, &headers(&[])).is_ok());
        assert!(
            check_same_origin(
                &policy(),
                &Method::POST,
                &headers(&[("authorization", "Bearer cf_x")])
            )
            .is_ok()
        );
    }

    #[test]
    fn a_post_from_another_site_is_refused() {
        let h = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ]);
        assert!(check_same_origin(&policy(), &Method::POST, &h).is_err());
        let h = headers(&[
            ("origin", "https://evil.example"),
            ("host", "casefile.example.org"),
        ]);
        assert!(check_same_origin(&policy(), &Method::POST, &h).is_err());
    }

    #[test]
    fn a_post_from_our_own_pages_passes() {
        let h = headers(&[("sec-fetch-site", "same-origin")]);
        assert!(check_same_origin(&policy(), &Method::POST, &h).is_ok());
        let h = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(check_same_origin(&policy(), &Method::POST, &h).is_ok());
        let h = headers(&[
            ("origin", "https://casefile.example.org"),
            ("host", "10.0.0.5:3000"),
        ]);
        assert!(check_same_origin(&policy(), &Method::POST, &h).is_ok());
    }

    #[test]
    fn a_post_with_neither_header_is_refused() {
        assert!(check_same_origin(&policy(), &Method::POST, &headers(&[])).is_err());
    }
}
