//! Case pages: the case list and the case workspace (header, observables, tasks, the timeline
//! and a note form). Notes are Markdown rendered and sanitized on the server; nothing else an
//! analyst or a tool wrote is rendered as HTML.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::{use_params_map, use_query_map},
};

use super::{
    CaseFilter, CaseStatus, CaseSummary, ClosureVerdict, TaskStatus,
    api::{
        AddCaseNote, AddCaseObservable, AddCaseTask, CaseWorkspaceData, CloseCase, ReopenCase,
        SetCaseStatus, SetTaskStatus, case_list, case_view,
    },
};
use crate::observables::ObservableType;
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
    let actions = CaseActions {
        add_note: ServerAction::new(),
        set_status: ServerAction::new(),
        close: ServerAction::new(),
        reopen: ServerAction::new(),
        add_observable: ServerAction::new(),
        add_task: ServerAction::new(),
        set_task: ServerAction::new(),
    };
    let view_data = Resource::new(
        move || (number.get(), actions.versions()),
        |(n, _)| case_view(n, None),
    );
    view! {
        <div class="action-errors">
        {action_error(actions.set_status.value())}
        {action_error(actions.close.value())}
        {action_error(actions.reopen.value())}
        {action_error(actions.add_observable.value())}
        {action_error(actions.add_task.value())}
        {action_error(actions.set_task.value())}
        {action_error(actions.add_note.value())}
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(v) => view! { <CaseDetail v actions/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Everything an analyst can do on the case page; any of them reloads the case.
#[derive(Clone, Copy)]
struct CaseActions {
    add_note: ServerAction<AddCaseNote>,
    set_status: ServerAction<SetCaseStatus>,
    close: ServerAction<CloseCase>,
    reopen: ServerAction<ReopenCase>,
    add_observable: ServerAction<AddCaseObservable>,
    add_task: ServerAction<AddCaseTask>,
    set_task: ServerAction<SetTaskStatus>,
}

impl CaseActions {
    fn versions(&self) -> [usize; 7] {
        [
            self.add_note.version().get(),
            self.set_status.version().get(),
            self.close.version().get(),
            self.reopen.version().get(),
            self.add_observable.version().get(),
            self.add_task.version().get(),
            self.set_task.version().get(),
        ]
    }
}

#[component]
fn CaseDetail(v: CaseWorkspaceData, actions: CaseActions) -> impl IntoView {
    let c = v.case;
    let note = RwSignal::new(String::new());
    let case_id = c.case_id;
    let version = c.version;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        actions.add_note.dispatch(AddCaseNote {
            case_id,
            note: note.get_untracked(),
        });
    };
    let closed = c.status == CaseStatus::Closed;
    let current = c.status;
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
        <Lifecycle case_id version current actions/>
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
            {(!closed).then(|| view! { <ObservableForm case_id actions/> })}
        </section>
        <section aria-labelledby="tasks-h">
            <h2 id="tasks-h">"Tasks ("{v.tasks.len()}")"</h2>
            <ul class="tasks">
                {v.tasks.into_iter().map(|t| {
                    let task_id = t.task_id;
                    let label = format!("Status of {}", t.title);
                    view! {
                        <li>
                            <span class="task-title">{t.title.clone()}</span>" ("{t.group_name.clone()}") "
                            <select aria-label=label disabled=closed
                                on:change=move |ev| { actions.set_task.dispatch(SetTaskStatus { task_id, status: event_target_value(&ev) }); }>
                                {TaskStatus::ALL.into_iter().map(|s| view! {
                                    <option value=s.as_str() selected=s == t.status>{s.as_str().replace('_', " ")}</option>
                                }).collect_view()}
                            </select>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!closed).then(|| view! { <TaskForm case_id actions/> })}
        </section>
        <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <ol class="timeline">
                {v.timeline.into_iter().map(|e| view! {
                    <li class=format!("event event-{}", e.kind.as_str())>
                        <span class="when">{utc(e.occurred_at)}</span>
                        " "<span class="kind">{e.kind.label()}</span>
                        " "<span class="summary">{e.summary}</span>
                        {(!e.body_html.is_empty()).then(|| view! {
                            // Rendered from Markdown and sanitized by the server (cases::markdown).
                            <div class="note-body" inner_html=e.body_html.clone()></div>
                        })}
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
        })}
    }
}

/// Phase moves, closing with a verdict and summary, reopening with a reason.
#[component]
fn Lifecycle(
    case_id: i64,
    version: i64,
    current: CaseStatus,
    actions: CaseActions,
) -> impl IntoView {
    if current == CaseStatus::Closed {
        let reason = RwSignal::new(String::new());
        return view! {
            <div class="lifecycle" role="group" aria-label="Reopen the case">
                <label>"Reason " <input size="40" bind:value=reason/></label>
                <button type="button" on:click=move |_| { actions.reopen.dispatch(ReopenCase { case_id, version, reason: reason.get_untracked() }); }>
                    "Reopen case"
                </button>
            </div>
        }
        .into_any();
    }
    let later: Vec<CaseStatus> = CaseStatus::ALL
        .into_iter()
        .filter(|s| *s > current && *s != CaseStatus::Closed)
        .collect();
    let next = RwSignal::new(
        later
            .first()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    );
    let verdict = RwSignal::new(
        ClosureVerdict::TruePositiveWithoutImpact
            .as_str()
            .to_owned(),
    );
    let summary = RwSignal::new(String::new());
    view! {
        <div class="lifecycle" role="group" aria-label="Case phase">
            {(!later.is_empty()).then(|| view! {
                <label>"Move to "
                    <select on:change=move |ev| next.set(event_target_value(&ev))>
                        {later.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" on:click=move |_| { actions.set_status.dispatch(SetCaseStatus { case_id, version, status: next.get_untracked() }); }>
                    "Move"
                </button>
            })}
            <label>"Verdict "
                <select on:change=move |ev| verdict.set(event_target_value(&ev))>
                    {ClosureVerdict::ALL.into_iter().map(|v| view! {
                        <option value=v.as_str() selected=v == ClosureVerdict::TruePositiveWithoutImpact>{v.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Summary " <input size="40" bind:value=summary/></label>
            <button type="button" on:click=move |_| {
                actions.close.dispatch(CloseCase { case_id, version, verdict: verdict.get_untracked(), summary: summary.get_untracked() });
            }>"Close case"</button>
        </div>
    }
    .into_any()
}

#[component]
fn ObservableForm(case_id: i64, actions: CaseActions) -> impl IntoView {
    let kind = RwSignal::new(ObservableType::Ip.as_str().to_owned());
    let value = RwSignal::new(String::new());
    let ioc = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        actions.add_observable.dispatch(AddCaseObservable {
            case_id,
            kind: kind.get_untracked(),
            value: value.get_untracked(),
            ioc: ioc.get_untracked(),
        });
    };
    view! {
        <form class="inline-form" on:submit=submit>
            <label>"Type "
                <select on:change=move |ev| kind.set(event_target_value(&ev))>
                    {ObservableType::ALL.into_iter().map(|t| view! { <option value=t.as_str()>{t.as_str().replace('_', " ")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Value " <input size="30" bind:value=value/></label>
            <label><input type="checkbox" bind:checked=ioc/>" IOC"</label>
            <button type="submit">"Add observable"</button>
        </form>
    }
}

#[component]
fn TaskForm(case_id: i64, actions: CaseActions) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        actions.add_task.dispatch(AddCaseTask {
            case_id,
            title: title.get_untracked(),
            group: group.get_untracked(),
        });
    };
    view! {
        <form class="inline-form" on:submit=submit>
            <label>"Task " <input size="30" bind:value=title/></label>
            <label>"Group " <input size="14" placeholder="containment" bind:value=group/></label>
            <button type="submit">"Add task"</button>
        </form>
    }
}
