//! The case page: header and lifecycle, ATT&CK techniques by tactic, related cases,
//! observables (with watchlist flags and "seen in N cases"), tasks and playbooks, evidence, and the
//! timeline with its filters, corrections and entry form. It reloads itself when a colleague
//! changes the case (server-sent events from `/live/cases/{number}`).
//!
//! Notes are Markdown rendered and sanitized on the server; nothing else an analyst or a tool
//! wrote is rendered as HTML.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use super::{
    CaseWorkspaceData,
    actions::{CaseActions, EntryDraft},
    api::case_view,
    fields::CaseFields,
    observables::{AddObservable, EmlImport},
    tasks::{PlaybookForm, TaskForm, TaskItem},
    timeline::{Entry, EntryForm, TimelineFilters},
};
use crate::{
    accounts::pages::RequireUser,
    cases::{
        CaseStatus, ClosureVerdict, TimelineFilter,
        api::{CloseCase, ReopenCase, SetCaseStatus, SetLegalHold},
        pages::TLP_NAMES,
    },
    components::{ErrorBox, When},
    evidence::{
        pages::{EvidenceSection, IntegrityWarning},
        upload::UploadQueue,
    },
    roles::Permission,
    tiers::pages::TierSection,
};

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
    let query = use_query_map();
    let number = Memo::new(move |_| params.with(|p| p.get("number").unwrap_or_default()));
    let param = move |k: &str| query.with(|q| q.get(k).filter(|v| !v.is_empty()));
    let filter = Memo::new(move |_| TimelineFilter {
        kind: param("kind"),
        tag: param("tag"),
        tactic: param("tactic"),
    });
    let after = Memo::new(move |_| {
        param("after").and_then(|a| {
            let (at, id) = a.split_once('_')?;
            Some((at.parse().ok()?, id.parse().ok()?))
        })
    });
    let actions = CaseActions::new();
    let draft = EntryDraft::new();
    let live = RwSignal::new(0u64);
    let uploads = UploadQueue::new(live);
    follow_live_changes(number, live);
    Effect::new(move |_| {
        if let Some(Ok(_)) = actions.add_event.value().get() {
            draft.clear();
        }
    });
    let view_data = Resource::new(
        move || {
            (
                number.get(),
                filter.get(),
                after.get(),
                actions.versions(),
                live.get(),
            )
        },
        |(n, f, a, _, _)| case_view(n, Some(f), a),
    );
    view! {
        {actions.errors()}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(v) => view! { <CaseDetail v actions draft uploads/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Bumps `live` whenever the server says this case changed.
fn follow_live_changes(number: Memo<String>, live: RwSignal<u64>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, closure::Closure};
        let source = StoredValue::new_local(None::<web_sys::EventSource>);
        Effect::new(move |_| {
            let n = number.get();
            source.update_value(|s| {
                if let Some(old) = s.take() {
                    old.close();
                }
                let Ok(es) = web_sys::EventSource::new(&format!("/live/cases/{n}")) else {
                    return;
                };
                let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
                    live.update(|t| *t += 1);
                });
                es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                // The closure lives as long as the page; the EventSource is closed on leave.
                on_message.forget();
                *s = Some(es);
            });
        });
        on_cleanup(move || {
            source.update_value(|s| {
                if let Some(es) = s.take() {
                    es.close();
                }
            })
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (number, live);
}

#[component]
fn CaseDetail(
    v: CaseWorkspaceData,
    actions: CaseActions,
    draft: EntryDraft,
    uploads: UploadQueue,
) -> impl IntoView {
    let c = v.case;
    let case_id = c.case_id;
    let closed = c.status == CaseStatus::Closed;
    let read_only = closed || !v.can_edit;
    view! {
        <div class="page-head">
            <h1><span class="case-number">{c.number.clone()}</span>" "{c.title.clone()}</h1>
            <A href="/cases">"All cases"</A>
        </div>
        <IntegrityWarning items=v.evidence.clone()/>
        <dl class="facts">
            <dt>"Status"</dt><dd data-testid="case-status">{c.status.label()}</dd>
            <dt>"Severity"</dt><dd><span class=format!("sev sev-{}", c.severity.as_str())>{c.severity.as_str()}</span></dd>
            <dt>"Tier"</dt><dd>{c.tier}</dd>
            <dt>"Assignee"</dt><dd>{c.assignee.clone().unwrap_or_else(|| "unassigned".into())}</dd>
            <dt>"Detection"</dt><dd>{c.detection_source.clone()}</dd>
            <dt>"Opened"</dt><dd><When ms=c.opened_at/>" by "{c.created_by.clone()}</dd>
            <dt>"Tags"</dt><dd>{c.tags.join(", ")}</dd>
            <dt>"TLP / PAP"</dt><dd>{tlp_name(c.tlp)}" / "{c.pap}</dd>
            <dt>"Legal hold"</dt><dd data-testid="legal-hold">{if c.legal_hold { "yes: nothing may be disposed of" } else { "no" }}</dd>
        </dl>
        <nav class="case-records" aria-label="Reports and exports">
            <A href=format!("/cases/{}/report", c.number)>"Incident report"</A>
            <a href=format!("/cases/{}/stix.json", c.number) download>"STIX 2.1 bundle"</a>
            <a href=format!("/cases/{}/bundle.zip", c.number) download>"Case bundle"</a>
            <a href=format!("/cases/{}/bundle.zip?evidence=1", c.number) download>"Case bundle with evidence"</a>
        </nav>
        {v.can_set_legal_hold.then(|| view! { <LegalHoldForm case_id held=c.legal_hold actions/> })}
        <TierSection case_id tier=c.tier panel=v.tier actions=actions.tier/>
        {v.can_edit.then(|| view! { <Lifecycle case_id version=c.version current=c.status actions/> })}
        <CaseFields case_id version=c.version fields=v.fields values=v.field_values read_only actions/>
        <section aria-labelledby="desc-h">
            <h2 id="desc-h">"Description"</h2>
            <p class="prewrap">{c.description.clone()}</p>
        </section>
        <Techniques groups=v.techniques number=c.number.clone()/>
        <Related related=v.related/>
        <section aria-labelledby="obs-h">
            <h2 id="obs-h">"Observables ("{v.observables.len()}")"</h2>
            <table class="data">
                <thead><tr>
                    <th scope="col">"Type"</th><th scope="col">"Value"</th><th scope="col">"IOC"</th>
                    <th scope="col">"TLP"</th><th scope="col">"Tags"</th><th scope="col">"Watchlist"</th>
                    <th scope="col">"Other cases"</th>
                </tr></thead>
                <tbody>
                    {v.observables.into_iter().map(|o| { let flagged = o.watchlist.is_some(); view! {
                        <tr class:watchlisted=flagged>
                            <td>{o.data_type}</td>
                            <td class="mono">{o.value}</td>
                            <td>{if o.ioc { "yes" } else { "" }}</td>
                            <td>{tlp_name(o.tlp)}</td>
                            <td>{o.tags.join(", ")}</td>
                            <td>{o.watchlist.map(|w| view! { <span class="flag">{w}</span> })}</td>
                            <td>{(o.seen_in_cases > 0).then(|| format!("seen in {} {}", o.seen_in_cases,
                                if o.seen_in_cases == 1 { "case" } else { "cases" }))}</td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
            {(!read_only).then(|| view! {
                <AddObservable case_id from_event=None actions/>
                <EmlImport case_id actions/>
            })}
        </section>
        <section aria-labelledby="tasks-h">
            <h2 id="tasks-h">"Tasks ("{v.tasks.len()}")"</h2>
            <ul class="tasks">
                {v.tasks.into_iter().map(|t| view! { <TaskItem t closed=read_only actions/> }).collect_view()}
            </ul>
            {(!read_only).then(|| view! {
                <PlaybookForm case_id playbooks=v.playbooks actions/>
                <TaskForm case_id actions/>
            })}
        </section>
        <EvidenceSection items=v.evidence case_number=c.number.clone() can_upload=v.can_upload_evidence
            max_bytes=v.evidence_max_bytes closed uploads/>
        <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">"Timeline"</h2>
            <TimelineFilters/>
            <ol class="timeline">
                {v.timeline.into_iter().map(|e| view! { <Entry e closed=read_only case_id actions draft/> }).collect_view()}
            </ol>
            {v.timeline_next.map(|(at, id)| view! {
                <p><A href=format!("?after={at}_{id}")>"Later entries →"</A></p>
            })}
        </section>
        {(!read_only).then(|| view! { <EntryForm case_id actions draft/> })}
    }
}

/// Managers place or lift a legal hold, with a reason.
#[component]
fn LegalHoldForm(case_id: i64, held: bool, actions: CaseActions) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    view! {
        <form class="inline-form" on:submit=move |ev| {
            ev.prevent_default();
            actions.legal_hold.dispatch(SetLegalHold { case_id, hold: !held, reason: reason.get_untracked() });
        }>
            <label>{if held { "Reason for lifting the legal hold" } else { "Legal hold reason (matter, request)" }}
                <input type="text" bind:value=reason/></label>
            <button type="submit">{if held { "Lift legal hold" } else { "Place legal hold" }}</button>
        </form>
    }
}

fn tlp_name(n: i64) -> &'static str {
    usize::try_from(n)
        .ok()
        .and_then(|i| TLP_NAMES.get(i))
        .copied()
        .unwrap_or("TLP:?")
}

/// ATT&CK techniques on the timeline, grouped by tactic; a tactic filters the timeline.
#[component]
fn Techniques(groups: Vec<crate::attack::TacticTechniques>, number: String) -> impl IntoView {
    view! {
        <section aria-labelledby="attack-h">
            <h2 id="attack-h">"ATT&CK techniques"</h2>
            {if groups.is_empty() {
                view! { <p class="muted">"No techniques tagged yet: add them to a timeline entry."</p> }.into_any()
            } else {
                view! {
                    <dl class="tactics">
                        {groups.into_iter().map(|g| view! {
                            <dt><A href=format!("/cases/{number}?tactic={}", g.tactic.short_name)>{g.tactic.name.clone()}</A></dt>
                            <dd>
                                {g.techniques.into_iter().map(|t| view! {
                                    <span class="technique" title=t.name.clone()>{t.id.clone()}" "{t.name.clone()}</span>
                                }).collect_view()}
                            </dd>
                        }).collect_view()}
                    </dl>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Related(related: Vec<crate::cases::RelatedCase>) -> impl IntoView {
    (!related.is_empty()).then(|| {
        view! {
            <section aria-labelledby="related-h">
                <h2 id="related-h">"Related cases"</h2>
                <ul>
                    {related.into_iter().map(|r| view! {
                        <li>
                            <A href=format!("/cases/{}", r.number)>{r.number.clone()}</A>" "{r.title}
                            <span class="muted">" · "{r.status.label()}" · "{r.shared}" shared observable(s)"</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
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
