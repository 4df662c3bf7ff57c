//! SQL for accounts, API tokens, sign-in throttling and role policy.

use super::{TokenSummary, throttle};
use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis, db::Dialect},
};

/// An account row. Holds the password hash and TOTP seed, so it is neither `Debug` nor
/// `Serialize`.
#[derive(sqlx::FromRow)]
pub struct UserRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub tier: Option<i64>,
    pub disabled: bool,
    pub session_generation: i64,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub access_expires_at: Option<i64>,
    pub created_at: i64,
}

const USER_COLUMNS: &str = "user_id, username, display_name, password_hash, role, tier, disabled,
    session_generation, totp_secret, totp_pending_secret, totp_last_step, access_expires_at, created_at";

pub async fn user_by_name(db: &Db, username: &str) -> Result<Option<UserRow>> {
    let sql = format!("select {USER_COLUMNS} from app_user where username = $1");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(username)
        .fetch_optional(pool)
        .await)?)
}

pub async fn user_by_id(db: &Db, user_id: i64) -> Result<Option<UserRow>> {
    let sql = format!("select {USER_COLUMNS} from app_user where user_id = $1");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(pool)
        .await)?)
}

/// The row as seen inside `tx` (after the transaction's own writes).
pub async fn user_in_tx(tx: &mut Tx, user_id: i64) -> Result<Option<UserRow>> {
    let sql = format!("select {USER_COLUMNS} from app_user where user_id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_optional(c)
        .await)?)
}

pub async fn any_user_exists(db: &Db) -> Result<bool> {
    let row: Option<(i64,)> = on_pool!(db, |pool| sqlx::query_as(
        "select user_id from app_user limit 1"
    )
    .fetch_optional(pool)
    .await)?;
    Ok(row.is_some())
}

pub struct InsertUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub tier: Option<i64>,
}

pub async fn insert_user(tx: &mut Tx, u: InsertUser<'_>, now: Millis) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into app_user (username, display_name, password_hash, role, tier, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $6) returning user_id",
        )
        .bind(u.username)
        .bind(u.display_name)
        .bind(u.password_hash)
        .bind(u.role)
        .bind(u.tier)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

pub async fn set_role(
    tx: &mut Tx,
    user_id: i64,
    role: &str,
    tier: Option<i64>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("update app_user set role = $2, tier = $3, updated_at = $4 where user_id = $1")
            .bind(user_id)
            .bind(role)
            .bind(tier)
            .bind(now)
    )?;
    Ok(())
}

/// Disabling also ends every session of the account.
pub async fn set_disabled(tx: &mut Tx, user_id: i64, disabled: bool, now: Millis) -> Result<()> {
    execute_tx!(tx, sqlx::query(
            "update app_user set disabled = $2, session_generation = session_generation + 1, updated_at = $3
             where user_id = $1",
        )
        .bind(user_id)
        .bind(disabled)
        .bind(now))?;
    Ok(())
}

/// Sets the password hash and ends every session; returns the new session generation.
pub async fn set_password(
    tx: &mut Tx,
    user_id: i64,
    password_hash: &str,
    now: Millis,
) -> Result<i64> {
    let (generation,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "update app_user set password_hash = $2, session_generation = session_generation + 1, updated_at = $3
             where user_id = $1 returning session_generation",
        )
        .bind(user_id)
        .bind(password_hash)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(generation)
}

/// Ends every session of the account; returns the new generation.
pub async fn bump_session_generation(tx: &mut Tx, user_id: i64, now: Millis) -> Result<i64> {
    let (generation,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "update app_user set session_generation = session_generation + 1, updated_at = $2
             where user_id = $1 returning session_generation",
        )
        .bind(user_id)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(generation)
}

pub async fn set_access_expiry(
    tx: &mut Tx,
    user_id: i64,
    expires_at: Option<Millis>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update app_user set access_expires_at = $2, updated_at = $3 where user_id = $1"
        )
        .bind(user_id)
        .bind(expires_at)
        .bind(now)
    )?;
    Ok(())
}

pub async fn set_totp_pending(tx: &mut Tx, user_id: i64, secret: &str, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update app_user set totp_pending_secret = $2, updated_at = $3 where user_id = $1"
        )
        .bind(user_id)
        .bind(secret)
        .bind(now)
    )?;
    Ok(())
}

/// Makes the pending seed the active one and replaces the recovery codes.
pub async fn activate_totp(
    tx: &mut Tx,
    user_id: i64,
    secret: &str,
    step: i64,
    recovery_hashes: &[String],
    now: Millis,
) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "update app_user set totp_secret = $2, totp_pending_secret = null, totp_last_step = $3, updated_at = $4
             where user_id = $1",
        )
        .bind(user_id)
        .bind(secret)
        .bind(step)
        .bind(now)
        .execute(&mut *c)
        .await?;
        sqlx::query("delete from recovery_code where user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await?;
        for hash in recovery_hashes {
            sqlx::query(
                "insert into recovery_code (user_id, code_hash, created_at, updated_at) values ($1, $2, $3, $3)",
            )
            .bind(user_id)
            .bind(hash)
            .bind(now)
            .execute(&mut *c)
            .await?;
        }
        Ok::<_, sqlx::Error>(())
    })?;
    Ok(())
}

