//! The search page: one box, filters, ranked hits linking into their cases.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::use_query_map,
};

use super::{SearchHit, SearchQuery, api::search_cases};
use crate::{accounts::pages::RequireUser, components::ErrorBox, roles::Permission};

#[component]
pub fn SearchPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::CaseRead>
            <Search/>
        </RequireUser>
    }
}

#[component]
fn Search() -> impl IntoView {
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    let wanted = Memo::new(move |_| SearchQuery {
        q: param("q"),
        status: Some(param("status")).filter(|s| !s.is_empty()),
        kind: Some(param("kind")).filter(|s| !s.is_empty()),
    });
    let results = Resource::new(
        move || wanted.get(),
        |q| async move {
            if q.q.trim().is_empty() {
                None
            } else {
                Some(search_cases(q).await)
            }
        },
    );
    let option = move |name: &'static str, value: &'static str, label: &'static str| {
        view! { <option value=value selected=move || param(name) == value>{label}</option> }
    };
    view! {
        <h1>"Search"</h1>
        <Form method="GET" action="/search" attr:class="filters" attr:role="search" attr:aria-label="Search cases">
            <label>"Words " <input type="search" name="q" size="40" prop:value=move || param("q")/></label>
            <label>"Cases "
                <select name="status">
                    {option("status", "", "any")}
                    {option("status", "open", "open")}
                    {option("status", "closed", "closed")}
                </select>
            </label>
            <label>"In "
                <select name="kind">
                    {option("kind", "", "everything")}
                    {option("kind", "case", "case titles and descriptions")}
                    {option("kind", "event", "timeline and notes")}
                    {option("kind", "observable", "observables")}
                </select>
            </label>
            <button type="submit" class="primary">"Search"</button>
        </Form>
        <Transition fallback=|| view! { <p class="muted">"Searching…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    None => view! { <p class="muted">"Search case titles, descriptions, notes, the timeline and observables."</p> }.into_any(),
                    Some(Ok(r)) if r.hits.is_empty() => view! { <p class="muted">"Nothing matches."</p> }.into_any(),
                    Some(Ok(r)) => view! {
                        <ol class="search-hits">
                            {r.hits.into_iter().map(|h| view! { <Hit h/> }).collect_view()}
                        </ol>
                        {r.more.then(|| view! { <p class="muted">"Only the best matches are shown; add words or filters to narrow."</p> })}
                    }.into_any(),
                    Some(Err(error)) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Hit(h: SearchHit) -> impl IntoView {
    let kind = match h.kind.as_str() {
        "case" => "Case",
        "event" => "Timeline",
        _ => "Observable",
    };
    view! {
        <li>
            <A href=format!("/cases/{}", h.number)><span class="case-number">{h.number.clone()}</span>" "{h.title.clone()}</A>
            " "<span class="muted">{h.status.label()}" · "{kind}</span>
            <p class="snippet">{highlight(&h.snippet)}</p>
        </li>
    }
}

/// Renders «word» as `<mark>word</mark>`, as text nodes (the snippet is never parsed as HTML).
fn highlight(snippet: &str) -> impl IntoView + use<> {
    let mut parts = Vec::new();
    for (i, piece) in snippet.split(['«', '»']).enumerate() {
        if i % 2 == 1 {
            parts.push(view! { <mark>{piece.to_owned()}</mark> }.into_any());
        } else {
            parts.push(piece.to_owned().into_any());
        }
    }
    parts
}
