//! The case list page (one case's page, and opening a case, are the workspace's).

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::{use_location, use_query_map},
};

use super::{CaseFilter, CaseStatus, CaseSummary, api::case_list};
use crate::{
    accounts::pages::RequireUser,
    components::{ErrorBox, utc},
    fields::{Target, pages::FieldFilterInputs},
    roles::Permission,
};

#[component]
pub fn CaseListPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::CaseRead>
            <CaseList/>
        </RequireUser>
    }
}

#[component]
fn CaseList() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k).filter(|v| !v.is_empty()));
    let filter = Memo::new(move |_| CaseFilter::from_page_query(|k| query.with(|q| q.get(k))));
    let cursor = Memo::new(move |_| param("cursor"));
    let page = Resource::new(
        move || (filter.get(), cursor.get()),
        |(f, c)| case_list(f, c),
    );
    let current = move |k: &'static str| param(k).unwrap_or_default();
    let location = use_location();
    view! {
        <div class="page-head">
            <h1>"Cases"</h1>
            <A href="/cases/new">"Open a case"</A>
            <a href=move || format!("/cases/export.csv{}", location.search.get()) download>"Export CSV"</a>
        </div>
        <Form method="GET" action="/cases" attr:class="filters" attr:aria-label="Filter cases">
            <label>"Status "
                <select name="status">
                    <option value="open">"open"</option>
                    {CaseStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || current("status") == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                    <option value="any" selected=move || current("status") == "any">"any"</option>
                </select>
            </label>
            <label>"Number or title " <input name="q" size="24" prop:value=move || current("q")/></label>
            <FieldFilterInputs target=Target::Case own_order="Newest first"/>
            <button type="submit">"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let next = page.next.map(|c| {
                            let mut q = query.get();
                            q.replace("cursor", c);
                            format!("/cases{}", q.to_query_string())
                        });
                        view! {
                            <CaseTable cases=page.cases/>
                            {next.map(|href| view! { <p><A href=href>"Next page →"</A></p> })}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CaseTable(cases: Vec<CaseSummary>) -> impl IntoView {
    if cases.is_empty() {
        return view! { <p class="muted">"No cases match."</p> }.into_any();
    }
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Severity"</th>
                    <th scope="col">"Title"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Tier"</th>
                    <th scope="col">"Assignee"</th>
                    <th scope="col">"Opened"</th>
                </tr>
            </thead>
            <tbody>
                {cases.into_iter().map(|c| view! {
                    <tr>
                        <td><A href=format!("/cases/{}", c.number)>{c.number.clone()}</A></td>
                        <td><span class=format!("sev sev-{}", c.severity.as_str())>{c.severity.as_str()}</span></td>
                        <td>{c.title}</td>
                        <td>{c.status.label()}</td>
                        <td class="num">{c.tier}</td>
                        <td>{c.assignee.unwrap_or_else(|| "—".into())}</td>
                        <td>{utc(c.opened_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// TLP names by level, as TheHive 5 numbers them (4 came later, with TLP 2.0).
pub const TLP_NAMES: [&str; 5] = [
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:RED",
    "TLP:AMBER+STRICT",
];