/// Records the TOTP step just used; returns false when it is not newer than the last one (a
/// replayed code), in which case nothing changes.
pub async fn advance_totp_step(tx: &mut Tx, user_id: i64, step: i64, now: Millis) -> Result<bool> {
    let done = execute_tx!(
        tx,
        sqlx::query(
            "update app_user set totp_last_step = $2, updated_at = $3
             where user_id = $1 and (totp_last_step is null or totp_last_step < $2)",
        )
        .bind(user_id)
        .bind(step)
        .bind(now)
    )?;
    Ok(done == 1)
}

pub async fn clear_totp(tx: &mut Tx, user_id: i64, now: Millis) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "update app_user set totp_secret = null, totp_pending_secret = null, totp_last_step = null,
                 updated_at = $2 where user_id = $1",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *c)
        .await?;
        sqlx::query("delete from recovery_code where user_id = $1")
            .bind(user_id)
            .execute(&mut *c)
            .await
            .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Spends an unused recovery code; returns whether one matched.
pub async fn spend_recovery_code(
    tx: &mut Tx,
    user_id: i64,
    code_hash: &str,
    now: Millis,
) -> Result<bool> {
    let done = execute_tx!(
        tx,
        sqlx::query(
            "update recovery_code set used_at = $3, updated_at = $3
             where user_id = $1 and code_hash = $2 and used_at is null",
        )
        .bind(user_id)
        .bind(code_hash)
        .bind(now)
    )?;
    Ok(done > 0)
}

/// Active (enabled) administrators, other than `except`. The accounts table is small.
pub async fn other_active_admins(tx: &mut Tx, except: i64) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "select count(*) from app_user where role = 'admin' and not disabled and user_id <> $1",
        )
        .bind(except)
        .fetch_one(c)
        .await
    })?;
    Ok(n)
}

/// A page of accounts ordered by username, after `after` (keyset).
pub async fn list_users(db: &Db, after: &str, limit: i64) -> Result<Vec<UserRow>> {
    let sql = format!(
        "select {USER_COLUMNS} from app_user where username > $1 order by username limit $2"
    );
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

// --- API tokens ---

#[derive(sqlx::FromRow)]
pub struct TokenRow {
    pub api_token_id: i64,
    pub name: String,
    pub token_prefix: String,
    pub scopes: String,
    /// The account the token acts for, if any.
    pub acts_for: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<TokenRow> for TokenSummary {
    fn from(r: TokenRow) -> Self {
        Self {
            api_token_id: r.api_token_id,
            name: r.name,
            token_prefix: r.token_prefix,
            scopes: r.scopes.split_whitespace().map(str::to_owned).collect(),
            acts_for: r.acts_for,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

const TOKEN_SELECT: &str = "select t.api_token_id, t.name, t.token_prefix, t.scopes,
    u.username as acts_for, t.created_at, t.last_used_at, t.revoked_at
    from api_token t left join app_user u on u.user_id = t.acts_for_user_id";

pub struct InsertToken<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub scopes: &'a str,
    pub created_by: Option<i64>,
    pub acts_for_user_id: Option<i64>,
}

pub async fn insert_token(tx: &mut Tx, t: InsertToken<'_>, now: Millis) -> Result<TokenRow> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into api_token (name, token_prefix, token_hash, scopes, created_by,
                 acts_for_user_id, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $7) returning api_token_id",
        )
        .bind(t.name)
        .bind(t.prefix)
        .bind(t.hash)
        .bind(t.scopes)
        .bind(t.created_by)
        .bind(t.acts_for_user_id)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    let sql = format!("{TOKEN_SELECT} where t.api_token_id = $1");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_one(c)
        .await)?)
}

