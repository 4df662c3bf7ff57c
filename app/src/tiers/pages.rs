//! Pages for working in tiers: "my work", a tier's queue, the managers' workload table, and the
//! case page's section on who holds the case, its tier moves and its SLA clocks.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use super::{
    Direction, Escalation, EscalationState, QueueItem, TierPanel,
    api::{
        AcceptCase, AssignCase, ClaimCase, MoveCaseTier, ReleaseCase, ReturnCase, my_work_data,
        tier_queue, workload,
    },
};
use crate::{
    accounts::pages::{RequireUser, use_session},
    components::{ActionDialog, ErrorBox, When, action_error, utc},
    roles::Permission,
    sla::{
        api::{PauseSla, ResumeSla},
        pages::{ClockList, UrgentClock},
    },
};

/// The case page's tier actions; they live above the part of the page that reloads.
#[derive(Clone, Copy)]
pub struct TierActions {
    pub claim: ServerAction<ClaimCase>,
    pub release: ServerAction<ReleaseCase>,
    pub assign: ServerAction<AssignCase>,
    pub move_tier: ServerAction<MoveCaseTier>,
    pub accept: ServerAction<AcceptCase>,
    pub return_case: ServerAction<ReturnCase>,
    pub pause: ServerAction<PauseSla>,
    pub resume: ServerAction<ResumeSla>,
}

impl TierActions {
    pub fn new() -> Self {
        Self {
            claim: ServerAction::new(),
            release: ServerAction::new(),
            assign: ServerAction::new(),
            move_tier: ServerAction::new(),
            accept: ServerAction::new(),
            return_case: ServerAction::new(),
            pause: ServerAction::new(),
            resume: ServerAction::new(),
        }
    }

    pub fn versions(&self) -> [usize; 8] {
        [
            self.claim.version().get(),
            self.release.version().get(),
            self.assign.version().get(),
            self.move_tier.version().get(),
            self.accept.version().get(),
            self.return_case.version().get(),
            self.pause.version().get(),
            self.resume.version().get(),
        ]
    }

    pub fn errors(&self) -> impl IntoView + use<> {
        view! {
            {action_error(self.claim.value())}
            {action_error(self.release.value())}
            {action_error(self.assign.value())}
            {action_error(self.move_tier.value())}
            {action_error(self.accept.value())}
            {action_error(self.return_case.value())}
            {action_error(self.pause.value())}
            {action_error(self.resume.value())}
        }
    }
}

impl Default for TierActions {
    fn default() -> Self {
        Self::new()
    }
}

/// Holder, tier and clocks of one case: its SLA clocks, a move waiting for acceptance and the
/// history of tier moves. The moves themselves are in [`TierActionBar`].
#[component]
pub fn TierSection(panel: TierPanel) -> impl IntoView {
    view! {
        <section aria-labelledby="tier-h" class="tier-section">
            <h2 id="tier-h">"Tier, holder and SLA"</h2>
            <ClockList clocks=panel.clocks.clone()/>
            {panel.pending.clone().map(|e| view! { <PendingMove e/> })}
            <MoveHistory moves=panel.escalations/>
        </section>
    }
}

