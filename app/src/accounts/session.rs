//! What a signed-in session stores, and keeping it alive while it is used. (How a request
//! becomes an actor is `context.rs`.)

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::platform::{Error, Result, clock::Millis};

/// Session key for a completed sign-in.
pub const AUTH_KEY: &str = "auth";
/// Session key for a sign-in waiting for its second factor.
pub const PENDING_KEY: &str = "pending_second_factor";
/// Session key: when activity last pushed the idle expiry back (wall-clock Unix ms).
pub const RENEWED_KEY: &str = "renewed_at";

/// A completed sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    /// Must equal the account's current generation; bumping it ends this session.
    pub generation: i64,
    pub signed_in_at: Millis,
}

/// Password accepted, second factor outstanding.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSecondFactor {
    pub user_id: i64,
    pub started_at: Millis,
}

/// Pushes a signed-in session's idle expiry back on activity. tower-sessions saves a session,
/// and so moves its expiry, only when it was modified; nothing modifies it after sign-in, so
/// without this a session ended one idle timeout after sign-in however busy its user was. To
/// spare the database a write per request, it is touched only once a quarter of the idle
/// timeout (at most a minute) has passed since the last touch. Wall-clock time, not the
/// platform clock: the store compares its expiry with the wall clock. The absolute limit is
/// checked apart, from the sign-in time (`service::actor_from_session`).
pub async fn renew_on_activity(session: &Session, idle: time::Duration) -> Result<()> {
    if session
        .get::<SessionAuth>(AUTH_KEY)
        .await
        .map_err(session_error)?
        .is_none()
    {
        return Ok(());
    }
    let now = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let every = (idle / 4_i32)
        .min(time::Duration::minutes(1))
        .whole_milliseconds() as i64;
    let last: Option<i64> = session.get(RENEWED_KEY).await.map_err(session_error)?;
    if last.is_none_or(|t| now - t >= every) {
        session
            .insert(RENEWED_KEY, now)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// Maps a session-store failure to an internal error.
pub fn session_error(e: tower_sessions::session::Error) -> Error {
    Error::internal(format!("session store: {e}"))
}
