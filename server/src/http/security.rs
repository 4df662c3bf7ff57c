//! The layer every request passes first: it decides the client address, refuses cross-origin
//! state changes (CSRF), and sets the security headers, including a per-request CSP nonce.

use std::net::{IpAddr, SocketAddr};

use app::platform::{
    actor::{ClientIp, CspNonce},
    secrets::random_urlsafe,
};
use axum::{
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts},
    middleware::Next,
    response::Response,
};

#[derive(Clone, Debug)]
pub struct Policy {
    /// `scheme://host[:port]` people use to reach Casefile.
    pub public_origin: String,
    /// Reverse proxies in front of Casefile whose X-Forwarded-For entries are believed.
    pub trusted_proxies: usize,
}

pub async fn guard(State(policy): State<Policy>, mut req: Request, next: Next) -> Response {
    match client_ip(&policy, &req) {
        Ok(Some(ip)) => {
            req.extensions_mut().insert(ClientIp(ip.to_string()));
        }
        Ok(None) => {}
        Err(message) => {
            tracing::warn!(
                path = req.uri().path(),
                "unreadable X-Forwarded-For refused"
            );
            return super::rest::api_error(StatusCode::BAD_REQUEST, "bad_forwarded_for", message);
        }
    }
    // The REST API under /api/ authenticates by bearer token, never by the session cookie, so
    // a forged cross-site request there carries no credentials; it answers 401 itself. TheHive's
    // routes at /api/ also take HTTP Basic, which a browser may replay: those are checked.
    let exempt = req.uri().path().starts_with("/api/") && !basic_authorization(req.headers());
    if !exempt && let Err(message) = check_same_origin(&policy, req.method(), req.headers()) {
        tracing::warn!(method = %req.method(), path = req.uri().path(), "cross-origin request refused");
        return super::rest::api_error(StatusCode::FORBIDDEN, "cross_origin", message);
    }
    let nonce = random_urlsafe(16);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    req.extensions_mut().insert(policy.clone());
    let mut res = next.run(req).await;
    set_security_headers(res.headers_mut(), &nonce);
    res
}

fn basic_authorization(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
}

/// The client's address: the peer's, or, behind `trusted_proxies` reverse proxies, the
/// X-Forwarded-For entry that many from the right. Each proxy appends the address it was
/// reached from, so only the right-most entries were written by proxies we run; everything to
/// their left is the client's to invent. An entry that is not an IP address is refused.
fn client_ip(policy: &Policy, req: &Request) -> Result<Option<IpAddr>, String> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if policy.trusted_proxies == 0 {
        return Ok(peer);
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| {
            v.to_str()
                .map_err(|_| "X-Forwarded-For is not readable text.".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    // Fewer entries than proxies: the request skipped one; the left-most is the best known.
    let Some(entry) = entries
        .len()
        .checked_sub(policy.trusted_proxies)
        .and_then(|i| entries.get(i))
        .or(entries.first())
    else {
        return Ok(peer);
    };
    parse_forwarded(entry).map(Some).ok_or_else(|| {
        format!(
            "X-Forwarded-For entry \u{201c}{}\u{201d} is not an IP address.",
            entry.chars().take(60).collect::<String>()
        )
    })
}

/// An X-Forwarded-For entry: an address, optionally with a port (`203.0.113.7:4711`,
/// `[2001:db8::1]:4711`).
fn parse_forwarded(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// CSRF defence without tokens: a state-changing request must come from our own pages.
/// Browsers send `Sec-Fetch-Site` (modern) and `Origin` (all, on POST); a page on another site
/// cannot forge either. A bearer token is never sent by a browser on its own, so requests
/// carrying one are exempt. HTTP Basic is: a browser that once signed in with it replays it on
/// a cross-site form post, so Basic passes only from clients that are not browsers (no
/// `Sec-Fetch-Site` and no `Origin`: scripts and integrations) or from our own origin.
pub fn check_same_origin(
    policy: &Policy,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), &'static str> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let bearer = authorization.is_some_and(|v| {
        v.split_once(' ')
            .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
    });
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) || bearer {
        return Ok(());
    }
    let from_browser =
        headers.contains_key("sec-fetch-site") || headers.contains_key(header::ORIGIN);
    if authorization.is_some() && !from_browser {
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

/// Guards a GET that writes (an export or download records itself on the audit log and the
/// chain of custody): another site must not be able to trigger one in the signed-in person's
/// name with a link or an `<img>`, which carry the session cookie. `Sec-Fetch-Site` must say
/// the request came from our own pages or from the person (a bookmark, a typed address);
/// without it, `Origin` or `Referer` must name our origin.
pub struct FromOurPages;

impl<S: Send + Sync> FromRequestParts<S> for FromOurPages {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let policy = parts.extensions.get::<Policy>();
        match policy.map(|policy| check_navigation(policy, &parts.headers)) {
            Some(Ok(())) => Ok(Self),
            Some(Err(message)) => {
                tracing::warn!(path = parts.uri.path(), "cross-site download refused");
                Err(super::rest::api_error(
                    StatusCode::FORBIDDEN,
                    "cross_origin",
                    message,
                ))
            }
            None => Err(super::rest::api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The request could not be checked.",
            )),
        }
    }
}

