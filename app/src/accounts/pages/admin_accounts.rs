//! The administrators' accounts page: create accounts, change role and tier, disable, reset
//! passwords and two-factor, end sessions, and require two-factor per role.

use leptos::prelude::*;

use super::{action_error, utc};
use crate::{
    accounts::pages::RequireUser,
    accounts::{
        UserSummary,
        api::{
            ChangeRole, CreateUser, ResetMfa, ResetPassword, RevokeSessions, SetMfaRequired,
            SetUserDisabled, list_users, role_policies,
        },
        roles::{Permission, Role},
    },
    components::ErrorBox,
};

#[derive(Clone, Copy)]
struct Actions {
    create: ServerAction<CreateUser>,
    role: ServerAction<ChangeRole>,
    disable: ServerAction<SetUserDisabled>,
    reset_password: ServerAction<ResetPassword>,
    revoke: ServerAction<RevokeSessions>,
    reset_mfa: ServerAction<ResetMfa>,
}

impl Actions {
    fn version(&self) -> usize {
        self.create.version().get()
            + self.role.version().get()
            + self.disable.version().get()
            + self.reset_password.version().get()
            + self.revoke.version().get()
            + self.reset_mfa.version().get()
    }
}

#[component]
pub fn AdminAccountsPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AdminUsers>
            <AdminAccounts/>
        </RequireUser>
    }
}

#[component]
fn AdminAccounts() -> impl IntoView {
    let actions = Actions {
        create: ServerAction::new(),
        role: ServerAction::new(),
        disable: ServerAction::new(),
        reset_password: ServerAction::new(),
        revoke: ServerAction::new(),
        reset_mfa: ServerAction::new(),
    };
    provide_context(actions);
    let users = Resource::new(move || actions.version(), |_| list_users(None));
    view! {
        <h1>"Accounts"</h1>
        <CreateUserForm/>
        <section class="panel" aria-labelledby="users-heading">
            <h2 id="users-heading">"People"</h2>
            <RowErrors/>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UserTable users=list/> }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <MfaPolicy/>
    }
}

#[component]
fn RowErrors() -> impl IntoView {
    let a = expect_context::<Actions>();
    view! {
        {action_error(a.role.value())}
        {action_error(a.disable.value())}
        {action_error(a.reset_password.value())}
        {action_error(a.revoke.value())}
        {action_error(a.reset_mfa.value())}
        <Show when=move || matches!(a.reset_password.value().get(), Some(Ok(())))>
            <p class="success" role="status">"Password reset; that account's sessions were ended."</p>
        </Show>
        <Show when=move || matches!(a.revoke.value().get(), Some(Ok(())))>
            <p class="success" role="status">"Sessions ended."</p>
        </Show>
    }
}

fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.as_str() selected=r == selected>{r.label()}</option> })
        .collect_view()
}

fn tier_options(selected: Option<u8>) -> impl IntoView {
    view! {
        <option value="" selected=selected.is_none()>"—"</option>
        <option value="1" selected=selected == Some(1)>"Tier 1"</option>
        <option value="2" selected=selected == Some(2)>"Tier 2"</option>
        <option value="3" selected=selected == Some(3)>"Tier 3"</option>
    }
}

