//! Account use cases: sign-in and its second factor, sessions, self-service, administration of
//! accounts, role policy and API tokens. Each follows authorize → transaction → audit → commit.

use serde_json::json;
use tower_sessions::Session;

use super::{
    CreatedToken, CurrentUser, LoginStep, NewUser, RolePolicy, TokenSummary, TotpEnrolment,
    UserSummary, normalize_display_name, normalize_token_name, normalize_username,
    roles::{self, Permission, Role, Tier, check_role_tier, parse_scope},
    session::{AUTH_KEY, PENDING_KEY, PendingSecondFactor, SessionAuth, session_error},
    store::{self, InsertToken, InsertUser, UserRow},
    throttle, totp,
};
use crate::{
    journal::{Change, NewAuditEvent},
    platform::{
        Actor, Error, Platform, Result, Tx,
        actor::Principal,
        clock::Millis,
        error::ResultExt as _,
        passwords::{MAX_PASSWORD_CHARS, check_new_password},
        secrets::{Secret, random_urlsafe, sha256_hex},
    },
};

/// How long a password-accepted sign-in may wait for its second factor.
const SECOND_FACTOR_WINDOW_MS: i64 = 5 * 60 * 1000;
const RECOVERY_CODES: usize = 10;
/// Page size for admin lists; the accounts table of a SOC is small, but lists stay bounded.
pub const PAGE: i64 = 200;

fn user_event(
    action: &'static str,
    user_id: i64,
    detail: serde_json::Value,
) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "user",
        object_id: Some(user_id.to_string()),
        detail,
    }
}

fn tier_of(row: &UserRow) -> Option<Tier> {
    row.tier.and_then(|t| Tier::new(t).ok())
}

fn role_of(row: &UserRow) -> Result<Role> {
    Role::parse(&row.role)
        .map_err(|_| Error::internal(format!("user {} has unknown role", row.user_id)))
}

fn summary(row: UserRow) -> Result<UserSummary> {
    Ok(UserSummary {
        role: role_of(&row)?,
        tier: tier_of(&row),
        mfa_enrolled: row.totp_secret.is_some(),
        user_id: row.user_id,
        username: row.username,
        display_name: row.display_name,
        disabled: row.disabled,
        access_expires_at: row.access_expires_at,
        created_at: row.created_at,
    })
}

// --- Sign-in ---

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

// --- Self-service ---

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

// --- Administration ---

pub async fn list_users(
    p: &Platform,
    actor: &Actor,
    after: Option<String>,
) -> Result<Vec<UserSummary>> {
    actor.require(Permission::AdminUsers)?;
    store::list_users(&p.db, after.as_deref().unwrap_or(""), PAGE)
        .await?
        .into_iter()
        .map(summary)
        .collect()
}

fn parse_role_tier(role: &str, tier: Option<i64>) -> Result<(Role, Option<Tier>)> {
    let role = Role::parse(role).map_err(Error::Invalid)?;
    let tier = tier.map(Tier::new).transpose().map_err(Error::Invalid)?;
    check_role_tier(role, tier).map_err(Error::Invalid)?;
    Ok((role, tier))
}

/// Creates an account with an initial password the administrator hands over.
pub async fn create_user(
    p: &Platform,
    actor: &Actor,
    input: NewUser,
    password: Secret,
) -> Result<UserSummary> {
    actor.require(Permission::AdminUsers)?;
    let username = normalize_username(&input.username).map_err(Error::Invalid)?;
    let display_name = normalize_display_name(&input.display_name).map_err(Error::Invalid)?;
    let (role, tier) = parse_role_tier(&input.role, input.tier)?;
    check_new_password(password.expose())?;
    let hash = p.passwords.hash(&password).await?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let new = InsertUser {
        username: &username,
        display_name: &display_name,
        password_hash: &hash,
        role: role.as_str(),
        tier: tier.map(|t| t.get() as i64),
    };
    let user_id = store::insert_user(ch.tx(), new, now)
        .await
        .on_unique_violation(|| {
            Error::conflict(format!("The username \u{201c}{username}\u{201d} is taken."))
        })?;
    let detail =
        json!({ "username": username, "role": role.as_str(), "tier": tier.map(Tier::get) });
    ch.audit(user_event("user.created", user_id, detail))
        .await?;
    let row = store::user_in_tx(ch.tx(), user_id)
        .await?
        .ok_or_else(|| Error::internal("new user vanished"))?;
    ch.commit().await?;
    tracing::info!(user.id = user_id, by = %actor.label(), "account created");
    summary(row)
}

async fn load_for_admin(tx: &mut crate::platform::Tx, user_id: i64) -> Result<UserRow> {
    store::user_in_tx(tx, user_id)
        .await?
        .ok_or_else(|| Error::not_found("There is no such account."))
}

/// Refuses a change that would leave no enabled administrator.
async fn keep_an_admin(tx: &mut crate::platform::Tx, row: &UserRow) -> Result<()> {
    if row.role == "admin"
        && !row.disabled
        && store::other_active_admins(tx, row.user_id).await? == 0
    {
        return Err(Error::conflict(
            "This is the last active administrator; make someone else an administrator first.",
        ));
    }
    Ok(())
}

