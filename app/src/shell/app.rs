//! The application: one `<Router>` whose table lists every page.

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use super::{HomePage, Layout, NotFoundPage};
use crate::{
    accounts, accounts::pages::RequireUser, alerts, audit, cases, dashboard, evidence, fields,
    handover, notifications, outbox, playbooks, reports, roles::Permission, search, sla, templates,
    tiers, watchlists, workspace,
};

/// The whole application: one `<Router>` whose table lists every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Casefile"/>
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/login") view=accounts::pages::LoginPage/>
                    <Route path=path!("/alerts") view=alerts::pages::AlertQueuePage/>
                    <Route path=path!("/alerts/rules") view=alerts::pages::RuleFeedbackPage/>
                    <Route path=path!("/cases") view=cases::pages::CaseListPage/>
                    <Route path=path!("/cases/new") view=workspace::new_case::NewCasePage/>
                    // One case page whose sections have their own URLs; moving between them
                    // keeps the page (and an upload in progress) as it is.
                    <ParentRoute path=path!("/cases/:number") view=workspace::pages::CasePage>
                        <Route path=path!("") view=|| ()/>
                        <Route path=path!("timeline") view=|| ()/>
                        <Route path=path!("observables") view=|| ()/>
                        <Route path=path!("tasks") view=|| ()/>
                        <Route path=path!("evidence") view=|| ()/>
                    </ParentRoute>
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
                    <Route path=path!("/admin/sla") view=AdminSlaPage/>
                    <Route path=path!("/admin/webhooks") view=outbox::pages::AdminWebhooksPage/>
                    <Route path=path!("/admin/playbooks") view=playbooks::pages::AdminPlaybooksPage/>
                    <Route path=path!("/admin/watchlists") view=watchlists::pages::AdminWatchlistsPage/>
                    <Route path=path!("/admin/fields") view=fields::pages::AdminFieldsPage/>
                    <Route path=path!("/admin/templates") view=templates::pages::AdminTemplatesPage/>
                    <Route path=path!("/admin/rules") view=alerts::rules::pages::AlertRulesPage/>
                    <Route path=path!("/account") view=accounts::pages::AccountPage/>
                    <Route path=path!("/admin/accounts") view=accounts::pages::AdminAccountsPage/>
                    <Route path=path!("/admin/tokens") view=accounts::pages::AdminTokensPage/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// The SLA policy and the shift times share one settings page.
#[component]
fn AdminSlaPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AdminSettings>
            <sla::pages::SlaPolicy/>
            <handover::pages::ShiftSettings/>
        </RequireUser>
    }
}
