//! The case page's keyboard shortcuts: `n` note, `o` observable, `t` task, `e` change tier,
//! `?` this help. A key opens its section and puts the cursor where the typing starts.

use leptos::prelude::*;

/// What each key does, for the help and the handler.
pub(super) const CASE_KEYS: &[(&str, &str)] = &[
    ("n", "write a note on the timeline"),
    ("o", "add an observable"),
    ("t", "add a task"),
    ("e", "escalate or de-escalate (change tier)"),
    ("?", "show or hide this help"),
    ("Esc", "close this help, or the open dialog"),
];

/// Listens for the shortcuts while the case page is open; `help` shows the list.
pub(super) fn follow_shortcuts(help: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| on_key(&ev, help));
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = help;
}

#[cfg(feature = "hydrate")]
fn on_key(ev: &leptos::ev::KeyboardEvent, help: RwSignal<bool>) {
    use wasm_bindgen::JsCast as _;
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
        return;
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let typing = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
    // A dialog has the page's attention (and Escape of its own).
    let in_dialog = doc.query_selector("dialog[open]").ok().flatten().is_some();
    if typing || in_dialog {
        return;
    }
    let click = |selector: &str| {
        doc.query_selector(selector)
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            .map(|el| el.click())
            .is_some()
    };
    let open = |tab: &str, field: &'static str| {
        if click(&format!("[data-tab='{tab}']")) {
            focus_soon(field);
        }
    };
    match ev.key().as_str() {
        "n" => open("timeline", "note"),
        "o" => open("observables", "observable-value"),
        "t" => open("tasks", "task-title"),
        "e" => {
            click("[data-shortcut='change-tier']");
        }
        "?" => help.update(|h| *h = !*h),
        "Escape" => help.set(false),
        _ => return,
    }
    ev.prevent_default();
}

/// Focuses the element with `id` once the section it is in has been drawn.
#[cfg(feature = "hydrate")]
fn focus_soon(id: &'static str) {
    use wasm_bindgen::JsCast as _;
    fn attempt(id: &'static str, tries: u32) {
        let found = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        match found {
            Some(el) => {
                let _ = el.focus();
            }
            None if tries > 0 => set_timeout(
                move || attempt(id, tries - 1),
                std::time::Duration::from_millis(50),
            ),
            None => {}
        }
    }
    attempt(id, 20);
}