pub async fn change_role(
    p: &Platform,
    actor: &Actor,
    user_id: i64,
    role: &str,
    tier: Option<i64>,
) -> Result<UserSummary> {
    actor.require(Permission::AdminUsers)?;
    if actor.user_id() == Some(user_id) {
        return Err(Error::forbidden(
            "You cannot change your own role; another administrator must.",
        ));
    }
    let (role, tier) = parse_role_tier(role, tier)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = load_for_admin(ch.tx(), user_id).await?;
    if role != Role::Admin {
        keep_an_admin(ch.tx(), &before).await?;
    }
    store::set_role(
        ch.tx(),
        user_id,
        role.as_str(),
        tier.map(|t| t.get() as i64),
        now,
    )
    .await?;
    let detail = json!({
        "before": { "role": before.role, "tier": before.tier },
        "after": { "role": role.as_str(), "tier": tier.map(Tier::get) },
    });
    ch.audit(user_event("user.role_changed", user_id, detail))
        .await?;
    let row = load_for_admin(ch.tx(), user_id).await?;
    ch.commit().await?;
    summary(row)
}

pub async fn set_disabled(
    p: &Platform,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
) -> Result<UserSummary> {
    actor.require(Permission::AdminUsers)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = load_for_admin(ch.tx(), user_id).await?;
    if disabled {
        keep_an_admin(ch.tx(), &before).await?;
    }
    store::set_disabled(ch.tx(), user_id, disabled, now).await?;
    let action = if disabled {
        "user.disabled"
    } else {
        "user.enabled"
    };
    ch.audit(user_event(action, user_id, json!({}))).await?;
    let row = load_for_admin(ch.tx(), user_id).await?;
    ch.commit().await?;
    summary(row)
}

/// Sets a new password for someone else, ends their sessions and lifts any sign-in lock.
pub async fn reset_password(
    p: &Platform,
    actor: &Actor,
    user_id: i64,
    password: Secret,
) -> Result<()> {
    actor.require(Permission::AdminUsers)?;
    check_new_password(password.expose())?;
    let hash = p.passwords.hash(&password).await?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let row = load_for_admin(ch.tx(), user_id).await?;
    store::set_password(ch.tx(), user_id, &hash, now).await?;
    store::clear_throttle(ch.tx(), &format!("user:{}", row.username)).await?;
    ch.audit(user_event(
        "user.password_reset",
        user_id,
        json!({ "by": "admin" }),
    ))
    .await?;
    ch.commit().await
}

/// Ends every session of an account.
pub async fn revoke_sessions(p: &Platform, actor: &Actor, user_id: i64) -> Result<()> {
    actor.require(Permission::AdminUsers)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    load_for_admin(ch.tx(), user_id).await?;
    store::bump_session_generation(ch.tx(), user_id, now).await?;
    ch.audit(user_event("user.sessions_revoked", user_id, json!({})))
        .await?;
    ch.commit().await
}

/// Removes an account's authenticator (lost phone); they enrol again at next sign-in.
pub async fn reset_mfa(p: &Platform, actor: &Actor, user_id: i64) -> Result<()> {
    actor.require(Permission::AdminUsers)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    load_for_admin(ch.tx(), user_id).await?;
    store::clear_totp(ch.tx(), user_id, now).await?;
    store::bump_session_generation(ch.tx(), user_id, now).await?;
    ch.audit(user_event("user.totp_reset", user_id, json!({})))
        .await?;
    ch.commit().await
}

/// Sets or clears the date an account's access lapses (for auditors on an engagement).
pub async fn set_access_expiry(
    p: &Platform,
    actor: &Actor,
    user_id: i64,
    expires_at: Option<Millis>,
) -> Result<()> {
    actor.require(Permission::AdminUsers)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = load_for_admin(ch.tx(), user_id).await?;
    store::set_access_expiry(ch.tx(), user_id, expires_at, now).await?;
    let detail = json!({ "before": before.access_expires_at, "after": expires_at });
    ch.audit(user_event("user.access_expiry_set", user_id, detail))
        .await?;
    ch.commit().await
}

pub async fn role_policies(p: &Platform, actor: &Actor) -> Result<Vec<RolePolicy>> {
    actor.require(Permission::AdminSettings)?;
    store::role_policies(&p.db)
        .await?
        .into_iter()
        .map(|(role, mfa_required)| {
            Ok(RolePolicy {
                role: Role::parse(&role).map_err(Error::Internal)?,
                mfa_required,
            })
        })
        .collect()
}

pub async fn set_mfa_required(
    p: &Platform,
    actor: &Actor,
    role: &str,
    required: bool,
) -> Result<()> {
    actor.require(Permission::AdminSettings)?;
    let role = Role::parse(role).map_err(Error::Invalid)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    store::set_mfa_required(ch.tx(), role.as_str(), required, now).await?;
    let event = NewAuditEvent {
        action: "settings.mfa_policy_changed",
        object_type: "role",
        object_id: Some(role.as_str().to_owned()),
        detail: json!({ "mfa_required": required }),
    };
    ch.audit(event).await?;
    ch.commit().await
}

