//! Case templates administration: keep templates (prefix, description with placeholders,
//! severity, TLP/PAP, tier, tags, playbooks, custom field values), and move them between
//! Casefiles as JSON.

use leptos::prelude::*;

use super::{
    Template, TemplateInput,
    api::{
        DeleteCaseTemplate, ExportCaseTemplates, ImportCaseTemplates, SaveCaseTemplate,
        case_templates,
    },
};
use crate::{
    accounts::pages::RequireUser,
    cases::pages::TLP_NAMES,
    components::{ErrorBox, action_error},
    fields::{
        FieldDef, FieldValue,
        api::custom_fields,
        pages::{FieldInput, inputs_for},
    },
    roles::Permission,
    severity::Severity,
    validate::split_list,
};

#[component]
pub fn AdminTemplatesPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::TemplatesWrite>
            <Templates/>
        </RequireUser>
    }
}

#[component]
fn Templates() -> impl IntoView {
    let save = ServerAction::<SaveCaseTemplate>::new();
    let delete = ServerAction::<DeleteCaseTemplate>::new();
    let import = ServerAction::<ImportCaseTemplates>::new();
    let export = ServerAction::<ExportCaseTemplates>::new();
    let list = Resource::new(
        move || {
            (
                save.version().get(),
                delete.version().get(),
                import.version().get(),
            )
        },
        |_| case_templates(),
    );
    let fields = Resource::new(|| (), |_| custom_fields());
    let import_text = RwSignal::new(String::new());
    let imported = move || {
        import.value().get().and_then(Result::ok).map(|r| {
            view! { <p class="notice" role="status">{format!("Imported: {} new, {} replaced.", r.created, r.updated)}</p> }
        })
    };
    view! {
        <h1>"Case templates"</h1>
        <p class="muted">"A template gives a new case its defaults: applied when a case is opened by hand, when an alert is escalated, by an alert rule, and through TheHive's "<code>"caseTemplate"</code>". What the opener gives wins; the template fills the rest."</p>
        <div class="action-errors">
            {action_error(save.value())}{action_error(delete.value())}
            {action_error(import.value())}{action_error(export.value())}
        </div>
        {imported}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let defs: Vec<FieldDef> = fields.await.unwrap_or_default().into_iter()
                    .filter(|d| d.on_cases && !d.retired).collect();
                match list.await {
                    Ok(list) => view! {
                        <section class="card" aria-labelledby="new-template-h">
                            <h2 id="new-template-h">"New template"</h2>
                            <TemplateForm t=None defs=defs.clone() save/>
                        </section>
                        {list.into_iter().map(|t| {
                            let id = t.template_id;
                            let name = t.name.clone();
                            let (label, heading) = (name.clone(), name.clone());
                            let (edit, description) = (format!("Edit {name}"), t.description.clone());
                            view! {
                                <section class="card" aria-label=label>
                                    <h2>{heading}</h2>
                                    <p class="muted">{description}</p>
                                    <details>
                                        <summary>{edit}</summary>
                                        <TemplateForm t=Some(t) defs=defs.clone() save/>
                                    </details>
                                    <button type="button" class="danger" on:click=move |_| { delete.dispatch(DeleteCaseTemplate { template_id: id }); }>
                                        {format!("Delete {name}")}
                                    </button>
                                </section>
                            }
                        }).collect_view()}
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
        <section class="card" aria-labelledby="share-h">
            <h2 id="share-h">"Share templates"</h2>
            <button type="button" on:click=move |_| { export.dispatch(ExportCaseTemplates {}); }>"Export all as JSON"</button>
            {move || export.value().get().and_then(Result::ok).map(|json| view! {
                <label>"Export (copy it to another Casefile) " <textarea readonly rows="8" cols="80" prop:value=json></textarea></label>
            })}
            <form on:submit=move |ev| {
                ev.prevent_default();
                import.dispatch(ImportCaseTemplates { json: import_text.get_untracked() });
            }>
                <label>"Import JSON (templates of the same name are replaced) "
                    <textarea rows="6" cols="80" bind:value=import_text></textarea>
                </label>
                <button type="submit">"Import templates"</button>
            </form>
        </section>
    }
}

fn level_text(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

/// The form of a new template (`t` is `None`) or of an existing one.
#[component]
fn TemplateForm(
    t: Option<Template>,
    defs: Vec<FieldDef>,
    save: ServerAction<SaveCaseTemplate>,
) -> impl IntoView {
    let (id, version) = (
        t.as_ref().map(|t| t.template_id),
        t.as_ref().map(|t| t.version),
    );
    let t = t.map(|t| t.to_input()).unwrap_or_default();
    let name = RwSignal::new(t.name.clone());
    let description = RwSignal::new(t.description.clone());
    let prefix = RwSignal::new(t.title_prefix.clone());
    let body = RwSignal::new(t.body.clone());
    let severity = RwSignal::new(t.severity.clone().unwrap_or_default());
    let tlp = RwSignal::new(level_text(t.tlp));
    let pap = RwSignal::new(level_text(t.pap));
    let tier = RwSignal::new(level_text(t.tier));
    let tags = RwSignal::new(t.tags.join(", "));
    let books = RwSignal::new(t.playbooks.join(", "));
    let values: Vec<FieldValue> = defs
        .iter()
        .filter_map(|d| {
            t.custom_fields.get(&d.name).map(|v| FieldValue {
                name: d.name.clone(),
                label: d.label.clone(),
                field_type: d.field_type,
                value: v.clone(),
                retired: false,
            })
        })
        .collect();
    let inputs = inputs_for(defs, &values);
    let form_inputs = inputs.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let level = |s: RwSignal<String>| s.get_untracked().trim().parse::<i64>().ok();
        let custom_fields = form_inputs
            .iter()
            .filter(|(_, _, s)| !s.get_untracked().trim().is_empty())
            .map(|(d, _, s)| (d.name.clone(), serde_json::Value::String(s.get_untracked())))
            .collect();
        let input = TemplateInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            title_prefix: prefix.get_untracked(),
            body: body.get_untracked(),
            severity: Some(severity.get_untracked()).filter(|s| !s.is_empty()),
            tlp: level(tlp),
            pap: level(pap),
            tier: level(tier),
            tags: split_list(&tags.get_untracked()),
            playbooks: split_list(&books.get_untracked()),
            custom_fields,
        };
        save.dispatch(SaveCaseTemplate {
            template_id: id,
            version,
            template: serde_json::to_string(&input).unwrap_or_default(),
        });
    };
    let levels = |signal: RwSignal<String>, names: Vec<(String, String)>| {
        view! {
            <select bind:value=signal>
                <option value="">"—"</option>
                {names.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
            </select>
        }
    };
    let tlp_names: Vec<(String, String)> = TLP_NAMES
        .iter()
        .enumerate()
        .map(|(n, l)| (n.to_string(), (*l).to_owned()))
        .collect();
    let pap_names: Vec<(String, String)> = (0..=4)
        .map(|n| (n.to_string(), format!("PAP {n}")))
        .collect();
    let tiers: Vec<(String, String)> = (1..=3)
        .map(|n| (n.to_string(), format!("Tier {n}")))
        .collect();
    let severities: Vec<(String, String)> = Severity::ALL
        .into_iter()
        .map(|s| (s.as_str().to_owned(), s.as_str().to_owned()))
        .collect();
    view! {
        <form class="stacked" on:submit=submit>
            <label>"Name " <input required size="30" bind:value=name/></label>
            <label>"Description " <input size="60" bind:value=description/></label>
            <label>"Title prefix " <input size="20" placeholder="[Phishing] " bind:value=prefix/></label>
            <label>"Case description (Markdown; {{alert.title}}, {{alert.description}}, {{alert.source}}, {{alert.rule}}, {{alert.observables}} are filled in) "
                <textarea rows="4" cols="70" bind:value=body></textarea>
            </label>
            <label>"Severity " {levels(severity, severities)}</label>
            <label>"TLP " {levels(tlp, tlp_names)}</label>
            <label>"PAP " {levels(pap, pap_names)}</label>
            <label>"Opens in " {levels(tier, tiers)}</label>
            <label>"Tags (comma-separated) " <input size="40" bind:value=tags/></label>
            <label>"Playbooks (names, comma-separated) " <input size="40" bind:value=books/></label>
            {(!inputs.is_empty()).then(|| view! {
                <fieldset>
                    <legend>"Custom field values"</legend>
                    {inputs.into_iter().map(|(d, _, s)| view! { <FieldInput d s/> }).collect_view()}
                </fieldset>
            })}
            <button type="submit">{if id.is_some() { "Save template" } else { "Create template" }}</button>
        </form>
    }
}

/// A select of the case templates, for escalating an alert or opening a case; `template`
/// holds the chosen id ("" for none). The loading wraps the whole select: an HTML parser
/// drops anything but options inside one.
#[component]
pub fn TemplatePicker(template: RwSignal<String>) -> impl IntoView {
    let list = Resource::new(|| (), |_| case_templates());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let templates = list.await.unwrap_or_default();
                view! { <TemplateSelect template templates/> }
            })}
        </Transition>
    }
}

/// [`TemplatePicker`] over a list already read, for forms drawn inside a page's own
/// loading (a resource of its own there would be a nested suspense).
#[component]
pub fn TemplateSelect(template: RwSignal<String>, templates: Vec<Template>) -> impl IntoView {
    view! {
        <label>"Template "
            <select bind:value=template>
                <option value="">"none"</option>
                {templates.into_iter().map(|t| view! {
                    <option value=t.template_id.to_string()>{t.name}</option>
                }).collect_view()}
            </select>
        </label>
    }
}
