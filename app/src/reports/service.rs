//! Report use cases: assembling a case's report (within the TLP ceiling), recording each
//! generated report's hash on the audit log, and saving the post-incident review.

use serde_json::json;

use super::{
    EvidenceLine, IncidentReport, MAX_REPORT_EVENTS, Review, ReviewInput, TlpCeiling,
    redact::Redactor,
    store::{self, ReviewWrite},
    tlp_label,
};
use crate::{
    audit::service::record_read,
    cases::{TimelineFilter, service as cases},
    evidence::service as evidence,
    journal::{Change, NewAuditEvent},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    tiers::service as tiers,
};

/// The case's review, empty when nobody has written one yet.
pub async fn review(p: &Platform, actor: &Actor, case_id: i64) -> Result<Review> {
    actor.require(Permission::ReportRead)?;
    let Some(r) = store::review(&p.db, case_id).await? else {
        return Ok(Review::default());
    };
    Ok(Review {
        action_items: serde_json::from_str(&r.action_items)
            .map_err(|e| Error::internal(format!("review action items: {e}")))?,
        executive_summary: r.executive_summary,
        scope_impact: r.scope_impact,
        what_happened: r.what_happened,
        went_well: r.went_well,
        to_improve: r.to_improve,
        updated_by: Some(r.updated_by),
        updated_at: Some(r.updated_at),
    })
}

/// The review of the case numbered `number`, with its title, as the review page shows it.
pub async fn review_page(p: &Platform, actor: &Actor, number: &str) -> Result<(String, Review)> {
    let case = cases::find(p, actor, number).await?;
    let review = review(p, actor, case.case_id).await?;
    let detail = json!({ "view": "post-incident review", "number": case.number });
    crate::audit::service::record_auditor_view(
        p,
        actor,
        "case",
        Some(case.case_id.to_string()),
        detail,
    )
    .await?;
    Ok((case.title, review))
}

/// Saves the post-incident review (people who edit cases write it), audited with before and
/// after.
pub async fn save_review(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    input: ReviewInput,
) -> Result<Review> {
    actor.require(Permission::CaseEdit)?;
    let checked = Review::check(input).map_err(Error::Invalid)?;
    let case = cases::get(p, actor, case_id).await?;
    let before = review(p, actor, case_id).await?;
    let items =
        serde_json::to_string(&checked.action_items).map_err(|e| Error::internal(e.to_string()))?;
    let now = p.clock.now();
    let label = actor.label();
    let (mut ch, _) = Change::on_case_at(p, actor, now, case_id).await?;
    store::save_review(
        ch.tx(),
        &ReviewWrite {
            case_id,
            executive_summary: &checked.executive_summary,
            scope_impact: &checked.scope_impact,
            what_happened: &checked.what_happened,
            went_well: &checked.went_well,
            to_improve: &checked.to_improve,
            action_items: &items,
            updated_by: &label,
        },
        now,
    )
    .await?;
    ch.audit(NewAuditEvent {
        action: "case.review_updated",
        object_type: "case",
        object_id: Some(case.case_id.to_string()),
        detail: json!({ "number": case.number, "before": before, "after": checked }),
    })
    .await?;
    ch.commit().await?;
    review(p, actor, case_id).await
}

/// Everything the report shows, read with the viewer's rights.
pub async fn build(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    ceiling: TlpCeiling,
) -> Result<IncidentReport> {
    actor.require(Permission::ReportRead)?;
    let case = cases::get(p, actor, case_id).await?;
    let mut timeline = Vec::new();
    let mut after = None;
    let mut truncated = false;
    loop {
        let (events, next) =
            cases::timeline(p, actor, case_id, &TimelineFilter::default(), after).await?;
        timeline.extend(events);
        if timeline.len() >= MAX_REPORT_EVENTS {
            truncated = next.is_some() || timeline.len() > MAX_REPORT_EVENTS;
            timeline.truncate(MAX_REPORT_EVENTS);
            break;
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let all = cases::observables(p, actor, case_id).await?;
    let total = all.len();
    let (observables, withheld): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|o| ceiling.admits(o.tlp));
    let withheld: Vec<(String, &'static str)> = withheld
        .into_iter()
        .map(|o| (o.value, tlp_label(o.tlp)))
        .collect();
    let tasks = cases::tasks(p, actor, case_id).await?;
    let escalations = tiers::escalations(p, actor, case_id).await?;
    let mut evidence_lines = Vec::new();
    let mut after = None;
    loop {
        let page = evidence::list(p, actor, case_id, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.evidence_id);
        for item in page {
            let record = evidence::read_record(p, actor, item.evidence_id).await?;
            let last_custody = record.custody.last().map(|c| {
                let to = c
                    .to_party
                    .as_deref()
                    .map(|t| format!(" to {t}"))
                    .unwrap_or_default();
                format!("{}{to} by {}", c.action.label(), c.recorded_by)
            });
            evidence_lines.push(EvidenceLine {
                custody_events: record.custody.len(),
                last_custody: last_custody.unwrap_or_default(),
                item,
            });
        }
    }
    let report = IncidentReport {
        generated_at: p.clock.now(),
        generated_by: actor.label(),
        tlp_ceiling: ceiling,
        review: review(p, actor, case_id).await?,
        custom_fields: crate::fields::service::case_values(p, actor, case_id).await?,
        timeline,
        timeline_truncated: truncated,
        observables_withheld: total - observables.len(),
        observables,
        evidence: evidence_lines,
        tasks,
        escalations,
        techniques: cases::techniques(p, actor, case_id).await?,
        case,
    };
    // Every field of every format, whatever mentions a withheld value.
    Redactor::new(&withheld)?.report(report)
}

/// Records that a report was generated, with the SHA-256 of exactly what was handed out.
pub async fn record_generated(
    p: &Platform,
    actor: &Actor,
    report: &IncidentReport,
    format: &str,
    sha256: &str,
) -> Result<i64> {
    record_read(
        p,
        actor,
        "report.generated",
        "case",
        Some(report.case.case_id.to_string()),
        json!({ "number": report.case.number, "format": format, "sha256": sha256,
            "tlp_ceiling": report.tlp_ceiling.label() }),
    )
    .await
}
