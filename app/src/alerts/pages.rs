//! The triage queue page: filters in the URL, keyset pages, bulk verdicts and assignment, the
//! raw payload on demand (as text, never as HTML), refreshed every few seconds.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::{use_location, use_query_map},
};

use super::{
    AlertSummary, QueueFilter, RawPayload, Severity, Verdict,
    api::{
        AssignAlerts, EscalateAlert, MergeAlerts, SetAlertVerdict, alert_group, alert_queue,
        alert_raw, rule_feedback_report,
    },
};
use crate::{
    accounts::pages::RequireUser,
    components::{ErrorBox, ShortcutHelp, When, action_error, toggle, utc},
    fields::{
        Target,
        pages::{AlertFields, FieldFilterInputs},
    },
    roles::Permission,
    templates::pages::TemplatePicker,
};

#[component]
pub fn AlertQueuePage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AlertRead>
            <AlertQueue/>
        </RequireUser>
    }
}

#[component]
fn AlertQueue() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k).filter(|v| !v.is_empty()));
    let filter = Memo::new(move |_| QueueFilter::from_page_query(|k| query.with(|q| q.get(k))));
    let after = Memo::new(move |_| param("after"));
    let verdict = ServerAction::<SetAlertVerdict>::new();
    let assign = ServerAction::<AssignAlerts>::new();
    let escalate = ServerAction::<EscalateAlert>::new();
    let merge = ServerAction::<MergeAlerts>::new();
    let merge_target = RwSignal::new(String::new());
    // The case template an escalation opens its case with ("" for none).
    let template = RwSignal::new(String::new());
    let assignee_name = RwSignal::new(String::new());
    let tick = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        // New alerts appear without a reload: the page re-reads itself every few seconds.
        let handle = set_interval_with_handle(
            move || tick.update(|n| *n += 1),
            std::time::Duration::from_secs(5),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    let queue = Resource::new(
        move || {
            (
                filter.get(),
                after.get(),
                verdict.version().get(),
                assign.version().get(),
                escalate.version().get(),
                merge.version().get(),
                tick.get(),
            )
        },
        |(f, a, ..)| alert_queue(f, a),
    );
    let selected = RwSignal::new(Vec::<i64>::new());
    let reason = RwSignal::new(String::new());
    let cursor = RwSignal::new(None::<usize>);
    let visible = RwSignal::new(Vec::<i64>::new());
    let help = RwSignal::new(false);
    let reason_input = NodeRef::<leptos::html::Input>::new();
    provide_context(RowUi { selected, cursor });
    Effect::new(move |_| {
        if let Some(Ok(page)) = queue.get() {
            let ids: Vec<i64> = page.alerts.iter().map(|a| a.alert_id).collect();
            cursor.update(|c| *c = c.filter(|i| *i < ids.len()));
            visible.set(ids);
        }
    });
    // A successful action clears the selection (and a verdict its reason); a failed one or a
    // refresh keeps them, so the analyst can fix the input and retry.
    Effect::new(move |_| {
        if matches!(verdict.value().get(), Some(Ok(_))) {
            reason.set(String::new());
            selected.set(Vec::new());
        }
    });
    // One effect per action: each must react only to its own result, or an old success of
    // one would clear the selection when another fails.
    Effect::new(move |_| {
        if matches!(assign.value().get(), Some(Ok(_))) {
            selected.set(Vec::new());
        }
    });
    Effect::new(move |_| {
        if matches!(escalate.value().get(), Some(Ok(_))) {
            selected.set(Vec::new());
        }
    });
    Effect::new(move |_| {
        if matches!(merge.value().get(), Some(Ok(_))) {
            selected.set(Vec::new());
        }
    });
    let chosen_verdict = RwSignal::new(Verdict::FalsePositive.as_str().to_owned());
    let apply_verdict = move |_: ()| {
        verdict.dispatch(SetAlertVerdict {
            ids: selected.get_untracked(),
            verdict: chosen_verdict.get_untracked(),
            reason: reason.get_untracked(),
        });
    };
    let assign_me = move |_| {
        assign.dispatch(AssignAlerts {
            ids: selected.get_untracked(),
            assignee: Some("me".into()),
        });
    };
    #[cfg(feature = "hydrate")]
    {
        let keys = Keys {
            cursor,
            visible,
            selected,
            help,
            chosen_verdict,
            reason_input,
            assign,
            escalate,
            template,
        };
        let handle = window_event_listener(leptos::ev::keydown, move |ev| keys.on_key(&ev));
        on_cleanup(move || handle.remove());
    }
    let current = move |k: &'static str| param(k).unwrap_or_default();
    let location = use_location();
    view! {
        <div class="page-head">
            <h1>"Alert queue"</h1>
            <A href="/alerts/rules">"Detection rule feedback"</A>
            <a href=move || format!("/alerts/export.csv{}", location.search.get()) download>"Export CSV"</a>
        </div>
        <Form method="GET" action="/alerts" attr:class="filters" attr:aria-label="Filter alerts">
            <label>"Status "
                <select name="status">
                    {["new", "in_progress", "closed", "suppressed", "any"].into_iter().map(|s| view! {
                        <option value=s selected=move || param("status").unwrap_or_else(|| "new".into()) == s>
                            {s.replace('_', " ")}
                        </option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Severity "
                <select name="severity">
                    <option value="">"any"</option>
                    {Severity::ALL.into_iter().rev().map(|s| view! {
                        <option value=s.as_str() selected=move || current("severity") == s.as_str()>{s.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Assignee "
                <select name="assignee">
                    <option value="">"anyone"</option>
                    <option value="me" selected=move || current("assignee") == "me">"me"</option>
                    <option value="none" selected=move || current("assignee") == "none">"unassigned"</option>
                </select>
            </label>
            <label>"Source " <input name="source" size="12" prop:value=move || current("source")/></label>
            <label>"Rule " <input name="rule" size="12" prop:value=move || current("rule")/></label>
            <label>"Title contains " <input name="q" size="18" prop:value=move || current("q")/></label>
            <FieldFilterInputs target=Target::Alert own_order="Most severe first"/>
            <button type="submit">"Filter"</button>
        </Form>
        <p class="muted hint">"Keyboard: j/k move, x select, ? all shortcuts"</p>
        <ShortcutHelp keys=QUEUE_KEYS help/>
        <div class="bulk" role="group" aria-label="Act on selected alerts">
            <span>{move || format!("{} selected", selected.with(Vec::len))}</span>
            <button type="button" on:click=assign_me disabled=move || selected.with(Vec::is_empty)>"Assign to me"</button>
            <label>"Analyst "
                <input size="12" placeholder="username" bind:value=assignee_name/>
            </label>
            <button type="button" disabled=move || selected.with(Vec::is_empty)
                on:click=move |_| { assign.dispatch(AssignAlerts { ids: selected.get_untracked(), assignee: Some(assignee_name.get_untracked()) }); }>
                "Assign"
            </button>
            <label>"Verdict "
                <select on:change=move |ev| chosen_verdict.set(event_target_value(&ev)) prop:value=move || chosen_verdict.get()>
                    {Verdict::ALL.into_iter().map(|v| view! {
                        <option value=v.as_str() selected=v == Verdict::FalsePositive>{v.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Reason "
                <input size="30" maxlength="2000" bind:value=reason node_ref=reason_input
                    on:keydown=move |ev| if ev.key() == "Enter" { apply_verdict(()) }/>
            </label>
            <button type="button" class="primary" on:click=move |_| apply_verdict(()) disabled=move || selected.with(Vec::is_empty)>
                "Apply verdict"
            </button>
            <TemplatePicker template/>
            <button type="button" disabled=move || selected.with(Vec::len) != 1
                on:click=move |_| { escalate.dispatch(EscalateAlert { ids: selected.get_untracked(), template: Some(template.get_untracked()) }); }>
                "Escalate to new case"
            </button>
            <label>"Case "
                <input size="16" placeholder="number or title" bind:value=merge_target/>
            </label>
            <button type="button" disabled=move || selected.with(Vec::is_empty)
                on:click=move |_| { merge.dispatch(MergeAlerts { ids: selected.get_untracked(), case: merge_target.get_untracked() }); }>
                "Merge into case"
            </button>
        </div>
        {action_error(verdict.value())}
        {action_error(assign.value())}
        {action_error(escalate.value())}
        {action_error(merge.value())}
        {move || escalate.value().get().and_then(Result::ok).map(|n| view! {
            <p class="notice" role="status">"Opened case " <A href=format!("/cases/{n}")>{n.clone()}</A></p>
        })}
        {move || merge.value().get().and_then(Result::ok).map(|n| view! {
            <p class="notice" role="status">"Merged into case " <A href=format!("/cases/{n}")>{n.clone()}</A></p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(page) => {
                        let next = page.next.map(|c| next_href(&query.get(), c));
                        view! {
                            <AlertTable alerts=page.alerts/>
                            {next.map(|href| view! { <p><A href=href>"Next page →"</A></p> })}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn next_href(q: &leptos_router::params::ParamsMap, cursor: String) -> String {
    let mut q = q.clone();
    q.replace("after", cursor);
    format!("/alerts{}", q.to_query_string())
}

#[component]
fn AlertTable(alerts: Vec<AlertSummary>) -> impl IntoView {
    if alerts.is_empty() {
        return view! { <p class="muted">"No alerts match."</p> }.into_any();
    }
    view! {
        <table class="data queue">
            <thead>
                <tr>
                    <th scope="col"><span class="sr-only">"Select"</span></th>
                    <th scope="col">"Severity"</th>
                    <th scope="col">"Title"</th>
                    <th scope="col">"Source"</th>
                    <th scope="col">"Rule"</th>
                    <th scope="col">"Count"</th>
                    <th scope="col">"Observables"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Assignee"</th>
                    <th scope="col">"Last seen"</th>
                </tr>
            </thead>
            <tbody>
                {alerts.into_iter().enumerate().map(|(index, a)| view! { <AlertRow alert=a index/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn AlertRow(alert: AlertSummary, index: usize) -> impl IntoView {
    let RowUi { selected, cursor } = expect_context::<RowUi>();
    let id = alert.alert_id;
    let at_cursor = move || cursor.get() == Some(index);
    let is_selected = move || selected.with(|s| s.contains(&id));
    let on_check = move |_| selected.update(|s| toggle(s, id));
    let status = match alert.verdict {
        Some(v) => v.label().to_owned(),
        None => alert.status.as_str().replace('_', " "),
    };
    let checkbox_label = format!("Select alert {}", alert.title);
    view! {
        <tr class:selected=is_selected class:cursor=at_cursor aria-current=move || at_cursor().then_some("true") data-alert-id=id>
            <td><input type="checkbox" aria-label=checkbox_label prop:checked=is_selected on:change=on_check/></td>
            <td><span class=format!("sev sev-{}", alert.severity.as_str())>{alert.severity.as_str()}</span></td>
            <td>
                {alert.title.clone()}
                <RawPayload alert_id=id/>
                <AlertFields alert_id=id/>
            </td>
            <td>{alert.source.clone()}</td>
            <td>{alert.rule.clone()}</td>
            <td class="num">
                {alert.occurrence_count}
                {(alert.group_size > 1).then(|| view! { <GroupMembers leader=id size=alert.group_size/> })}
            </td>
            <td class="observables">{alert.observables_preview.join(", ")}</td>
            <td>{status}</td>
            <td>{alert.assignee.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{utc(alert.last_seen_at)}</td>
        </tr>
    }
}

/// The alerts grouped into a row, fetched when opened, each with why it was grouped.
#[component]
fn GroupMembers(leader: i64, size: i64) -> impl IntoView {
    let open = RwSignal::new(false);
    let members = Resource::new(
        move || open.get(),
        move |o| async move {
            match o {
                true => alert_group(leader).await,
                false => Ok(Vec::new()),
            }
        },
    );
    view! {
        <details class="group" on:toggle=move |_| open.set(true)>
            <summary>{format!("+{} grouped", size - 1)}</summary>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match members.await {
                        Ok(list) => view! {
                            <ul class="group-members">
                                {list.into_iter().map(|m| view! {
                                    <li>{format!("Alert {}: {}", m.alert_id, m.title)}<br/><span class="muted">{m.reason}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
        </details>
    }
}

/// The raw payload, fetched only when opened and shown as text.
#[component]
fn RawPayload(alert_id: i64) -> impl IntoView {
    let open = RwSignal::new(false);
    let raw = Resource::new(
        move || open.get(),
        move |o| async move {
            match o {
                true => alert_raw(alert_id).await.map(Some),
                false => Ok(None),
            }
        },
    );
    view! {
        <details class="raw" on:toggle=move |_| open.set(true)>
            <summary>"Raw"</summary>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let loaded = raw.await;
                    if !open.get_untracked() {
                        return ().into_any();
                    }
                    match loaded {
                        Ok(Some(RawPayload::Kept(text))) => view! { <pre class="raw-json">{text}</pre> }.into_any(),
                        Ok(Some(RawPayload::Purged(ms))) => view! {
                            <p class="muted">"The raw payload was deleted under the retention period on " <When ms/> "."</p>
                        }.into_any(),
                        Ok(Some(RawPayload::NotSent) | None) => view! { <p class="muted">"No raw payload was sent."</p> }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
        </details>
    }
}

/// Per detection rule: how its alerts were judged over a period, so rule owners know what to
/// tune.
#[component]
pub fn RuleFeedbackPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AlertRead>
            <RuleFeedbackReport/>
        </RequireUser>
    }
}

#[component]
fn RuleFeedbackReport() -> impl IntoView {
    let query = use_query_map();
    let days = Memo::new(move |_| {
        query
            .with(|q| q.get("days"))
            .and_then(|d| d.parse::<i64>().ok())
            .unwrap_or(30)
    });
    let report = Resource::new(move || days.get(), rule_feedback_report);
    view! {
        <h1>"Detection rule feedback"</h1>
        <Form method="GET" action="/alerts/rules" attr:class="filters" attr:aria-label="Choose the period">
            <label>"Period "
                <select name="days">
                    {[7i64, 30, 90, 365].into_iter().map(|d| view! {
                        <option value=d.to_string() selected=move || days.get() == d>{format!("last {d} days")}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">"Show"</button>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(rows) if rows.is_empty() => view! { <p class="muted">"No verdicts in this period."</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="data">
                            <thead>
                                <tr>
                                    <th scope="col">"Rule"</th>
                                    <th scope="col">"Verdicts"</th>
                                    <th scope="col">"True positive"</th>
                                    <th scope="col">"False positive"</th>
                                    <th scope="col">"Benign"</th>
                                    <th scope="col">"Duplicate"</th>
                                    <th scope="col">"False-positive rate"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|r| {
                                    let rate = r.false_positive_rate().map_or_else(|| "—".to_owned(), |x| format!("{:.0} %", x * 100.0));
                                    let rule = if r.rule.is_empty() { "(no rule)".to_owned() } else { r.rule.clone() };
                                    view! {
                                        <tr>
                                            <td>{rule}</td>
                                            <td class="num">{r.total()}</td>
                                            <td class="num">{r.true_positive}</td>
                                            <td class="num">{r.false_positive}</td>
                                            <td class="num">{r.benign}</td>
                                            <td class="num">{r.duplicate}</td>
                                            <td class="num">{rate}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What each row needs from the queue: the selection and the keyboard cursor.
#[derive(Clone, Copy)]
struct RowUi {
    selected: RwSignal<Vec<i64>>,
    cursor: RwSignal<Option<usize>>,
}

/// The queue's keyboard shortcuts.
#[cfg(feature = "hydrate")]
#[derive(Clone, Copy)]
struct Keys {
    cursor: RwSignal<Option<usize>>,
    visible: RwSignal<Vec<i64>>,
    selected: RwSignal<Vec<i64>>,
    help: RwSignal<bool>,
    chosen_verdict: RwSignal<String>,
    reason_input: NodeRef<leptos::html::Input>,
    assign: ServerAction<AssignAlerts>,
    escalate: ServerAction<EscalateAlert>,
    template: RwSignal<String>,
}

#[cfg(feature = "hydrate")]
impl Keys {
    fn on_key(&self, ev: &leptos::ev::KeyboardEvent) {
        use wasm_bindgen::JsCast as _;
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing {
            return;
        }
        let len = self.visible.with_untracked(Vec::len);
        let verdict = |v: Verdict| {
            self.chosen_verdict.set(v.as_str().to_owned());
            if let Some(input) = self.reason_input.get_untracked() {
                let _ = input.focus();
            }
        };
        match ev.key().as_str() {
            "j" if len > 0 => self
                .cursor
                .update(|c| *c = Some(c.map_or(0, |i| (i + 1).min(len - 1)))),
            "k" if len > 0 => self
                .cursor
                .update(|c| *c = Some(c.map_or(0, |i| i.saturating_sub(1)))),
            "x" => {
                let id = self
                    .cursor
                    .get_untracked()
                    .and_then(|i| self.visible.with_untracked(|v| v.get(i).copied()));
                if let Some(id) = id {
                    self.selected.update(|s| crate::components::toggle(s, id));
                }
            }
            "a" if !self.selected.with_untracked(Vec::is_empty) => {
                self.assign.dispatch(AssignAlerts {
                    ids: self.selected.get_untracked(),
                    assignee: Some("me".into()),
                });
            }
            "e" if self.selected.with_untracked(Vec::len) == 1 => {
                self.escalate.dispatch(EscalateAlert {
                    ids: self.selected.get_untracked(),
                    template: Some(self.template.get_untracked()),
                });
            }
            "f" => verdict(Verdict::FalsePositive),
            "t" => verdict(Verdict::TruePositive),
            "b" => verdict(Verdict::Benign),
            "d" => verdict(Verdict::Duplicate),
            "?" => self.help.update(|h| *h = !*h),
            "Escape" => self.help.set(false),
            _ => return,
        }
        ev.prevent_default();
    }
}

/// The queue's keyboard shortcuts, for `?`.
const QUEUE_KEYS: &[(&str, &str)] = &[
    ("j / k", "next / previous alert"),
    ("x", "select or unselect the current alert"),
    ("a", "assign the selected alerts to me"),
    ("e", "escalate the selected alert to a new case"),
    (
        "f, t, b, d",
        "verdict false positive, true positive, benign, duplicate: then type the reason and press Enter",
    ),
    ("?", "show or hide this help"),
    ("Esc", "close this help"),
];
