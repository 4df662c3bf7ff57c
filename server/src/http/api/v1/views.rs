//! What `/api/v1/` answers with: Casefile's records as a machine reads them (RFC 3339 times,
//! no page-only fields). Each view is made from the service's domain type, nothing else.

use app::{
    alerts::{Alert, AlertObservable, AlertStatus, AlertSummary, Verdict},
    audit::AuditEntry,
    cases::{
        Case, CaseObservable, CaseStatus, CaseSummary, CaseTask, ClosureVerdict, TaskStatus,
        TimelineEvent, containment::ContainmentAction,
    },
    evidence::{EvidenceItem, EvidenceKind},
    handover::Handover,
    search::SearchHit,
    severity::Severity,
    sla::{Clock, ClockKind},
    tiers::{Escalation, EscalationState},
    timeline::EventKind,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::api::conventions::{at, at_opt};

/// An alert in the queue.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 4182, "source": "splunk", "rule": "O365 impossible travel", "title": "Impossible travel for j.doe", "severity": "high", "status": "new", "verdict": null, "assignee": null, "occurrence_count": 3, "group_size": 1, "first_seen_at": "2026-12-07T08:14:02Z", "last_seen_at": "2026-12-07T08:31:40Z"}))]
pub struct AlertListItem {
    pub id: i64,
    pub source: String,
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub status: AlertStatus,
    pub verdict: Option<Verdict>,
    pub assignee: Option<String>,
    /// How many times the same alert arrived.
    pub occurrence_count: i64,
    /// Alerts folded into this row by grouping, itself included.
    pub group_size: i64,
    #[schema(format = DateTime)]
    pub first_seen_at: String,
    #[schema(format = DateTime)]
    pub last_seen_at: String,
}

impl From<AlertSummary> for AlertListItem {
    fn from(a: AlertSummary) -> Self {
        Self {
            id: a.alert_id,
            source: a.source,
            rule: a.rule,
            title: a.title,
            severity: a.severity,
            status: a.status,
            verdict: a.verdict,
            assignee: a.assignee,
            occurrence_count: a.occurrence_count,
            group_size: a.group_size,
            first_seen_at: at(a.first_seen_at),
            last_seen_at: at(a.last_seen_at),
        }
    }
}

/// One alert with its observables.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 4182, "alert_type": "external", "source": "splunk", "source_ref": "notable-8f21", "rule": "O365 impossible travel", "title": "Impossible travel for j.doe", "description": "Sign-ins from Lisbon and Singapore 20 minutes apart.", "severity": "high", "tlp": 2, "pap": 2, "tags": ["identity"], "status": "new", "verdict": null, "verdict_reason": null, "assignee": null, "case_id": null, "occurrence_count": 3, "occurred_at": "2026-12-07T08:13:55Z", "first_seen_at": "2026-12-07T08:14:02Z", "last_seen_at": "2026-12-07T08:31:40Z", "created_by": "token:splunk", "observables": [{"type": "ip", "value": "203.0.113.7", "tags": []}]}))]
pub struct AlertView {
    pub id: i64,
    /// The forwarder's kind of alert (`siem`, `edr`, …).
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub rule: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub tlp: i64,
    pub pap: i64,
    pub tags: Vec<String>,
    pub status: AlertStatus,
    pub verdict: Option<Verdict>,
    pub verdict_reason: Option<String>,
    pub assignee: Option<String>,
    /// The case it was escalated or merged into (routes take the id as `{case}`).
    pub case_id: Option<i64>,
    pub occurrence_count: i64,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    #[schema(format = DateTime)]
    pub first_seen_at: String,
    #[schema(format = DateTime)]
    pub last_seen_at: String,
    pub created_by: String,
    pub observables: Vec<AlertObservableView>,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"type": "ip", "value": "203.0.113.7", "tags": ["source"]}))]
pub struct AlertObservableView {
    #[serde(rename = "type")]
    pub data_type: String,
    pub value: String,
    pub tags: Vec<String>,
}

