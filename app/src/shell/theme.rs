//! Light and dark themes: the page follows the system setting until the user picks one, which
//! is kept in a cookie so the server renders the chosen theme without a flash.

use leptos::prelude::*;

const COOKIE: &str = "cf_theme";

fn parse(cookies: &str) -> &'static str {
    let value = cookies
        .split(';')
        .map(str::trim)
        .find_map(|kv| kv.strip_prefix(COOKIE).and_then(|v| v.strip_prefix('=')));
    match value {
        Some("light") => "light",
        Some("dark") => "dark",
        _ => "system",
    }
}

/// The theme named by the cookie: "light", "dark", or "system". Read from the request on the
/// server and from `document.cookie` in the browser, so both render the same.
pub fn requested_theme() -> &'static str {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(axum::http::header::COOKIE)?
                    .to_str()
                    .ok()
                    .map(parse)
            })
            .unwrap_or("system")
    }
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast as _;
        document()
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
            .map_or("system", |c| parse(&c))
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    "system"
}

/// A button that cycles system → light → dark.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let theme = RwSignal::new(requested_theme());
    let cycle = move |_| {
        let next = match theme.get_untracked() {
            "system" => "light",
            "light" => "dark",
            _ => "system",
        };
        theme.set(next);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast as _;
            if let Some(el) = document().document_element() {
                let _ = el.set_attribute("data-theme", next);
            }
            if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
                let _ = doc.set_cookie(&format!(
                    "{COOKIE}={next}; path=/; max-age=31536000; samesite=lax"
                ));
            }
        }
    };
    view! {
        <button type="button" class="theme-switch" on:click=cycle
            aria-label=move || format!("Theme: {}. Change theme", theme.get())>
            {move || match theme.get() { "light" => "☀ Light", "dark" => "☾ Dark", _ => "◐ System" }}
        </button>
    }
}