/// The tier moves the viewer may make on a case, for the case header's action bar: one-click
/// claims and acceptances, and dialogs for what needs a reason or a choice.
#[component]
pub fn TierActionBar(
    case_id: i64,
    tier: i64,
    panel: TierPanel,
    actions: TierActions,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let assignee = RwSignal::new(panel.tier_analysts.first().cloned().unwrap_or_default());
    let return_reason = RwSignal::new(String::new());
    let pause_reason = RwSignal::new(String::new());
    let paused = panel
        .clocks
        .iter()
        .any(|c| c.paused_at.is_some() && c.met_at.is_none());
    let to_tier = RwSignal::new(if panel.can_escalate {
        tier + 1
    } else {
        tier - 1
    });
    let can_move = panel.can_escalate || panel.can_deescalate;
    view! {
        {panel.can_accept.then(|| view! {
            <button type="button" class="action primary" on:click=move |_| { actions.accept.dispatch(AcceptCase { case_id }); }>"Accept case"</button>
        })}
        {(panel.can_claim && !panel.can_accept).then(|| view! {
            <button type="button" class="action primary" on:click=move |_| { actions.claim.dispatch(ClaimCase { case_id }); }>"Claim case"</button>
        })}
        {panel.can_release.then(|| view! {
            <button type="button" class="action" on:click=move |_| { actions.release.dispatch(ReleaseCase { case_id }); }>"Release to queue"</button>
        })}
        {panel.can_assign.then(|| view! {
            <ActionDialog label="Assign…" title="Assign the case">
                <form class="stacked-form" on:submit=move |ev| {
                    ev.prevent_default();
                    actions.assign.dispatch(AssignCase { case_id, username: assignee.get_untracked() });
                }>
                    <label>"Assign to "
                        <select bind:value=assignee>
                            {panel.tier_analysts.clone().into_iter().map(|u| view! { <option value=u.clone()>{u.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="primary">"Assign"</button>
                </form>
            </ActionDialog>
        })}
        {can_move.then(|| view! {
            <ActionDialog label="Change tier…" title="Escalate or de-escalate" shortcut="change-tier">
                <form class="stacked-form escalate-form" aria-label="Change tier" on:submit=move |ev| {
                    ev.prevent_default();
                    actions.move_tier.dispatch(MoveCaseTier {
                        case_id,
                        to_tier: to_tier.get_untracked(),
                        reason: reason.get_untracked(),
                        handover_note: note.get_untracked(),
                    });
                }>
                    <label>"Target tier "
                        <select on:change=move |ev| to_tier.set(event_target_value(&ev).parse().unwrap_or(tier))>
                            {(1..=3).filter(|t| *t != tier).map(|t| view! {
                                <option value=t.to_string() selected=move || to_tier.get() == t>{format!("Tier {t}")}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Reason" <input type="text" bind:value=reason/></label>
                    <label>"Handover note (what was checked, what remains, suggested next steps)"
                        <textarea rows="4" bind:value=note></textarea>
                    </label>
                    <button type="submit" class="primary">{move || if to_tier.get() > tier { "Escalate" } else { "De-escalate" }}</button>
                </form>
            </ActionDialog>
        })}
        {panel.can_return.then(|| view! {
            <ActionDialog label="Return…" title="Return to the previous tier">
                <form class="stacked-form" on:submit=move |ev| {
                    ev.prevent_default();
                    actions.return_case.dispatch(ReturnCase { case_id, reason: return_reason.get_untracked() });
                }>
                    <label>"Reason for returning it " <input type="text" bind:value=return_reason/></label>
                    <button type="submit" class="primary">"Return to previous tier"</button>
                </form>
            </ActionDialog>
        })}
        {panel.can_pause.then(|| if paused {
            view! {
                <button type="button" class="action" on:click=move |_| { actions.resume.dispatch(ResumeSla { case_id }); }>"Resume SLA clocks"</button>
            }.into_any()
        } else {
            view! {
                <ActionDialog label="Pause SLA…" title="Pause the SLA clocks">
                    <form class="stacked-form" on:submit=move |ev| {
                        ev.prevent_default();
                        actions.pause.dispatch(PauseSla { case_id, reason: pause_reason.get_untracked() });
                    }>
                        <label>"Pause reason " <input type="text" placeholder="waiting on the asset owner" bind:value=pause_reason/></label>
                        <button type="submit" class="primary">"Pause SLA clocks"</button>
                    </form>
                </ActionDialog>
            }.into_any()
        })}
    }
}

#[component]
fn PendingMove(e: Escalation) -> impl IntoView {
    view! {
        <div class="pending-move" role="status" data-testid="pending-move">
            <p><strong>{format!("Waiting for tier {} to accept", e.to_tier)}</strong>
                " · from tier "{e.from_tier}" by "{e.requested_by.clone()}", "<When ms=e.requested_at/></p>
            <p>"Reason: "{e.reason.clone()}</p>
            {(!e.handover_note.is_empty()).then(|| view! {
                <blockquote class="prewrap handover-note">{e.handover_note.clone()}</blockquote>
            })}
        </div>
    }
}

#[component]
fn MoveHistory(moves: Vec<Escalation>) -> impl IntoView {
    (!moves.is_empty()).then(|| view! {
        <details>
            <summary>{format!("Tier moves ({})", moves.len())}</summary>
            <table class="data">
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Move"</th><th scope="col">"By"</th>
                    <th scope="col">"Reason"</th><th scope="col">"Outcome"</th>
                </tr></thead>
                <tbody>
                    {moves.into_iter().map(|e| {
                        let outcome = match e.state {
                            EscalationState::Pending => "waiting".to_string(),
                            EscalationState::Accepted => format!("accepted by {} after {}",
                                e.decided_by.clone().unwrap_or_default(),
                                crate::sla::span(e.time_to_accept_ms().unwrap_or(0))),
                            EscalationState::Returned => format!("returned: {}", e.return_reason.clone().unwrap_or_default()),
                            EscalationState::Superseded => "superseded".to_string(),
                        };
                        let arrow = match e.direction { Direction::Up => "↑", Direction::Down => "↓" };
                        view! {
                            <tr>
                                <td>{utc(e.requested_at)}</td>
                                <td>{format!("{arrow} tier {} → {}{}", e.from_tier, e.to_tier, if e.automatic { " (SLA)" } else { "" })}</td>
                                <td>{e.requested_by.clone()}</td>
                                <td>{e.reason.clone()}</td>
                                <td>{outcome}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    })
}

/// Cases as queues and "my work" list them.
#[component]
fn QueueTable(items: Vec<QueueItem>, empty: &'static str) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <table class="data queue">
            <thead><tr>
                <th scope="col">"Number"</th><th scope="col">"Severity"</th><th scope="col">"Title"</th>
                <th scope="col">"Status"</th><th scope="col">"Tier"</th><th scope="col">"SLA"</th>
                <th scope="col">"Handover"</th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|item| { let c = item.case; view! {
                    <tr>
                        <td><A href=format!("/cases/{}", c.number)>{c.number.clone()}</A></td>
                        <td><span class=format!("sev sev-{}", c.severity.as_str())>{c.severity.as_str()}</span></td>
                        <td>{c.title.clone()}</td>
                        <td>{c.status.label()}</td>
                        <td class="num">{c.tier}</td>
                        <td><UrgentClock clocks=item.clocks/></td>
                        <td>{item.pending.map(|e| view! {
                            <span class="muted">{format!("from tier {} by {}: ", e.from_tier, e.requested_by)}</span>
                            {e.reason.clone()}
                            {(!e.handover_note.is_empty()).then(|| view! {
                                <details><summary>"Handover note"</summary><p class="prewrap">{e.handover_note.clone()}</p></details>
                            })}
                        })}</td>
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn TierQueuePage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::CaseRead>
            <TierQueue/>
        </RequireUser>
    }
}

#[component]
fn TierQueue() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let tier = Memo::new(move |_| {
        params.with(|p| {
            p.get("tier")
                .and_then(|t| t.parse::<i64>().ok())
                .unwrap_or(1)
        })
    });
    let before =
        Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let page = Resource::new(
        move || (tier.get(), before.get()),
        |(t, b)| tier_queue(t, b),
    );
    view! {
        <div class="page-head">
            <h1>{move || format!("Tier {} queue", tier.get())}</h1>
            <nav aria-label="Tiers" class="tabs">
                {(1..=3).map(|t| view! { <A href=format!("/queues/{t}")>{format!("Tier {t}")}</A> }).collect_view()}
            </nav>
        </div>
        <p class="muted">"Open cases of this tier that nobody holds, newest first. Moves waiting for this tier show their handover note."</p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => {
                        let t = page.tier;
                        view! {
                            <QueueTable items=page.items empty="The queue is empty."/>
                            {page.next.map(|id| view! { <p><A href=format!("/queues/{t}?before={id}")>"Next page →"</A></p> })}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn MyWorkPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::CaseRead>
            <MyWork/>
        </RequireUser>
    }
}

#[component]
fn MyWork() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_work_data());
    let session = use_session();
    view! {
        <div class="page-head">
            <h1>"My work"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let tier = session.0.await.ok().flatten().and_then(|u| u.tier).map(|t| t.get()).unwrap_or(1);
                    view! { <A href=format!("/queues/{tier}")>"My tier's queue"</A> }
                })}
            </Transition>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(w) => {
                        let soon = w.now + w.due_soon_hours * 3_600_000;
                        let due_soon: Vec<_> = w.tasks.iter().filter(|t| t.due_at.is_some_and(|d| d <= soon)).cloned().collect();
                        view! {
                            <section aria-labelledby="due-h">
                                <h2 id="due-h">{format!("Due soon (next {} hours)", w.due_soon_hours)}</h2>
                                {if due_soon.is_empty() { view! { <p class="muted">"Nothing due soon."</p> }.into_any() } else { view! {
                                    <ul>{due_soon.into_iter().map(|t| view! {
                                        <li><A href=format!("/cases/{}", t.case_number)>{t.case_number.clone()}</A>" · "{t.title.clone()}" · due "{t.due_at.map(utc)}</li>
                                    }).collect_view()}</ul>
                                }.into_any() }}
                            </section>
                            <section aria-labelledby="mine-h">
                                <h2 id="mine-h">{format!("My cases ({})", w.cases.len())}</h2>
                                <QueueTable items=w.cases empty="You hold no open case."/>
                            </section>
                            <section aria-labelledby="tasks-h">
                                <h2 id="tasks-h">{format!("My tasks ({})", w.tasks.len())}</h2>
                                <ul>{w.tasks.into_iter().map(|t| view! {
                                    <li><A href=format!("/cases/{}", t.case_number)>{t.case_number.clone()}</A>" · "{t.title}" · "{t.status}
                                        {t.due_at.map(|d| format!(" · due {}", utc(d)))}</li>
                                }).collect_view()}</ul>
                            </section>
                            <section aria-labelledby="alerts-h">
                                <h2 id="alerts-h">{format!("My alerts ({})", w.alerts.len())}</h2>
                                <ul>{w.alerts.into_iter().map(|a| view! {
                                    <li><span class=format!("sev sev-{}", a.severity.as_str())>{a.severity.as_str()}</span>" "{a.title}" · alert "{a.alert_id}</li>
                                }).collect_view()}</ul>
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn WorkloadPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::DashboardRead>
            <Workload/>
        </RequireUser>
    }
}

#[component]
fn Workload() -> impl IntoView {
    let rows = Resource::new(|| (), |_| workload());
    view! {
        <h1>"Workload per analyst"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => view! {
                        <table class="data">
                            <thead><tr>
                                <th scope="col">"Analyst"</th><th scope="col">"Tier"</th><th scope="col">"Open cases"</th>
                                <th scope="col">"Open tasks"</th><th scope="col">"Overdue tasks"</th><th scope="col">"Open alerts"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| { let overdue = r.overdue_tasks > 0; view! {
                                    <tr>
                                        <th scope="row">{r.display_name}" ("{r.username}")"</th>
                                        <td class="num">{r.tier}</td>
                                        <td class="num">{r.open_cases}</td>
                                        <td class="num">{r.open_tasks}</td>
                                        <td class="num" class:overdue=overdue>{r.overdue_tasks}</td>
                                        <td class="num">{r.open_alerts}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
