//! Background jobs of the process: deleting expired sessions and stale sign-in throttle rows,
//! the SLA sweep (warnings and breaches), signing audit checkpoints, and sending what is in the
//! outbox.

use std::time::Duration;

use app::{
    accounts::service,
    audit::service as audit,
    outbox::delivery::{Courier, deliver_due},
    platform::{Platform, session::Store},
    sla::service as sla,
};
use tower_sessions::ExpiredDeletion as _;

/// How often clocks are checked; a breach is handled at most this long after it happens.
const SLA_EVERY: Duration = Duration::from_secs(30);
/// How often the audit chain's head is signed (when it moved).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);
/// How often the outbox is looked at.
const OUTBOX_EVERY: Duration = Duration::from_secs(5);

pub fn spawn(platform: Platform, store: Store, courier: Courier) {
    tokio::spawn(async move {
        if let Err(e) = store
            .continuously_delete_expired(Duration::from_secs(600))
            .await
        {
            tracing::warn!(error = %e, "expired-session cleanup stopped");
        }
    });
    let p = platform.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SLA_EVERY);
        loop {
            tick.tick().await;
            match sla::sweep(&p).await {
                Ok(s) if s.breached + s.warned > 0 => {
                    tracing::info!(breached = s.breached, warned = s.warned, "SLA sweep")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "SLA sweep failed"),
            }
        }
    });
    let p = platform.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(OUTBOX_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = deliver_due(&p, &courier).await {
                tracing::warn!(error = %e, "outbox delivery failed");
            }
        }
    });
    let p = platform.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = audit::checkpoint(&p).await {
                tracing::warn!(error = %e, "signing an audit checkpoint failed");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = service::purge_stale_throttles(&platform).await {
                tracing::warn!(error = %e, "sign-in throttle cleanup failed");
            }
        }
    });
}
