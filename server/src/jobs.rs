//! Background jobs of the process: deleting expired sessions and stale sign-in throttle rows,
//! the SLA sweep (warnings and breaches), signing audit checkpoints, recounting the dashboard's
//! aggregates, deleting raw alert payloads past retention, and sending what is in the outbox.

use std::time::Duration;

use app::{
    accounts::service,
    alerts::service as alerts,
    audit::service as audit,
    dashboard::service as dashboard,
    outbox::delivery::{Courier, deliver_due},
    platform::{Platform, session::Store},
    tiers::sweep,
};
use tower_sessions::ExpiredDeletion as _;

/// How often clocks are checked; a breach is handled at most this long after it happens.
const SLA_EVERY: Duration = Duration::from_secs(30);
/// How often the audit chain's head is signed (when it moved).
const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);
/// How often the dashboard's aggregates are brought up to date.
const DASHBOARD_EVERY: Duration = Duration::from_secs(60);
/// How often raw alert payloads past the retention period are looked for.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);
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
            match sweep::sweep(&p).await {
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
    let p = platform.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(DASHBOARD_EVERY);
        loop {
            tick.tick().await;
            match dashboard::refresh(&p).await {
                Ok(r) if r.case_days + r.alert_days > 0 => tracing::debug!(
                    case_days = r.case_days,
                    alert_days = r.alert_days,
                    "dashboard recounted"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "recounting the dashboard failed"),
            }
        }
    });
    let p = platform.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RETENTION_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = app::accounts::idempotency::purge(&p).await {
                tracing::warn!(error = %e, "forgetting old idempotency keys failed");
            }
        }
    });
    if let Some(keep) = platform.settings.alert_payload_retention {
        let p = platform.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RETENTION_EVERY);
            loop {
                tick.tick().await;
                match alerts::purge_payloads(&p, keep).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(purged = n, "raw alert payloads past retention deleted")
                    }
                    Err(e) => tracing::warn!(error = %e, "alert payload retention failed"),
                }
            }
        });
    }
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
