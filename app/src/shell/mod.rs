//! The page frame: the HTML document, the header and navigation, the theme switch, the
//! signed-in user's context, and the pages that belong to no capability (home, not found).

mod app;
mod theme;

pub use app::App;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet};
use leptos_router::{components::A, hooks::use_location};

use crate::{
    accounts::{
        CurrentUser,
        api::Logout,
        pages::{RequireUser, provide_session_context, use_session},
    },
    notifications::pages::{Bell, Unread},
    roles::{Permission, Role, role_permits},
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_request_nonce();
    let theme = theme::requested_theme();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Hands the nonce the server put in the request to leptos, which adds it to every script tag
/// it writes, so the Content-Security-Policy needs no `unsafe-inline`.
#[cfg(feature = "ssr")]
fn provide_request_nonce() {
    use crate::platform::actor::CspNonce;
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

/// Header, navigation and the main landmark.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    provide_session_context();
    let session = use_session();
    let logout = expect_context::<ServerAction<Logout>>();
    let location = use_location();
    let unread = Unread::new(Memo::new(move |_| location.pathname.get()));
    view! {
        <Stylesheet id="leptos" href="/pkg/casefile.css"/>
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href="/" attr:class="brand">"Casefile"</A>
            <nav aria-label="Main">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let user = session.0.await.ok().flatten();
                        user.map(|user| {
                            let admin = user.role == Role::Admin;
                            let triage = role_permits(user.role, Permission::AlertRead);
                            view! {
                                <ul class="nav">
                                    <li><A href="/">"Home"</A></li>
                                    {triage.then(|| view! { <li><A href="/alerts">"Alerts"</A></li> })}
                                    {role_permits(user.role, Permission::CaseRead).then(|| view! {
                                        <li><A href="/cases">"Cases"</A></li>
                                        <li><A href=format!("/queues/{}", user.tier.map_or(1, |t| t.get()))>"Queues"</A></li>
                                        <li><A href="/search">"Search"</A></li>
                                    })}
                                    {(user.role == Role::Analyst).then(|| view! { <li><A href="/my-work">"My work"</A></li> })}
                                    {role_permits(user.role, Permission::HandoverRead).then(|| view! { <li><A href="/handover">"Handover"</A></li> })}
                                    {role_permits(user.role, Permission::DashboardRead).then(|| view! {
                                        <li><A href="/dashboard">"Dashboard"</A></li>
                                        <li><A href="/workload">"Workload"</A></li>
                                    })}
                                    {role_permits(user.role, Permission::AuditRead).then(|| view! { <li><A href="/audit">"Audit log"</A></li> })}
                                    {role_permits(user.role, Permission::AlertRulesWrite).then(|| view! {
                                        <li><A href="/admin/rules">"Alert rules"</A></li>
                                    })}
                                    {(!admin && role_permits(user.role, Permission::AdminTokens)).then(|| view! {
                                        <li><A href="/admin/tokens">"API tokens"</A></li>
                                    })}
                                    {admin.then(|| view! {
                                        <li><A href="/admin/accounts">"Accounts"</A></li>
                                        <li><A href="/admin/tokens">"API tokens"</A></li>
                                        <li><A href="/admin/playbooks">"Playbooks"</A></li>
                                        <li><A href="/admin/watchlists">"Watchlists"</A></li>
                                        <li><A href="/admin/fields">"Custom fields"</A></li>
                                        <li><A href="/admin/templates">"Case templates"</A></li>
                                        <li><A href="/admin/sla">"SLA and shifts"</A></li>
                                        <li><A href="/admin/webhooks">"Webhooks"</A></li>
                                    })}
                                    <li><A href="/account">"My account"</A></li>
                                </ul>
                                <span class="whoami">{user.display_name.clone()}" · "{user.role.label()}</span>
                                <ActionForm action=logout attr:class="inline">
                                    <button type="submit" class="link">"Sign out"</button>
                                </ActionForm>
                            }
                        })
                    })}
                </Transition>
            </nav>
            <Bell unread/>
            <theme::ThemeSwitch/>
        </header>
        <main id="main" tabindex="-1">{children()}</main>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <RequireUser>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    session.0.await.ok().flatten().map(|user| view! { <Home user/> })
                })}
            </Transition>
        </RequireUser>
    }
}

#[component]
fn Home(user: CurrentUser) -> impl IntoView {
    let tier = user
        .tier
        .map(|t| format!(" · Tier {}", t.get()))
        .unwrap_or_default();
    view! {
        <section class="panel">
            <h1>"Welcome, " {user.display_name.clone()}</h1>
            <p>"Signed in as " <strong>{user.username.clone()}</strong> " — " {user.role.label()} {tier}</p>
            {user.mfa_enrolment_due.then(|| view! {
                <p class="warning" role="alert">
                    "Your role requires two-factor sign-in. "
                    <A href="/account">"Set up an authenticator app"</A>
                    " to continue."
                </p>
            })}
        </section>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <A href="/">"Go to the start page"</A>"."</p>
        </section>
    }
}

/// Browser entry point: attaches the wasm half to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A marker browser tests wait for before they click (and that shows hydration finished).
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
