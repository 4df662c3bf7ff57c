//! Evidence over HTTP: streamed multipart uploads, verified downloads, and the printable chain
//! of custody form. Pages use the session routes; integrations use the same handlers under
//! `/api/` with a bearer token (scopes `evidence:write`, `evidence:read`).

use app::{
    evidence::{
        EvidenceItem, EvidenceMeta, EvidenceRecord, human_size,
        service::{self, Packaging},
    },
    platform::{Actor, Error, Platform},
};
use askama::Template;
use axum::{
    Extension, Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, Multipart, Path, Query, multipart::Field},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware,
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouterExt as _},
    routes,
};

use super::{
    browser::BrowserActor,
    rest::{ApiActor, ApiError},
    security::FromOurPages,
};

/// Multipart framing and metadata fields on top of the file itself.
const ENVELOPE_BYTES: u64 = 1 << 20;
/// Longest metadata field accepted (the description is the longest).
const MAX_FIELD_BYTES: usize = 16 * 1024;

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/cases/{number}/evidence",
            post(upload_from_page)
                .layer(DefaultBodyLimit::disable())
                .layer(middleware::map_response(close_after_refusal)),
        )
        .route("/evidence/{id}/download", get(download_from_page))
        .route("/evidence/{id}/custody-form", get(custody_form))
}

/// The evidence routes of the REST API (`/api/…`), with their OpenAPI descriptions.
pub fn api_routes<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new()
        .routes(routes!(upload_from_api).map(|r| {
            r.layer(DefaultBodyLimit::disable())
                .layer(middleware::map_response(close_after_refusal))
        }))
        .routes(routes!(download_from_api))
        .routes(routes!(record_from_api))
}

/// A refused upload is answered before its body has been read; the connection then cannot
/// carry another request, so the client is told not to reuse it (instead of finding out with a
/// reset on its next request).
async fn close_after_refusal(mut res: Response) -> Response {
    if !res.status().is_success() {
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

async fn upload_from_page(
    Extension(p): Extension<Platform>,
    actor: Result<BrowserActor, ApiError>,
    Path(number): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let actor = actor.map(|a| a.0).map_err(|e| e.0);
    upload(p, actor, number, headers, multipart).await
}

/// An upload as `multipart/form-data`: the metadata fields first, then the part `file`.
#[derive(utoipa::ToSchema)]
#[allow(
    dead_code,
    reason = "describes the multipart form for the OpenAPI document"
)]
struct UploadForm {
    /// Defaults to the file part's own name.
    file_name: Option<String>,
    /// `disk_image`, `memory_dump`, `pcap`, `log`, `email`, `malware_sample`, `screenshot`,
    /// `document` or `other`.
    kind: String,
    description: Option<String>,
    /// The host or person it was taken from.
    collected_from: Option<String>,
    /// When it was acquired (local time read with `utc_offset_minutes`, or RFC 3339).
    acquired_at: Option<String>,
    collected_by: Option<String>,
    utc_offset_minutes: Option<i32>,
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// Uploads evidence to a case, streamed: its SHA-256, SHA-1 and MD5 are computed on the way
/// in and its chain of custody starts with the uploader.
#[utoipa::path(post, path = "/api/cases/{number}/evidence", tag = "evidence",
    security(("bearer" = ["evidence:write"])),
    params(("number" = String, Path, description = "The case number or id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = EvidenceItem),
        (status = 400, body = super::rest::ErrorBody), (status = 401, body = super::rest::ErrorBody),
        (status = 403, body = super::rest::ErrorBody), (status = 404, body = super::rest::ErrorBody),
        (status = 413, description = "Over the configured evidence size limit", body = super::rest::ErrorBody),
    ))]
async fn upload_from_api(
    Extension(p): Extension<Platform>,
    actor: Result<ApiActor, ApiError>,
    Path(number): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // Who is asking is answered before what was sent: no token is a 401 whatever the body.
    let actor = match actor {
        Ok(a) => a.0,
        Err(e) => return e.into_response(),
    };
    match multipart {
        Ok(multipart) => upload(p, Ok(actor), number, headers, multipart).await,
        Err(e) => ApiError(Error::invalid(format!(
            "Send the evidence as multipart/form-data ({e})."
        )))
        .into_response(),
    }
}

