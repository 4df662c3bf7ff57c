//! SLA on the pages: clock badges (coloured by how close they are to breach) and the admin page
//! for the policy, which also holds the shift settings.

use leptos::prelude::*;

use super::{
    Clock, ClockState, PolicyRow,
    api::{SetSlaPolicy, sla_policy},
    most_urgent,
};
use crate::components::{ErrorBox, action_error, utc};

/// One clock: its name, where it stands, and its deadline on hover.
#[component]
pub fn ClockBadge(clock: Clock) -> impl IntoView {
    let state = clock.state();
    let title = format!("due {}", utc(clock.due_at));
    view! {
        <span class=format!("sla sla-{}", state.as_str()) title=title data-testid=format!("sla-{}", clock.kind.as_str())>
            {clock.kind.label()}": "{clock.describe()}
        </span>
    }
}

/// The clock needing attention first, for list rows; nothing when all are met.
#[component]
pub fn UrgentClock(clocks: Vec<Clock>) -> impl IntoView {
    most_urgent(&clocks)
        .cloned()
        .map(|clock| view! { <ClockBadge clock/> })
}

/// Every clock of a case, for the case page.
#[component]
pub fn ClockList(clocks: Vec<Clock>) -> impl IntoView {
    let paused = clocks.iter().any(|c| c.state() == ClockState::Paused);
    view! {
        <ul class="sla-clocks" aria-label="SLA clocks" data-paused=paused.to_string()>
            {clocks.into_iter().map(|clock| view! { <li><ClockBadge clock/></li> }).collect_view()}
        </ul>
    }
}

/// The SLA policy editor (the administrators' settings page shows it with the shift times).
#[component]
pub fn SlaPolicy() -> impl IntoView {
    let save = ServerAction::<SetSlaPolicy>::new();
    let rows = Resource::new(move || save.version().get(), |_| sla_policy());
    view! {
        <h1>"SLA policy"</h1>
        <p class="muted">"Minutes allowed per severity. Acknowledge: opened → first action by an analyst. Contain: opened → contained. Resolve: opened → closed. A breach escalates the case to the next tier once. Changes apply to cases opened from now on."</p>
        <div class="action-errors">{action_error(save.value())}</div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => view! {
                        <table class="data">
                            <thead><tr>
                                <th scope="col">"Severity"</th><th scope="col">"Acknowledge (min)"</th>
                                <th scope="col">"Contain (min)"</th><th scope="col">"Resolve (min)"</th>
                                <th scope="col">"Changed"</th><th scope="col"><span class="sr-only">"Save"</span></th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| view! { <PolicyEditor r save/> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PolicyEditor(r: PolicyRow, save: ServerAction<SetSlaPolicy>) -> impl IntoView {
    let sev = r.severity.as_str();
    let ack = RwSignal::new(r.acknowledge_minutes.to_string());
    let contain = RwSignal::new(r.contain_minutes.to_string());
    let resolve = RwSignal::new(r.resolve_minutes.to_string());
    let form = format!("sla-{sev}");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = |s: RwSignal<String>| s.get_untracked().trim().parse().unwrap_or(0);
        save.dispatch(SetSlaPolicy {
            severity: sev.to_owned(),
            acknowledge_minutes: n(ack),
            contain_minutes: n(contain),
            resolve_minutes: n(resolve),
        });
    };
    view! {
        <tr>
            <th scope="row"><span class=format!("sev sev-{sev}")>{sev}</span></th>
            <td><input form=form.clone() type="number" min="1" size="7" aria-label=format!("{sev}: acknowledge minutes") bind:value=ack/></td>
            <td><input form=form.clone() type="number" min="1" size="7" aria-label=format!("{sev}: contain minutes") bind:value=contain/></td>
            <td><input form=form.clone() type="number" min="1" size="7" aria-label=format!("{sev}: resolve minutes") bind:value=resolve/></td>
            <td class="muted">{r.updated_by.clone()}" "{(r.updated_at > 0).then(|| utc(r.updated_at))}</td>
            <td><form id=form on:submit=submit><button type="submit">"Save "{sev}</button></form></td>
        </tr>
    }
}
