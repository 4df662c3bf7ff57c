//! Accounts and access: people, their roles and tiers, sign-in (password, TOTP, throttling),
//! sessions, API tokens for machines. This file holds the shared types and the pure rules.

pub mod api;
#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod idempotency;
pub mod pages;
pub use crate::roles;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod totp;

use serde::{Deserialize, Serialize};

use roles::{Role, Tier};

/// The signed-in person as pages see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub tier: Option<Tier>,
    pub mfa_enrolled: bool,
    /// The role requires TOTP and the account has none yet: pages send them to enrol.
    pub mfa_enrolment_due: bool,
}

/// A row of the admin accounts table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub tier: Option<Tier>,
    pub disabled: bool,
    pub mfa_enrolled: bool,
    pub access_expires_at: Option<i64>,
    pub created_at: i64,
}

/// Input for a new account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub tier: Option<i64>,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub api_token_id: i64,
    pub name: String,
    pub token_prefix: String,
    pub scopes: Vec<String>,
    /// The account the token acts for: it works as that account, narrowed to its scopes.
    pub acts_for: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreatedToken {
    pub summary: TokenSummary,
    pub token: String,
}

/// What an authenticator app needs to enrol.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    /// PNG, base64, for an `<img src="data:image/png;base64,…">`.
    pub qr_png_base64: String,
}

/// Whether a role must sign in with TOTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolePolicy {
    pub role: Role,
    pub mfa_required: bool,
}

/// Where a sign-in attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginStep {
    SignedIn,
    /// The password was right; the authenticator code (or a recovery code) is next.
    NeedsSecondFactor,
}

/// Lower-cases and checks a username: 2–64 characters of `a-z 0-9 . _ -`, starting with a
/// letter or digit.
pub fn normalize_username(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        return Err("Enter a username.".into());
    }
    if !(2..=64).contains(&name.chars().count()) {
        return Err("A username has 2 to 64 characters.".into());
    }
    let allowed =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
    if !name.chars().all(allowed) || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(
            "A username may use letters, digits, dots, dashes and underscores, and starts with a letter or digit."
                .into(),
        );
    }
    Ok(name)
}

/// Trims and checks a display name: 1–100 characters, no control characters.
pub fn normalize_display_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Enter a display name.".into());
    }
    if name.chars().count() > 100 {
        return Err("A display name has at most 100 characters.".into());
    }
    if name.chars().any(char::is_control) {
        return Err("A display name cannot contain control characters.".into());
    }
    Ok(name.to_owned())
}

/// Checks a token name: 1–64 characters, no control characters.
pub fn normalize_token_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err("A token name has 1 to 64 printable characters.".into());
    }
    Ok(name.to_owned())
}

/// Sign-in throttling: how failures turn into back-off and then a lock.
pub mod throttle {
    /// Failures are forgotten this long after the last one.
    pub const WINDOW_MS: i64 = 15 * 60 * 1000;
    /// How long a lock lasts.
    pub const LOCK_MS: i64 = 15 * 60 * 1000;

    /// Thresholds for one kind of key.
    #[derive(Debug, Clone, Copy)]
    pub struct Policy {
        /// Failures allowed before any delay.
        pub free: i64,
        /// Failures at which the key is locked for [`LOCK_MS`].
        pub lock_at: i64,
    }

    /// Per account: a person mistyping gets a few tries; a guesser is stopped quickly.
    pub const PER_ACCOUNT: Policy = Policy {
        free: 5,
        lock_at: 10,
    };
    /// Per client address: higher, because several people may share one (NAT, a SOC floor).
    pub const PER_ADDRESS: Policy = Policy {
        free: 20,
        lock_at: 50,
    };

