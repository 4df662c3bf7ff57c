//! Casefile's application crate: pages, server functions, domain rules, services and SQL.
//!
//! Compiled twice by cargo-leptos: natively with feature `ssr` (linked into the `casefile` binary)
//! and to wasm with feature `hydrate` (the browser half).

#![recursion_limit = "256"]

pub mod accounts;
pub mod alerts;
pub mod attack;
pub mod audit;
pub mod cases;
pub mod components;
pub mod dashboard;
pub mod errors;
pub mod evidence;
pub mod exports;
pub mod handover;
pub mod notifications;
pub mod observables;
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod platform;
pub mod playbooks;
pub mod reports;
pub mod search;
pub mod shell;
pub mod sla;
#[cfg(feature = "test-support")]
pub mod testing;
#[cfg(feature = "ssr")]
pub mod thehive;
pub mod tiers;
pub mod validate;
pub mod watchlists;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

pub use shell::shell;

/// The whole application: one `<Router>` whose table lists every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Casefile"/>
        <Router>
            <shell::Layout>
                <Routes fallback=shell::NotFoundPage>
                    <Route path=path!("/") view=shell::HomePage/>
                    <Route path=path!("/login") view=accounts::pages::LoginPage/>
                    <Route path=path!("/alerts") view=alerts::pages::AlertQueuePage/>
                    <Route path=path!("/alerts/rules") view=alerts::pages::RuleFeedbackPage/>
                    <Route path=path!("/cases") view=cases::pages::CaseListPage/>
                    <Route path=path!("/cases/new") view=cases::pages::NewCasePage/>
                    <Route path=path!("/cases/:number") view=cases::pages::CasePage/>
                    <Route path=path!("/cases/:number/report") view=reports::pages::ReportPage/>
                    <Route path=path!("/evidence/:id") view=evidence::pages::EvidencePage/>
                    <Route path=path!("/search") view=search::pages::SearchPage/>
                    <Route path=path!("/my-work") view=tiers::pages::MyWorkPage/>
                    <Route path=path!("/queues/:tier") view=tiers::pages::TierQueuePage/>
                    <Route path=path!("/workload") view=tiers::pages::WorkloadPage/>
                    <Route path=path!("/dashboard") view=dashboard::pages::DashboardPage/>
                    <Route path=path!("/notifications") view=notifications::pages::NotificationsPage/>
                    <Route path=path!("/handover") view=handover::pages::HandoverPage/>
                    <Route path=path!("/handover/:id") view=handover::pages::HandoverRecordPage/>
                    <Route path=path!("/audit") view=audit::pages::AuditLogPage/>
                    <Route path=path!("/admin/sla") view=sla::pages::AdminSlaPage/>
                    <Route path=path!("/admin/webhooks") view=outbox::pages::AdminWebhooksPage/>
                    <Route path=path!("/admin/playbooks") view=playbooks::pages::AdminPlaybooksPage/>
                    <Route path=path!("/admin/watchlists") view=watchlists::pages::AdminWatchlistsPage/>
                    <Route path=path!("/account") view=accounts::pages::AccountPage/>
                    <Route path=path!("/admin/accounts") view=accounts::pages::AdminAccountsPage/>
                    <Route path=path!("/admin/tokens") view=accounts::pages::AdminTokensPage/>
                </Routes>
            </shell::Layout>
        </Router>
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
