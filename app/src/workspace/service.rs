//! Reading the case page: the case and everything recorded about it, in one call (the page's
//! server function and the case benchmark use it).

use serde_json::json;

use super::CaseWorkspaceData;
use crate::{
    cases::{TimelineFilter, service as cases},
    platform::{Actor, Platform, Result},
    roles::Permission,
};

/// Everything the case page shows, in one call (the page's server function and the bench use it).
pub async fn workspace(
    p: &Platform,
    actor: &Actor,
    number: &str,
    filter: &TimelineFilter,
    after: Option<(i64, i64)>,
) -> Result<CaseWorkspaceData> {
    let case = cases::find(p, actor, number).await?;
    let detail = json!({ "view": "case", "number": case.number, "after": after });
    crate::audit::service::record_auditor_view(
        p,
        actor,
        "case",
        Some(case.case_id.to_string()),
        detail,
    )
    .await?;
    let (timeline, timeline_next) = cases::timeline(p, actor, case.case_id, filter, after).await?;
    let evidence = match actor.require(Permission::EvidenceRead) {
        Ok(()) => crate::evidence::service::list(p, actor, case.case_id, None).await?,
        Err(_) => Vec::new(),
    };
    let tier = crate::tiers::service::panel(p, actor, &case).await?;
    let fields = crate::fields::service::definitions(p, actor)
        .await?
        .into_iter()
        .filter(|d| d.on_cases && !d.retired)
        .collect();
    Ok(CaseWorkspaceData {
        fields,
        field_values: crate::fields::service::case_values(p, actor, case.case_id).await?,
        tier,
        evidence,
        can_upload_evidence: actor.require(Permission::EvidenceUpload).is_ok(),
        evidence_max_bytes: p.locker.max_bytes(),
        can_set_legal_hold: actor.require(Permission::CaseLegalHold).is_ok(),
        can_edit: actor.require(Permission::CaseEdit).is_ok(),
        observables: cases::observables(p, actor, case.case_id).await?,
        tasks: cases::tasks(p, actor, case.case_id).await?,
        techniques: cases::techniques(p, actor, case.case_id).await?,
        related: cases::related(p, actor, case.case_id).await?,
        playbooks: crate::playbooks::service::list(p, actor)
            .await?
            .into_iter()
            .map(|pb| (pb.playbook_id, pb.name))
            .collect(),
        timeline,
        timeline_next,
        case,
    })
}
