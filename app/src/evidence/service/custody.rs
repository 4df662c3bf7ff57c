//! Custody changes people make: transfer, receipt, sealing, and disposal with a manager's
//! approval (never while the case is on legal hold).

use serde_json::json;

use super::{
    Step, custody_event, ensure_not_disposed, evidence_audit, load_item, lock_item, to_item,
};
use crate::evidence::{
    CustodyAction, CustodyInput, EvidenceItem, content,
    store::{self, CustodyState, ItemRow},
};
use crate::{
    cases::EventKind,
    journal::{Change, Happened},
    platform::{Actor, Error, Platform, Result, clock::Millis},
    roles::Permission,
    validate::{optional, parse_when, required},
};

fn when(input: &CustodyInput, now: Millis) -> Result<Millis> {
    let at = parse_when("When", &input.occurred_at, input.utc_offset_minutes)
        .map_err(Error::Invalid)?
        .unwrap_or(now);
    if at > now {
        return Err(Error::invalid(
            "\u{201c}When\u{201d} is in the future; a custody event records what already happened.",
        ));
    }
    Ok(at)
}

/// What a manual custody change does to the item.
struct CustodyChange {
    action: CustodyAction,
    at: Millis,
    from: Option<String>,
    to: Option<String>,
    reason: String,
    detail: serde_json::Value,
    /// The item's custody state afterwards.
    custodian: String,
    sealed: bool,
    disposal: &'static str,
    disposal_requested_by_user_id: Option<i64>,
    summary: String,
    audit_action: &'static str,
}

impl CustodyChange {
    /// A change that leaves the item's state as it is; callers set what they change.
    fn on(item: &ItemRow, action: CustodyAction, at: Millis, reason: &str) -> Self {
        Self {
            action,
            at,
            from: None,
            to: None,
            reason: reason.to_owned(),
            detail: json!({}),
            custodian: item.custodian.clone(),
            sealed: item.sealed != 0,
            disposal: match item.disposal.as_str() {
                "requested" => "requested",
                _ => "none",
            },
            disposal_requested_by_user_id: item.disposal_requested_by_user_id,
            summary: String::new(),
            audit_action: "",
        }
    }
}

/// Runs one manual custody change: lock the item, let `decide` check the rules and say what
/// changes, then write the state, the custody event, the timeline entry and the audit row.
async fn change_custody<F>(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    permission: Permission,
    decide: F,
) -> Result<EvidenceItem>
where
    F: FnOnce(&ItemRow, bool, Millis) -> Result<CustodyChange>,
{
    actor.require(permission)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let item = lock_item(ch.tx(), evidence_id).await?;
    ensure_not_disposed(&item)?;
    let case = ch.lock_case(item.case_id).await?;
    let c = decide(&item, case.legal_hold != 0, now)?;
    store::set_custody_state(
        ch.tx(),
        evidence_id,
        &CustodyState {
            custodian: &c.custodian,
            sealed: c.sealed,
            disposal: c.disposal,
            disposal_requested_by_user_id: c.disposal_requested_by_user_id,
        },
    )
    .await?;
    let detail = json!({
        "action": c.action.as_str(), "from": c.from, "to": c.to, "reason": c.reason,
        "occurred_at": c.at,
        "before": { "custodian": item.custodian, "sealed": item.sealed != 0,
            "disposal": item.disposal },
        "after": { "custodian": c.custodian, "sealed": c.sealed, "disposal": c.disposal },
    });
    custody_event(
        ch.tx(),
        actor,
        now,
        &item,
        Step {
            action: c.action,
            at: c.at,
            from: c.from.as_deref(),
            to: c.to.as_deref(),
            reason: &c.reason,
            detail: c.detail,
        },
    )
    .await?;
    ch.record(
        item.case_id,
        Happened {
            kind: EventKind::EvidenceCustody,
            at: c.at,
            summary: &c.summary,
            detail: json!({ "evidence_id": evidence_id }),
        },
    )
    .await?;
    ch.audit(evidence_audit(c.audit_action, evidence_id, detail))
        .await?;
    ch.commit().await?;
    to_item(load_item(p, evidence_id).await?)
}

/// Hands the item to another person or organisation; the reason is required.
pub async fn transfer(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    input: &CustodyInput,
) -> Result<EvidenceItem> {
    let to = required("To", &input.party, 200)
        .map_err(|_| Error::invalid("Say who receives the item (a person, team or laboratory)."))?;
    let reason = required("Reason", &input.reason, 2000)
        .map_err(|_| Error::invalid("Give the reason for the transfer."))?;
    let at = when(input, p.clock.now())?;
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, _, _| {
            if item.custodian == to {
                return Err(Error::conflict(format!(
                    "{} is already in the custody of {to}.",
                    item.file_name
                )));
            }
            Ok(CustodyChange {
                summary: format!(
                    "Custody of {} transferred from {} to {to}: {reason}",
                    item.file_name, item.custodian
                ),
                from: Some(item.custodian.clone()),
                to: Some(to.clone()),
                custodian: to,
                audit_action: "evidence.transfer",
                ..CustodyChange::on(item, CustodyAction::Transferred, at, &reason)
            })
        },
    )
    .await
}

