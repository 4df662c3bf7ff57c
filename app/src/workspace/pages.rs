//! The case page: a header with the case's facts and the actions the viewer may take (each in
//! a dialog), then ATT&CK techniques by tactic, related cases,
//! observables (with watchlist flags and "seen in N cases"), tasks and playbooks, evidence, and the
//! timeline with its filters, corrections and entry form. It reloads itself when a colleague
//! changes the case (server-sent events from `/live/cases/{number}`).
//!
//! Notes are Markdown rendered and sanitized on the server; nothing else an analyst or a tool
//! wrote is rendered as HTML.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Outlet},
    hooks::{use_location, use_params_map, use_query_map},
};

use super::{
    CaseWorkspaceData,
    actions::{CaseActions, EntryDraft},
    api::case_view,
    fields::CaseFields,
    keys,
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
    components::{ActionDialog, ErrorBox, LinkMenu, ShortcutHelp, When},
    evidence::{
        pages::{EvidenceSection, IntegrityWarning},
        upload::UploadQueue,
    },
    roles::Permission,
    sla::pages::UrgentClock,
    tiers::pages::{TierActionBar, TierSection},
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
    let location = use_location();
    let tab = Memo::new(move |_| CaseTab::from_path(&location.pathname.get()));
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
    let help = RwSignal::new(false);
    keys::follow_shortcuts(help);
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
        <ShortcutHelp keys=keys::CASE_KEYS help/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let tab = tab.get();
                Suspend::new(async move {
                    match view_data.await {
                        Ok(v) => view! { <CaseDetail v tab actions draft uploads/> }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })
            }}
        </Transition>
        // The sections' routes draw nothing themselves (the tab is read from the URL above), but
        // the router completes a move between them only once their outlet is on the page.
        <Outlet/>
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
    tab: CaseTab,
    actions: CaseActions,
    draft: EntryDraft,
    uploads: UploadQueue,
) -> impl IntoView {
    let c = v.case;
    let case_id = c.case_id;
    let closed = c.status == CaseStatus::Closed;
    let read_only = closed || !v.can_edit;
    let number = c.number.clone();
    let records = format!("/cases/{number}");
    let report_href = format!("{records}/report");
    view! {
        <header class="case-header">
            <div class="page-head">
                <h1><span class="case-number">{c.number.clone()}</span>" "{c.title.clone()}</h1>
                <A href="/cases">"All cases"</A>
            </div>
            <dl class="case-facts">
                <div><dt>"Status"</dt><dd data-testid="case-status">{c.status.label()}</dd></div>
                <div><dt>"Severity"</dt><dd><span class=format!("sev sev-{}", c.severity.as_str())>{c.severity.as_str()}</span></dd></div>
                <div><dt>"Tier"</dt><dd>{c.tier}</dd></div>
                <div><dt>"Holder"</dt><dd>{c.assignee.clone().unwrap_or_else(|| "unassigned".into())}</dd></div>
                <div><dt>"SLA"</dt><dd><UrgentClock clocks=v.tier.clocks.clone()/></dd></div>
                <div><dt>"TLP / PAP"</dt><dd>{tlp_name(c.tlp)}" / "{c.pap}</dd></div>
                <div><dt>"Legal hold"</dt><dd data-testid="legal-hold">{if c.legal_hold { "yes: nothing may be disposed of" } else { "no" }}</dd></div>
            </dl>
            <div class="case-actions" role="toolbar" aria-label="Case actions">
                <TierActionBar case_id tier=c.tier panel=v.tier.clone() actions=actions.tier/>
                {v.can_edit.then(|| view! { <Lifecycle case_id version=c.version current=c.status actions/> })}
                {v.can_set_legal_hold.then(|| view! { <LegalHoldForm case_id held=c.legal_hold actions/> })}
                <LinkMenu label="Report and exports">
                    <li><A href=report_href>"Incident report"</A></li>
                    <li><a href=format!("{records}/stix.json") download>"STIX 2.1 bundle"</a></li>
                    <li><a href=format!("{records}/bundle.zip") download>"Case bundle"</a></li>
                    <li><a href=format!("{records}/bundle.zip?evidence=1") download>"Case bundle with evidence"</a></li>
                </LinkMenu>
            </div>
        </header>
        <IntegrityWarning items=v.evidence.clone()/>
        <nav class="case-tabs" aria-label="Case sections">
            {CaseTab::ALL.into_iter().map(|t| {
                let count = match t {
                    CaseTab::Timeline => None,
                    CaseTab::Observables => Some(v.observables.len()),
                    CaseTab::Tasks => Some(v.tasks.len()),
                    CaseTab::Evidence => Some(v.evidence.len()),
                };
                view! {
                    <A href=t.href(&number) exact=true attr:class=if t == tab { "tab current" } else { "tab" } attr:data-tab=t.slug()>
                        {t.label()}
                        {count.map(|n| view! { " "<span class="count">{n}</span> })}
                    </A>
                }
            }).collect_view()}
        </nav>
        <p class="muted hint">"Keyboard: n note, o observable, t task, e change tier, ? all shortcuts"</p>
        <div class="case-body">
            <div class="case-main">
                {match tab {
                    CaseTab::Timeline => view! {
                        <section aria-labelledby="timeline-h">
                            <h2 id="timeline-h">"Timeline"</h2>
                            {(!read_only).then(|| view! { <EntryForm case_id actions draft/> })}
                            <TimelineFilters/>
                            <ol class="timeline">
                                {v.timeline.into_iter().map(|e| view! { <Entry e closed=read_only case_id actions draft/> }).collect_view()}
                            </ol>
                            {v.timeline_next.map(|(at, id)| view! {
                                <p><A href=format!("?after={at}_{id}")>"Later entries →"</A></p>
                            })}
                        </section>
                    }.into_any(),
                    CaseTab::Observables => view! {
                        <section aria-labelledby="obs-h">
                            <h2 id="obs-h">"Observables ("{v.observables.len()}")"</h2>
                            <ObservableTable observables=v.observables/>
                            {(!read_only).then(|| view! {
                                <AddObservable case_id from_event=None actions/>
                                <EmlImport case_id actions/>
                            })}
                        </section>
                    }.into_any(),
                    CaseTab::Tasks => view! {
                        <section aria-labelledby="tasks-h">
                            <h2 id="tasks-h">"Tasks ("{v.tasks.len()}")"</h2>
                            {v.tasks.is_empty().then(|| view! {
                                <p class="muted">"No tasks yet: apply a playbook or add one below."</p>
                            })}
                            <ul class="tasks">
                                {v.tasks.into_iter().map(|t| view! { <TaskItem t closed=read_only actions/> }).collect_view()}
                            </ul>
                            {(!read_only).then(|| view! {
                                <PlaybookForm case_id playbooks=v.playbooks actions/>
                                <TaskForm case_id actions/>
                            })}
                        </section>
                    }.into_any(),
                    CaseTab::Evidence => view! {
                        <EvidenceSection items=v.evidence case_number=c.number.clone() can_upload=v.can_upload_evidence
                            max_bytes=v.evidence_max_bytes closed uploads/>
                    }.into_any(),
                }}
            </div>
            <aside class="case-side" aria-label="About the case">
                <section aria-labelledby="desc-h">
                    <h2 id="desc-h">"Description"</h2>
                    <p class="prewrap">{c.description.clone()}</p>
                    <dl class="facts">
                        <dt>"Detection"</dt><dd>{c.detection_source.clone()}</dd>
                        <dt>"Opened"</dt><dd><When ms=c.opened_at/>" by "{c.created_by.clone()}</dd>
                        <dt>"Tags"</dt><dd>{c.tags.join(", ")}</dd>
                    </dl>
                </section>
                <CaseFields case_id version=c.version fields=v.fields values=v.field_values read_only actions/>
                <TierSection panel=v.tier/>
                <Techniques groups=v.techniques number=c.number.clone()/>
                <Related related=v.related/>
            </aside>
        </div>
    }
}

