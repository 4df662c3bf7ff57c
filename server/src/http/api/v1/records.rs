//! `/api/v1/` for what is read and kept: incident reports (every format, under a TLP
//! ceiling), search, evidence lists, the audit log (filtered, paged, verified) and the shift
//! handover board.

use app::{
    audit::{AuditFilter, ChainReport, service as audit},
    cases::service as cases,
    evidence::service as evidence,
    handover::service as handover,
    search::{SearchQuery, service as search},
};
use axum::{
    Json,
    extract::{OriginalUri, Path, Query},
    http::StatusCode,
    response::Response,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::views::{AuditEntryView, EvidenceView, HandoverView, SearchHitView};
use crate::{
    http::{
        api::conventions::{ApiJson, CursorQuery, Page, V1Actor, id_cursor},
        rest::{ApiError, ErrorBody},
    },
    render::Format,
};
use app::platform::Error;

#[derive(Deserialize, IntoParams)]
pub struct ReportQuery {
    /// `html`, `md`, `json` or `pdf` (default `pdf`).
    format: Option<String>,
    /// The TLP ceiling: `clear`, `green`, `amber`, `amber+strict` or `red`; content marked
    /// above it is left out. The caller's full view when left out.
    tlp: Option<String>,
}

/// A case's incident report; its SHA-256 is in `X-Content-SHA256` and on the audit log.
#[utoipa::path(get, path = "/cases/{case}/report", tag = "reports",
    security(("bearer" = ["reports:read"])),
    params(("case" = String, Path, description = "The case number or id"), ReportQuery),
    responses(
        (status = 200, description = "The report in the format asked for", content(
            ("application/pdf"), ("text/html"), ("text/markdown"),
            // Abbreviated: the case, its review, timeline, observables, evidence, tasks and
            // tier moves follow as in the other formats.
            ("application/json", example = json!({"generated_at": 1796634000000i64, "generated_by": "mona",
                "timeline_truncated": false, "observables_withheld": 2})))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn report(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let format = match q.format.as_deref().map(str::trim) {
        None | Some("") => Format::Pdf,
        Some(f) => Format::parse(f)
            .ok_or_else(|| Error::invalid("`format` must be html, md, json or pdf."))?,
    };
    Ok(crate::http::reports::generate(&p, &actor, &reference, q.tlp.as_deref(), format).await?)
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words; every word must match (stemmed).
    q: String,
    /// `open`, `closed`, or any when left out.
    status: Option<String>,
    /// `case`, `event` or `observable`, or any when left out.
    kind: Option<String>,
}

/// The best matches.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"hits": [{"case": "CF-2026-000042", "title": "Phishing: invoice lure to finance", "status": "investigating", "kind": "observable", "ref_id": 77, "snippet": "invoices-example.test"}], "more": false}))]
pub struct SearchResultsView {
    hits: Vec<SearchHitView>,
    /// More matched than were returned: narrow the words.
    more: bool,
}

/// Full-text search over cases, timeline entries and observables, best first.
#[utoipa::path(get, path = "/search", tag = "search", params(SearchParams),
    security(("bearer" = ["cases:read"])),
    responses(
        (status = 200, body = SearchResultsView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn search_cases(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<SearchParams>,
) -> Result<Json<SearchResultsView>, ApiError> {
    let query = SearchQuery {
        q: q.q,
        status: q.status,
        kind: q.kind,
    };
    let found = search::search(&p, &actor, &query).await?;
    Ok(Json(SearchResultsView {
        hits: found.hits.into_iter().map(Into::into).collect(),
        more: found.more,
    }))
}

/// A case's evidence in upload order. Upload with `POST /api/cases/{case}/evidence`;
/// `GET /api/evidence/{id}` gives one item with its chain of custody.
#[utoipa::path(get, path = "/cases/{case}/evidence", tag = "evidence",
    security(("bearer" = ["evidence:read"])),
    params(("case" = String, Path, description = "The case number or id"), CursorQuery),
    responses(
        (status = 200, body = Page<EvidenceView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn list_evidence(
    V1Actor(actor, p): V1Actor,
    Path(reference): Path<String>,
    Query(q): Query<CursorQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<EvidenceView>>, ApiError> {
    let case = cases::find(&p, &actor, &reference).await?;
    let items = evidence::list(&p, &actor, case.case_id, id_cursor(q.cursor.as_deref())?).await?;
    let next = (items.len() as i64 >= evidence::PAGE)
        .then(|| items.last().map(|e| e.evidence_id.to_string()))
        .flatten();
    Ok(Json(Page::new(
        items.into_iter().map(Into::into).collect(),
        next,
        &uri,
    )))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Exact actor: `alice`, `token:splunk`, `alice via token:soar`, `system:sla`.
    actor: Option<String>,
    /// An action (`case.escalated`) or a prefix of one (`case`).
    action: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    /// First and last UTC day, `YYYY-MM-DD`, inclusive.
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

/// The audit log, newest first, filtered.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = ["audit:read"])),
    responses(
        (status = 200, body = Page<AuditEntryView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn audit_log(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<AuditQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    let filter = AuditFilter {
        actor: q.actor,
        action: q.action,
        object_type: q.object_type,
        object_id: q.object_id,
        from: q.from,
        to: q.to,
    };
    let page = audit::log(&p, &actor, &filter, id_cursor(q.cursor.as_deref())?).await?;
    Ok(Json(Page::new(
        page.entries.into_iter().map(Into::into).collect(),
        page.next_before.map(|s| s.to_string()),
        &uri,
    )))
}

/// What a verification of the whole audit log found.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"intact": true, "entries_checked": 1207, "head_seq": 1207, "checkpoints_checked": 12, "trusted_key": "8430e3477c693112124e81123dd40342cee2e9ccf4e029c2dc2c9b92406d5860", "problem_seq": null, "problem": null}))]
pub struct VerificationView {
    /// Every entry's hash chains to the one before and every checkpoint's signature holds.
    intact: bool,
    entries_checked: i64,
    head_seq: i64,
    checkpoints_checked: i64,
    /// The checkpoint key (hex) signatures were checked against; `null` when none is set.
    trusted_key: Option<String>,
    /// The first entry found bad, and what is wrong with it.
    problem_seq: Option<i64>,
    problem: Option<String>,
}

impl From<ChainReport> for VerificationView {
    fn from(r: ChainReport) -> Self {
        Self {
            intact: r.is_intact(),
            entries_checked: r.entries_checked,
            head_seq: r.head_seq,
            checkpoints_checked: r.checkpoints_checked,
            trusted_key: r.trusted_key,
            problem_seq: r.problem.as_ref().map(|p| p.seq),
            problem: r.problem.map(|p| p.message),
        }
    }
}

/// Verifies the whole hash chain and the signed checkpoints (the run is itself audited).
#[utoipa::path(post, path = "/audit/verify", tag = "audit",
    security(("bearer" = ["audit:read"])),
    responses(
        (status = 200, body = VerificationView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn verify_audit(V1Actor(actor, p): V1Actor) -> Result<Json<VerificationView>, ApiError> {
    Ok(Json(audit::verify(&p, &actor).await?.into()))
}

/// The handover board: handovers waiting for acknowledgement and a page of history.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"waiting": [], "history": [{"id": 9, "shift": "day", "shift_start": "2026-12-07T07:00:00Z", "shift_end": "2026-12-07T19:00:00Z", "notes": "CF-2026-000042 waiting on the mail team.", "written_by": "tara", "written_at": "2026-12-07T18:50:00Z", "acknowledged_by": "otto", "acknowledged_at": "2026-12-07T19:02:00Z"}], "next_cursor": null}))]
pub struct BoardView {
    waiting: Vec<HandoverView>,
    history: Vec<HandoverView>,
    next_cursor: Option<String>,
}

/// The shift handover board.
#[utoipa::path(get, path = "/handovers", tag = "handover", params(CursorQuery),
    security(("bearer" = ["handover:read"])),
    responses(
        (status = 200, body = BoardView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn board(
    V1Actor(actor, p): V1Actor,
    Query(q): Query<CursorQuery>,
) -> Result<Json<BoardView>, ApiError> {
    let b = handover::board(&p, &actor, id_cursor(q.cursor.as_deref())?).await?;
    Ok(Json(BoardView {
        waiting: b.waiting.into_iter().map(Into::into).collect(),
        history: b.history.into_iter().map(Into::into).collect(),
        next_cursor: b.next.map(|n| n.to_string()),
    }))
}

/// A handover's notes; the shift's summary is filled in by Casefile.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct HandoverBody {
    #[schema(example = "CF-2026-000042 waits on the mail team; watch for more invoice lures.")]
    notes: String,
}

/// Writes the handover of the shift under way (as the token's account).
#[utoipa::path(post, path = "/handovers", tag = "handover",
    security(("bearer" = ["handover:write"])),
    request_body = HandoverBody,
    responses(
        (status = 201, body = HandoverView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn write_handover(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<HandoverBody>,
) -> Result<(StatusCode, Json<HandoverView>), ApiError> {
    let h = handover::write(&p, &actor, &body.notes).await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

/// Acknowledges a handover (as the token's account).
#[utoipa::path(post, path = "/handovers/{id}/acknowledge", tag = "handover",
    security(("bearer" = ["handover:write"])),
    params(("id" = i64, Path, description = "The handover id")),
    responses(
        (status = 200, body = HandoverView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn acknowledge_handover(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
) -> Result<Json<HandoverView>, ApiError> {
    Ok(Json(handover::acknowledge(&p, &actor, id).await?.into()))
}
