//! The audit log page: the chain's state (verified on demand), filters, keyset paging and the
//! JSONL / CSV export links.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Form},
    hooks::use_query_map,
};

use super::{
    AuditEntry, AuditFilter, ChainReport,
    api::{VerifyAuditLog, audit_log, audit_public_key},
};
use crate::{
    accounts::pages::RequireUser,
    components::ErrorBox,
    components::{When, action_error},
    roles::Permission,
};

#[component]
pub fn AuditLogPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AuditRead>
            <h1>"Audit log"</h1>
            <ChainState/>
            <Entries/>
        </RequireUser>
    }
}

#[component]
fn ChainState() -> impl IntoView {
    let verify = ServerAction::<VerifyAuditLog>::new();
    let key = Resource::new(|| (), |_| audit_public_key());
    view! {
        <section class="panel" aria-labelledby="chain-h">
            <h2 id="chain-h">"Integrity"</h2>
            <p>"Every entry's hash covers the one before it; a background job signs the chain's head with this installation's Ed25519 key. "
               "Verification reads the whole log and names the first entry that was edited, deleted or inserted outside Casefile."</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match key.await {
                        Ok(Some(k)) => view! { <p>"Checkpoint key: " <code data-testid="audit-key">{k}</code></p> }.into_any(),
                        Ok(None) => view! { <p class="muted">"No signing key is configured: checkpoints are not made."</p> }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
            <button type="button" on:click=move |_| { verify.dispatch(VerifyAuditLog {}); } disabled=move || verify.pending().get()>
                {move || if verify.pending().get() { "Verifying…" } else { "Verify the log" }}
            </button>
            <div class="action-errors">{action_error(verify.value())}</div>
            {move || verify.value().get().and_then(Result::ok).map(|r| view! { <Verdict report=r/> })}
        </section>
    }
}

#[component]
fn Verdict(report: ChainReport) -> impl IntoView {
    let intact = report.is_intact();
    view! {
        <p role="status" data-testid="chain-verdict" class=if intact { "verdict ok" } else { "verdict bad" }>
            {report.summary()}
        </p>
    }
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> AuditFilter {
    let get = |k: &str| q.get(k);
    AuditFilter {
        actor: get("actor"),
        action: get("action"),
        object_type: get("object_type"),
        object_id: get("object_id"),
        from: get("from"),
        to: get("to"),
    }
    .normalized()
}

#[component]
fn Entries() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(filter_from_query));
    let before =
        Memo::new(move |_| query.with(|q| q.get("before").and_then(|b| b.parse::<i64>().ok())));
    let page = Resource::new(
        move || (filter.get(), before.get()),
        |(f, b)| audit_log(f, b),
    );
    let value = move |k: fn(&AuditFilter) -> &Option<String>| {
        move || k(&filter.get()).clone().unwrap_or_default()
    };
    view! {
        <section aria-labelledby="entries-h">
            <h2 id="entries-h">"Entries"</h2>
            <Form method="GET" action="" attr:class="filters">
                <label>"Actor " <input name="actor" size="14" prop:value=value(|f| &f.actor)/></label>
                <label>"Action " <input name="action" size="18" placeholder="case or case.escalated" prop:value=value(|f| &f.action)/></label>
                <label>"Object type " <input name="object_type" size="10" prop:value=value(|f| &f.object_type)/></label>
                <label>"Object id " <input name="object_id" size="10" prop:value=value(|f| &f.object_id)/></label>
                <label>"From " <input type="date" name="from" prop:value=value(|f| &f.from)/></label>
                <label>"To " <input type="date" name="to" prop:value=value(|f| &f.to)/></label>
                <button type="submit">"Filter"</button>
            </Form>
            <p class="exports">
                "Export these entries: "
                <a href=move || format!("/audit/export.jsonl?{}", filter.get().query_string()) download>"JSON lines"</a>" · "
                <a href=move || format!("/audit/export.csv?{}", filter.get().query_string()) download>"CSV"</a>
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) if p.entries.is_empty() => view! { <p class="muted">"No entries match."</p> }.into_any(),
                        Ok(p) => {
                            let next = p.next_before.map(|b| {
                                let q = filter.get_untracked().query_string();
                                let sep = if q.is_empty() { "" } else { "&" };
                                format!("/audit?{q}{sep}before={b}")
                            });
                            view! {
                                <table class="audit-log">
                                    <thead><tr><th scope="col">"#"</th><th scope="col">"When (UTC)"</th><th scope="col">"Actor"</th><th scope="col">"From"</th><th scope="col">"Action"</th><th scope="col">"Object"</th><th scope="col">"Detail"</th><th scope="col">"Hash"</th></tr></thead>
                                    <tbody>{p.entries.into_iter().map(|e| view! { <Row e/> }).collect_view()}</tbody>
                                </table>
                                {next.map(|href| view! { <p><A href=href>"Older →"</A></p> })}
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Row(e: AuditEntry) -> impl IntoView {
    let object = match &e.object_id {
        Some(id) => format!("{} {id}", e.object_type),
        None => e.object_type.clone(),
    };
    view! {
        <tr>
            <td>{e.seq}</td>
            <td><When ms=e.occurred_at/></td>
            <td>{e.actor_label}</td>
            <td>{e.actor_ip.unwrap_or_default()}</td>
            <td><code>{e.action}</code></td>
            <td>{object}</td>
            <td class="detail"><code>{e.detail}</code></td>
            <td><code title=e.hash.clone()>{e.hash.get(..12).unwrap_or(&e.hash).to_owned()}</code></td>
        </tr>
    }
}
