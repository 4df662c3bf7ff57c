//! Opening a case by hand: a hunt finding, a user's report, a tip from a partner, with a
//! playbook's tasks if one is chosen.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::api::OpenCase;
use crate::{
    accounts::pages::RequireUser,
    cases::{CaseInput, pages::TLP_NAMES},
    components::action_error,
    fields::{
        FieldDef,
        api::custom_fields,
        pages::{FieldInput, changed_values, inputs_for},
    },
    playbooks::api::playbooks,
    roles::Permission,
    severity::Severity,
    templates::{api::case_templates, pages::TemplatePicker},
    validate::split_list,
};

#[component]
pub fn NewCasePage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::CaseCreate>
            <NewCase/>
        </RequireUser>
    }
}

/// Opening a case by hand: a hunt finding, a user's report, a tip from a partner.
#[component]
fn NewCase() -> impl IntoView {
    let open = ServerAction::<OpenCase>::new();
    let books = Resource::new(|| (), |_| playbooks());
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let severity = RwSignal::new("medium".to_owned());
    let tlp = RwSignal::new("2".to_owned());
    let tags = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let playbook = RwSignal::new(String::new());
    let template = RwSignal::new(String::new());
    let templates = Resource::new(|| (), |_| case_templates());
    // Picking a template shows its severity and TLP, which the analyst may still change.
    Effect::new(move |_| {
        let chosen = template.get();
        if let Some(Ok(list)) = templates.get()
            && let Some(t) = list.iter().find(|t| t.template_id.to_string() == chosen)
        {
            if let Some(s) = t.severity {
                severity.set(s.as_str().to_owned());
            }
            if let Some(n) = t.tlp {
                tlp.set(n.to_string());
            }
        }
    });
    let field_defs = Resource::new(|| (), |_| custom_fields());
    // One input per case field, made once the definitions arrive.
    let inputs = StoredValue::new(Vec::<(FieldDef, String, RwSignal<String>)>::new());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(number)) = open.value().get() {
            navigate(&format!("/cases/{number}"), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        open.dispatch(OpenCase {
            input: CaseInput {
                title: title.get_untracked(),
                description: description.get_untracked(),
                severity: severity.get_untracked(),
                tlp: tlp.get_untracked().parse().ok(),
                tags: split_list(&tags.get_untracked()),
                detection_source: source.get_untracked(),
                ..Default::default()
            },
            playbook_id: playbook.get_untracked().parse().ok(),
            custom_fields: inputs.with_value(|i| changed_values(i)),
            template: Some(template.get_untracked()).filter(|t| !t.is_empty()),
        });
    };
    view! {
        <h1>"Open a case"</h1>
        <div class="action-errors">{action_error(open.value())}</div>
        <form class="stacked" on:submit=submit>
            <label>"Title" <input size="60" required bind:value=title/></label>
            <label>"Description" <textarea rows="5" cols="60" bind:value=description></textarea></label>
            <TemplatePicker template/>
            <label>"Severity "
                <select on:change=move |ev| severity.set(event_target_value(&ev))>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s.as_str() == "medium" prop:selected=move || severity.get() == s.as_str()>{s.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"TLP "
                <select on:change=move |ev| tlp.set(event_target_value(&ev))>
                    {TLP_NAMES.iter().enumerate().map(|(n, name)| view! {
                        <option value=n.to_string() selected=n == 2 prop:selected=move || tlp.get() == n.to_string()>{*name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Tags (comma-separated)" <input size="40" bind:value=tags/></label>
            <label>"Detected by" <input size="40" placeholder="threat hunt, user report, …" bind:value=source/></label>
            <label>"Playbook "
                <select on:change=move |ev| playbook.set(event_target_value(&ev))>
                    <option value="">"none"</option>
                    <Transition>
                        {move || Suspend::new(async move {
                            books.await.unwrap_or_default().into_iter().map(|b| view! {
                                <option value=b.playbook_id.to_string()>{b.name}</option>
                            }).collect_view()
                        })}
                    </Transition>
                </select>
            </label>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let defs: Vec<FieldDef> = field_defs.await.unwrap_or_default().into_iter()
                        .filter(|d| d.on_cases && !d.retired)
                        .collect();
                    let made = inputs_for(defs, &[]);
                    inputs.set_value(made.clone());
                    (!made.is_empty()).then(|| view! {
                        <fieldset>
                            <legend>"Custom fields"</legend>
                            {made.into_iter().map(|(d, _, s)| view! { <FieldInput d s/> }).collect_view()}
                        </fieldset>
                    })
                })}
            </Transition>
            <button type="submit" class="primary">"Open case"</button>
        </form>
    }
}
