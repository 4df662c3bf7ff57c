//! Background jobs of the process: deleting expired sessions and stale sign-in throttle rows.

use std::time::Duration;

use app::{
    accounts::service,
    platform::{Platform, session::Store},
};
use tower_sessions::ExpiredDeletion as _;

pub fn spawn(platform: Platform, store: Store) {
    tokio::spawn(async move {
        if let Err(e) = store
            .continuously_delete_expired(Duration::from_secs(600))
            .await
        {
            tracing::warn!(error = %e, "expired-session cleanup stopped");
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
