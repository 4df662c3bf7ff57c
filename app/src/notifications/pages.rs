//! The notification centre page and the bell in the header. Both follow `/live/inbox`, so a
//! notification shows up without a reload.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use super::{
    Notification, UNREAD_CAP,
    api::{MarkRead, SetNotificationEmail, notification_email, notification_inbox, unread_count},
};
use crate::{
    accounts::pages::RequireUser,
    components::ErrorBox,
    components::{When, action_error},
};

/// Bumps `tick` whenever the signed-in user's inbox changes (browser only), once `active`.
fn follow_inbox(tick: RwSignal<u64>, active: Signal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, closure::Closure};
        let source = StoredValue::new_local(None::<web_sys::EventSource>);
        Effect::new(move |_| {
            if !active.get() {
                return;
            }
            source.update_value(|s| {
                if s.is_some() {
                    return;
                }
                let Ok(es) = web_sys::EventSource::new("/live/inbox") else {
                    return;
                };
                let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
                    tick.update(|t| *t += 1);
                });
                es.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                on_message.forget();
                *s = Some(es);
            });
        });
        on_cleanup(move || {
            source.update_value(|s| {
                if let Some(es) = s.take() {
                    es.close();
                }
            })
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (tick, active);
}

/// The unread count the header shows, and the tick that makes it reload. Created with the
/// page frame (not inside a suspended part of the page), so hydration finds it.
#[derive(Clone, Copy)]
pub struct Unread {
    pub tick: RwSignal<u64>,
    pub count: Resource<Result<Option<i64>, crate::errors::AppError>>,
}

impl Unread {
    pub fn new(navigation: Memo<String>) -> Self {
        let tick = RwSignal::new(0u64);
        let count = Resource::new(move || (tick.get(), navigation.get()), |_| unread_count());
        Self { tick, count }
    }
}

/// The header's link to the notification centre, with the unread count, for signed-in people;
/// it follows the inbox stream.
#[component]
pub fn Bell(unread: Unread) -> impl IntoView {
    let signed_in = Signal::derive(move || matches!(unread.count.get(), Some(Ok(Some(_)))));
    follow_inbox(unread.tick, signed_in);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                unread.count.await.ok().flatten().map(|n| {
                    let badge = match n {
                        0 => String::new(),
                        n if n >= UNREAD_CAP => format!("{}+", UNREAD_CAP - 1),
                        n => n.to_string(),
                    };
                    view! {
                        <A href="/notifications" attr:class="bell" attr:data-testid="bell">
                            "Notifications"
                            {(n > 0).then(|| view! {
                                <span class="badge" data-testid="unread">{badge}</span>
                                <span class="sr-only">" unread"</span>
                            })}
                        </A>
                    }
                })
            })}
        </Transition>
    }
}

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <RequireUser>
            <Notifications/>
            <EmailSetting/>
        </RequireUser>
    }
}

#[component]
fn Notifications() -> impl IntoView {
    let query = use_query_map();
    let before =
        Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let tick = RwSignal::new(0u64);
    follow_inbox(tick, Signal::derive(|| true));
    let mark = ServerAction::<MarkRead>::new();
    let page = Resource::new(
        move || (before.get(), tick.get(), mark.version().get()),
        |(b, _, _)| notification_inbox(b),
    );
    view! {
        <div class="page-head">
            <h1>"Notifications"</h1>
            <button type="button" on:click=move |_| { mark.dispatch(MarkRead { notification_id: None }); }>"Mark all read"</button>
        </div>
        <div class="action-errors">{action_error(mark.value())}</div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(inbox) if inbox.items.is_empty() => view! { <p class="muted">"Nothing yet."</p> }.into_any(),
                    Ok(inbox) => view! {
                        <ul class="notifications">
                            {inbox.items.into_iter().map(|n| view! { <Item n mark/> }).collect_view()}
                        </ul>
                        {inbox.next.map(|id| view! { <p><A href=format!("/notifications?before={id}")>"Older →"</A></p> })}
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Item(n: Notification, mark: ServerAction<MarkRead>) -> impl IntoView {
    let id = n.notification_id;
    view! {
        <li class:unread=!n.read>
            <span class="kind">{n.kind.label()}</span>" "
            <A href=n.link.clone()>{n.title.clone()}</A>" "
            <span class="muted"><When ms=n.created_at/></span>
            {(!n.read).then(|| view! {
                <button type="button" class="link" on:click=move |_| { mark.dispatch(MarkRead { notification_id: Some(id) }); }>"Mark read"</button>
            })}
        </li>
    }
}

#[component]
fn EmailSetting() -> impl IntoView {
    let save = ServerAction::<SetNotificationEmail>::new();
    let current = Resource::new(move || save.version().get(), |_| notification_email());
    view! {
        <section aria-labelledby="email-h">
            <h2 id="email-h">"E-mail copies"</h2>
            <div class="action-errors">{action_error(save.value())}</div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok((address, enabled)) => {
                            let address = RwSignal::new(address.unwrap_or_default());
                            view! {
                                {(!enabled).then(|| view! { <p class="muted">"This Casefile sends no e-mail (no SMTP server configured); the address is kept for when it does."</p> })}
                                <form class="inline-form" on:submit=move |ev| {
                                    ev.prevent_default();
                                    save.dispatch(SetNotificationEmail { address: address.get_untracked() });
                                }>
                                    <label>"Send a copy of each notification to " <input type="email" size="32" bind:value=address/></label>
                                    <button type="submit">"Save address"</button>
                                </form>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
