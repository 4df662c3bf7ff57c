//! The signed-in user as every page sees it: one resource per navigation, and the guard that
//! shows a page only to those allowed it.

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

use crate::{
    accounts::{
        CurrentUser,
        api::{Logout, current_user},
    },
    components::ErrorBox,
    errors::AppError,
    roles::{Permission, role_permits},
};

/// The signed-in user for every page: loaded once per navigation, re-fetched after sign-in/out.
#[derive(Clone, Copy)]
pub struct Session(pub Resource<Result<Option<CurrentUser>, AppError>>);

/// Re-fetched on every navigation, so signing in or out (both end in a redirect) and a revoked
/// session show at once; the call is one indexed read.
pub fn provide_session_context() {
    let logout = ServerAction::<Logout>::new();
    provide_context(logout);
    let location = use_location();
    let version = logout.version();
    let source = move || (location.pathname.get(), version.get());
    provide_context(Session(Resource::new(source, |_| current_user())));
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Renders `children` for a signed-in user allowed `permission` (any signed-in user when
/// `None`); sends everyone else to sign in, or says they may not see the page. The server
/// refuses the data anyway: this only spares them an empty page.
#[component]
pub fn RequireUser(
    #[prop(optional)] permission: Option<Permission>,
    children: ChildrenFn,
) -> impl IntoView {
    let session = use_session();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.0.await {
                    Ok(Some(user)) => {
                        let allowed = permission.is_none_or(|p| role_permits(user.role, p));
                        if user.mfa_enrolment_due && permission.is_some() {
                            view! { <Redirect path="/account"/> }.into_any()
                        } else if allowed {
                            children.with_value(|c| c()).into_any()
                        } else {
                            view! {
                                <section class="panel">
                                    <h1>"Not available"</h1>
                                    <p>"Your account does not have access to this page."</p>
                                </section>
                            }
                            .into_any()
                        }
                    }
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
