//! The HTTP application: leptos pages and server functions, health, static assets, and the
//! layers every request passes (security headers, CSRF, client address, sessions).

pub mod activity;
pub mod api;
pub mod assets;
pub mod body;
pub mod browser;
pub mod evidence;
pub mod exports;
pub mod health;
pub mod limits;
pub mod live;
pub mod reports;
pub mod rest;
pub mod security;
pub mod thehive;

use app::{
    platform::{Platform, session::Store},
    shell::{App, shell},
};
use axum::{Router, extract::DefaultBodyLimit, middleware, routing::get};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes as _, generate_route_list};
use tower_http::trace::TraceLayer;
use tower_sessions::SessionManagerLayer;

pub fn router(
    platform: Platform,
    store: Store,
    sessions: SessionManagerLayer<Store>,
    security: security::Policy,
) -> Router {
    let options = assets::leptos_options();
    let routes = generate_route_list(App);
    let context = {
        let platform = platform.clone();
        move || provide_context(platform.clone())
    };
    let app_shell = {
        let options = options.clone();
        move || shell(options.clone())
    };
    let not_found =
        leptos_axum::render_app_to_stream_with_context(context.clone(), app_shell.clone());
    // Pages and server functions; server functions' bodies are held to their own limits
    // (limits.rs), which replace axum's one default.
    let pages = Router::new()
        .leptos_routes_with_context(&options, routes, context, app_shell)
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(limits::server_function_bodies));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/live/cases/{number}", get(live::case_changes))
        .route("/live/inbox", get(live::inbox_changes))
        .merge(api::router())
        .merge(test_clock_routes())
        .merge(evidence::router())
        .merge(exports::router())
        .merge(reports::router())
        .merge(thehive::router())
        .merge(pages)
        .merge(assets::router())
        .fallback(not_found)
        .with_state(options)
        .layer(middleware::from_fn(activity::renew_sessions))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(security, security::guard))
        .layer(TraceLayer::new_for_http())
        .layer(axum::Extension(app::alerts::intake::Intake::start(
            platform.clone(),
        )))
        .layer(axum::Extension(store))
        .layer(axum::Extension(live::OpenStreams::default()))
        .layer(axum::Extension(platform))
}

#[cfg(feature = "test-clock")]
fn test_clock_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/__test/clock", axum::routing::post(test_clock::advance))
}

#[cfg(not(feature = "test-clock"))]
fn test_clock_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
}

/// Browser tests move the manual clock forward here; compiled only with `test-clock`.
#[cfg(feature = "test-clock")]
mod test_clock {
    use app::platform::Platform;
    use axum::{Extension, Json, http::StatusCode, response::IntoResponse};

    #[derive(serde::Deserialize)]
    pub struct Advance {
        minutes: i64,
    }

    pub async fn advance(
        Extension(p): Extension<Platform>,
        Json(a): Json<Advance>,
    ) -> axum::response::Response {
        p.clock.advance(time::Duration::minutes(a.minutes));
        match app::tiers::sweep::sweep(&p).await {
            Ok(s) => Json(
                serde_json::json!({ "now": p.clock.now(), "breached": s.breached,
                "warned": s.warned }),
            )
            .into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
}