/// The rule of [`FromOurPages`].
pub fn check_navigation(policy: &Policy, headers: &HeaderMap) -> Result<(), &'static str> {
    let refused = "Refused: downloads and exports start from Casefile's own pages (open this link from Casefile).";
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return match site {
            "same-origin" | "none" => Ok(()),
            _ => Err(refused),
        };
    }
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok())
        .ok_or(refused)?;
    let origin_of = |url: &str| -> String {
        match url.split_once("://") {
            Some((scheme, rest)) => {
                format!(
                    "{scheme}://{}",
                    rest.split(['/', '?', '#']).next().unwrap_or("")
                )
            }
            None => String::new(),
        }
    };
    let claimed = origin_of(claimed);
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let same_host = !host.is_empty() && claimed.split_once("://").is_some_and(|(_, h)| h == host);
    if claimed == policy.public_origin || same_host {
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
            trusted_proxies: 0,
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
    fn basic_credentials_a_browser_replays_cross_site_are_refused() {
        let h = headers(&[
            ("authorization", "Basic YWxpY2U6cHc="),
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ]);
        assert!(check_same_origin(&policy(), &Method::POST, &h).is_err());
        let h = headers(&[
            ("authorization", "Basic YWxpY2U6cHc="),
            ("origin", "https://evil.example"),
        ]);
        assert!(check_same_origin(&policy(), &Method::POST, &h).is_err());
        let script = headers(&[("authorization", "Basic YWxpY2U6cHc=")]);
        assert!(check_same_origin(&policy(), &Method::POST, &script).is_ok());
        let bearer = headers(&[
            ("authorization", "bearer cf_x"),
            ("sec-fetch-site", "cross-site"),
        ]);
        assert!(check_same_origin(&policy(), &Method::POST, &bearer).is_ok());
    }

    fn request(forwarded: &[&'static str]) -> Request {
        let mut b = Request::builder().uri("/");
        for v in forwarded {
            b = b.header("x-forwarded-for", *v);
        }
        let mut r = b.body(axum::body::Body::empty()).unwrap();
        r.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 5000))));
        r
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_addresses_are_read_from_the_right_by_trusted_hops() {
        let one = Policy {
            trusted_proxies: 1,
            ..policy()
        };
        let two = Policy {
            trusted_proxies: 2,
            ..policy()
        };
        // The client wrote 1.2.3.4; our proxy appended the address it saw.
        let forged = request(&["1.2.3.4, 203.0.113.7"]);
        assert_eq!(client_ip(&one, &forged).unwrap(), ip("203.0.113.7"));
        assert_eq!(
            client_ip(&policy(), &forged).unwrap(),
            ip("10.0.0.1"),
            "0 hops: the peer"
        );
        let chain = request(&["1.2.3.4, 203.0.113.7, 10.0.0.2"]);
        assert_eq!(client_ip(&two, &chain).unwrap(), ip("203.0.113.7"));
        let lines = request(&["1.2.3.4", "[2001:db8::7]:4711"]);
        assert_eq!(client_ip(&one, &lines).unwrap(), ip("2001:db8::7"));
        assert_eq!(client_ip(&one, &request(&[])).unwrap(), ip("10.0.0.1"));
        let junk = request(&["1.2.3.4, <script>"]);
        assert!(
            client_ip(&one, &junk)
                .unwrap_err()
                .contains("not an IP address")
        );
    }

    #[test]
    fn downloads_start_only_from_our_pages_or_the_person() {
        let ok = |pairs: &[(&'static str, &'static str)]| {
            check_navigation(&policy(), &headers(pairs)).is_ok()
        };
        assert!(ok(&[("sec-fetch-site", "same-origin")]));
        assert!(
            ok(&[("sec-fetch-site", "none")]),
            "a bookmark or typed address"
        );
        assert!(!ok(&[("sec-fetch-site", "cross-site")]));
        assert!(!ok(&[("sec-fetch-site", "same-site")]));
        assert!(!ok(&[]), "no header at all is not taken as safe");
        assert!(ok(&[("referer", "https://casefile.example.org/cases/C-1")]));
        assert!(!ok(&[(
            "referer",
            "https://casefile.example.org.evil.example/x"
        )]));
        assert!(ok(&[
            ("referer", "http://10.0.0.5:3000/cases/C-1"),
            ("host", "10.0.0.5:3000")
        ]));
        assert!(!ok(&[
            ("origin", "https://evil.example"),
            ("host", "casefile.example.org")
        ]));
    }

    #[test]
    fn a_post_with_neither_header_is_refused() {
        assert!(check_same_origin(&policy(), &Method::POST, &headers(&[])).is_err());
    }
}
