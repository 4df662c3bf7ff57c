//! Signing in: password (throttled per account and address), the second factor, sessions
//! and their expiry, signing out.

use serde_json::json;
use tower_sessions::Session;

use super::{SECOND_FACTOR_WINDOW_MS, role_of, tier_of, user_event};
use crate::accounts::{
    LoginStep,
    session::{AUTH_KEY, PENDING_KEY, PendingSecondFactor, SessionAuth, session_error},
    store::{self, UserRow},
    throttle, totp,
};
use crate::{
    journal::{Change, NewAuditEvent},
    platform::{
        Actor, Error, Platform, Result, Tx,
        actor::Principal,
        clock::Millis,
        passwords::MAX_PASSWORD_CHARS,
        secrets::{Secret, sha256_hex},
    },
};

fn throttle_keys(username: &str, ip: Option<&str>) -> Vec<(String, throttle::Policy)> {
    let mut keys = vec![(format!("user:{username}"), throttle::PER_ACCOUNT)];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), throttle::PER_ADDRESS));
    }
    keys
}

/// Counts this attempt on every throttle key (account and address) before anything is
/// verified, in one transaction with the keys' rows locked: a burst of parallel guesses each
/// takes its turn, and those past the limit are refused before any hashing, however many
/// arrive at once. A key backing off or locked refuses the attempt and nothing is counted.
/// A correct answer gives the attempt back ([`refund_attempt`]).
async fn begin_attempt(p: &Platform, username: &str, ip: Option<&str>) -> Result<()> {
    // Bookkeeping of attempts, audited by the sign-in that follows.
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let mut counted = Vec::new();
    for (key, policy) in throttle_keys(username, ip) {
        let state = store::throttle_state_for_update(&mut tx, &key, now).await?;
        if let Some(wait) = throttle::wait_ms(&state, now) {
            return Err(Error::TooManyRequests {
                message: throttle::message(wait),
                retry_after_secs: (wait as u64).div_ceil(1000),
            });
        }
        counted.push((key, throttle::after_failure(&state, now, policy)));
    }
    for (key, state) in &counted {
        store::put_throttle(&mut tx, key, state, now).await?;
    }
    tx.commit().await
}

/// Takes back the attempt [`begin_attempt`] counted, once it proved right, inside `tx`.
async fn refund_in(tx: &mut Tx, username: &str, ip: Option<&str>, now: Millis) -> Result<()> {
    for (key, policy) in throttle_keys(username, ip) {
        let state = store::throttle_state_for_update(tx, &key, now).await?;
        store::put_throttle(tx, &key, &throttle::refund(&state, policy), now).await?;
    }
    Ok(())
}

/// [`refund_in`] in a transaction of its own.
async fn refund_attempt(p: &Platform, username: &str, ip: Option<&str>) -> Result<()> {
    let mut tx = p.db.begin().await?;
    refund_in(&mut tx, username, ip, p.clock.now()).await?;
    tx.commit().await
}

/// Records a failed attempt on the audit log; [`begin_attempt`] has counted it already.
async fn record_failure(p: &Platform, actor: &Actor, username: &str, reason: &str) -> Result<()> {
    let mut ch = Change::begin(p, actor).await?;
    let event = NewAuditEvent {
        action: "user.login_failed",
        object_type: "user",
        object_id: None,
        detail: json!({ "username": username, "reason": reason }),
    };
    ch.audit(event).await?;
    ch.commit().await
}

fn anonymous(ip: Option<String>) -> Actor {
    Actor {
        principal: Principal::System { label: "anonymous" },
        ip,
    }
}

fn user_actor(row: &UserRow, ip: Option<String>, mfa_enrolment_due: bool) -> Result<Actor> {
    Ok(Actor {
        principal: Principal::User {
            user_id: row.user_id,
            username: row.username.clone(),
            role: role_of(row)?,
            tier: tier_of(row),
            mfa_enrolment_due,
        },
        ip,
    })
}

fn account_usable(row: &UserRow, now: Millis) -> bool {
    !row.disabled && row.access_expires_at.is_none_or(|t| t > now)
}

