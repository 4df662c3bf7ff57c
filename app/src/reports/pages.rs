//! The report page of a case: the formats to download (with the TLP ceiling) and the
//! post-incident review, editable by people who edit cases and read-only for everyone else.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use super::{
    Review, ReviewInput,
    api::{SaveCaseReview, case_review},
};
use crate::{
    accounts::pages::{RequireUser, use_session},
    components::ErrorBox,
    components::{When, action_error},
    roles::{Permission, role_permits},
};

#[component]
pub fn ReportPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::ReportRead>
            <Report/>
        </RequireUser>
    }
}

#[component]
fn Report() -> impl IntoView {
    let params = use_params_map();
    let number = Memo::new(move |_| params.with(|p| p.get("number").unwrap_or_default()));
    let save = ServerAction::<SaveCaseReview>::new();
    let data = Resource::new(
        move || (number.get(), save.version().get()),
        |(n, _)| case_review(n),
    );
    let session = use_session();
    let tlp = RwSignal::new("red".to_owned());
    let href = move |ext: &str| format!("/cases/{}/report.{ext}?tlp={}", number.get(), tlp.get());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let may_edit = matches!(session.0.await, Ok(Some(u)) if role_permits(u.role, Permission::CaseEdit));
                match data.await {
                    Ok((title, review)) => view! {
                        <div class="page-head">
                            <h1>"Incident report: " {number.get_untracked()} " " {title}</h1>
                            <A href=format!("/cases/{}", number.get_untracked())>"Back to the case"</A>
                        </div>
                        <section class="panel" aria-labelledby="formats-h">
                            <h2 id="formats-h">"Formats"</h2>
                            <label>"Include observables up to "
                                <select on:change=move |ev| tlp.set(event_target_value(&ev)) prop:value=move || tlp.get()>
                                    <option value="red">"TLP:RED (everything)"</option>
                                    <option value="amber+strict">"TLP:AMBER+STRICT"</option>
                                    <option value="amber">"TLP:AMBER (management)"</option>
                                    <option value="green">"TLP:GREEN"</option>
                                    <option value="clear">"TLP:CLEAR"</option>
                                </select>
                            </label>
                            <ul class="formats">
                                <li><a href=move || href("html") target="_blank" rel="noopener">"Printable page"</a></li>
                                <li><a href=move || href("pdf") download>"PDF"</a></li>
                                <li><a href=move || href("md") download>"Markdown"</a></li>
                                <li><a href=move || href("json") download>"JSON"</a></li>
                            </ul>
                            <p class="muted">"Every report generated is recorded on the audit log with its SHA-256."</p>
                        </section>
                        {if may_edit {
                            view! { <ReviewForm number=number.get_untracked() review save/> }.into_any()
                        } else {
                            view! { <ReviewView review/> }.into_any()
                        }}
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ReviewView(review: Review) -> impl IntoView {
    let section = |title: &'static str, text: String| {
        view! {
            <h3>{title}</h3>
            <p class="prewrap">{if text.is_empty() { "—".to_owned() } else { text }}</p>
        }
    };
    view! {
        <section class="panel" aria-labelledby="review-h">
            <h2 id="review-h">"Post-incident review"</h2>
            {section("Executive summary", review.executive_summary)}
            {section("Scope and impact", review.scope_impact)}
            {section("What happened", review.what_happened)}
            {section("What went well", review.went_well)}
            {section("What to improve", review.to_improve)}
            <h3>"Action items"</h3>
            <ul>{review.action_items.into_iter().map(|a| view! { <li>{a.action}" — "{a.owner}", due "{a.due}</li> }).collect_view()}</ul>
        </section>
    }
}

#[component]
fn ReviewForm(number: String, review: Review, save: ServerAction<SaveCaseReview>) -> impl IntoView {
    let field = |v: &str| RwSignal::new(v.to_owned());
    let summary = field(&review.executive_summary);
    let scope = field(&review.scope_impact);
    let happened = field(&review.what_happened);
    let well = field(&review.went_well);
    let improve = field(&review.to_improve);
    let items = field(&review.action_lines());
    let number = StoredValue::new(number);
    view! {
        <section class="panel" aria-labelledby="review-h">
            <h2 id="review-h">"Post-incident review"</h2>
            {review.updated_by.map(|by| view! { <p class="muted">"Last saved by " {by} " " {review.updated_at.map(|ms| view! { <When ms/> })}</p> })}
            <form class="stacked" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveCaseReview {
                    number: number.get_value(),
                    review: ReviewInput {
                        executive_summary: summary.get_untracked(),
                        scope_impact: scope.get_untracked(),
                        what_happened: happened.get_untracked(),
                        went_well: well.get_untracked(),
                        to_improve: improve.get_untracked(),
                        action_items: items.get_untracked(),
                    },
                });
            }>
                <label>"Executive summary"<textarea rows="3" bind:value=summary></textarea></label>
                <label>"Scope and impact"<textarea rows="3" bind:value=scope></textarea></label>
                <label>"What happened"<textarea rows="4" bind:value=happened></textarea></label>
                <label>"What went well"<textarea rows="3" bind:value=well></textarea></label>
                <label>"What to improve"<textarea rows="3" bind:value=improve></textarea></label>
                <label>"Action items (one per line: action | owner | YYYY-MM-DD)"<textarea rows="4" bind:value=items></textarea></label>
                <button type="submit">"Save review"</button>
            </form>
            <div class="action-errors">{action_error(save.value())}</div>
            {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <p role="status">"Review saved."</p> })}
        </section>
    }
}
