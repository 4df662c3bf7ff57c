//! Playbook administration: each playbook's name, description and tasks, edited as text.

use leptos::prelude::*;

use super::{
    Playbook,
    api::{UpdatePlaybook, playbooks},
    tasks_to_text,
};
use crate::{
    accounts::pages::RequireUser,
    cases::ContainmentAction,
    components::ErrorBox,
    components::{action_error, utc},
    roles::Permission,
};

#[component]
pub fn AdminPlaybooksPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AdminSettings>
            <Playbooks/>
        </RequireUser>
    }
}

#[component]
fn Playbooks() -> impl IntoView {
    let save = ServerAction::<UpdatePlaybook>::new();
    let list = Resource::new(move || save.version().get(), |_| playbooks());
    let actions = ContainmentAction::ALL
        .map(ContainmentAction::as_str)
        .join(", ");
    view! {
        <h1>"Playbooks"</h1>
        <p class="muted">
            "One task per line: " <code>"group | title"</code> " or " <code>"group | title | action"</code>
            ". Containment actions (" {actions} ") ask for the asset when the task is done."
        </p>
        <div class="action-errors">{action_error(save.value())}</div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => list.into_iter().map(|p| view! { <PlaybookEditor p save/> }).collect_view().into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PlaybookEditor(p: Playbook, save: ServerAction<UpdatePlaybook>) -> impl IntoView {
    let name = RwSignal::new(p.name.clone());
    let description = RwSignal::new(p.description.clone());
    let tasks = RwSignal::new(tasks_to_text(&p.tasks));
    let (playbook_id, version) = (p.playbook_id, p.version);
    let tasks_label = format!("Tasks of {}", p.name);
    view! {
        <section class="card" aria-label=p.name.clone()>
            <form on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(UpdatePlaybook {
                    playbook_id, version,
                    name: name.get_untracked(), description: description.get_untracked(), tasks: tasks.get_untracked(),
                });
            }>
                <label>"Name " <input size="30" bind:value=name/></label>
                <label>"Description " <input size="60" bind:value=description/></label>
                <label>{tasks_label}<textarea rows="10" cols="90" bind:value=tasks></textarea></label>
                <p class="muted">"Version "{p.version}" · "{
                    if p.updated_by == "system" {
                        "shipped with Casefile".to_owned()
                    } else {
                        format!("{}, {}", p.updated_by, utc(p.updated_at))
                    }
                }</p>
                <button type="submit">"Save playbook"</button>
            </form>
        </section>
    }
}