impl AlertView {
    pub fn new(a: Alert, observables: Vec<AlertObservable>) -> Self {
        Self {
            id: a.alert_id,
            alert_type: a.alert_type,
            source: a.source,
            source_ref: a.source_ref,
            rule: a.rule,
            title: a.title,
            description: a.description,
            severity: a.severity,
            tlp: a.tlp,
            pap: a.pap,
            tags: a.tags,
            status: a.status,
            verdict: a.verdict,
            verdict_reason: a.verdict_reason,
            assignee: a.assignee,
            case_id: a.case_id,
            occurrence_count: a.occurrence_count,
            occurred_at: at(a.occurred_at),
            first_seen_at: at(a.first_seen_at),
            last_seen_at: at(a.last_seen_at),
            created_by: a.created_by,
            observables: observables
                .into_iter()
                .map(|o| AlertObservableView {
                    data_type: o.data_type,
                    value: o.value,
                    tags: o.tags,
                })
                .collect(),
        }
    }
}

/// A case in lists.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 42, "number": "CF-2026-000042", "title": "Phishing: invoice lure to finance", "severity": "high", "status": "investigating", "tier": 2, "assignee": "tara", "opened_at": "2026-12-07T08:40:00Z", "updated_at": "2026-12-07T09:12:31Z"}))]
pub struct CaseListItem {
    pub id: i64,
    /// `CF-2026-000123`; routes take it (or the id) as `{case}`.
    pub number: String,
    pub title: String,
    pub severity: Severity,
    pub status: CaseStatus,
    pub tier: i64,
    pub assignee: Option<String>,
    #[schema(format = DateTime)]
    pub opened_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<CaseSummary> for CaseListItem {
    fn from(c: CaseSummary) -> Self {
        Self {
            id: c.case_id,
            number: c.number,
            title: c.title,
            severity: c.severity,
            status: c.status,
            tier: c.tier,
            assignee: c.assignee,
            opened_at: at(c.opened_at),
            updated_at: at(c.updated_at),
        }
    }
}

/// A whole case header. `version` is also its `ETag`; send it back (`If-Match` or `version`)
/// with an edit so a stale edit is refused instead of overwriting someone's change.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 42, "number": "CF-2026-000042", "title": "Phishing: invoice lure to finance", "description": "Three finance users clicked the link.", "severity": "high", "status": "investigating", "tier": 2, "assignee": "tara", "tlp": 2, "pap": 2, "tags": ["phishing"], "detection_source": "user report", "closure_verdict": null, "closure_summary": null, "legal_hold": false, "version": 7, "opened_at": "2026-12-07T08:40:00Z", "closed_at": null, "created_by": "tara", "updated_at": "2026-12-07T09:12:31Z"}))]
pub struct CaseView {
    pub id: i64,
    pub number: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub severity: Severity,
    pub status: CaseStatus,
    pub tier: i64,
    pub assignee: Option<String>,
    pub tlp: i64,
    pub pap: i64,
    pub tags: Vec<String>,
    pub detection_source: String,
    pub closure_verdict: Option<ClosureVerdict>,
    pub closure_summary: Option<String>,
    pub legal_hold: bool,
    pub version: i64,
    #[schema(format = DateTime)]
    pub opened_at: String,
    #[schema(format = DateTime)]
    pub closed_at: Option<String>,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<Case> for CaseView {
    fn from(c: Case) -> Self {
        Self {
            id: c.case_id,
            number: c.number,
            title: c.title,
            description: c.description,
            severity: c.severity,
            status: c.status,
            tier: c.tier,
            assignee: c.assignee,
            tlp: c.tlp,
            pap: c.pap,
            tags: c.tags,
            detection_source: c.detection_source,
            closure_verdict: c.closure_verdict,
            closure_summary: c.closure_summary,
            legal_hold: c.legal_hold,
            version: c.version,
            opened_at: at(c.opened_at),
            closed_at: at_opt(c.closed_at),
            created_by: c.created_by,
            updated_at: at(c.updated_at),
        }
    }
}

/// One timeline entry: when it happened, and when and by whom it was recorded.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 311, "kind": "note", "occurred_at": "2026-12-07T08:52:00Z", "summary": "Note", "body": "Mail purged from 14 mailboxes.", "detail": "{}", "techniques": ["T1566.002"], "tags": ["containment"], "supersedes": null, "superseded_by": null, "recorded_by": "tara", "recorded_at": "2026-12-07T08:55:12Z"}))]
pub struct TimelineEntryView {
    pub id: i64,
    pub kind: EventKind,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    pub summary: String,
    /// A note's Markdown; empty for other kinds.
    pub body: String,
    pub detail: String,
    /// ATT&CK technique ids.
    pub techniques: Vec<String>,
    pub tags: Vec<String>,
    /// The entry this one corrects.
    pub supersedes: Option<i64>,
    /// The correction that replaced this entry; it stays on the timeline.
    pub superseded_by: Option<i64>,
    pub recorded_by: String,
    #[schema(format = DateTime)]
    pub recorded_at: String,
}

impl From<TimelineEvent> for TimelineEntryView {
    fn from(e: TimelineEvent) -> Self {
        Self {
            id: e.event_id,
            kind: e.kind,
            occurred_at: at(e.occurred_at),
            summary: e.summary,
            body: e.body,
            detail: e.detail,
            techniques: e.techniques,
            tags: e.tags,
            supersedes: e.supersedes_event_id,
            superseded_by: e.superseded_by,
            recorded_by: e.recorded_by,
            recorded_at: at(e.recorded_at),
        }
    }
}

/// An observable on a case.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 77, "type": "domain", "value": "invoices-example.test", "description": "Link in the lure", "tags": ["phishing"], "ioc": true, "tlp": 2, "alert_id": null, "watchlist": "Phishing kits", "seen_in_cases": 2, "created_by": "tara", "created_at": "2026-12-07T08:45:10Z"}))]
pub struct ObservableView {
    pub id: i64,
    #[serde(rename = "type")]
    pub data_type: String,
    pub value: String,
    pub description: String,
    pub tags: Vec<String>,
    pub ioc: bool,
    pub tlp: i64,
    /// The alert it arrived with, if any.
    pub alert_id: Option<i64>,
    /// Watchlists the value was on when added.
    pub watchlist: Option<String>,
    /// Other cases holding the same value.
    pub seen_in_cases: i64,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<CaseObservable> for ObservableView {
    fn from(o: CaseObservable) -> Self {
        Self {
            id: o.case_observable_id,
            data_type: o.data_type,
            value: o.value,
            description: o.description,
            tags: o.tags,
            ioc: o.ioc,
            tlp: o.tlp,
            alert_id: o.alert_id,
            watchlist: o.watchlist,
            seen_in_cases: o.seen_in_cases,
            created_by: o.created_by,
            created_at: at(o.created_at),
        }
    }
}

/// A task on a case; containment tasks carry their action and, once done, the asset.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 19, "case_id": 42, "title": "Block the sender", "description": "", "group": "containment", "status": "done", "action": "block_sender", "done_on": "invoices@example.test", "assignee": "tara", "due_at": null, "completed_at": "2026-12-07T09:01:44Z", "created_by": "tara", "created_at": "2026-12-07T08:40:00Z"}))]
pub struct TaskView {
    pub id: i64,
    pub case_id: i64,
    pub title: String,
    pub description: String,
    pub group: String,
    pub status: TaskStatus,
    pub action: Option<ContainmentAction>,
    pub done_on: Option<String>,
    pub assignee: Option<String>,
    #[schema(format = DateTime)]
    pub due_at: Option<String>,
    #[schema(format = DateTime)]
    pub completed_at: Option<String>,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<CaseTask> for TaskView {
    fn from(t: CaseTask) -> Self {
        Self {
            id: t.task_id,
            case_id: t.case_id,
            title: t.title,
            description: t.description,
            group: t.group_name,
            status: t.status,
            action: t.action,
            done_on: t.done_on,
            assignee: t.assignee,
            due_at: at_opt(t.due_at),
            completed_at: at_opt(t.completed_at),
            created_by: t.created_by,
            created_at: at(t.created_at),
        }
    }
}

/// A case's SLA clock.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"kind": "contain", "started_at": "2026-12-07T08:40:00Z", "due_at": "2026-12-07T12:40:00Z", "warn_at": "2026-12-07T12:10:00Z", "paused_at": null, "pause_reason": null, "met_at": null, "breached_at": null}))]
pub struct ClockView {
    pub kind: ClockKind,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub due_at: String,
    #[schema(format = DateTime)]
    pub warn_at: String,
    #[schema(format = DateTime)]
    pub paused_at: Option<String>,
    pub pause_reason: Option<String>,
    #[schema(format = DateTime)]
    pub met_at: Option<String>,
    #[schema(format = DateTime)]
    pub breached_at: Option<String>,
}

impl From<Clock> for ClockView {
    fn from(c: Clock) -> Self {
        Self {
            kind: c.kind,
            started_at: at(c.started_at),
            due_at: at(c.due_at),
            warn_at: at(c.warn_at),
            paused_at: at_opt(c.paused_at),
            pause_reason: c.pause_reason,
            met_at: at_opt(c.met_at),
            breached_at: at_opt(c.breached_at),
        }
    }
}

/// A move of a case between tiers.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 5, "from_tier": 1, "to_tier": 2, "state": "accepted", "reason": "Credentials were entered", "handover_note": "Checked: mail logs. Remains: sign-ins. Next: reset passwords.", "requested_by": "tom", "requested_at": "2026-12-07T08:58:00Z", "decided_by": "tara", "decided_at": "2026-12-07T09:03:20Z"}))]
pub struct EscalationView {
    pub id: i64,
    pub from_tier: i64,
    pub to_tier: i64,
    pub state: EscalationState,
    pub reason: String,
    pub handover_note: String,
    pub requested_by: String,
    #[schema(format = DateTime)]
    pub requested_at: String,
    pub decided_by: Option<String>,
    #[schema(format = DateTime)]
    pub decided_at: Option<String>,
}

impl From<Escalation> for EscalationView {
    fn from(e: Escalation) -> Self {
        Self {
            id: e.escalation_id,
            from_tier: e.from_tier,
            to_tier: e.to_tier,
            state: e.state,
            reason: e.reason,
            handover_note: e.handover_note,
            requested_by: e.requested_by,
            requested_at: at(e.requested_at),
            decided_by: e.decided_by,
            decided_at: at_opt(e.decided_at),
        }
    }
}

/// A case's tier and SLA state: its clocks and its moves between tiers.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"tier": 2, "assignee": "tara", "clocks": [{"kind": "contain", "started_at": "2026-12-07T08:40:00Z", "due_at": "2026-12-07T12:40:00Z", "warn_at": "2026-12-07T12:10:00Z", "paused_at": null, "pause_reason": null, "met_at": null, "breached_at": null}], "pending": null, "escalations": []}))]
pub struct TierStateView {
    pub tier: i64,
    pub assignee: Option<String>,
    pub clocks: Vec<ClockView>,
    /// The escalation waiting for someone of the target tier to accept it.
    pub pending: Option<EscalationView>,
    pub escalations: Vec<EscalationView>,
}

/// An entry of the hash-chained audit log.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"seq": 1207, "occurred_at": "2026-12-07T09:12:31Z", "actor": "tara", "actor_ip": "10.0.4.12", "action": "case.status_changed", "object_type": "case", "object_id": "42", "detail": "{\"before\":\"triage\",\"after\":\"investigating\"}", "prev_hash": "9f2c…", "hash": "4be1…"}))]
pub struct AuditEntryView {
    pub seq: i64,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    pub actor: String,
    pub actor_ip: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    /// The entry's detail as recorded (JSON text).
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            occurred_at: at(e.occurred_at),
            actor: e.actor_label,
            actor_ip: e.actor_ip,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A shift handover.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 9, "shift": "day", "shift_start": "2026-12-07T07:00:00Z", "shift_end": "2026-12-07T19:00:00Z", "notes": "CF-2026-000042 waiting on the mail team.", "written_by": "tara", "written_at": "2026-12-07T18:50:00Z", "acknowledged_by": null, "acknowledged_at": null}))]
pub struct HandoverView {
    pub id: i64,
    pub shift: String,
    #[schema(format = DateTime)]
    pub shift_start: String,
    #[schema(format = DateTime)]
    pub shift_end: String,
    pub notes: String,
    pub written_by: String,
    #[schema(format = DateTime)]
    pub written_at: String,
    pub acknowledged_by: Option<String>,
    #[schema(format = DateTime)]
    pub acknowledged_at: Option<String>,
}

impl From<Handover> for HandoverView {
    fn from(h: Handover) -> Self {
        Self {
            id: h.handover_id,
            shift: h.shift_name,
            shift_start: at(h.shift_start),
            shift_end: at(h.shift_end),
            notes: h.notes,
            written_by: h.written_by,
            written_at: at(h.written_at),
            acknowledged_by: h.acknowledged_by,
            acknowledged_at: at_opt(h.acknowledged_at),
        }
    }
}

/// A search match, best first.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"case": "CF-2026-000042", "title": "Phishing: invoice lure to finance", "status": "investigating", "kind": "observable", "ref_id": 77, "snippet": "invoices-example.test"}))]
pub struct SearchHitView {
    pub case: String,
    pub title: String,
    pub status: CaseStatus,
    /// `case`, `event` or `observable`.
    pub kind: String,
    /// The id of the matching record of that kind.
    pub ref_id: i64,
    /// The text around the words found, matches wrapped in « and ».
    pub snippet: String,
}

impl From<SearchHit> for SearchHitView {
    fn from(h: SearchHit) -> Self {
        Self {
            case: h.number,
            title: h.title,
            status: h.status,
            kind: h.kind,
            ref_id: h.ref_id,
            snippet: h.snippet,
        }
    }
}

/// An item of evidence with its hashes and who holds it.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 12, "case": "CF-2026-000042", "file_name": "lure.eml", "kind": "email", "size_bytes": 48211, "sha256": "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", "sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "md5": "d41d8cd98f00b204e9800998ecf8427e", "description": "The reported message", "collected_from": "finance mailbox", "collected_by": "tara", "custodian": "tara", "sealed": false, "intact": true, "disposal": "none", "uploaded_by": "tara", "uploaded_at": "2026-12-07T08:47:02Z"}))]
pub struct EvidenceView {
    pub id: i64,
    pub case: String,
    pub file_name: String,
    pub kind: EvidenceKind,
    pub size_bytes: i64,
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    pub description: String,
    pub collected_from: String,
    pub collected_by: String,
    pub custodian: String,
    pub sealed: bool,
    /// False once a read found content that no longer matches its hashes.
    pub intact: bool,
    /// `none`, `requested` or `disposed`.
    pub disposal: String,
    pub uploaded_by: String,
    #[schema(format = DateTime)]
    pub uploaded_at: String,
}

impl From<EvidenceItem> for EvidenceView {
    fn from(e: EvidenceItem) -> Self {
        Self {
            id: e.evidence_id,
            case: e.case_number,
            file_name: e.file_name,
            kind: e.kind,
            size_bytes: e.size_bytes,
            sha256: e.sha256,
            sha1: e.sha1,
            md5: e.md5,
            description: e.description,
            collected_from: e.collected_from,
            collected_by: e.collected_by,
            custodian: e.custodian,
            sealed: e.sealed,
            intact: e.intact,
            disposal: e.disposal,
            uploaded_by: e.uploaded_by,
            uploaded_at: at(e.uploaded_at),
        }
    }
}
