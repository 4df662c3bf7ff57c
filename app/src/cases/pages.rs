//! Case pages: the case list and the case workspace (header, observables, tasks, the timeline
//! and a note form). Notes are shown as text; nothing an analyst or a tool wrote is rendered as
//! HTML.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::{use_params_map, use_query_map},
};

use super::{
    CaseFilter, CaseStatus, CaseSummary,
    api::{AddCaseNote, CaseWorkspaceData, case_list, case_view},
};
use crate::{
    accounts::roles::Permission,
    components::{action_error, utc},
    shell::{ErrorBox, RequireUser},
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
    view! {
        <h1>"Cases"</h1>
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
pub fn CasePage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::CaseRead>
            <CaseWorkspace/>
        </RequireUser>
    }
}

#[component]
fn CaseWorkspace() -> impl IntoView {
    let params = use_params_map();
    let number = Memo::new(move |_| params.with(|p| p.get("number").unwrap_or_default()));
    let add_note = ServerAction::<AddCaseNote>::new();
    let view_data = Resource::new(
        move || (number.get(), add_note.version().get()),
        |(n, _)| case_view(n, None),
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(v) => view! { <CaseDetail v add_note/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn CaseDetail(v: CaseWorkspaceData, add_note: ServerAction<AddCaseNote>) -> impl IntoView {
    let c = v.case;
    let note = RwSignal::new(String::new());
    Effect::new(move |_| {
        if matches!(add_note.value().get(), Some(Ok(_))) {
            note.set(String::new());
        }
    });
    let case_id = c.case_id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add_note.dispatch(AddCaseNote {
            case_id,
            note: note.get_untracked(),
        });
    };
    let closed = c.status == CaseStatus::Closed;
    view! {
        <div class="page-head">
            <h1><span class="case-number">{c.number.clone()}</span>" "{c.title.clone()}</h1>
            <A href="/cases">"All cases"</A>
        </div>
        <dl class="facts">
            <dt>"Status"</dt><dd data-testid="case-status">{c.status.label()}</dd>
            <dt>"Severity"</dt><dd><span class=format!("sev sev-{}", c.severity.as_str())>{c.severity.as_str()}</span></dd>
            <dt>"Tier"</dt><dd>{c.tier}</dd>
            <dt>"Assignee"</dt><dd>{c.assignee.clone().unwrap_or_else(|| "unassigned".into())}</dd>
            <dt>"Detection"</dt><dd>{c.detection_source.clone()}</dd>
            <dt>"Opened"</dt><dd>{utc(c.opened_at)}" by "{c.created_by.clone()}</dd>
            <dt>"Tags"</dt><dd>{c.tags.join(", ")}</dd>
            <dt>"TLP / PAP"</dt><dd>{c.tlp}" / "{c.pap}</dd>
        </dl>
        <section aria-labelledby="desc-h">
            <h2 id="desc-h">"Description"</h2>
            <p class="prewrap">{c.description.clone()}</p>
        </section>
        <section aria-labelledby="obs-h">
            <h2 id="obs-h">"Observables ("{v.observables.len()}")"</h2>
            <table class="data">
                <thead><tr><th scope="col">"Type"</th><th scope="col">"Value"</th><th scope="col">"IOC"</th><th scope="col">"From alert"</th></tr></thead>
                <tbody>
                    {v.observables.into_iter().map(|o| view! {
                        <tr>
                            <td>{o.data_type}</td>
                            <td class="mono">{o.value}</td>
                            <td>{if o.ioc { "yes" } else { "" }}</td>
                            <td>{o.alert_id.map(|a| a.to_string()).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section aria-labelledby="tasks-h">
            <h2 id="tasks-h">"Tasks ("{v.tasks.len()}")"</h2>
            <ul>
                {v.tasks.into_iter().map(|t| view! {
                    <li>{t.title}" — "{t.status.as_str().replace('_', " ")}" ("{t.group_name}")"</li>
                }).collect_view()}
            </ul>
        </section>
        <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <ol class="timeline">
                {v.timeline.into_iter().map(|e| view! {
                    <li class=format!("event event-{}", e.kind.as_str())>
                        <span class="when">{utc(e.occurred_at)}</span>
                        " "<span class="kind">{e.kind.label()}</span>
                        " "<span class="summary">{e.summary}</span>
                        {(!e.body.is_empty()).then(|| view! { <p class="prewrap note-body">{e.body.clone()}</p> })}
                        <span class="muted recorded">" recorded "{utc(e.recorded_at)}" by "{e.recorded_by}</span>
                    </li>
                }).collect_view()}
            </ol>
            {v.timeline_next.map(|_| view! { <p class="muted">"Older entries continue on the next page."</p> })}
        </section>
        {(!closed).then(|| view! {
            <form class="note-form" on:submit=submit>
                <label for="note">"Add a note"</label>
                <textarea id="note" rows="4" maxlength="100000" bind:value=note></textarea>
                <button type="submit" class="primary">"Add note"</button>
            </form>
            {action_error(add_note.value())}
        })}
    }
}
