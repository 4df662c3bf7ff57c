//! The sign-in page: password first, then the authenticator code when the account has one.

use leptos::prelude::*;

use super::action_error;
use crate::accounts::{
    LoginStep,
    api::{Login, LoginSecondFactor},
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let second = ServerAction::<LoginSecondFactor>::new();
    let needs_code = move || matches!(login.value().get(), Some(Ok(LoginStep::NeedsSecondFactor)));
    view! {
        <section class="panel narrow">
            <h1>"Sign in to Casefile"</h1>
            <Show
                when=needs_code
                fallback=move || view! {
                    <ActionForm action=login attr:class="stack">
                        <label for="username">"Username"</label>
                        <input id="username" name="username" autocomplete="username" required maxlength="64"/>
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password" autocomplete="current-password"
                            required maxlength="1024"/>
                        <button type="submit" class="primary" disabled=move || login.pending().get()>"Sign in"</button>
                    </ActionForm>
                    {action_error(login.value())}
                }
            >
                <ActionForm action=second attr:class="stack">
                    <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
                    <label for="code">"Authentication code"</label>
                    <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="64"/>
                    <button type="submit" class="primary" disabled=move || second.pending().get()>"Verify"</button>
                </ActionForm>
                {action_error(second.value())}
            </Show>
        </section>
    }
}
