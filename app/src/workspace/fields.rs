//! The case page's custom fields: their values, and a form with one input per field that
//! sends only what the analyst changed (a versioned case edit).

use leptos::prelude::*;

use super::actions::CaseActions;
use crate::fields::{
    FieldDef, FieldValue,
    api::SetCaseFields,
    pages::{FieldInput, changed_values, inputs_for},
};

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
    let inputs = inputs_for(fields, &values);
    let form_inputs = inputs.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let changed = changed_values(&form_inputs);
        if changed == "{}" {
            return;
        }
        actions.set_fields.dispatch(SetCaseFields {
            case_id,
            version,
            values: changed,
        });
    };
    view! {
        <section aria-labelledby="fields-h">
            <h2 id="fields-h">"Custom fields"</h2>
            <dl class="field-values" data-testid="custom-fields">
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
