//! API tokens: created with scopes no wider than the maker's role, listed, revoked, and turned
//! back into an actor on each request.

use serde_json::json;

use super::PAGE;
use crate::accounts::{
    CreatedToken, TokenSummary, normalize_token_name,
    roles::{self, Permission, parse_scope},
    store::{self, InsertToken},
};
use crate::{
    journal::{Change, NewAuditEvent},
    platform::{
        Actor, Error, Platform, Result,
        actor::{Account, Principal},
        error::ResultExt as _,
        secrets::{random_urlsafe, sha256_hex},
    },
};

/// Token format: `cf_` and 32 random bytes, base64url. The prefix length shown in lists.
const TOKEN_PREFIX_CHARS: usize = 10;

pub async fn create_token(
    p: &Platform,
    actor: &Actor,
    name: &str,
    scopes: &[String],
    acts_for: Option<&str>,
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
    // A token reaches no further than the role it works with: its maker's, or the role of
    // the account it acts for. Acting for someone else is an administrator's to set up (they
    // manage that account anyway); anyone who makes tokens may make one acting for themselves.
    let account = match acts_for.map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(username) => {
            let row = store::user_by_name(&p.db, &username.to_lowercase())
                .await?
                .filter(|u| !u.disabled)
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "`acts_for`: there is no active account named \u{201c}{username}\u{201d}."
                    ))
                })?;
            if actor.user_id() != Some(row.user_id) {
                actor.require(Permission::AdminUsers).map_err(|_| {
                    Error::forbidden(
                        "Only an administrator may make a token that acts for another account.",
                    )
                })?;
            }
            let role = roles::Role::parse(&row.role).map_err(Error::internal)?;
            Some((row.user_id, role))
        }
    };
    let granting_role = account.map(|(_, role)| role).or(actor.role());
    if let Some(role) = granting_role
        && let Some(beyond) = checked.iter().find(|s| !roles::role_may_grant(role, s))
    {
        let who = role.label().to_lowercase();
        let article = if who.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "An"
        } else {
            "A"
        };
        let whose = if account.is_some() {
            "the account it acts for"
        } else {
            "its maker's role"
        };
        return Err(Error::forbidden(format!(
            "{article} {who} cannot give a token the scope {beyond}: a token may only do what {whose} may. Tokens that read or work cases are created by a manager, or act for an analyst."
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
            acts_for_user_id: account.map(|(id, _)| id),
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
        detail: json!({ "name": name, "scopes": checked, "acts_for": row.acts_for }),
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
        .filter(|r| r.revoked_at.is_none() && !r.account_disabled)
        .ok_or(Error::Unauthenticated)?;
    let now = p.clock.now();
    if row.last_used_at.is_none_or(|t| now - t > 60_000) {
        // Bookkeeping, not a change anyone audits.
        let mut tx = p.db.begin().await?;
        store::touch_token(&mut tx, row.api_token_id, now).await?;
        tx.commit().await?;
    }
    let acts_for = match (
        row.acts_for_user_id,
        row.acts_for_username,
        row.acts_for_role,
    ) {
        (Some(user_id), Some(username), Some(role)) => Some(Account {
            user_id,
            username,
            role: roles::Role::parse(&role).map_err(Error::internal)?,
            tier: row
                .acts_for_tier
                .map(roles::Tier::new)
                .transpose()
                .map_err(Error::internal)?,
        }),
        _ => None,
    };
    Ok(Actor {
        principal: Principal::Token {
            token_id: row.api_token_id,
            name: row.name,
            scopes: row.scopes.split_whitespace().map(str::to_owned).collect(),
            acts_for,
        },
        ip,
    })
}
