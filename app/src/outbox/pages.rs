//! Webhook administration: add a webhook (its signing secret is shown once), pause or resume
//! one, and the delivery log of webhooks and e-mail with every attempt.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use super::{
    Delivery, DeliveryState,
    api::{CreateWebhook, SetWebhookEnabled, deliveries, webhooks},
};
use crate::{
    accounts::pages::RequireUser,
    components::ErrorBox,
    components::{action_error, utc},
    roles::Permission,
};

#[component]
pub fn AdminWebhooksPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::WebhooksManage>
            <Webhooks/>
            <DeliveryLog/>
        </RequireUser>
    }
}

#[component]
fn Webhooks() -> impl IntoView {
    let create = ServerAction::<CreateWebhook>::new();
    let toggle = ServerAction::<SetWebhookEnabled>::new();
    let list = Resource::new(
        move || (create.version().get(), toggle.version().get()),
        |_| webhooks(),
    );
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(String::new());
    view! {
        <h1>"Webhooks"</h1>
        <p class="muted">"Each audited change matching a webhook's events is POSTed as TheHive-style JSON (operation, objectType, objectId, object, details), signed in the X-Casefile-Signature header as sha256=HMAC-SHA256(secret, body). Failed deliveries are retried with backoff for about a day and a half."</p>
        <div class="action-errors">{action_error(create.value())}{action_error(toggle.value())}</div>
        {move || create.value().get().and_then(Result::ok).map(|c| view! {
            <div class="notice" role="status">
                <p>{format!("Webhook {} added. Its signing secret, shown only now:", c.webhook.name)}</p>
                <code data-testid="webhook-secret">{c.secret}</code>
            </div>
        })}
        <form class="stacked-form" on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch(CreateWebhook { name: name.get_untracked(), url: url.get_untracked(), events: events.get_untracked() });
        }>
            <label>"Name" <input bind:value=name/></label>
            <label>"URL" <input type="url" placeholder="https://soar.example.org/hooks/casefile" bind:value=url/></label>
            <label>"Events (comma-separated, e.g. case.escalated, case.*; empty for all)" <input bind:value=events/></label>
            <button type="submit">"Add webhook"</button>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No webhooks yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"URL"</th><th scope="col">"Events"</th>
                                <th scope="col">"State"</th><th scope="col"><span class="sr-only">"Action"</span></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|w| {
                                    let id = w.webhook_id;
                                    let enabled = w.enabled;
                                    view! {
                                        <tr>
                                            <td>{w.name.clone()}</td>
                                            <td class="mono">{w.url.clone()}</td>
                                            <td>{if w.events.is_empty() { "all".to_string() } else { w.events.join(", ") }}</td>
                                            <td>{if enabled { "active" } else { "paused" }}</td>
                                            <td><button type="button" on:click=move |_| { toggle.dispatch(SetWebhookEnabled { webhook_id: id, enabled: !enabled }); }>
                                                {if enabled { "Pause" } else { "Resume" }}</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeliveryLog() -> impl IntoView {
    let query = use_query_map();
    let before =
        Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let page = Resource::new(move || before.get(), deliveries);
    view! {
        <h2>"Delivery log"</h2>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.deliveries.is_empty() => view! { <p class="muted">"Nothing sent yet."</p> }.into_any(),
                    Ok(page) => view! {
                        <table class="data">
                            <thead><tr><th scope="col">"Queued"</th><th scope="col">"To"</th><th scope="col">"What"</th>
                                <th scope="col">"State"</th><th scope="col">"Attempts"</th></tr></thead>
                            <tbody>{page.deliveries.into_iter().map(|d| view! { <DeliveryRow d/> }).collect_view()}</tbody>
                        </table>
                        {page.next.map(|id| view! { <p><A href=format!("/admin/webhooks?before={id}")>"Older →"</A></p> })}
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeliveryRow(d: Delivery) -> impl IntoView {
    let state = match d.state {
        DeliveryState::Delivered => {
            format!("delivered {}", d.delivered_at.map(utc).unwrap_or_default())
        }
        DeliveryState::Pending if d.attempts == 0 => "queued".to_string(),
        DeliveryState::Pending => format!("retrying at {}", utc(d.next_attempt_at)),
        DeliveryState::Failed => "failed, gave up".to_string(),
    };
    view! {
        <tr>
            <td>{utc(d.created_at)}</td>
            <td>{d.target.clone()}</td>
            <td>{d.summary.clone()}</td>
            <td class=format!("delivery-{}", d.state.as_str())>{state}</td>
            <td>
                <details>
                    <summary>{d.attempts}</summary>
                    <ul>{d.log.into_iter().map(|a| view! {
                        <li>{utc(a.attempted_at)}" · "{a.status_code.map(|s| s.to_string()).unwrap_or_else(|| "no answer".into())}
                            " · "{a.duration_ms}" ms"{a.error.map(|e| format!(" · {e}"))}</li>
                    }).collect_view()}</ul>
                </details>
            </td>
        </tr>
    }
}
