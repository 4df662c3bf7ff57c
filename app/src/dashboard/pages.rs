//! The dashboard page: the period chooser (presets and dates, carried in the address so a view
//! can be shared) and the charts.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::use_query_map,
};

use super::{Dashboard, PeriodQuery, api::manager_dashboard, charts::ChartFigure, date_of};
use crate::{
    accounts::pages::RequireUser, components::ErrorBox, components::When, roles::Permission,
};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::DashboardRead>
            <h1>"Dashboard"</h1>
            <Charts/>
        </RequireUser>
    }
}

#[component]
fn Charts() -> impl IntoView {
    let query = use_query_map();
    let period = Memo::new(move |_| {
        query.with(|q| PeriodQuery {
            from: q.get("from"),
            to: q.get("to"),
            days: q.get("days"),
            by: q.get("by").filter(|b| !b.is_empty()),
        })
    });
    let data = Resource::new(move || period.get(), manager_dashboard);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Loaded d by=period.get_untracked().by/> }.into_any(),
                    Err(error) => view! { <PeriodForm from=String::new() to=String::new() breakdowns=Vec::new()/> <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Loaded(d: Dashboard, by: Option<String>) -> impl IntoView {
    let mut q = d.period.query();
    // The CSV links of the breakdown chart name its field.
    q.by = by;
    let (from, to) = (date_of(d.period.first), date_of(d.period.last));
    let summary = format!(
        "{from} to {to} (UTC), {} days, trends per {}.",
        d.period.days(),
        d.bucket.name()
    );
    let refreshed = (d.refreshed_at > 0).then_some(d.refreshed_at);
    view! {
        <PeriodForm from=from.clone() to=to.clone() breakdowns=d.breakdowns.clone()/>
        <p class="muted" data-testid="dashboard-period">
            {summary} " Figures as of "
            {match refreshed {
                Some(ms) => view! { <When ms/> }.into_any(),
                None => view! { "the first count, which has not run yet" }.into_any(),
            }}
            "; they are recounted every minute."
        </p>
        <div class="charts">
            {d.charts.into_iter().map(|chart| view! { <ChartFigure chart period=q.clone()/> }).collect_view()}
        </div>
    }
}

#[component]
fn PeriodForm(from: String, to: String, breakdowns: Vec<(String, String)>) -> impl IntoView {
    let preset = |days: i64, text: &'static str| {
        view! { <li><A href=format!("/dashboard?days={days}")>{text}</A></li> }
    };
    view! {
        <section class="panel period" aria-labelledby="period-h">
            <h2 id="period-h">"Period"</h2>
            <Form method="GET" action="" attr:class="filters">
                <label>"From " <input type="date" name="from" value=from/></label>
                <label>"To " <input type="date" name="to" value=to/></label>
                <BreakdownSelect breakdowns/>
                <button type="submit">"Show"</button>
            </Form>
            <ul class="presets">
                {preset(7, "Last 7 days")}
                {preset(30, "Last 30 days")}
                {preset(90, "Last 90 days")}
                {preset(365, "Last year")}
            </ul>
        </section>
    }
}

/// Picks an enum custom field on cases to break the cases down by (`by` in the URL).
#[component]
fn BreakdownSelect(breakdowns: Vec<(String, String)>) -> impl IntoView {
    let query = use_query_map();
    let current = move || query.with(|q| q.get("by").unwrap_or_default());
    (!breakdowns.is_empty()).then(|| view! {
        <label>"Break cases down by "
            <select name="by">
                <option value="">"—"</option>
                {breakdowns.into_iter().map(|(name, label)| {
                    let n = name.clone();
                    view! { <option value=name selected=move || current() == n>{label}</option> }
                }).collect_view()}
            </select>
        </label>
    })
}