/// Creates the first administrator when the database has no accounts; returns the generated
/// password so start-up can show it once.
pub async fn ensure_initial_admin(p: &Platform) -> Result<Option<Secret>> {
    if store::any_user_exists(&p.db).await? {
        return Ok(None);
    }
    let password = Secret::new(random_urlsafe(18));
    let input = NewUser {
        username: "admin".into(),
        display_name: "Administrator".into(),
        role: "admin".into(),
        tier: None,
    };
    create_user(
        p,
        &Actor::system("first-start"),
        input,
        Secret::new(password.expose()),
    )
    .await?;
    Ok(Some(password))
}

// --- API tokens ---

/// Token format: `cf_` and 32 random bytes, base64url. The prefix length shown in lists.
const TOKEN_PREFIX_CHARS: usize = 10;

pub async fn create_token(
    p: &Platform,
    actor: &Actor,
    name: &str,
    scopes: &[String],
) -> Result<CreatedToken> {
    actor.require(Permission::AdminTokens)?;
    let name = normalize_token_name(name).map_err(Error::Invalid)?;
    if scopes.is_empty() {
        return Err(Error::invalid("Choose at least one scope for the token."));
    }
    let mut checked: Vec<&str> = scopes
        .iter()
        .map(|s| parse_scope(s))
        .collect::<Result<_, _>>()
        .map_err(Error::Invalid)?;
    checked.sort_unstable();
    checked.dedup();
    if let Some(role) = actor.role()
        && let Some(beyond) = checked.iter().find(|s| !roles::role_may_grant(role, s))
    {
        let who = role.label().to_lowercase();
        let article = if who.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "An"
        } else {
            "A"
        };
        return Err(Error::forbidden(format!(
            "{article} {who} cannot give a token the scope {beyond}: a token may only do what its maker's role may. Tokens that read or work cases are created by a manager."
        )));
    }
    let token = format!("cf_{}", random_urlsafe(32));
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let row = store::insert_token(
        ch.tx(),
        InsertToken {
            name: &name,
            prefix: &token[..TOKEN_PREFIX_CHARS],
            hash: &sha256_hex(token.as_bytes()),
            scopes: &checked.join(" "),
            created_by: actor.user_id(),
        },
        now,
    )
    .await
    .on_unique_violation(|| {
        Error::conflict(format!(
            "A token named \u{201c}{name}\u{201d} already exists."
        ))
    })?;
    let event = NewAuditEvent {
        action: "token.created",
        object_type: "api_token",
        object_id: Some(row.api_token_id.to_string()),
        detail: json!({ "name": name, "scopes": checked }),
    };
    ch.audit(event).await?;
    ch.commit().await?;
    Ok(CreatedToken {
        summary: row.into(),
        token,
    })
}

pub async fn list_tokens(
    p: &Platform,
    actor: &Actor,
    before: Option<i64>,
) -> Result<Vec<TokenSummary>> {
    actor.require(Permission::AdminTokens)?;
    Ok(store::list_tokens(&p.db, before.unwrap_or(i64::MAX), PAGE)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn revoke_token(p: &Platform, actor: &Actor, token_id: i64) -> Result<()> {
    actor.require(Permission::AdminTokens)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let name = store::revoke_token(ch.tx(), token_id, now)
        .await?
        .ok_or_else(|| Error::not_found("There is no active token with that id."))?;
    let event = NewAuditEvent {
        action: "token.revoked",
        object_type: "api_token",
        object_id: Some(token_id.to_string()),
        detail: json!({ "name": name }),
    };
    ch.audit(event).await?;
    ch.commit().await
}

/// The actor for a bearer token, or `Unauthenticated`. Marks the token used (at most once a
/// minute).
pub async fn actor_from_token(p: &Platform, token: &str, ip: Option<String>) -> Result<Actor> {
    if !token.starts_with("cf_") || token.len() > 100 {
        return Err(Error::Unauthenticated);
    }
    let row = store::token_by_hash(&p.db, &sha256_hex(token.as_bytes()))
        .await?
        .filter(|r| r.revoked_at.is_none())
        .ok_or(Error::Unauthenticated)?;
    let now = p.clock.now();
    if row.last_used_at.is_none_or(|t| now - t > 60_000) {
        // Bookkeeping, not a change anyone audits.
        let mut tx = p.db.begin().await?;
        store::touch_token(&mut tx, row.api_token_id, now).await?;
        tx.commit().await?;
    }
    Ok(Actor {
        principal: Principal::Token {
            token_id: row.api_token_id,
            name: row.name,
            scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
        },
        ip,
    })
}

/// The id of the account called `username` (for host-side commands).
pub async fn user_id_by_name(p: &Platform, actor: &Actor, username: &str) -> Result<i64> {
    actor.require(Permission::AdminUsers)?;
    let name = normalize_username(username).map_err(Error::Invalid)?;
    let row = store::user_by_name(&p.db, &name).await?;
    row.map(|r| r.user_id).ok_or_else(|| {
        Error::not_found(format!(
            "There is no account called \u{201c}{name}\u{201d}."
        ))
    })
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