/// Completes a sign-in: new session id, the auth record, the audit row.
async fn complete_login(
    p: &Platform,
    session: &Session,
    row: &UserRow,
    ip: Option<String>,
    how: &str,
) -> Result<()> {
    let now = p.clock.now();
    let actor = user_actor(row, ip, false)?;
    let mut ch = Change::begin_at(p, &actor, now).await?;
    // The address gives back the attempt it was charged; the account starts afresh.
    refund_in(ch.tx(), &row.username, actor.ip.as_deref(), now).await?;
    store::clear_throttle(ch.tx(), &format!("user:{}", row.username)).await?;
    ch.audit(user_event(
        "user.login",
        row.user_id,
        json!({ "method": how }),
    ))
    .await?;
    ch.commit().await?;
    // A fresh id at the privilege change defeats session fixation.
    session.cycle_id().await.map_err(session_error)?;
    session
        .remove_value(PENDING_KEY)
        .await
        .map_err(session_error)?;
    let auth = SessionAuth {
        user_id: row.user_id,
        generation: row.session_generation,
        signed_in_at: now,
    };
    session
        .insert(AUTH_KEY, auth)
        .await
        .map_err(session_error)?;
    tracing::info!(user.id = row.user_id, method = how, "signed in");
    Ok(())
}

/// First step of sign-in: username and password. A wrong password and an unknown user take the
/// same time and give the same answer.
pub async fn login(
    p: &Platform,
    session: &Session,
    ip: Option<String>,
    username: &str,
    password: Secret,
) -> Result<LoginStep> {
    let username = username.trim().to_lowercase();
    if username.is_empty() || password.expose().is_empty() {
        return Err(Error::invalid("Enter your username and password."));
    }
    if username.chars().count() > 64 || password.expose().chars().count() > MAX_PASSWORD_CHARS {
        return Err(Error::BadCredentials);
    }
    begin_attempt(p, &username, ip.as_deref()).await?;
    let row = store::user_by_name(&p.db, &username).await?;
    let ok = p
        .passwords
        .verify(&password, row.as_ref().map(|r| r.password_hash.as_str()))
        .await?;
    let now = p.clock.now();
    let row = match row {
        Some(row) if ok && account_usable(&row, now) => row,
        Some(row) if ok => {
            record_failure(p, &anonymous(ip), &username, "account disabled or expired").await?;
            tracing::info!(
                user.id = row.user_id,
                "sign-in refused: account disabled or expired"
            );
            return Err(Error::BadCredentials);
        }
        _ => {
            record_failure(p, &anonymous(ip), &username, "wrong username or password").await?;
            return Err(Error::BadCredentials);
        }
    };
    if row.totp_secret.is_some() {
        // The password was right: the second factor is counted on its own.
        refund_attempt(p, &username, ip.as_deref()).await?;
        session.cycle_id().await.map_err(session_error)?;
        session
            .remove_value(AUTH_KEY)
            .await
            .map_err(session_error)?;
        let pending = PendingSecondFactor {
            user_id: row.user_id,
            started_at: now,
        };
        session
            .insert(PENDING_KEY, pending)
            .await
            .map_err(session_error)?;
        return Ok(LoginStep::NeedsSecondFactor);
    }
    complete_login(p, session, &row, ip, "password").await?;
    Ok(LoginStep::SignedIn)
}

/// The actor for HTTP Basic credentials (TheHive clients configured with a username and
/// password). Throttled and audited like a sign-in failure; accounts that sign in with a second
/// factor, or whose role requires one, must use an API token instead, since Basic cannot carry
/// it.
pub async fn actor_from_password(
    p: &Platform,
    ip: Option<String>,
    username: &str,
    password: Secret,
) -> Result<Actor> {
    let username = username.trim().to_lowercase();
    if username.is_empty()
        || username.chars().count() > 64
        || password.expose().is_empty()
        || password.expose().chars().count() > MAX_PASSWORD_CHARS
    {
        return Err(Error::BadCredentials);
    }
    begin_attempt(p, &username, ip.as_deref()).await?;
    let row = store::user_by_name(&p.db, &username).await?;
    let ok = p
        .passwords
        .verify(&password, row.as_ref().map(|r| r.password_hash.as_str()))
        .await?;
    let row = match row {
        Some(row) if ok && account_usable(&row, p.clock.now()) => row,
        _ => {
            record_failure(p, &anonymous(ip), &username, "basic auth refused").await?;
            return Err(Error::BadCredentials);
        }
    };
    refund_attempt(p, &username, ip.as_deref()).await?;
    if row.totp_secret.is_some() || store::mfa_required(&p.db, &row.role).await? {
        return Err(Error::forbidden(
            "This account signs in with a second factor, which HTTP Basic cannot carry: use an API token.",
        ));
    }
    user_actor(&row, ip, false)
}

