//! Widgets and formatting shared by several capabilities.

use leptos::prelude::*;

use crate::{errors::AppError, shell::ErrorBox};

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