#[component]
fn CreateUserForm() -> impl IntoView {
    let create = expect_context::<Actions>().create;
    view! {
        <section class="panel" aria-labelledby="create-heading">
            <h2 id="create-heading">"New account"</h2>
            <ActionForm action=create attr:class="grid-form">
                <label for="new-username">"Username"</label>
                <input id="new-username" name="username" required maxlength="64" autocomplete="off"/>
                <label for="new-display">"Display name"</label>
                <input id="new-display" name="display_name" required maxlength="100" autocomplete="off"/>
                <label for="new-role">"Role"</label>
                <select id="new-role" name="role">{role_options(Role::Analyst)}</select>
                <label for="new-tier">"Tier (analysts)"</label>
                <select id="new-tier" name="tier">{tier_options(Some(1))}</select>
                <label for="new-password">"Initial password"</label>
                <input id="new-password" name="password" type="password" required minlength="12" maxlength="1024"
                    autocomplete="new-password"/>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create account"</button>
            </ActionForm>
            {move || create.value().get().map(|r| match r {
                Ok(u) => view! { <p class="success" role="status">"Created " <strong>{u.username}</strong>"."</p> }.into_any(),
                Err(error) => view! { <ErrorBox error/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn UserTable(users: Vec<UserSummary>) -> impl IntoView {
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Username"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Role and tier"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Two-factor"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {users.into_iter().map(|u| view! { <UserRow user=u/> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UserRow(user: UserSummary) -> impl IntoView {
    let a = expect_context::<Actions>();
    let id = user.user_id;
    let name = StoredValue::new(user.username.clone());
    let name = move || name.get_value();
    let disabled = user.disabled;
    let role_id = format!("role-{id}");
    let tier_id = format!("tier-{id}");
    let pw_id = format!("pw-{id}");
    view! {
        <tr class:disabled=disabled>
            <td><code>{user.username.clone()}</code></td>
            <td>{user.display_name.clone()}</td>
            <td>
                <ActionForm action=a.role attr:class="inline">
                    <input type="hidden" name="user_id" value=id/>
                    <label class="sr-only" for=role_id.clone()>{format!("Role of {}", name())}</label>
                    <select id=role_id name="role">{role_options(user.role)}</select>
                    <label class="sr-only" for=tier_id.clone()>{format!("Tier of {}", name())}</label>
                    <select id=tier_id name="tier">{tier_options(user.tier.map(|t| t.get()))}</select>
                    <button type="submit" aria-label=format!("Save role of {}", name())>"Save"</button>
                </ActionForm>
            </td>
            <td>{if disabled { "Disabled" } else { "Active" }}</td>
            <td>{if user.mfa_enrolled { "On" } else { "Off" }}</td>
            <td>{utc(user.created_at)}</td>
            <td class="actions">
                <button type="button"
                    aria-label=format!("{} {}", if disabled { "Enable" } else { "Disable" }, name())
                    on:click=move |_| { a.disable.dispatch(SetUserDisabled { user_id: id, disabled: !disabled }); }>
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
                <button type="button" aria-label=format!("End sessions of {}", name())
                    on:click=move |_| { a.revoke.dispatch(RevokeSessions { user_id: id }); }>
                    "End sessions"
                </button>
                {user.mfa_enrolled.then(|| view! {
                    <button type="button" aria-label=format!("Reset two-factor of {}", name())
                        on:click=move |_| { a.reset_mfa.dispatch(ResetMfa { user_id: id }); }>
                        "Reset two-factor"
                    </button>
                })}
                <details>
                    <summary>"Reset password"</summary>
                    <ActionForm action=a.reset_password attr:class="inline">
                        <input type="hidden" name="user_id" value=id/>
                        <label class="sr-only" for=pw_id.clone()>{format!("New password for {}", name())}</label>
                        <input id=pw_id name="password" type="password" required minlength="12" maxlength="1024"
                            autocomplete="new-password"/>
                        <button type="submit">"Set"</button>
                    </ActionForm>
                </details>
            </td>
        </tr>
    }
}

#[component]
fn MfaPolicy() -> impl IntoView {
    let set = ServerAction::<SetMfaRequired>::new();
    let policies = Resource::new(move || set.version().get(), |_| role_policies());
    view! {
        <section class="panel" aria-labelledby="policy-heading">
            <h2 id="policy-heading">"Two-factor sign-in per role"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match policies.await {
                        Ok(list) => view! {
                            <ul class="plain">
                                {list.into_iter().map(|p| {
                                    let role = p.role;
                                    let required = p.mfa_required;
                                    let id = format!("mfa-{}", role.as_str());
                                    view! {
                                        <li>
                                            <input type="checkbox" id=id.clone() checked=required
                                                on:change=move |_| {
                                                    set.dispatch(SetMfaRequired { role: role.as_str().into(), required: !required });
                                                }/>
                                            <label for=id>{format!("Require for {}", role.label())}</label>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    }
                })}
            </Transition>
            {action_error(set.value())}
        </section>
    }
}
