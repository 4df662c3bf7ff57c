//! Administering accounts: create, role and tier, disable, reset password or MFA, revoke
//! sessions, access expiry, the MFA policy per role, the first administrator.

use serde_json::json;

use super::{PAGE, summary, user_event};
use crate::accounts::{
    NewUser, RolePolicy, UserSummary, normalize_display_name, normalize_username,
    roles::{Permission, Role, Tier, check_role_tier},
    store::{self, InsertUser, UserRow},
};
use crate::{
    journal::{Change, NewAuditEvent},
    platform::{
        Actor, Error, Platform, Result,
        clock::Millis,
        error::ResultExt as _,
        passwords::check_new_password,
        secrets::{Secret, random_urlsafe},
    },
};

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