/// The sections of the case page, each at its own URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CaseTab {
    Timeline,
    Observables,
    Tasks,
    Evidence,
}

impl CaseTab {
    const ALL: [CaseTab; 4] = [
        Self::Timeline,
        Self::Observables,
        Self::Tasks,
        Self::Evidence,
    ];

    fn slug(self) -> &'static str {
        match self {
            Self::Timeline => "timeline",
            Self::Observables => "observables",
            Self::Tasks => "tasks",
            Self::Evidence => "evidence",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Timeline => "Timeline",
            Self::Observables => "Observables",
            Self::Tasks => "Tasks",
            Self::Evidence => "Evidence",
        }
    }

    /// The timeline is the case's own URL; the others are below it.
    fn href(self, number: &str) -> String {
        match self {
            Self::Timeline => format!("/cases/{number}"),
            t => format!("/cases/{number}/{}", t.slug()),
        }
    }

    /// The tab a case page URL names (`/cases/CF-…/tasks`); the timeline otherwise.
    fn from_path(path: &str) -> Self {
        let last = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        Self::ALL
            .into_iter()
            .find(|t| t.slug() == last)
            .unwrap_or(Self::Timeline)
    }
}

/// The case's observables, with watchlist flags and how many other cases saw each.
#[component]
fn ObservableTable(observables: Vec<crate::cases::CaseObservable>) -> impl IntoView {
    if observables.is_empty() {
        return view! { <p class="muted">"No observables yet: add one below, or import a reported e-mail."</p> }.into_any();
    }
    view! {
        <table class="data">
            <thead><tr>
                <th scope="col">"Type"</th><th scope="col">"Value"</th><th scope="col">"IOC"</th>
                <th scope="col">"TLP"</th><th scope="col">"Tags"</th><th scope="col">"Watchlist"</th>
                <th scope="col">"Other cases"</th>
            </tr></thead>
            <tbody>
                {observables.into_iter().map(|o| { let flagged = o.watchlist.is_some(); view! {
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
    }
    .into_any()
}

/// Managers place or lift a legal hold, with a reason.
#[component]
fn LegalHoldForm(case_id: i64, held: bool, actions: CaseActions) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let (label, title) = if held {
        ("Lift legal hold…", "Lift the legal hold")
    } else {
        ("Legal hold…", "Place a legal hold")
    };
    view! {
        <ActionDialog label title>
            <form class="stacked-form" on:submit=move |ev| {
                ev.prevent_default();
                actions.legal_hold.dispatch(SetLegalHold { case_id, hold: !held, reason: reason.get_untracked() });
            }>
                <label>{if held { "Reason for lifting the legal hold" } else { "Legal hold reason (matter, request)" }}
                    <input type="text" bind:value=reason/></label>
                <button type="submit" class="primary">{if held { "Lift legal hold" } else { "Place legal hold" }}</button>
            </form>
        </ActionDialog>
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

/// Phase moves, closing with a verdict and summary, reopening with a reason: each in its own
/// dialog from the case header.
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
            <ActionDialog label="Reopen…" title="Reopen the case">
                <form class="stacked-form" on:submit=move |ev| {
                    ev.prevent_default();
                    actions.reopen.dispatch(ReopenCase { case_id, version, reason: reason.get_untracked() });
                }>
                    <label>"Reason " <input bind:value=reason/></label>
                    <button type="submit" class="primary">"Reopen case"</button>
                </form>
            </ActionDialog>
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
        {(!later.is_empty()).then(|| view! {
            <ActionDialog label="Move phase…" title="Move to another phase">
                <form class="stacked-form" on:submit=move |ev| {
                    ev.prevent_default();
                    actions.set_status.dispatch(SetCaseStatus { case_id, version, status: next.get_untracked() });
                }>
                    <label>"Move to "
                        <select on:change=move |ev| next.set(event_target_value(&ev))>
                            {later.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="primary">"Move"</button>
                </form>
            </ActionDialog>
        })}
        <ActionDialog label="Close…" title="Close the case" danger=true>
            <form class="stacked-form" on:submit=move |ev| {
                ev.prevent_default();
                actions.close.dispatch(CloseCase { case_id, version, verdict: verdict.get_untracked(), summary: summary.get_untracked() });
            }>
                <label>"Verdict "
                    <select on:change=move |ev| verdict.set(event_target_value(&ev))>
                        {ClosureVerdict::ALL.into_iter().map(|v| view! {
                            <option value=v.as_str() selected=v == ClosureVerdict::TruePositiveWithoutImpact>{v.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Summary " <textarea rows="3" bind:value=summary></textarea></label>
                <button type="submit" class="primary">"Close case"</button>
            </form>
        </ActionDialog>
    }
    .into_any()
}
