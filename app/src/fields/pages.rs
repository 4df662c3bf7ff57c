//! Custom fields administration: define fields, change their label, options and rules, retire
//! them (hidden from forms, values kept) or bring them back; and the pieces the record pages
//! share: one input per field type, the list filter inputs, an alert's fields panel.

use leptos::prelude::*;

use leptos_router::hooks::use_query_map;

use super::{
    FieldDef, FieldForm, FieldType, FieldValue, Mandatory, Target,
    api::{DefineField, RedefineField, RetireField, SetAlertFields, alert_fields, custom_fields},
};
use crate::{
    accounts::pages::RequireUser,
    components::{ErrorBox, action_error},
    roles::Permission,
};

#[component]
pub fn AdminFieldsPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::FieldsDefine>
            <Fields/>
        </RequireUser>
    }
}

/// How a field's targets read in a form.
fn applies_to(d: &FieldDef) -> &'static str {
    match (d.on_cases, d.on_alerts) {
        (true, true) => "both",
        (false, true) => "alerts",
        _ => "cases",
    }
}

/// A default value as a form shows it.
fn default_text(d: &FieldDef) -> String {
    match &d.default {
        None => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

#[component]
fn Fields() -> impl IntoView {
    let define = ServerAction::<DefineField>::new();
    let redefine = ServerAction::<RedefineField>::new();
    let retire = ServerAction::<RetireField>::new();
    let fields = Resource::new(
        move || {
            (
                define.version().get(),
                redefine.version().get(),
                retire.version().get(),
            )
        },
        |_| custom_fields(),
    );
    let saved = move || {
        define.value().get().and_then(Result::ok).map(|f| {
            view! { <p class="notice" role="status">{format!("Field `{}` defined.", f.name)}</p> }
        })
    };
    view! {
        <h1>"Custom fields"</h1>
        <p class="muted">"Fields a case or an alert carries beyond Casefile's own: shown and edited on the case page, filterable in lists, sent by integrations as "<code>"customFields"</code>" by their name."</p>
        <div class="action-errors">{action_error(define.value())}{action_error(redefine.value())}{action_error(retire.value())}</div>
        {saved}
        <NewFieldForm define/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match fields.await {
                    Ok(fields) if fields.is_empty() => view! { <p class="muted">"No custom fields yet."</p> }.into_any(),
                    Ok(fields) => view! { <FieldTable fields redefine retire/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewFieldForm(define: ServerAction<DefineField>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let field_type = RwSignal::new("string".to_owned());
    let options = RwSignal::new(String::new());
    let target = RwSignal::new("cases".to_owned());
    let mandatory = RwSignal::new("never".to_owned());
    let default = RwSignal::new(String::new());
    let position = RwSignal::new("0".to_owned());
    view! {
        <section class="card" aria-labelledby="new-field-h">
            <h2 id="new-field-h">"Define a field"</h2>
            <form class="stacked" on:submit=move |ev| {
                ev.prevent_default();
                define.dispatch(DefineField {
                    form: FieldForm {
                        name: name.get_untracked(),
                        label: label.get_untracked(),
                        description: description.get_untracked(),
                        field_type: field_type.get_untracked(),
                        options: options.get_untracked(),
                        applies_to: target.get_untracked(),
                        mandatory: mandatory.get_untracked(),
                        default: default.get_untracked(),
                        position: position.get_untracked().trim().parse().unwrap_or(0),
                    },
                });
            }>
                <label>"Name (what integrations send) " <input required size="24" placeholder="business_unit" bind:value=name/></label>
                <label>"Label " <input required size="30" placeholder="Business unit" bind:value=label/></label>
                <label>"Type "
                    <select bind:value=field_type>
                        {FieldType::ALL.into_iter().map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Options (enum: one per line) " <textarea rows="3" cols="30" bind:value=options></textarea></label>
                <TargetAndRule target mandatory/>
                <label>"Default " <input size="24" bind:value=default/></label>
                <label>"Order " <input type="number" size="6" bind:value=position/></label>
                <label>"Description " <input size="50" bind:value=description/></label>
                <button type="submit">"Define field"</button>
            </form>
        </section>
    }
}

/// The "applies to" and "mandatory" selects, shared by the new and the edit forms.
#[component]
fn TargetAndRule(target: RwSignal<String>, mandatory: RwSignal<String>) -> impl IntoView {
    view! {
        <label>"Applies to "
            <select bind:value=target>
                <option value="cases">"cases"</option>
                <option value="alerts">"alerts"</option>
                <option value="both">"cases and alerts"</option>
            </select>
        </label>
        <label>"Mandatory "
            <select bind:value=mandatory>
                {Mandatory::ALL.into_iter().map(|m| view! { <option value=m.as_str()>{m.label()}</option> }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn FieldTable(
    fields: Vec<FieldDef>,
    redefine: ServerAction<RedefineField>,
    retire: ServerAction<RetireField>,
) -> impl IntoView {
    view! {
        <table class="data">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Label"</th><th scope="col">"Type"</th>
                <th scope="col">"Applies to"</th><th scope="col">"Mandatory"</th><th scope="col">"Default"</th>
                <th scope="col">"State"</th><th scope="col">"Change"</th>
            </tr></thead>
            <tbody>
                {fields.into_iter().map(|f| {
                    let field_id = f.field_id;
                    let retired = f.retired;
                    let type_text = if f.field_type == FieldType::Enum {
                        format!("enum: {}", f.options.join(", "))
                    } else {
                        f.field_type.as_str().to_owned()
                    };
                    view! {
                        <tr class:muted=retired>
                            <td class="mono">{f.name.clone()}</td>
                            <td>{f.label.clone()}</td>
                            <td>{type_text}</td>
                            <td>{applies_to(&f)}</td>
                            <td>{f.mandatory.label()}</td>
                            <td>{default_text(&f)}</td>
                            <td>{if retired { "retired" } else { "in use" }}</td>
                            <td>
                                <EditField f=f.clone() redefine/>
                                <button type="button" on:click=move |_| { retire.dispatch(RetireField { field_id, retired: !retired }); }>
                                    {if retired { format!("Restore {}", f.name) } else { format!("Retire {}", f.name) }}
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn EditField(f: FieldDef, redefine: ServerAction<RedefineField>) -> impl IntoView {
    let label = RwSignal::new(f.label.clone());
    let description = RwSignal::new(f.description.clone());
    let options = RwSignal::new(f.options.join("\n"));
    let target = RwSignal::new(applies_to(&f).to_owned());
    let mandatory = RwSignal::new(f.mandatory.as_str().to_owned());
    let default = RwSignal::new(default_text(&f));
    let position = RwSignal::new(f.position.to_string());
    let (field_id, version) = (f.field_id, f.version);
    let is_enum = f.field_type == FieldType::Enum;
    view! {
        <details>
            <summary>{format!("Edit {}", f.name)}</summary>
            <form class="stacked" on:submit=move |ev| {
                ev.prevent_default();
                redefine.dispatch(RedefineField {
                    field_id,
                    version,
                    form: FieldForm {
                        label: label.get_untracked(),
                        description: description.get_untracked(),
                        options: options.get_untracked(),
                        applies_to: target.get_untracked(),
                        mandatory: mandatory.get_untracked(),
                        default: default.get_untracked(),
                        position: position.get_untracked().trim().parse().unwrap_or(0),
                        ..Default::default()
                    },
                });
            }>
                <label>"Label " <input required size="24" bind:value=label/></label>
                {is_enum.then(|| view! { <label>"Options (one per line) " <textarea rows="3" cols="24" bind:value=options></textarea></label> })}
                <TargetAndRule target mandatory/>
                <label>"Default " <input size="20" bind:value=default/></label>
                <label>"Order " <input type="number" size="6" bind:value=position/></label>
                <label>"Description " <input size="30" bind:value=description/></label>
                <button type="submit">"Save"</button>
            </form>
        </details>
    }
}

/// A value as its input holds it.
pub fn input_text(v: &FieldValue) -> String {
    match (&v.value, v.field_type) {
        (serde_json::Value::String(s), FieldType::Date) => s.chars().take(10).collect(),
        (serde_json::Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

/// The inputs whose text differs from what they started with, as the JSON object of values
/// a save sends (an emptied input clears its value).
pub fn changed_values(inputs: &[(FieldDef, String, RwSignal<String>)]) -> String {
    let changed: serde_json::Map<String, serde_json::Value> = inputs
        .iter()
        .filter(|(_, before, s)| *before != s.get_untracked())
        .map(|(d, _, s)| {
            let text = s.get_untracked();
            let v = if text.trim().is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::Value::String(text)
            };
            (d.name.clone(), v)
        })
        .collect();
    serde_json::Value::Object(changed).to_string()
}

/// Each field with its current text and a signal for its input.
pub fn inputs_for(
    fields: Vec<FieldDef>,
    values: &[FieldValue],
) -> Vec<(FieldDef, String, RwSignal<String>)> {
    fields
        .into_iter()
        .map(|d| {
            let current = values
                .iter()
                .find(|v| v.name == d.name)
                .map(input_text)
                .unwrap_or_default();
            let signal = RwSignal::new(current.clone());
            (d, current, signal)
        })
        .collect()
}

/// The list filter by one custom field (`field`, `value`, `from`, `to` in the URL query) and
/// the sort by one (`sort`: a name, `-name` descending); `own_order` names the list's order.
#[component]
pub fn FieldFilterInputs(target: Target, own_order: &'static str) -> impl IntoView {
    let query = use_query_map();
    let current = move |k: &'static str| query.with(|q| q.get(k).unwrap_or_default());
    let fields = Resource::new(|| (), |_| custom_fields());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let filterable: Vec<FieldDef> = fields.await.unwrap_or_default().into_iter()
                    .filter(|d| d.applies_to(target) && (d.field_type.is_keyed() || d.field_type.is_numeric()))
                    .collect();
                let sortable = filterable.clone();
                (!filterable.is_empty()).then(|| view! {
                    <label>"Custom field "
                        <select name="field">
                            <option value="">"—"</option>
                            {filterable.into_iter().map(|d| {
                                let name = d.name.clone();
                                view! { <option value=d.name.clone() selected=move || current("field") == name>{d.label.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"is " <input name="value" size="12" prop:value=move || current("value")/></label>
                    <label>"from " <input name="from" size="10" prop:value=move || current("from")/></label>
                    <label>"to " <input name="to" size="10" prop:value=move || current("to")/></label>
                    <label>"Sort "
                        <select name="sort">
                            <option value="">{own_order}</option>
                            {sortable.into_iter().flat_map(|d| {
                                [(d.name.clone(), format!("{} ascending", d.label)),
                                 (format!("-{}", d.name), format!("{} descending", d.label))]
                            }).map(|(value, label)| {
                                let v = value.clone();
                                view! { <option value=value selected=move || current("sort") == v>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })
            })}
        </Transition>
    }
}

/// An alert's custom fields in the queue, read when opened; triagers edit them there.
#[component]
pub fn AlertFields(alert_id: i64) -> impl IntoView {
    let open = RwSignal::new(false);
    let save = ServerAction::<SetAlertFields>::new();
    let data = Resource::new(
        move || (open.get(), save.version().get()),
        move |(o, _)| async move {
            match o {
                true => alert_fields(alert_id).await.map(Some),
                false => Ok(None),
            }
        },
    );
    view! {
        <details class="fields" on:toggle=move |_| open.set(true)>
            <summary>"Fields"</summary>
            {action_error(save.value())}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(Some(r)) => {
                            let shown = r.values.clone();
                            let inputs = inputs_for(r.fields, &r.values);
                            let form_inputs = inputs.clone();
                            let submit = move |ev: leptos::ev::SubmitEvent| {
                                ev.prevent_default();
                                save.dispatch(SetAlertFields { alert_id, values: changed_values(&form_inputs) });
                            };
                            view! {
                                <dl class="field-values">
                                    {shown.into_iter().map(|v| view! { <dt>{v.label.clone()}</dt><dd>{v.shown()}</dd> }).collect_view()}
                                </dl>
                                {(r.can_edit && !inputs.is_empty()).then(|| view! {
                                    <form class="stacked" on:submit=submit>
                                        {inputs.into_iter().map(|(d, _, s)| view! { <FieldInput d s/> }).collect_view()}
                                        <button type="submit">"Save fields"</button>
                                    </form>
                                })}
                            }.into_any()
                        }
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
        </details>
    }
}

/// One field's input, of its type.
#[component]
pub fn FieldInput(d: FieldDef, s: RwSignal<String>) -> impl IntoView {
    let label = if d.mandatory == Mandatory::Never {
        d.label.clone()
    } else {
        format!("{} ({})", d.label, d.mandatory.label().to_lowercase())
    };
    let input = match d.field_type {
        FieldType::Enum => view! {
            <select bind:value=s>
                <option value="">"—"</option>
                {d.options.iter().map(|o| view! { <option value=o.clone()>{o.clone()}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        FieldType::Boolean => view! {
            <select bind:value=s>
                <option value="">"—"</option>
                <option value="true">"Yes"</option>
                <option value="false">"No"</option>
            </select>
        }
        .into_any(),
        FieldType::Text => view! { <textarea rows="3" cols="50" bind:value=s></textarea> }.into_any(),
        FieldType::Date => view! { <input type="date" bind:value=s/> }.into_any(),
        FieldType::Integer => view! { <input type="number" step="1" bind:value=s/> }.into_any(),
        FieldType::Float => view! { <input type="number" step="any" bind:value=s/> }.into_any(),
        FieldType::Url => view! { <input type="url" size="50" bind:value=s/> }.into_any(),
        FieldType::String => view! { <input type="text" size="40" bind:value=s/> }.into_any(),
    };
    view! {
        <label>{label}" "{input}</label>
        {(!d.description.is_empty()).then(|| view! { <small class="muted">{d.description.clone()}</small> })}
    }
}
