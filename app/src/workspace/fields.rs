//! The case page's custom fields: their values, and a form with one input per field that
//! sends only what the analyst changed (a versioned case edit).

use leptos::prelude::*;

use super::actions::CaseActions;
use crate::fields::{FieldDef, FieldType, FieldValue, api::SetCaseFields};

/// A value as its input holds it.
fn input_text(v: &FieldValue) -> String {
    match (&v.value, v.field_type) {
        (serde_json::Value::String(s), FieldType::Date) => s.chars().take(10).collect(),
        (serde_json::Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

#[component]
pub(super) fn CaseFields(
    case_id: i64,
    version: i64,
    fields: Vec<FieldDef>,
    values: Vec<FieldValue>,
    read_only: bool,
    actions: CaseActions,
) -> impl IntoView {
    if fields.is_empty() && values.is_empty() {
        return ().into_any();
    }
    let shown = values.clone();
    let inputs: Vec<(FieldDef, String, RwSignal<String>)> = fields
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
        .collect();
    let form_inputs = inputs.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changed: serde_json::Map<String, serde_json::Value> = form_inputs
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
        if changed.is_empty() {
            return;
        }
        actions.set_fields.dispatch(SetCaseFields {
            case_id,
            version,
            values: serde_json::Value::Object(changed).to_string(),
        });
    };
    view! {
        <section aria-labelledby="fields-h">
            <h2 id="fields-h">"Custom fields"</h2>
            <dl class="facts" data-testid="custom-fields">
                {shown.into_iter().map(|v| view! {
                    <dt>{v.label.clone()}{v.retired.then_some(" (retired)")}</dt>
                    <dd>{v.shown()}</dd>
                }).collect_view()}
            </dl>
            {(!read_only && !inputs.is_empty()).then(|| view! {
                <details>
                    <summary>"Edit custom fields"</summary>
                    <form class="stacked" on:submit=submit>
                        {inputs.into_iter().map(|(d, _, s)| view! { <FieldInput d s/> }).collect_view()}
                        <button type="submit">"Save fields"</button>
                    </form>
                </details>
            })}
        </section>
    }
    .into_any()
}

/// One field's input, of its type.
#[component]
fn FieldInput(d: FieldDef, s: RwSignal<String>) -> impl IntoView {
    let label = if d.mandatory == crate::fields::Mandatory::Never {
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
