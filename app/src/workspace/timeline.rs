//! The case page's timeline: its filters, one entry (with its correction), and the entry form.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::{
    actions::{CaseActions, EntryDraft},
    observables::AddObservable,
};
use crate::{
    cases::{EventInput, EventKind, TimelineEvent, api::AddCaseEvent},
    components::{When, browser_utc_offset_minutes, utc},
    validate::split_list,
};

/// Filters by kind, tag and tactic (a GET form: the filter is in the address, shareable).
#[component]
pub(super) fn TimelineFilters() -> impl IntoView {
    let query = use_query_map();
    let current = move |k: &'static str| query.with(|q| q.get(k).unwrap_or_default());
    view! {
        <form method="GET" class="filters" aria-label="Filter the timeline">
            <label>"Kind "
                <select name="kind">
                    <option value="">"any"</option>
                    {EventKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || current("kind") == k.as_str()>{k.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Tag " <input name="tag" size="12" prop:value=move || current("tag")/></label>
            <label>"Tactic " <input name="tactic" size="16" placeholder="initial-access" prop:value=move || current("tactic")/></label>
            <button type="submit">"Filter"</button>
        </form>
    }
}

#[component]
pub(super) fn Entry(
    e: TimelineEvent,
    closed: bool,
    case_id: i64,
    actions: CaseActions,
    draft: EntryDraft,
) -> impl IntoView {
    let correctable = !closed
        && e.superseded_by.is_none()
        && matches!(e.kind, EventKind::Note | EventKind::Custom);
    let event_id = e.event_id;
    let for_correction = e.clone();
    view! {
        <li class=format!("event event-{}", e.kind.as_str()) class:superseded=e.superseded_by.is_some()
            id=format!("event-{event_id}") data-event-id=event_id.to_string()>
            <span class="when"><When ms=e.occurred_at/></span>
            " "<span class="kind">{e.kind.label()}</span>
            " "<span class="summary">{e.summary.clone()}</span>
            {e.supersedes_event_id.map(|old| view! { <span class="muted">" (corrects entry "{old}")"</span> })}
            {e.superseded_by.map(|new| view! { <span class="flag">" superseded by entry "{new}</span> })}
            {(!e.techniques.is_empty()).then(|| view! {
                <span class="techniques">{e.techniques.iter().map(|t| view! { <span class="technique">{t.clone()}</span> }).collect_view()}</span>
            })}
            {(!e.tags.is_empty()).then(|| view! { <span class="tags">{e.tags.join(", ")}</span> })}
            {(!e.body_html.is_empty()).then(|| view! {
                // Rendered from Markdown and sanitized by the server (cases::markdown).
                <div class="note-body" inner_html=e.body_html.clone()></div>
            })}
            <span class="muted recorded">" entry "{event_id}", recorded "{utc(e.recorded_at)}" by "{e.recorded_by.clone()}</span>
            {(!closed).then(|| view! {
                <details class="quick-add">
                    <summary>"+ observable"</summary>
                    <AddObservable case_id from_event=Some(event_id) actions/>
                </details>
            })}
            {correctable.then(|| view! {
                <button type="button" class="link" on:click=move |_| draft.correct(&for_correction)>"Correct"</button>
            })}
        </li>
    }
}

/// Adds a note or a custom event, or a correction of one.
#[component]
pub(super) fn EntryForm(case_id: i64, actions: CaseActions, draft: EntryDraft) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        actions.add_event.dispatch(AddCaseEvent {
            case_id,
            event: EventInput {
                kind: draft.kind.get_untracked(),
                occurred_at: draft.occurred_at.get_untracked(),
                utc_offset_minutes: browser_utc_offset_minutes(),
                summary: draft.summary.get_untracked(),
                body: draft.body.get_untracked(),
                techniques: split_list(&draft.techniques.get_untracked()),
                tags: split_list(&draft.tags.get_untracked()),
                supersedes: draft.supersedes.get_untracked(),
            },
        });
    };
    view! {
        <form class="note-form" on:submit=submit aria-label="Add to the timeline">
            <h2>{move || match draft.supersedes.get() {
                Some(id) => format!("Correct entry {id}"),
                None => "Add to the timeline".to_owned(),
            }}</h2>
            <div class="inline-form">
                <label>"Kind "
                    <select on:change=move |ev| draft.kind.set(event_target_value(&ev)) prop:value=move || draft.kind.get()>
                        <option value="note">"Note"</option>
                        <option value="custom">"Event"</option>
                    </select>
                </label>
                <label>"When it happened (your time) "
                    <input type="datetime-local" bind:value=draft.occurred_at/>
                </label>
                <label>"ATT&CK " <input size="20" placeholder="T1566.001, T1059" bind:value=draft.techniques/></label>
                <label>"Tags " <input size="14" bind:value=draft.tags/></label>
            </div>
            {move || (draft.kind.get() == "custom").then(|| view! {
                <label>"What happened " <input size="60" bind:value=draft.summary/></label>
            })}
            <label for="note">"Add a note (Markdown)"</label>
            <textarea id="note" rows="4" maxlength="100000" bind:value=draft.body></textarea>
            <button type="submit" class="primary">{move || if draft.supersedes.get().is_some() { "Save correction" } else { "Add note" }}</button>
            {move || draft.supersedes.get().map(|_| view! {
                <button type="button" on:click=move |_| draft.clear()>"Cancel correction"</button>
            })}
        </form>
    }
}
