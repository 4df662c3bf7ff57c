//! The site's static files (wasm, JS, CSS): embedded in release builds, read from
//! `target/site` in debug builds so a rebuild of the front end needs no server rebuild.

use axum::Router;
use leptos::config::LeptosOptions;

/// The leptos options the binary needs, fixed here rather than read from Cargo.toml so the
/// release binary runs from any directory.
pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("casefile")
        .site_root(site_root())
        .site_pkg_dir("pkg")
        .build()
}

fn site_root() -> String {
    std::env::var("LEPTOS_SITE_ROOT")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site").to_owned())
}

#[cfg(embedded_assets)]
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    memory_serve::load!().index_file(None).into_router()
}

#[cfg(not(embedded_assets))]
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    use tower_http::services::ServeDir;
    let pkg = std::path::Path::new(&site_root()).join("pkg");
    Router::new().nest_service(
        "/pkg",
        ServeDir::new(pkg).precompressed_br().precompressed_gzip(),
    )
}