    /// The stored state of one key.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct State {
        pub failures: i64,
        pub last_failure_at: i64,
        pub locked_until: Option<i64>,
    }

    /// Milliseconds to wait before another attempt is allowed, if any.
    pub fn wait_ms(state: &State, now: i64) -> Option<i64> {
        state
            .locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// The state after one more failure at `now`: exponential back-off (1 s, 2 s, 4 s, …) once
    /// past the free attempts, then a lock.
    pub fn after_failure(state: &State, now: i64, policy: Policy) -> State {
        let failures = match now - state.last_failure_at > WINDOW_MS {
            true => 1,
            false => state.failures + 1,
        };
        let locked_until = if failures >= policy.lock_at {
            Some(now + LOCK_MS)
        } else if failures >= policy.free {
            let exp = (failures - policy.free).min(10) as u32;
            Some(now + 1000 * 2i64.pow(exp))
        } else {
            None
        };
        State {
            failures,
            last_failure_at: now,
            locked_until,
        }
    }

    /// The state after an attempt counted in advance proved right: that failure is taken
    /// back, and with it a back-off the key would not have reached without it.
    pub fn refund(state: &State, policy: Policy) -> State {
        let failures = (state.failures - 1).max(0);
        State {
            failures,
            last_failure_at: state.last_failure_at,
            locked_until: state.locked_until.filter(|_| failures >= policy.free),
        }
    }

    /// The message for a refused attempt.
    pub fn message(wait_ms: i64) -> String {
        let secs = (wait_ms + 999) / 1000;
        if secs > 60 {
            format!(
                "Too many failed sign-ins: sign-in is locked for {} more minutes. Ask an administrator if you need access sooner.",
                (secs + 59) / 60
            )
        } else {
            format!("Too many failed sign-ins. Wait {secs} seconds and try again.")
        }
    }
}

/// Reads an optional tier from a form field ("" means none).
pub fn parse_tier_field(raw: &str) -> Result<Option<i64>, String> {
    match raw.trim() {
        "" => Ok(None),
        t => t
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("Tier must be 1, 2 or 3, not \u{201c}{t}\u{201d}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::throttle::*;
    use super::*;

    #[test]
    fn usernames_are_lower_cased_and_checked() {
        assert_eq!(
            normalize_username("  Alice.Smith "),
            Ok("alice.smith".into())
        );
        assert!(normalize_username("").is_err());
        assert!(normalize_username("a").is_err());
        assert!(normalize_username("-alice").is_err());
        assert!(normalize_username("alice smith").is_err());
        assert!(normalize_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn display_names_refuse_control_characters_and_excess_length() {
        assert_eq!(normalize_display_name(" Alice "), Ok("Alice".into()));
        assert!(normalize_display_name("a\u{0007}b").is_err());
        assert!(normalize_display_name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn failures_back_off_then_lock() {
        let mut s = State::default();
        let now = 10 * WINDOW_MS;
        for _ in 0..4 {
            s = after_failure(&s, now, PER_ACCOUNT);
            assert_eq!(wait_ms(&s, now), None);
        }
        s = after_failure(&s, now, PER_ACCOUNT);
        assert_eq!(wait_ms(&s, now), Some(1000));
        s = after_failure(&s, now, PER_ACCOUNT);
        assert_eq!(wait_ms(&s, now), Some(2000));
        for _ in 0..4 {
            s = after_failure(&s, now, PER_ACCOUNT);
        }
        assert_eq!(s.failures, 10);
        assert_eq!(wait_ms(&s, now), Some(LOCK_MS));
        assert!(message(LOCK_MS).contains("locked for 15 more minutes"));
    }

    #[test]
    fn a_right_answer_takes_its_counted_attempt_back() {
        let s = State::default();
        let counted = after_failure(&s, 1_000, PER_ACCOUNT);
        assert_eq!(refund(&counted, PER_ACCOUNT).failures, 0);
        let mut s = State::default();
        for i in 0..PER_ADDRESS.free {
            s = after_failure(&s, 1_000 + i, PER_ADDRESS);
        }
        assert!(
            s.locked_until.is_some(),
            "the counted attempt reached the back-off"
        );
        let back = refund(&s, PER_ADDRESS);
        assert_eq!(back.failures, PER_ADDRESS.free - 1);
        assert_eq!(back.locked_until, None, "and the back-off goes with it");
    }

    #[test]
    fn failures_are_forgotten_after_the_window() {
        let s = State {
            failures: 9,
            last_failure_at: 0,
            locked_until: None,
        };
        let s = after_failure(&s, WINDOW_MS + 1, PER_ACCOUNT);
        assert_eq!(s.failures, 1);
        assert_eq!(wait_ms(&s, WINDOW_MS + 1), None);
    }
}