/// Answers an upload. A refusal (credentials, permission, input, size) is sent after reading
/// what the client still sends for a few seconds, so it reads the answer instead of a broken
/// pipe; a declared length over the limit is refused at once.
async fn upload(
    p: Platform,
    actor: Result<Actor, Error>,
    number: String,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > p.locker.max_bytes() + ENVELOPE_BYTES) {
        return ApiError(p.locker.too_large()).into_response();
    }
    let stored = match actor {
        Ok(actor) => store_upload(&p, &actor, &number, &mut multipart).await,
        Err(e) => Err(e),
    };
    match stored {
        Ok(item) => (StatusCode::CREATED, Json(item)).into_response(),
        Err(e) => {
            drain_briefly(&mut multipart).await;
            ApiError(e).into_response()
        }
    }
}

/// Reads the metadata fields, then streams the `file` part into the locker. Metadata must come
/// before the file (browsers and `curl -F` send parts in the order given).
async fn store_upload(
    p: &Platform,
    actor: &Actor,
    number: &str,
    multipart: &mut Multipart,
) -> Result<EvidenceItem, Error> {
    let mut meta = EvidenceMeta::default();
    while let Some(field) = multipart.next_field().await.map_err(bad_multipart)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if meta.file_name.trim().is_empty() {
                meta.file_name = field.file_name().unwrap_or_default().to_owned();
            }
            return service::upload(p, actor, number, &meta, Box::pin(field)).await;
        }
        let value = small_text(field).await?;
        match name.as_str() {
            "file_name" => meta.file_name = value,
            "kind" => meta.kind = value,
            "description" => meta.description = value,
            "collected_from" => meta.collected_from = value,
            "acquired_at" => meta.acquired_at = value,
            "collected_by" => meta.collected_by = value,
            "utc_offset_minutes" => {
                meta.utc_offset_minutes = match value.trim().parse() {
                    Ok(m) if (-1080..=1080).contains(&m) => m,
                    _ => {
                        return Err(Error::invalid(
                            "utc_offset_minutes must be a whole number of minutes between -1080 and 1080.",
                        ));
                    }
                }
            }
            other => {
                return Err(Error::invalid(format!(
                    "Unknown form field \u{201c}{other}\u{201d}. Send file_name, kind, description, collected_from, acquired_at, collected_by, utc_offset_minutes, then file."
                )));
            }
        }
    }
    Err(Error::invalid(
        "No file in the upload: send it as the multipart part named \u{201c}file\u{201d}, after the other fields.",
    ))
}

/// Reads and discards what the client is still sending, for a few seconds at most, so it
/// receives the refusal instead of a connection reset in the middle of its upload.
async fn drain_briefly(multipart: &mut Multipart) {
    let drain = async {
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), drain).await;
}

/// A metadata field's text, refusing anything longer than a description could be.
async fn small_text(mut field: Field<'_>) -> Result<String, Error> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| Error::invalid(format!("The upload could not be read: {e}")))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(Error::invalid(format!(
                "The field \u{201c}{name}\u{201d} is too long."
            )));
        }
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::invalid(format!(
            "The field \u{201c}{name}\u{201d} is not UTF-8 text."
        ))
    })
}

fn bad_multipart(e: axum::extract::multipart::MultipartError) -> Error {
    Error::invalid(format!(
        "The upload could not be read as multipart/form-data ({e}); nothing was stored."
    ))
}

#[derive(Deserialize)]
struct DownloadQuery {
    /// `zip` for a malware sample in an encrypted zip (password `infected`).
    format: Option<String>,
}

impl DownloadQuery {
    fn packaging(&self) -> Result<Packaging, Error> {
        match self.format.as_deref() {
            None | Some("") | Some("original") => Ok(Packaging::Original),
            Some("zip") => Ok(Packaging::MalwareZip),
            Some(other) => Err(Error::invalid(format!(
                "Unknown download format \u{201c}{other}\u{201d}: use original or zip."
            ))),
        }
    }
}

/// A download writes to the chain of custody, so it must start from our own pages
/// ([`FromOurPages`]).
async fn download_from_page(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Path(id): Path<i64>,
    Query(q): Query<DownloadQuery>,
) -> Response {
    download(p, actor, id, q).await
}

