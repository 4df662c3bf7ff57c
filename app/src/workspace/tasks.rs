//! The case page's tasks: one task with its status and containment asset, the new-task form,
//! and applying a playbook.

use leptos::prelude::*;

use super::actions::CaseActions;
use crate::{
    cases::{
        CaseTask, ContainmentAction, TaskStatus,
        api::{AddCaseTask, SetTaskStatus},
    },
    playbooks::api::ApplyPlaybook,
};

/// A task: its status, and for a containment action the asset it was done on.
#[component]
pub(super) fn TaskItem(t: CaseTask, closed: bool, actions: CaseActions) -> impl IntoView {
    let task_id = t.task_id;
    let label = format!("Status of {}", t.title);
    let asset = RwSignal::new(String::new());
    let action = t.action;
    let open_containment = action.filter(|_| t.status != TaskStatus::Done && !closed);
    view! {
        <li class:containment=action.is_some()>
            <span class="task-title">{t.title.clone()}</span>" ("{t.group_name.clone()}") "
            <select aria-label=label disabled=closed
                on:change=move |ev| { actions.set_task.dispatch(SetTaskStatus { task_id, status: event_target_value(&ev), done_on: None }); }>
                {TaskStatus::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=s == t.status>{s.as_str().replace('_', " ")}</option>
                }).collect_view()}
            </select>
            {t.done_on.clone().map(|d| view! { <span class="muted">" done on "<span class="mono">{d}</span></span> })}
            {open_containment.map(|a: ContainmentAction| {
                let asset_label = format!("{} for {}", a.asset_label(), t.title);
                view! {
                    <form class="inline-form" on:submit=move |ev| {
                        ev.prevent_default();
                        actions.set_task.dispatch(SetTaskStatus { task_id, status: TaskStatus::Done.as_str().into(), done_on: Some(asset.get_untracked()) });
                    }>
                        <input size="20" aria-label=asset_label placeholder=a.asset_label() bind:value=asset/>
                        <button type="submit">"Record done"</button>
                    </form>
                }
            })}
        </li>
    }
}

#[component]
pub(super) fn PlaybookForm(
    case_id: i64,
    playbooks: Vec<(i64, String)>,
    actions: CaseActions,
) -> impl IntoView {
    let chosen = RwSignal::new(
        playbooks
            .first()
            .map(|(id, _)| id.to_string())
            .unwrap_or_default(),
    );
    view! {
        <form class="inline-form" on:submit=move |ev| {
            ev.prevent_default();
            if let Ok(playbook_id) = chosen.get_untracked().parse() {
                actions.apply_playbook.dispatch(ApplyPlaybook { case_id, playbook_id });
            }
        }>
            <label>"Playbook "
                <select on:change=move |ev| chosen.set(event_target_value(&ev))>
                    {playbooks.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit">"Apply playbook"</button>
        </form>
    }
}

#[component]
pub(super) fn TaskForm(case_id: i64, actions: CaseActions) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        actions.add_task.dispatch(AddCaseTask {
            case_id,
            title: title.get_untracked(),
            group: group.get_untracked(),
            action: action.get_untracked(),
        });
    };
    view! {
        <form class="inline-form" on:submit=submit>
            <label>"Task " <input size="30" id="task-title" bind:value=title/></label>
            <label>"Group " <input size="14" placeholder="containment" bind:value=group/></label>
            <label>"Containment action "
                <select on:change=move |ev| action.set(event_target_value(&ev))>
                    <option value="">"none"</option>
                    {ContainmentAction::ALL.into_iter().map(|a| view! { <option value=a.as_str()>{a.as_str().replace('_', " ")}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit">"Add task"</button>
        </form>
    }
}
