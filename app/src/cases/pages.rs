//! Case pages: the case list and opening a case by hand (the workspace of one case is in
//! `workspace.rs`).

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::{use_location, use_navigate, use_query_map},
};

pub use super::workspace::CasePage;
use super::{
    CaseFilter, CaseInput, CaseStatus, CaseSummary,
    api::{OpenCase, case_list},
};
use crate::{
    accounts::roles::Permission,
    alerts::Severity,
    components::{action_error, utc},
    playbooks::api::playbooks,
    shell::{ErrorBox, RequireUser},
    validate::split_list,
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
    let filter = Memo::new(move |_| CaseFilter {
        status: Some(param("status").unwrap_or_else(|| "open".into())).filter(|s| s != "any"),
        text: param("q"),
    });
    let before = Memo::new(move |_| param("before").and_then(|b| b.parse::<i64>().ok()));
    let page = Resource::new(
        move || (filter.get(), before.get()),
        |(f, b)| case_list(f, b),
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
            <button type="submit">"Filter"</button>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let next = page.next.map(|id| {
                            let mut q = query.get();
                            q.replace("before", id.to_string());
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

#[component]
pub fn NewCasePage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::CaseCreate>
            <NewCase/>
        </RequireUser>
    }
}

/// Opening a case by hand: a hunt finding, a user's report, a tip from a partner.
#[component]
fn NewCase() -> impl IntoView {
    let open = ServerAction::<OpenCase>::new();
    let books = Resource::new(|| (), |_| playbooks());
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let severity = RwSignal::new("medium".to_owned());
    let tlp = RwSignal::new("2".to_owned());
    let tags = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let playbook = RwSignal::new(String::new());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(number)) = open.value().get() {
            navigate(&format!("/cases/{number}"), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        open.dispatch(OpenCase {
            input: CaseInput {
                title: title.get_untracked(),
                description: description.get_untracked(),
                severity: severity.get_untracked(),
                tlp: tlp.get_untracked().parse().ok(),
                tags: split_list(&tags.get_untracked()),
                detection_source: source.get_untracked(),
                ..Default::default()
            },
            playbook_id: playbook.get_untracked().parse().ok(),
        });
    };
    view! {
        <h1>"Open a case"</h1>
        <div class="action-errors">{action_error(open.value())}</div>
        <form class="stacked" on:submit=submit>
            <label>"Title" <input size="60" required bind:value=title/></label>
            <label>"Description" <textarea rows="5" cols="60" bind:value=description></textarea></label>
            <label>"Severity "
                <select on:change=move |ev| severity.set(event_target_value(&ev))>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s.as_str() == "medium">{s.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"TLP "
                <select on:change=move |ev| tlp.set(event_target_value(&ev))>
                    {TLP_NAMES.iter().enumerate().map(|(n, name)| view! {
                        <option value=n.to_string() selected=n == 2>{*name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Tags (comma-separated)" <input size="40" bind:value=tags/></label>
            <label>"Detected by" <input size="40" placeholder="threat hunt, user report, …" bind:value=source/></label>
            <label>"Playbook "
                <select on:change=move |ev| playbook.set(event_target_value(&ev))>
                    <option value="">"none"</option>
                    <Transition>
                        {move || Suspend::new(async move {
                            books.await.unwrap_or_default().into_iter().map(|b| view! {
                                <option value=b.playbook_id.to_string()>{b.name}</option>
                            }).collect_view()
                        })}
                    </Transition>
                </select>
            </label>
            <button type="submit" class="primary">"Open case"</button>
        </form>
    }
}

/// TLP names by level, as TheHive 5 numbers them (4 came later, with TLP 2.0).
pub const TLP_NAMES: [&str; 5] = [
    "TLP:CLEAR",
    "TLP:GREEN",
    "TLP:AMBER",
    "TLP:RED",
    "TLP:AMBER+STRICT",
];
