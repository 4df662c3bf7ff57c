//! Who is acting: a signed-in person, an API token, or the system itself (CLI, background jobs),
//! and the permission check every service starts with.

use crate::roles::{Permission, Role, Tier, role_permits, scope_permits};

use super::error::{Error, Result};

#[derive(Debug, Clone)]
pub enum Principal {
    User {
        user_id: i64,
        username: String,
        role: Role,
        tier: Option<Tier>,
        /// The role requires two-factor sign-in and this account has not enrolled yet: until it
        /// does, it may only manage itself.
        mfa_enrolment_due: bool,
    },
    Token {
        token_id: i64,
        name: String,
        scopes: Vec<String>,
        /// The account the token works as, narrowed to its scopes; `None` for a machine token
        /// (a forwarder), which belongs to no one.
        acts_for: Option<Account>,
    },
    /// The operator on the host (CLI) or a background job; trusted with everything.
    System { label: &'static str },
}

/// The account a token acts for.
#[derive(Debug, Clone)]
pub struct Account {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub tier: Option<Tier>,
}

#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    /// The client address the request came from, when there was a request.
    pub ip: Option<String>,
}

impl Actor {
    pub fn system(label: &'static str) -> Self {
        Self {
            principal: Principal::System { label },
            ip: None,
        }
    }

    /// Fails with `Forbidden` unless this actor holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        let allowed = match &self.principal {
            Principal::User {
                mfa_enrolment_due: true,
                ..
            } => {
                return Err(Error::forbidden(
                    "Your role requires two-factor sign-in. Enrol an authenticator app on your account page first.",
                ));
            }
            Principal::User { role, .. } => role_permits(*role, permission),
            Principal::Token {
                scopes, acts_for, ..
            } => {
                // Posting alerts reads nothing and no role holds it: the scope alone grants it.
                let role_allows = match acts_for {
                    Some(a) => {
                        permission == Permission::AlertIngest || role_permits(a.role, permission)
                    }
                    None => true,
                };
                role_allows && scopes.iter().any(|s| scope_permits(s, permission))
            }
            Principal::System { .. } => true,
        };
        match allowed {
            true => Ok(()),
            false => Err(Error::forbidden(format!(
                "Your account is not allowed to do this (needs {}).",
                permission.name()
            ))),
        }
    }

    /// The acting account's id (a signed-in user, or the account a token acts for);
    /// `Unauthenticated` for machine tokens and the system.
    pub fn require_user(&self) -> Result<i64> {
        self.user_id().ok_or(Error::Unauthenticated)
    }

    pub fn user_id(&self) -> Option<i64> {
        match &self.principal {
            Principal::User { user_id, .. } => Some(*user_id),
            Principal::Token {
                acts_for: Some(a), ..
            } => Some(a.user_id),
            _ => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match &self.principal {
            Principal::User { role, .. } => Some(*role),
            Principal::Token {
                acts_for: Some(a), ..
            } => Some(a.role),
            _ => None,
        }
    }

    pub fn tier(&self) -> Option<Tier> {
        match &self.principal {
            Principal::User { tier, .. } => *tier,
            Principal::Token {
                acts_for: Some(a), ..
            } => a.tier,
            _ => None,
        }
    }

    /// The API token behind this actor, if any (rate limits and idempotency keys are per token).
    pub fn token_id(&self) -> Option<i64> {
        match &self.principal {
            Principal::Token { token_id, .. } => Some(*token_id),
            _ => None,
        }
    }

    /// How the actor is named on the audit log: `alice`, `token:splunk-forwarder`,
    /// `alice via token:soar` (a token acting for alice), `system:cli`.
    pub fn label(&self) -> String {
        match &self.principal {
            Principal::User { username, .. } => username.clone(),
            Principal::Token {
                name,
                acts_for: Some(a),
                ..
            } => format!("{} via token:{name}", a.username),
            Principal::Token { name, .. } => format!("token:{name}"),
            Principal::System { label } => format!("system:{label}"),
        }
    }
}

/// The client address of the current request, as the server decided it (the socket peer, or
/// the forwarded address when behind a trusted proxy). Put in request extensions by the server.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// The per-request Content-Security-Policy nonce, chosen by the server's header middleware and
/// put in request extensions so the page's hydration scripts can carry it.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);
