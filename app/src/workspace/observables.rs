//! The case page's observable forms: one observable by hand, or all of an e-mail's.

use leptos::prelude::*;

use super::actions::CaseActions;
use crate::{
    cases::{
        api::{AddCaseObservable, ImportCaseEml, ObservableForm},
        pages::TLP_NAMES,
    },
    observables::ObservableType,
};

/// Adds one observable; from the timeline, `from_event` records which entry it was picked from.
#[component]
pub(super) fn AddObservable(
    case_id: i64,
    from_event: Option<i64>,
    actions: CaseActions,
) -> impl IntoView {
    let kind = RwSignal::new(ObservableType::Ip.as_str().to_owned());
    let value = RwSignal::new(String::new());
    let ioc = RwSignal::new(false);
    let tlp = RwSignal::new(String::new());
    let tags = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        actions.add_observable.dispatch(AddCaseObservable {
            case_id,
            observable: ObservableForm {
                kind: kind.get_untracked(),
                value: value.get_untracked(),
                ioc: ioc.get_untracked(),
                tlp: tlp.get_untracked().parse().ok(),
                tags: tags.get_untracked(),
                from_event,
            },
        });
    };
    view! {
        <form class="inline-form observable-form" on:submit=submit>
            <label>"Type "
                <select on:change=move |ev| kind.set(event_target_value(&ev))>
                    {ObservableType::ALL.into_iter().map(|t| view! { <option value=t.as_str()>{t.as_str().replace('_', " ")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Value " <input size="30" id=from_event.is_none().then_some("observable-value") bind:value=value/></label>
            <label><input type="checkbox" bind:checked=ioc/>" IOC"</label>
            <label>"TLP "
                <select on:change=move |ev| tlp.set(event_target_value(&ev))>
                    <option value="">"as the case"</option>
                    {TLP_NAMES.iter().enumerate().map(|(n, name)| view! { <option value=n.to_string()>{*name}</option> }).collect_view()}
                </select>
            </label>
            <label>"Tags " <input size="14" bind:value=tags/></label>
            <button type="submit">"Add observable"</button>
        </form>
    }
}

/// Phishing analysis: paste a raw e-mail; its sender, hops, URLs and attachments become observables.
#[component]
pub(super) fn EmlImport(case_id: i64, actions: CaseActions) -> impl IntoView {
    let raw = RwSignal::new(String::new());
    let too_large = RwSignal::new(None::<String>);
    let result = move || {
        actions.import_eml.value().get().and_then(Result::ok).map(|(found, skipped)| {
            view! { <p class="notice" role="status">{format!("{found} observables read from the e-mail ({skipped} values skipped as invalid).")}</p> }
        })
    };
    let refused = move || {
        too_large
            .get()
            .map(|message| view! { <p class="error" role="alert">{message}</p> })
    };
    view! {
        <details class="eml-import">
            <summary>"Read observables from an e-mail (.eml)"</summary>
            <form on:submit=move |ev| {
                ev.prevent_default();
                let text = raw.get_untracked();
                match crate::cases::check_eml_size(text.len()) {
                    Ok(()) => {
                        too_large.set(None);
                        actions.import_eml.dispatch(ImportCaseEml { case_id, raw: text });
                    }
                    Err(message) => too_large.set(Some(message)),
                }
            }>
                <label>"Raw message, headers included"
                    <textarea rows="6" cols="80" class="mono" bind:value=raw></textarea>
                </label>
                <button type="submit">"Read e-mail"</button>
            </form>
            {refused}
            {result}
        </details>
    }
}
