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
        })
    });
    let data = Resource::new(move || period.get(), manager_dashboard);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Loaded d/> }.into_any(),
                    Err(error) => view! { <PeriodForm from=String::new() to=String::new()/> <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Loaded(d: Dashboard) -> impl IntoView {
    let q = d.period.query();
    let (from, to) = (date_of(d.period.first), date_of(d.period.last));
    let summary = format!(
        "{from} to {to} (UTC), {} days, trends per {}.",
        d.period.days(),
        d.bucket.name()
    );
    let refreshed = (d.refreshed_at > 0).then_some(d.refreshed_at);
    view! {
        <PeriodForm from=from.clone() to=to.clone()/>
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
fn PeriodForm(from: String, to: String) -> impl IntoView {
    let preset = |days: i64, text: &'static str| {
        view! { <li><A href=format!("/dashboard?days={days}")>{text}</A></li> }
    };
    view! {
        <section class="panel period" aria-labelledby="period-h">
            <h2 id="period-h">"Period"</h2>
            <Form method="GET" action="" attr:class="filters">
                <label>"From " <input type="date" name="from" value=from/></label>
                <label>"To " <input type="date" name="to" value=to/></label>
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