/// Second step: a 6-digit authenticator code or a one-time recovery code.
pub async fn login_second_factor(
    p: &Platform,
    session: &Session,
    ip: Option<String>,
    code: &str,
) -> Result<()> {
    let now = p.clock.now();
    let pending: PendingSecondFactor = session
        .get(PENDING_KEY)
        .await
        .map_err(session_error)?
        .filter(|p: &PendingSecondFactor| now - p.started_at <= SECOND_FACTOR_WINDOW_MS)
        .ok_or_else(|| {
            Error::invalid("Your sign-in timed out. Enter your username and password again.")
        })?;
    let row = store::user_by_id(&p.db, pending.user_id)
        .await?
        .filter(|r| account_usable(r, now))
        .ok_or(Error::BadCredentials)?;
    let code = code.trim();
    if code.chars().count() > 64 {
        return Err(Error::invalid("That code is too long."));
    }
    begin_attempt(p, &row.username, ip.as_deref()).await?;
    let seed = row.totp_secret.as_deref().ok_or(Error::BadCredentials)?;
    let actor = user_actor(&row, ip.clone(), false)?;
    let mut ch = Change::begin_at(p, &actor, now).await?;
    let (accepted, how) = match totp::matching_step(seed, &row.username, code, now)? {
        Some(step) => (
            store::advance_totp_step(ch.tx(), row.user_id, step, now).await?,
            "totp",
        ),
        None => {
            let hash = sha256_hex(code.to_lowercase().replace([' ', '-'], "").as_bytes());
            let spent = store::spend_recovery_code(ch.tx(), row.user_id, &hash, now).await?;
            if spent {
                ch.audit(user_event(
                    "user.recovery_code_used",
                    row.user_id,
                    json!({}),
                ))
                .await?;
            }
            (spent, "recovery_code")
        }
    };
    ch.commit().await?;
    if !accepted {
        record_failure(p, &anonymous(ip), &row.username, "wrong second factor").await?;
        return Err(Error::invalid(
            "That code is not valid. Check your authenticator app and try again.",
        ));
    }
    complete_login(p, session, &row, ip, how).await
}

/// The actor for a session, checking every way it may have ended: absolute lifetime, account
/// disabled or expired, sessions revoked (generation bumped).
pub async fn actor_from_session(
    p: &Platform,
    session: &Session,
    ip: Option<String>,
) -> Result<Actor> {
    let auth: SessionAuth = session
        .get(AUTH_KEY)
        .await
        .map_err(session_error)?
        .ok_or(Error::Unauthenticated)?;
    let now = p.clock.now();
    let absolute_ms = p.settings.absolute_timeout.whole_milliseconds() as i64;
    let row = match store::user_by_id(&p.db, auth.user_id).await? {
        Some(row)
            if now - auth.signed_in_at <= absolute_ms
                && account_usable(&row, now)
                && row.session_generation == auth.generation =>
        {
            row
        }
        _ => {
            session.flush().await.map_err(session_error)?;
            return Err(Error::Unauthenticated);
        }
    };
    let due = row.totp_secret.is_none() && store::mfa_required(&p.db, &row.role).await?;
    user_actor(&row, ip, due)
}

/// Signs out: the audit row, then the session is destroyed.
pub async fn logout(p: &Platform, session: &Session, actor: &Actor) -> Result<()> {
    let user_id = actor.require_user()?;
    let mut ch = Change::begin(p, actor).await?;
    ch.audit(user_event("user.logout", user_id, json!({})))
        .await?;
    ch.commit().await?;
    session.flush().await.map_err(session_error)
}

/// Deletes throttle rows whose failures are forgotten and whose lock has passed. A background
/// job, not an audited change: the rows are bookkeeping, not state anyone acted on.
pub async fn purge_stale_throttles(p: &Platform) -> Result<u64> {
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let n = store::purge_throttles(&mut tx, now - throttle::WINDOW_MS, now).await?;
    tx.commit().await?;
    Ok(n)
}
