//! Server functions for sign-in, self-service and account administration. Each resolves the
//! actor, makes one service call and returns a view type; all checks live in the service.

use leptos::prelude::*;

use super::{CreatedToken, LoginStep, RolePolicy, TokenSummary, TotpEnrolment, UserSummary};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {
    super::{NewUser, context, parse_tier_field, service},
    crate::platform::{Error, secrets::Secret},
};

#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(username: String, password: String) -> AppResult<LoginStep> {
    let ctx = context::request().await?;
    let step = service::login(
        &ctx.platform,
        &ctx.session,
        ctx.ip,
        &username,
        Secret::new(password),
    )
    .await?;
    if step == LoginStep::SignedIn {
        leptos_axum::redirect("/");
    }
    Ok(step)
}

#[server(prefix = "/rpc", endpoint = "login_second_factor")]
pub async fn login_second_factor(code: String) -> AppResult<()> {
    let ctx = context::request().await?;
    service::login_second_factor(&ctx.platform, &ctx.session, ctx.ip, &code).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> AppResult<()> {
    let ctx = context::request().await?;
    let actor = service::actor_from_session(&ctx.platform, &ctx.session, ctx.ip).await?;
    service::logout(&ctx.platform, &ctx.session, &actor).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user, or `None` when nobody is (not an error: the login page asks too).
#[server(prefix = "/rpc", endpoint = "current_user")]
pub async fn current_user() -> AppResult<Option<super::CurrentUser>> {
    match context::current_actor().await {
        Ok((p, actor)) => Ok(Some(service::current_user(&p, &actor).await?)),
        Err(Error::Unauthenticated) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

#[server(prefix = "/rpc", endpoint = "change_password")]
pub async fn change_password(current: String, new: String, confirm: String) -> AppResult<()> {
    if new != confirm {
        return Err(Error::invalid("The new password and its confirmation differ.").into());
    }
    let ctx = context::request().await?;
    let actor = service::actor_from_session(&ctx.platform, &ctx.session, ctx.ip).await?;
    Ok(service::change_password(
        &ctx.platform,
        &ctx.session,
        &actor,
        Secret::new(current),
        Secret::new(new),
    )
    .await?)
}

#[server(prefix = "/rpc", endpoint = "begin_totp")]
pub async fn begin_totp() -> AppResult<TotpEnrolment> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::begin_totp(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "confirm_totp")]
pub async fn confirm_totp(code: String) -> AppResult<Vec<String>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::confirm_totp(&p, &actor, &code).await?)
}

#[server(prefix = "/rpc", endpoint = "list_users")]
pub async fn list_users(after: Option<String>) -> AppResult<Vec<UserSummary>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::list_users(&p, &actor, after).await?)
}

#[server(prefix = "/rpc", endpoint = "create_user")]
pub async fn create_user(
    username: String,
    display_name: String,
    role: String,
    tier: String,
    password: String,
) -> AppResult<UserSummary> {
    let (p, actor) = context::current_actor().await?;
    let tier = parse_tier_field(&tier).map_err(Error::Invalid)?;
    let input = NewUser {
        username,
        display_name,
        role,
        tier,
    };
    Ok(service::create_user(&p, &actor, input, Secret::new(password)).await?)
}

#[server(prefix = "/rpc", endpoint = "change_role")]
pub async fn change_role(user_id: i64, role: String, tier: String) -> AppResult<UserSummary> {
    let (p, actor) = context::current_actor().await?;
    let tier = parse_tier_field(&tier).map_err(Error::Invalid)?;
    Ok(service::change_role(&p, &actor, user_id, &role, tier).await?)
}

#[server(prefix = "/rpc", endpoint = "set_user_disabled")]
pub async fn set_user_disabled(user_id: i64, disabled: bool) -> AppResult<UserSummary> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_disabled(&p, &actor, user_id, disabled).await?)
}

#[server(prefix = "/rpc", endpoint = "reset_password")]
pub async fn reset_password(user_id: i64, password: String) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::reset_password(&p, &actor, user_id, Secret::new(password)).await?)
}

#[server(prefix = "/rpc", endpoint = "revoke_sessions")]
pub async fn revoke_sessions(user_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::revoke_sessions(&p, &actor, user_id).await?)
}

#[server(prefix = "/rpc", endpoint = "reset_mfa")]
pub async fn reset_mfa(user_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::reset_mfa(&p, &actor, user_id).await?)
}

#[server(prefix = "/rpc", endpoint = "role_policies")]
pub async fn role_policies() -> AppResult<Vec<RolePolicy>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::role_policies(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "set_mfa_required")]
pub async fn set_mfa_required(role: String, required: bool) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_mfa_required(&p, &actor, &role, required).await?)
}

#[server(prefix = "/rpc", endpoint = "list_tokens")]
pub async fn list_tokens(before: Option<i64>) -> AppResult<Vec<TokenSummary>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::list_tokens(&p, &actor, before).await?)
}

#[server(prefix = "/rpc", endpoint = "create_token")]
pub async fn create_token(
    name: String,
    scopes: Vec<String>,
    #[server(default)] acts_for: String,
) -> AppResult<CreatedToken> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::create_token(&p, &actor, &name, &scopes, Some(&acts_for)).await?)
}

#[server(prefix = "/rpc", endpoint = "revoke_token")]
pub async fn revoke_token(api_token_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::revoke_token(&p, &actor, api_token_id).await?)
}
