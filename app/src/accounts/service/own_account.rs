//! What a signed-in person does with their own account: read it, change the password,
//! enrol TOTP.

use serde_json::json;
use tower_sessions::Session;

use super::{RECOVERY_CODES, role_of, tier_of, user_event};
use crate::accounts::{
    CurrentUser, TotpEnrolment,
    session::{AUTH_KEY, SessionAuth, session_error},
    store::{self},
    totp,
};
use crate::{
    journal::Change,
    platform::{
        Actor, Error, Platform, Result,
        actor::Principal,
        passwords::check_new_password,
        secrets::{Secret, random_urlsafe, sha256_hex},
    },
};

pub async fn current_user(p: &Platform, actor: &Actor) -> Result<CurrentUser> {
    let user_id = actor.require_user()?;
    let row = store::user_by_id(&p.db, user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let due = matches!(
        actor.principal,
        Principal::User {
            mfa_enrolment_due: true,
            ..
        }
    );
    Ok(CurrentUser {
        role: role_of(&row)?,
        tier: tier_of(&row),
        mfa_enrolled: row.totp_secret.is_some(),
        mfa_enrolment_due: due,
        user_id: row.user_id,
        username: row.username,
        display_name: row.display_name,
    })
}

/// Changes the actor's own password and ends all their other sessions; this session stays.
pub async fn change_password(
    p: &Platform,
    session: &Session,
    actor: &Actor,
    current: Secret,
    new: Secret,
) -> Result<()> {
    let user_id = actor.require_user()?;
    check_new_password(new.expose())?;
    if current.expose() == new.expose() {
        return Err(Error::invalid(
            "The new password must differ from the current one.",
        ));
    }
    let row = store::user_by_id(&p.db, user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if !p
        .passwords
        .verify(&current, Some(&row.password_hash))
        .await?
    {
        return Err(Error::invalid("Your current password is not right."));
    }
    let hash = p.passwords.hash(&new).await?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let generation = store::set_password(ch.tx(), user_id, &hash, now).await?;
    ch.audit(user_event(
        "user.password_changed",
        user_id,
        json!({ "by": "self" }),
    ))
    .await?;
    ch.commit().await?;
    let mut auth: SessionAuth = session
        .get(AUTH_KEY)
        .await
        .map_err(session_error)?
        .ok_or(Error::Unauthenticated)?;
    auth.generation = generation;
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(AUTH_KEY, auth)
        .await
        .map_err(session_error)?;
    Ok(())
}

/// Starts TOTP enrolment: a new pending seed and its QR code.
pub async fn begin_totp(p: &Platform, actor: &Actor) -> Result<TotpEnrolment> {
    let user_id = actor.require_user()?;
    let row = store::user_by_id(&p.db, user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    if row.totp_secret.is_some() {
        return Err(Error::conflict(
            "Two-factor sign-in is already set up for this account.",
        ));
    }
    let seed = totp::new_seed();
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    store::set_totp_pending(ch.tx(), user_id, &seed, now).await?;
    ch.audit(user_event(
        "user.totp_enrolment_started",
        user_id,
        json!({}),
    ))
    .await?;
    ch.commit().await?;
    totp::enrolment(&seed, &row.username)
}

/// Confirms enrolment with a first code; returns the one-time recovery codes (shown once).
pub async fn confirm_totp(p: &Platform, actor: &Actor, code: &str) -> Result<Vec<String>> {
    let user_id = actor.require_user()?;
    let row = store::user_by_id(&p.db, user_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let seed = row.totp_pending_secret.as_deref().ok_or_else(|| {
        Error::invalid("Start the set-up first: no authenticator is waiting to be confirmed.")
    })?;
    let now = p.clock.now();
    let step = totp::matching_step(seed, &row.username, code, now)?.ok_or_else(|| {
        Error::invalid("That code is not valid. Enter the 6-digit code your app shows now.")
    })?;
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = random_urlsafe(8).to_lowercase().replace(['-', '_'], "x");
            format!("{}-{}", &raw[..5], &raw[5..10])
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| sha256_hex(c.replace('-', "").as_bytes()))
        .collect();
    let mut ch = Change::begin_at(p, actor, now).await?;
    store::activate_totp(ch.tx(), user_id, seed, step, &hashes, now).await?;
    ch.audit(user_event("user.totp_enrolled", user_id, json!({})))
        .await?;
    ch.commit().await?;
    Ok(codes)
}
