//! The API token page (administrators and managers): create scoped tokens for forwarders and
//! integrations (shown once), see when each was last used, revoke them.

use leptos::prelude::*;

use super::{action_error, utc};
use crate::components::toggle;
use crate::{
    accounts::pages::RequireUser,
    accounts::{
        TokenSummary,
        api::{CreateToken, RevokeToken, list_tokens},
        roles::{Permission, TOKEN_SCOPES},
    },
    components::ErrorBox,
};

#[component]
pub fn AdminTokensPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AdminTokens>
            <AdminTokens/>
        </RequireUser>
    }
}

#[component]
fn AdminTokens() -> impl IntoView {
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || create.version().get() + revoke.version().get(),
        |_| list_tokens(None),
    );
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec!["alerts:write".to_owned()]);
    let acts_for = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateToken {
            name: name.get_untracked(),
            scopes: scopes.get_untracked(),
            acts_for: acts_for.get_untracked(),
        });
    };
    view! {
        <h1>"API tokens"</h1>
        <section class="panel" aria-labelledby="new-token-heading">
            <h2 id="new-token-heading">"New token"</h2>
            <p class="muted">"A token can do only what its maker's role may: administrators create intake tokens (alerts:write) for forwarders; tokens that read or work cases, alerts and evidence are created by a manager."</p>
            <form class="stack" on:submit=submit>
                <label for="token-name">"Name (e.g. the forwarder it is for)"</label>
                <input id="token-name" required maxlength="64" bind:value=name/>
                <label for="token-acts-for">"Acts for account (optional)"</label>
                <input id="token-acts-for" maxlength="64" aria-describedby="token-acts-for-hint" bind:value=acts_for/>
                <p id="token-acts-for-hint" class="muted">"A token acting for an account works as that account (its tier, its name on the timeline), narrowed to the scopes: a playbook that claims and accepts escalations needs one. Leave empty for a forwarder."</p>
                <fieldset>
                    <legend>"Scopes"</legend>
                    {TOKEN_SCOPES.iter().map(|(scope, _)| {
                        let scope = *scope;
                        let id = format!("scope-{}", scope.replace(':', "-"));
                        view! {
                            <div>
                                <input type="checkbox" id=id.clone()
                                    prop:checked=move || scopes.with(|s| s.iter().any(|x| x == scope))
                                    on:change=move |_| scopes.update(|s| toggle(s, scope.to_owned()))/>
                                <label for=id>{scope}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create token"</button>
            </form>
            {move || create.value().get().map(|r| match r {
                Ok(created) => view! {
                    <div class="success" role="status">
                        <p>"Token " <strong>{created.summary.name}</strong> " created. Copy it now; it is not shown again:"</p>
                        <p><code class="secret" data-testid="new-token">{created.token}</code></p>
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorBox error/> }.into_any(),
            })}
        </section>
        <section class="panel" aria-labelledby="tokens-heading">
            <h2 id="tokens-heading">"Tokens"</h2>
            {action_error(revoke.value())}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) => view! { <TokenTable tokens=list revoke/> }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TokenTable(tokens: Vec<TokenSummary>, revoke: ServerAction<RevokeToken>) -> impl IntoView {
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Starts with"</th>
                    <th scope="col">"Scopes"</th>
                    <th scope="col">"Acts for"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Status"</th>
                </tr>
            </thead>
            <tbody>
                {tokens.into_iter().map(|t| {
                    let id = t.api_token_id;
                    let name = t.name.clone();
                    view! {
                        <tr>
                            <td>{t.name.clone()}</td>
                            <td><code>{t.token_prefix.clone()}"…"</code></td>
                            <td>{t.scopes.join(", ")}</td>
                            <td>{t.acts_for.clone().unwrap_or_else(|| "\u{2014}".to_owned())}</td>
                            <td>{utc(t.created_at)}</td>
                            <td>{t.last_used_at.map_or_else(|| "never".to_owned(), utc)}</td>
                            <td>
                                {match t.revoked_at {
                                    Some(at) => format!("Revoked {}", utc(at)).into_any(),
                                    None => view! {
                                        <button type="button" aria-label=format!("Revoke {name}")
                                            on:click=move |_| { revoke.dispatch(RevokeToken { api_token_id: id }); }>
                                            "Revoke"
                                        </button>
                                    }.into_any(),
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
