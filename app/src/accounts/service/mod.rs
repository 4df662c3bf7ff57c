//! Account use cases: sign-in and its second factor, sessions, self-service, administration of
//! accounts, role policy and API tokens. Each follows authorize → transaction → audit → commit.
//!
//! One file per use case (sign-in, own account, administration, tokens); this file holds the
//! row mapping they share.

mod administration;
mod own_account;
mod sign_in;
mod tokens;

pub use administration::*;
pub use own_account::*;
pub use sign_in::*;
pub use tokens::*;

use super::{
    UserSummary, normalize_username,
    roles::{Permission, Role, Tier},
    store::{self, UserRow},
};
use crate::{
    journal::NewAuditEvent,
    platform::{Actor, Error, Platform, Result},
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