/// Downloads an item's content after checking its hashes (recorded on its chain of
/// custody); `format=zip` packs a malware sample in an encrypted zip (password `infected`).
#[utoipa::path(get, path = "/api/evidence/{id}/download", tag = "evidence",
    security(("bearer" = ["evidence:read"])),
    params(("id" = i64, Path, description = "The evidence id"),
        ("format" = Option<String>, Query, description = "`original` (default) or `zip`")),
    responses(
        (status = 200, description = "The content", content_type = "application/octet-stream"),
        (status = 400, body = super::rest::ErrorBody), (status = 401, body = super::rest::ErrorBody),
        (status = 403, body = super::rest::ErrorBody), (status = 404, body = super::rest::ErrorBody),
        (status = 409, description = "Disposed of, or its content no longer matches its hashes", body = super::rest::ErrorBody),
    ))]
async fn download_from_api(
    Extension(p): Extension<Platform>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<DownloadQuery>,
) -> Response {
    download(p, actor, id, q).await
}

async fn download(p: Platform, actor: Actor, id: i64, q: DownloadQuery) -> Response {
    let packaging = match q.packaging() {
        Ok(k) => k,
        Err(e) => return ApiError(e).into_response(),
    };
    let d = match service::download(&p, &actor, id, packaging).await {
        Ok(d) => d,
        Err(e) => return ApiError(e).into_response(),
    };
    let mut res = Body::from_stream(d.body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&d.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.len));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `attachment` with an ASCII fallback name and the exact name in RFC 5987 form, so the
/// browser always saves and never renders, whatever the name contains.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

/// One item with its whole chain of custody.
#[utoipa::path(get, path = "/api/evidence/{id}", tag = "evidence",
    security(("bearer" = ["evidence:read"])),
    params(("id" = i64, Path, description = "The evidence id")),
    responses(
        (status = 200, body = EvidenceRecord),
        (status = 401, body = super::rest::ErrorBody), (status = 403, body = super::rest::ErrorBody),
        (status = 404, body = super::rest::ErrorBody),
    ))]
async fn record_from_api(
    Extension(p): Extension<Platform>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> Result<Json<EvidenceRecord>, ApiError> {
    Ok(Json(service::record_of(&p, &actor, id).await?))
}

/// One line of the printed chain of custody.
struct CustodyLine {
    n: usize,
    when: String,
    action: &'static str,
    from: String,
    to: String,
    reason: String,
    recorded: String,
}

#[derive(Template)]
#[template(path = "custody_form.html")]
struct CustodyForm {
    r: EvidenceRecord,
    size: String,
    acquired: String,
    uploaded: String,
    lines: Vec<CustodyLine>,
    printed_at: String,
    printed_by: String,
}

async fn custody_form(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    Path(id): Path<i64>,
) -> Response {
    let r = match service::record_of(&p, &actor, id).await {
        Ok(r) => r,
        Err(e) => return ApiError(e).into_response(),
    };
    let utc = app::components::utc;
    let lines = r
        .custody
        .iter()
        .enumerate()
        .map(|(i, e)| CustodyLine {
            n: i + 1,
            when: utc(e.occurred_at),
            action: e.action.label(),
            from: e.from_party.clone().unwrap_or_default(),
            to: e.to_party.clone().unwrap_or_default(),
            reason: e.reason.clone(),
            recorded: format!(
                "{} at {}{}",
                e.recorded_by,
                utc(e.recorded_at),
                e.recorded_from_ip
                    .as_deref()
                    .map(|ip| format!(" from {ip}"))
                    .unwrap_or_default()
            ),
        })
        .collect();
    let form = CustodyForm {
        size: format!(
            "{} ({} bytes)",
            human_size(r.item.size_bytes),
            r.item.size_bytes
        ),
        acquired: r
            .item
            .acquired_at
            .map(utc)
            .unwrap_or_else(|| "not recorded".into()),
        uploaded: utc(r.item.uploaded_at),
        lines,
        printed_at: utc(p.clock.now()),
        printed_by: actor.label(),
        r,
    };
    match form.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError(Error::internal(format!("custody form: {e}"))).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_attachments_whatever_the_name() {
        assert_eq!(
            content_disposition("mem dump.raw"),
            "attachment; filename=\"mem dump.raw\"; filename*=UTF-8''mem%20dump%2Eraw"
        );
        let tricky = content_disposition("a\"b;c\u{e9}.exe");
        assert!(tricky.starts_with("attachment; filename=\"a_b_c_.exe\""));
        assert!(tricky.contains("%22") && tricky.contains("%C3%A9"));
    }
}
