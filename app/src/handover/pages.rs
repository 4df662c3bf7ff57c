//! The handover board (`/handover`), one handover laid out for printing (`/handover/:id`), and
//! the shift settings shown on the SLA admin page.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use super::{
    Handover, Shift, Summary,
    api::{
        AcknowledgeHandover, UpdateShift, WriteHandover, handover_board, handover_record, shifts,
    },
    clock_time,
};
use crate::{
    accounts::pages::RequireUser,
    components::ErrorBox,
    components::{When, action_error, utc},
    roles::Permission,
};

#[component]
pub fn HandoverPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::HandoverRead>
            <HandoverBoard/>
        </RequireUser>
    }
}

#[component]
fn HandoverBoard() -> impl IntoView {
    let query = use_query_map();
    let before =
        Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let write = ServerAction::<WriteHandover>::new();
    let ack = ServerAction::<AcknowledgeHandover>::new();
    let notes = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(_)) = write.value().get() {
            notes.set(String::new());
        }
    });
    let board = Resource::new(
        move || (before.get(), write.version().get(), ack.version().get()),
        |(b, _, _)| handover_board(b),
    );
    view! {
        <h1>"Shift handover"</h1>
        <div class="action-errors">{action_error(write.value())}{action_error(ack.value())}</div>
        {move || write.value().get().and_then(Result::ok).map(|h| view! {
            <p class="notice" role="status">{format!("Handover of the {} shift written.", h.shift_name)}</p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(b) => {
                        let me = b.me.clone();
                        view! {
                            <section aria-labelledby="waiting-h">
                                <h2 id="waiting-h">"Waiting for the incoming analyst"</h2>
                                {if b.waiting.is_empty() { view! { <p class="muted">"Every handover is acknowledged."</p> }.into_any() } else {
                                    view! { <ul class="handovers">{b.waiting.into_iter().map(|h| {
                                        let id = h.handover_id;
                                        let own = me.as_deref() == Some(h.written_by.as_str());
                                        view! {
                                            <li>
                                                <A href=format!("/handover/{id}")>{format!("{} shift, written by {}", h.shift_name, h.written_by)}</A>
                                                " · "<When ms=h.written_at/>
                                                {(b.can_write && !own).then(|| view! {
                                                    " "<button type="button" on:click=move |_| { ack.dispatch(AcknowledgeHandover { handover_id: id }); }>"Acknowledge"</button>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}</ul> }.into_any()
                                }}
                            </section>
                            {b.can_write.then(|| {
                                let shift = b.shift.clone();
                                view! {
                                    <section aria-labelledby="write-h" class="panel">
                                        <h2 id="write-h">{shift.as_ref().map(|s| format!("Hand over the {} shift ({} – {})", s.name, utc(s.start), utc(s.end)))}</h2>
                                        <p class="muted">"Prefilled from what happened during the shift and what is open now. It is kept exactly as written."</p>
                                        <SummaryView s=b.draft.clone()/>
                                        <form class="stacked-form" on:submit=move |ev| {
                                            ev.prevent_default();
                                            write.dispatch(WriteHandover { notes: notes.get_untracked() });
                                        }>
                                            <label>"Notes for the next shift (maintenance windows, things to watch)"
                                                <textarea rows="5" bind:value=notes></textarea>
                                            </label>
                                            <button type="submit">"Write handover"</button>
                                        </form>
                                    </section>
                                }
                            })}
                            <section aria-labelledby="history-h">
                                <h2 id="history-h">"History"</h2>
                                <table class="data">
                                    <thead><tr><th scope="col">"Shift"</th><th scope="col">"Written"</th><th scope="col">"Acknowledged"</th></tr></thead>
                                    <tbody>
                                        {b.history.into_iter().map(|h| view! {
                                            <tr>
                                                <td><A href=format!("/handover/{}", h.handover_id)>{format!("{} · {}", h.shift_name, utc(h.shift_start))}</A></td>
                                                <td>{h.written_by.clone()}" · "{utc(h.written_at)}</td>
                                                <td>{match (h.acknowledged_by.clone(), h.acknowledged_at) {
                                                    (Some(by), Some(at)) => format!("{by} · {}", utc(at)),
                                                    _ => "not yet".into(),
                                                }}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {b.next.map(|id| view! { <p><A href=format!("/handover?before={id}")>"Older →"</A></p> })}
                            </section>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The prefilled part of a handover.
#[component]
fn SummaryView(s: Summary) -> impl IntoView {
    let cases = |title: &'static str, list: Vec<super::CaseLine>| {
        view! {
            <h3>{format!("{title} ({})", list.len())}</h3>
            {if list.is_empty() { view! { <p class="muted">"None."</p> }.into_any() } else { view! {
                <ul>{list.into_iter().map(|c| view! {
                    <li><A href=format!("/cases/{}", c.number)>{c.number.clone()}</A>" "{c.title}" · "{c.status}
                        " · tier "{c.tier}" · "{c.assignee.unwrap_or_else(|| "unassigned".into())}</li>
                }).collect_view()}</ul>
            }.into_any() }}
        }
    };
    let verdicts = if s.alerts_by_verdict.is_empty() {
        "No alert triaged.".to_string()
    } else {
        s.alerts_by_verdict
            .iter()
            .map(|(v, n)| format!("{v}: {n}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    view! {
        <div class="handover-summary">
            {cases("Cases opened", s.opened)}
            {cases("Cases escalated", s.escalated)}
            {cases("Cases closed", s.closed)}
            <h3>"Alerts triaged"</h3>
            <p data-testid="verdicts">{verdicts}</p>
            {cases("Open investigations", s.open_investigations)}
            <h3>{format!("SLA clocks running out in the next {} hours ({})", super::SLA_HORIZON_HOURS, s.sla_due.len())}</h3>
            <ul>{s.sla_due.into_iter().map(|c| view! {
                <li><A href=format!("/cases/{}", c.number)>{c.number.clone()}</A>" "{c.title}" · "{c.clock}" due "{utc(c.due_at)}</li>
            }).collect_view()}</ul>
            <h3>{format!("Open tasks ({})", s.open_tasks.len())}</h3>
            <ul>{s.open_tasks.into_iter().map(|t| view! {
                <li><A href=format!("/cases/{}", t.number)>{t.number.clone()}</A>" "{t.title}" · "{t.status}
                    {t.assignee.map(|a| format!(" · {a}"))}{t.due_at.map(|d| format!(" · due {}", utc(d)))}</li>
            }).collect_view()}</ul>
        </div>
    }
}

#[component]
pub fn HandoverRecordPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::HandoverRead>
            <HandoverRecord/>
        </RequireUser>
    }
}

#[component]
fn HandoverRecord() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0))
    });
    let record = Resource::new(move || id.get(), handover_record);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match record.await {
                    Ok(h) => view! { <Printable h/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Printable(h: Handover) -> impl IntoView {
    view! {
        <article class="handover-record">
            <div class="page-head">
                <h1>{format!("Handover: {} shift", h.shift_name)}</h1>
                <span class="no-print"><A href="/handover">"Board"</A>" · "<PrintButton/></span>
            </div>
            <dl class="facts">
                <dt>"Shift"</dt><dd>{utc(h.shift_start)}" – "{utc(h.shift_end)}</dd>
                <dt>"Written by"</dt><dd>{h.written_by.clone()}", "{utc(h.written_at)}</dd>
                <dt>"Acknowledged"</dt><dd data-testid="acknowledged">{match (h.acknowledged_by.clone(), h.acknowledged_at) {
                    (Some(by), Some(at)) => format!("by {by}, {}", utc(at)),
                    _ => "not yet".into(),
                }}</dd>
            </dl>
            <h2>"Notes"</h2>
            <p class="prewrap" data-testid="handover-notes">{if h.notes.is_empty() { "(none)".to_string() } else { h.notes.clone() }}</p>
            <h2>"Summary as written"</h2>
            <SummaryView s=h.summary/>
        </article>
    }
}

#[component]
fn PrintButton() -> impl IntoView {
    view! {
        <button type="button" class="link" on:click=move |_| {
            #[cfg(feature = "hydrate")]
            let _ = window().print();
        }>"Print"</button>
    }
}

/// Shift times and lengths (UTC), edited one at a time.
#[component]
pub fn ShiftSettings() -> impl IntoView {
    let save = ServerAction::<UpdateShift>::new();
    let list = Resource::new(move || save.version().get(), |_| shifts());
    view! {
        <h2>"Shifts (UTC)"</h2>
        <div class="action-errors">{action_error(save.value())}</div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => list.into_iter().map(|s| view! { <ShiftEditor s save/> }).collect_view().into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ShiftEditor(s: Shift, save: ServerAction<UpdateShift>) -> impl IntoView {
    let name = RwSignal::new(s.name.clone());
    let start = RwSignal::new(clock_time(s.start_minute));
    let hours = RwSignal::new((s.duration_minutes / 60).to_string());
    let shift_id = s.shift_id;
    view! {
        <form class="inline-form" aria-label=format!("Shift {}", s.name) on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(UpdateShift {
                shift_id,
                name: name.get_untracked(),
                start: start.get_untracked(),
                hours: hours.get_untracked().trim().parse().unwrap_or(0),
            });
        }>
            <label>"Name " <input size="10" bind:value=name/></label>
            <label>"Starts (HH:MM) " <input size="5" bind:value=start/></label>
            <label>"Hours " <input type="number" min="1" max="24" size="3" bind:value=hours/></label>
            <button type="submit">"Save"</button>
        </form>
    }
}
