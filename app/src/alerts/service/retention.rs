//! Retention: raw payloads of closed alerts deleted once their time has passed, never those
//! of an open case or one on legal hold.

use serde_json::json;

use crate::alerts::store::{self};
use crate::{
    journal::{Change, NewAuditEvent},
    platform::{Actor, Platform, Result},
};

/// Alerts purged per transaction (and named in one audit row).
const PURGE_BATCH: i64 = 500;

/// Deletes the raw payloads of closed alerts decided more than `keep` ago, except those of a
/// case still open or on legal hold; the triage record stays. Each batch writes one audit row
/// naming its alerts. Run by the server's retention job; returns how many were purged.
pub async fn purge_payloads(p: &Platform, keep: time::Duration) -> Result<usize> {
    let actor = Actor::system("retention");
    let mut purged = 0;
    loop {
        let now = p.clock.now();
        let before = now - keep.whole_milliseconds() as i64;
        let mut ch = Change::begin_at(p, &actor, now).await?;
        let ids = store::payloads_due(ch.tx(), before, PURGE_BATCH).await?;
        if ids.is_empty() {
            return Ok(purged);
        }
        for &id in &ids {
            store::purge_payload(ch.tx(), id, now).await?;
        }
        let detail = json!({ "purged": ids.len(), "alert_ids": ids,
            "decided_before": before, "retention_days": keep.whole_days() });
        let event = NewAuditEvent {
            action: "alert.payloads_purged",
            object_type: "alert",
            object_id: None,
            detail,
        };
        ch.audit(event).await?;
        ch.commit().await?;
        purged += ids.len();
        if (ids.len() as i64) < PURGE_BATCH {
            return Ok(purged);
        }
    }
}
