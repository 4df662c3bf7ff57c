//! Widgets and formatting shared by several capabilities.

mod dialog;

pub use dialog::{ActionDialog, LinkMenu, ShortcutHelp};
use leptos::prelude::*;

use crate::errors::AppError;

/// A user-facing error, announced to screen readers.
#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    view! { <p class="error" role="alert">{error.message}</p> }
}

/// Shows the error of an action's last result, if it failed.
pub fn action_error<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        value
            .get()
            .and_then(Result::err)
            .map(|error| view! { <ErrorBox error/> })
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DD HH:MM UTC`.
pub fn utc(ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000) else {
        return "—".into();
    };
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(f).unwrap_or_else(|_| "—".into())
}

/// Adds `item` to a selection, or removes it when already there (checkbox lists, row selection).
pub fn toggle<T: PartialEq>(items: &mut Vec<T>, item: T) {
    match items.iter().position(|x| *x == item) {
        Some(i) => {
            items.remove(i);
        }
        None => items.push(item),
    }
}

/// A moment shown in UTC and, once the page runs in the browser, in the reader's local time.
#[component]
pub fn When(ms: i64) -> impl IntoView {
    let local = RwSignal::new(String::new());
    // Effects run only in the browser, where the reader's time zone is known.
    Effect::new(move |_| local.set(local_time(ms)));
    view! {
        <time datetime=iso_utc(ms)>{utc(ms)}</time>
        {move || {
            let l = local.get();
            (!l.is_empty()).then(|| view! { <span class="local-time">" · "{l}</span> })
        }}
    }
}

/// RFC 3339 in UTC, for `<time datetime>`.
pub fn iso_utc(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Local wall-clock time with its offset, e.g. `2026-11-21 10:30 (UTC+01:00)`.
#[cfg(feature = "hydrate")]
pub fn local_time(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    let offset = -(d.get_timezone_offset() as i32);
    let sign = if offset < 0 { '-' } else { '+' };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} local (UTC{sign}{:02}:{:02})",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes(),
        offset.abs() / 60,
        offset.abs() % 60
    )
}

#[cfg(not(feature = "hydrate"))]
pub fn local_time(_ms: i64) -> String {
    String::new()
}

/// The reader's time zone in minutes east of UTC (0 outside the browser).
pub fn browser_utc_offset_minutes() -> i32 {
    #[cfg(feature = "hydrate")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i32)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}