/// Records that the acting person took receipt of the item from `party` (by default, its
/// current custodian).
pub async fn receive(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    input: &CustodyInput,
) -> Result<EvidenceItem> {
    let from = optional("From", &input.party, 200).map_err(Error::Invalid)?;
    let note = optional("Note", &input.reason, 2000).map_err(Error::Invalid)?;
    let at = when(input, p.clock.now())?;
    let me = actor.label();
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, _, _| {
            let from = if from.is_empty() {
                item.custodian.clone()
            } else {
                from
            };
            let reason = if note.is_empty() { "Received" } else { &note };
            Ok(CustodyChange {
                summary: format!("{me} received {} from {from}", item.file_name),
                from: Some(from),
                to: Some(me.clone()),
                custodian: me.clone(),
                audit_action: "evidence.receive",
                ..CustodyChange::on(item, CustodyAction::Received, at, reason)
            })
        },
    )
    .await
}

/// Seals the item (no downloads until it is unsealed) or breaks the seal, with a reason.
pub async fn set_sealed(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    sealed: bool,
    reason: &str,
) -> Result<EvidenceItem> {
    let reason = required("Reason", reason, 2000).map_err(|_| {
        Error::invalid(if sealed {
            "Give the reason for sealing (e.g. the seal number or the matter)."
        } else {
            "Give the reason for breaking the seal."
        })
    })?;
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, _, now| {
            if (item.sealed != 0) == sealed {
                return Err(Error::conflict(format!(
                    "{} is {} sealed.",
                    item.file_name,
                    if sealed { "already" } else { "not" }
                )));
            }
            let (action, verb, audit_action) = if sealed {
                (CustodyAction::Sealed, "sealed", "evidence.seal")
            } else {
                (CustodyAction::Unsealed, "unsealed", "evidence.unseal")
            };
            Ok(CustodyChange {
                summary: format!("{} {verb}: {reason}", item.file_name),
                sealed,
                audit_action,
                ..CustodyChange::on(item, action, now, &reason)
            })
        },
    )
    .await
}

fn ensure_no_hold(item: &ItemRow, held: bool) -> Result<()> {
    if held {
        return Err(Error::conflict(format!(
            "Case {} is on legal hold: none of its evidence may be disposed of until a manager lifts the hold.",
            item.case_number
        )));
    }
    Ok(())
}

/// Asks for the item to be disposed of; a manager other than the requester must approve.
pub async fn request_disposal(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    reason: &str,
) -> Result<EvidenceItem> {
    let reason = required("Reason", reason, 2000).map_err(|_| {
        Error::invalid("Give the reason for disposal (e.g. the retention period has ended).")
    })?;
    let requester = actor.user_id();
    change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceCustody,
        |item, held, now| {
            ensure_no_hold(item, held)?;
            if item.disposal == "requested" {
                return Err(Error::conflict(format!(
                    "Disposal of {} is already awaiting a manager's decision.",
                    item.file_name
                )));
            }
            Ok(CustodyChange {
                summary: format!("Disposal of {} requested: {reason}", item.file_name),
                disposal: "requested",
                disposal_requested_by_user_id: requester,
                audit_action: "evidence.disposal_request",
                ..CustodyChange::on(item, CustodyAction::DisposalRequested, now, &reason)
            })
        },
    )
    .await
}

/// A manager approves (the item is disposed of and its content deleted, unless another item
/// holds the same content) or rejects a pending disposal, with a reason.
pub async fn decide_disposal(
    p: &Platform,
    actor: &Actor,
    evidence_id: i64,
    approve: bool,
    reason: &str,
) -> Result<EvidenceItem> {
    let reason = required("Reason", reason, 2000)
        .map_err(|_| Error::invalid("Give the reason for your decision."))?;
    let approver = actor.user_id();
    let item = change_custody(
        p,
        actor,
        evidence_id,
        Permission::EvidenceDisposeApprove,
        |item, held, now| {
            if item.disposal != "requested" {
                return Err(Error::conflict(format!(
                    "No disposal of {} is awaiting a decision.",
                    item.file_name
                )));
            }
            if approve {
                ensure_no_hold(item, held)?;
            }
            if approver.is_some() && approver == item.disposal_requested_by_user_id {
                return Err(Error::forbidden(
                    "You asked for this disposal; another manager must decide on it.",
                ));
            }
            let (action, summary, disposal, audit_action) = if approve {
                (
                    CustodyAction::Disposed,
                    format!("{} disposed of: {reason}", item.file_name),
                    "disposed",
                    "evidence.dispose",
                )
            } else {
                (
                    CustodyAction::DisposalRejected,
                    format!("Disposal of {} rejected: {reason}", item.file_name),
                    "none",
                    "evidence.disposal_reject",
                )
            };
            Ok(CustodyChange {
                summary,
                disposal,
                disposal_requested_by_user_id: None,
                detail: json!({ "requested_by_user_id": item.disposal_requested_by_user_id }),
                audit_action,
                ..CustodyChange::on(item, action, now, &reason)
            })
        },
    )
    .await?;
    if approve {
        content::release(p, &item.sha256).await?;
    }
    Ok(item)
}
