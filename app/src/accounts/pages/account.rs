//! "My account": change password, set up two-factor sign-in.

use leptos::prelude::*;

use super::action_error;
use crate::{
    accounts::api::{BeginTotp, ChangePassword, ConfirmTotp},
    accounts::pages::{RequireUser, use_session},
};

#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <RequireUser>
            <h1>"My account"</h1>
            <div class="columns">
                <ChangePasswordPanel/>
                <TwoFactorPanel/>
            </div>
        </RequireUser>
    }
}

#[component]
fn ChangePasswordPanel() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <section class="panel" aria-labelledby="pw-heading">
            <h2 id="pw-heading">"Change password"</h2>
            <ActionForm action=change attr:class="stack">
                <label for="current">"Current password"</label>
                <input id="current" name="current" type="password" autocomplete="current-password" required maxlength="1024"/>
                <label for="new">"New password (at least 12 characters)"</label>
                <input id="new" name="new" type="password" autocomplete="new-password" required minlength="12" maxlength="1024"/>
                <label for="confirm">"Repeat the new password"</label>
                <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="12" maxlength="1024"/>
                <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
            <Show when=done>
                <p class="success" role="status">"Password changed. Your other sessions have been signed out."</p>
            </Show>
            {action_error(change.value())}
        </section>
    }
}

#[component]
fn TwoFactorPanel() -> impl IntoView {
    let session = use_session();
    let begin = ServerAction::<BeginTotp>::new();
    let confirm = ServerAction::<ConfirmTotp>::new();
    let enrolled = move || {
        session
            .0
            .get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.mfa_enrolled)
            || matches!(confirm.value().get(), Some(Ok(_)))
    };
    view! {
        <section class="panel" aria-labelledby="mfa-heading">
            <h2 id="mfa-heading">"Two-factor sign-in"</h2>
            <Transition fallback=|| ()>
                {move || match (enrolled(), confirm.value().get(), begin.value().get()) {
                    (_, Some(Ok(codes)), _) => view! {
                        <p class="success" role="status">"Two-factor sign-in is on."</p>
                        <p>"Keep these recovery codes somewhere safe. Each works once if you lose your phone; they are not shown again."</p>
                        <ul class="codes">{codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}</ul>
                    }.into_any(),
                    (true, _, _) => view! {
                        <p>"Two-factor sign-in is on for your account."</p>
                    }.into_any(),
                    (false, _, Some(Ok(enrolment))) => view! {
                        <p>"Scan this code with your authenticator app, then enter the 6-digit code it shows."</p>
                        <img class="qr" src=format!("data:image/png;base64,{}", enrolment.qr_png_base64)
                            alt="QR code for your authenticator app" width="200" height="200"/>
                        <p>"Or enter this key by hand: " <code class="secret">{enrolment.secret_base32.clone()}</code></p>
                        <ActionForm action=confirm attr:class="stack">
                            <label for="totp-code">"Code from the app"</label>
                            <input id="totp-code" name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="6"/>
                            <button type="submit" class="primary">"Turn on two-factor sign-in"</button>
                        </ActionForm>
                        {action_error(confirm.value())}
                    }.into_any(),
                    (false, _, _) => view! {
                        <p>"Protect your account with a code from an authenticator app as well as your password."</p>
                        <ActionForm action=begin>
                            <button type="submit" class="primary">"Set up an authenticator app"</button>
                        </ActionForm>
                        {action_error(begin.value())}
                    }.into_any(),
                }}
            </Transition>
        </section>
    }
}
