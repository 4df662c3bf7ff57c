//! Watchlist administration: create lists and import `type,value,note` CSV into them.

use leptos::prelude::*;

use super::{
    Watchlist,
    api::{CreateWatchlist, ImportWatchlist, watchlists},
};
use crate::{
    accounts::pages::RequireUser,
    components::ErrorBox,
    components::{action_error, utc},
    roles::Permission,
};

#[component]
pub fn AdminWatchlistsPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AdminSettings>
            <Watchlists/>
        </RequireUser>
    }
}

#[component]
fn Watchlists() -> impl IntoView {
    let create = ServerAction::<CreateWatchlist>::new();
    let import = ServerAction::<ImportWatchlist>::new();
    let lists = Resource::new(
        move || (create.version().get(), import.version().get()),
        |_| watchlists(),
    );
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let imported = move || {
        import.value().get().and_then(Result::ok).map(|r| {
            view! {
                <p class="notice" role="status">
                    {format!("Imported: {} added, {} already listed.", r.added, r.already_listed)}
                </p>
            }
        })
    };
    view! {
        <h1>"Watchlists"</h1>
        <p class="muted">"Values on a watchlist are flagged when they are added to a case or arrive on an alert."</p>
        <div class="action-errors">{action_error(create.value())}{action_error(import.value())}</div>
        {imported}
        <form class="inline-form" on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch(CreateWatchlist { name: name.get_untracked(), description: description.get_untracked() });
        }>
            <label>"Name " <input size="24" bind:value=name/></label>
            <label>"Description " <input size="40" bind:value=description/></label>
            <button type="submit">"Create watchlist"</button>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match lists.await {
                    Ok(lists) if lists.is_empty() => view! { <p class="muted">"No watchlists yet."</p> }.into_any(),
                    Ok(lists) => lists.into_iter().map(|w| view! { <WatchlistCard w import/> }).collect_view().into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn WatchlistCard(w: Watchlist, import: ServerAction<ImportWatchlist>) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let watchlist_id = w.watchlist_id;
    let label = format!("CSV for {}", w.name);
    view! {
        <section class="card" aria-label=w.name.clone()>
            <h2>{w.name.clone()}</h2>
            <p>{w.description.clone()}</p>
            <p class="muted">{w.entry_count}" entries · updated "{utc(w.updated_at)}</p>
            <form on:submit=move |ev| {
                ev.prevent_default();
                import.dispatch(ImportWatchlist { watchlist_id, csv: csv.get_untracked() });
            }>
                <label>{label}
                    <textarea rows="4" cols="60" placeholder="type,value,note\nip,203.0.113.7,C2 server" bind:value=csv></textarea>
                </label>
                <button type="submit">"Import CSV"</button>
            </form>
        </section>
    }
}
