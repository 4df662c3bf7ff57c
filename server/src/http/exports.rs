//! Downloads for auditors and other tools: the audit log (JSONL, CSV), the alert and case
//! lists (CSV), case bundles (zip), STIX 2.1 bundles and the dashboard's charts (CSV). Each
//! streams; the services check rights and record the export on the audit log before the
//! first byte.

use std::collections::HashMap;

use app::{
    alerts::QueueFilter,
    audit::AuditFilter,
    cases::{CaseFilter, service as cases},
    dashboard::{ChartId, PeriodQuery, service as dashboard},
    exports::service::{self as exports, Export},
    platform::{Error, Platform},
};
use axum::{
    Extension, Router,
    body::Body,
    extract::{Path, Query},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;

use super::{
    browser::BrowserActor, evidence::content_disposition, rest::ApiError, security::FromOurPages,
};

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/audit/export.jsonl", get(audit_jsonl))
        .route("/audit/export.csv", get(audit_csv))
        .route("/cases/export.csv", get(cases_csv))
        .route("/alerts/export.csv", get(alerts_csv))
        .route("/cases/{number}/bundle.zip", get(case_bundle))
        .route("/cases/{number}/stix.json", get(case_stix))
        .route("/dashboard/{chart}", get(dashboard_csv))
}

/// The response for an export: streamed body, attachment name, never cached.
pub fn attachment(e: Export) -> Response {
    let mut res = Body::from_stream(e.body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(e.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&e.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

fn respond(result: Result<Export, Error>) -> Response {
    match result {
        Ok(e) => attachment(e),
        Err(e) => ApiError(e).into_response(),
    }
}

async fn audit_jsonl(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Query(filter): Query<AuditFilter>,
) -> Response {
    respond(exports::audit_log(&p, &actor, &filter, false).await)
}

async fn audit_csv(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Query(filter): Query<AuditFilter>,
) -> Response {
    respond(exports::audit_log(&p, &actor, &filter, true).await)
}

async fn cases_csv(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let filter = CaseFilter::from_page_query(|k| q.get(k).cloned());
    respond(exports::cases_csv(&p, &actor, filter).await)
}

async fn alerts_csv(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let filter = QueueFilter::from_page_query(|k| q.get(k).cloned());
    respond(exports::alerts_csv(&p, &actor, filter).await)
}

#[derive(Deserialize)]
struct BundleOptions {
    /// `1` to include the evidence files.
    #[serde(default)]
    evidence: Option<String>,
}

async fn case_bundle(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Path(number): Path<String>,
    Query(o): Query<BundleOptions>,
) -> Response {
    let with_evidence = matches!(o.evidence.as_deref(), Some("1" | "true" | "on"));
    let result = async {
        let case = cases::find(&p, &actor, &number).await?;
        exports::case_bundle(&p, &actor, case.case_id, with_evidence).await
    };
    respond(result.await)
}

async fn case_stix(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Path(number): Path<String>,
) -> Response {
    let result = async {
        let case = cases::find(&p, &actor, &number).await?;
        exports::stix(&p, &actor, case.case_id).await
    };
    respond(result.await)
}

/// `/dashboard/{chart}.csv`: one dashboard chart's figures for the period.
async fn dashboard_csv(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    _: FromOurPages,
    Path(file): Path<String>,
    Query(period): Query<PeriodQuery>,
) -> Response {
    let id = file
        .strip_suffix(".csv")
        .ok_or_else(|| format!("There is no dashboard download called \u{201c}{file}\u{201d}."))
        .and_then(ChartId::parse)
        .map_err(Error::not_found);
    match id {
        Ok(id) => respond(dashboard::chart_csv(&p, &actor, &period, id).await),
        Err(e) => ApiError(e).into_response(),
    }
}
