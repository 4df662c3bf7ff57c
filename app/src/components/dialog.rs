//! Actions that open in a modal `<dialog>`, a menu of links that opens on demand, and the
//! list of a page's keyboard shortcuts.
//!
//! The browser does the hard parts of a modal: `showModal()` keeps focus inside the dialog and
//! makes the rest of the page inert, Escape closes it, and closing gives focus back to the
//! button that opened it.

use leptos::prelude::*;

/// A button that opens `children` (a form and its help) in a modal dialog titled `title`.
/// Submitting the form closes the dialog (the action's outcome, or its error, shows on the
/// page); "Cancel" and Escape close it without doing anything.
#[component]
pub fn ActionDialog(
    /// The button's text.
    label: &'static str,
    /// The dialog's heading, also its accessible name.
    title: &'static str,
    /// Styles the button as a destructive or final step.
    #[prop(optional)]
    danger: bool,
    /// Names the button for a page's keyboard shortcut (`data-shortcut`).
    #[prop(optional)]
    shortcut: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let heading_id = format!(
        "dlg-{}",
        title
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            })
            .collect::<String>()
    );
    let labelled_by = heading_id.clone();
    let open = move |_| {
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
        }
    };
    let close = move || {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    view! {
        <button type="button" class=if danger { "action danger" } else { "action" } aria-haspopup="dialog" data-shortcut=shortcut on:click=open>
            {label}
        </button>
        <dialog node_ref=dialog class="action-dialog" aria-labelledby=labelled_by on:submit=move |_| close()>
            <h2 id=heading_id>{title}</h2>
            {children()}
            <p class="dialog-foot">
                <button type="button" class="secondary" on:click=move |_| close()>"Cancel"</button>
            </p>
        </dialog>
    }
}

/// A labelled menu of links (reports, exports) that opens on click and needs no script.
#[component]
pub fn LinkMenu(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <details class="link-menu">
            <summary>{label}</summary>
            <ul role="list">{children()}</ul>
        </details>
    }
}

/// A page's keyboard shortcuts, shown while `help` is set (by `?`).
#[component]
pub fn ShortcutHelp(
    keys: &'static [(&'static str, &'static str)],
    help: RwSignal<bool>,
) -> impl IntoView {
    move || {
        help.get().then(|| {
            view! {
                <div class="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
                    <h2>"Keyboard shortcuts"</h2>
                    <dl>
                        {keys.iter().map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                    </dl>
                    <button type="button" on:click=move |_| help.set(false)>"Close"</button>
                </div>
            }
        })
    }
}