/// Tokens, newest first, before `before` (keyset on id).
pub async fn list_tokens(db: &Db, before: i64, limit: i64) -> Result<Vec<TokenRow>> {
    let sql =
        format!("{TOKEN_SELECT} where t.api_token_id < $1 order by t.api_token_id desc limit $2");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(before)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// A token as authentication needs it: whether it still works, and the account it acts for.
#[derive(sqlx::FromRow)]
pub struct TokenAuthRow {
    pub api_token_id: i64,
    pub name: String,
    pub scopes: String,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The account that made it, or the one it acts for, is disabled.
    pub account_disabled: bool,
    pub acts_for_user_id: Option<i64>,
    pub acts_for_username: Option<String>,
    pub acts_for_role: Option<String>,
    pub acts_for_tier: Option<i64>,
}

pub async fn token_by_hash(db: &Db, hash: &str) -> Result<Option<TokenAuthRow>> {
    let sql = "select t.api_token_id, t.name, t.scopes, t.last_used_at, t.revoked_at,
            (coalesce(m.disabled, false) or coalesce(u.disabled, false)) as account_disabled,
            u.user_id as acts_for_user_id, u.username as acts_for_username,
            u.role as acts_for_role, u.tier as acts_for_tier
        from api_token t
        left join app_user m on m.user_id = t.created_by
        left join app_user u on u.user_id = t.acts_for_user_id
        where t.token_hash = $1";
    Ok(on_pool!(db, |pool| sqlx::query_as(sql)
        .bind(hash)
        .fetch_optional(pool)
        .await)?)
}

/// Revokes an active token; returns its name, or None when there is no such active token.
pub async fn revoke_token(tx: &mut Tx, token_id: i64, now: Millis) -> Result<Option<String>> {
    let row: Option<(String,)> = on_tx!(tx, |c| {
        sqlx::query_as(
            "update api_token set revoked_at = $2, updated_at = $2
             where api_token_id = $1 and revoked_at is null returning name",
        )
        .bind(token_id)
        .bind(now)
        .fetch_optional(c)
        .await
    })?;
    Ok(row.map(|r| r.0))
}

/// Marks a token used. Callers only do this when the stored time is over a minute old, so a
/// busy forwarder does not turn every request into a write.
pub async fn touch_token(tx: &mut Tx, token_id: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("update api_token set last_used_at = $2 where api_token_id = $1")
            .bind(token_id)
            .bind(now)
    )?;
    Ok(())
}

// --- Sign-in throttling ---

#[derive(sqlx::FromRow)]
struct ThrottleRow {
    failures: i64,
    last_failure_at: i64,
    locked_until: Option<i64>,
}

pub async fn throttle_state(db: &Db, key: &str) -> Result<throttle::State> {
    let row: Option<ThrottleRow> = on_pool!(db, |pool| {
        sqlx::query_as("select failures, last_failure_at, locked_until from login_throttle where throttle_key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await
    })?;
    Ok(row
        .map(|r| throttle::State {
            failures: r.failures,
            last_failure_at: r.last_failure_at,
            locked_until: r.locked_until,
        })
        .unwrap_or_default())
}

/// The state of `key` inside `tx`, locked until the transaction ends so concurrent failures
/// each count (SQLite's single writer serializes them anyway).
pub async fn throttle_state_for_update(
    tx: &mut Tx,
    key: &str,
    now: Millis,
) -> Result<throttle::State> {
    execute_tx!(
        tx,
        sqlx::query(
            "insert into login_throttle (throttle_key, failures, last_failure_at, created_at, updated_at)
             values ($1, 0, 0, $2, $2) on conflict (throttle_key) do nothing"
        )
        .bind(key)
        .bind(now)
    )?;
    let sql = match tx.dialect() {
        Dialect::Sqlite => {
            "select failures, last_failure_at, locked_until from login_throttle where throttle_key = $1"
        }
        Dialect::Postgres => {
            "select failures, last_failure_at, locked_until from login_throttle where throttle_key = $1 for update"
        }
    };
    let r: ThrottleRow = on_tx!(tx, |c| sqlx::query_as(sql).bind(key).fetch_one(c).await)?;
    Ok(throttle::State {
        failures: r.failures,
        last_failure_at: r.last_failure_at,
        locked_until: r.locked_until,
    })
}

pub async fn put_throttle(tx: &mut Tx, key: &str, s: &throttle::State, now: Millis) -> Result<()> {
    execute_tx!(tx, sqlx::query(
            "insert into login_throttle (throttle_key, failures, last_failure_at, locked_until, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $5)
             on conflict (throttle_key) do update set failures = excluded.failures,
                 last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until,
                 updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(s.failures)
        .bind(s.last_failure_at)
        .bind(s.locked_until)
        .bind(now))?;
    Ok(())
}

pub async fn clear_throttle(tx: &mut Tx, key: &str) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("delete from login_throttle where throttle_key = $1").bind(key)
    )?;
    Ok(())
}

// --- Role policy ---

pub async fn role_policies(db: &Db) -> Result<Vec<(String, bool)>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as("select role, mfa_required from role_policy order by role")
            .fetch_all(pool)
            .await
    })?)
}

pub async fn mfa_required(db: &Db, role: &str) -> Result<bool> {
    let row: Option<(bool,)> = on_pool!(db, |pool| {
        sqlx::query_as("select mfa_required from role_policy where role = $1")
            .bind(role)
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.is_some_and(|r| r.0))
}

pub async fn set_mfa_required(tx: &mut Tx, role: &str, required: bool, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("update role_policy set mfa_required = $2, updated_at = $3 where role = $1")
            .bind(role)
            .bind(required)
            .bind(now)
    )?;
    Ok(())
}

pub async fn purge_throttles(tx: &mut Tx, failed_before: Millis, now: Millis) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "delete from login_throttle
             where last_failure_at < $1 and (locked_until is null or locked_until < $2)"
        )
        .bind(failed_before)
        .bind(now)
    )?)
}
