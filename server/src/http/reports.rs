//! Incident report downloads: `/cases/{number}/report.{html,md,json,pdf}?tlp=amber`. The
//! report is assembled by the service with the viewer's rights, rendered here, and its SHA-256
//! recorded on the audit log before it is sent.

use app::{
    cases::service as cases,
    platform::{Actor, Error, Platform},
    reports::{TlpCeiling, service as reports},
};
use axum::{
    Extension, Router,
    extract::{Path, Query},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::{
    browser::BrowserActor, evidence::content_disposition, rest::ApiError, security::FromOurPages,
};
use crate::render::{Format, render};

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut r = Router::new();
    for format in [Format::Html, Format::Markdown, Format::Json, Format::Pdf] {
        r = r.route(
            &format!("/cases/{{number}}/report.{}", format.extension()),
            get(move |p, a, o, n, q| report(p, a, o, n, q, format)),
        );
    }
    r
}

#[derive(Deserialize)]
struct Options {
    #[serde(default)]
    tlp: Option<String>,
}

async fn report(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Path(number): Path<String>,
    Query(o): Query<Options>,
    format: Format,
) -> Response {
    match generate(&p, &actor, &number, o.tlp.as_deref(), format).await {
        Ok(res) => res,
        Err(e) => ApiError(e).into_response(),
    }
}

/// Builds a case's report under the TLP ceiling (`clear`, `green`, `amber`, `amber+strict`,
/// `red`; the viewer's full view when empty), records its SHA-256 on the audit log and answers
/// it as a download (HTML inline). Pages and the REST API both serve reports through this.
pub async fn generate(
    p: &Platform,
    actor: &Actor,
    reference: &str,
    tlp: Option<&str>,
    format: Format,
) -> Result<Response, Error> {
    let ceiling = TlpCeiling::parse(tlp.unwrap_or("")).map_err(Error::Invalid)?;
    let case = cases::find(p, actor, reference).await?;
    let report = reports::build(p, actor, case.case_id, ceiling).await?;
    let bytes = render(&report, format)
        .map_err(|e| Error::internal(format!("rendering the report: {e}")))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    reports::record_generated(p, actor, &report, format.extension(), &sha256).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if format != Format::Html {
        let name = format!("{}-incident-report.{}", case.number, format.extension());
        if let Ok(v) = HeaderValue::from_str(&content_disposition(&name)) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&sha256) {
        h.insert("x-content-sha256", v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
