//! What the case page's sections share: the actions an analyst can take (any of them reloads
//! the case) and the timeline entry form's draft, kept above the reloading part of the page.

use leptos::prelude::*;

use crate::{
    cases::{
        EventKind, TimelineEvent,
        api::{
            AddCaseEvent, AddCaseObservable, AddCaseTask, CloseCase, ImportCaseEml, ReopenCase,
            SetCaseStatus, SetLegalHold, SetTaskStatus,
        },
    },
    components::action_error,
    fields::api::SetCaseFields,
    playbooks::api::ApplyPlaybook,
    tiers::pages::TierActions,
};

/// Everything an analyst can do on the case page; any of them reloads the case.
#[derive(Clone, Copy)]
pub(super) struct CaseActions {
    pub(super) add_event: ServerAction<AddCaseEvent>,
    pub(super) set_status: ServerAction<SetCaseStatus>,
    pub(super) close: ServerAction<CloseCase>,
    pub(super) reopen: ServerAction<ReopenCase>,
    pub(super) add_observable: ServerAction<AddCaseObservable>,
    pub(super) import_eml: ServerAction<ImportCaseEml>,
    pub(super) add_task: ServerAction<AddCaseTask>,
    pub(super) set_task: ServerAction<SetTaskStatus>,
    pub(super) apply_playbook: ServerAction<ApplyPlaybook>,
    pub(super) legal_hold: ServerAction<SetLegalHold>,
    pub(super) set_fields: ServerAction<SetCaseFields>,
    pub(super) tier: TierActions,
}

impl CaseActions {
    pub(super) fn new() -> Self {
        Self {
            add_event: ServerAction::new(),
            set_status: ServerAction::new(),
            close: ServerAction::new(),
            reopen: ServerAction::new(),
            add_observable: ServerAction::new(),
            import_eml: ServerAction::new(),
            add_task: ServerAction::new(),
            set_task: ServerAction::new(),
            apply_playbook: ServerAction::new(),
            legal_hold: ServerAction::new(),
            set_fields: ServerAction::new(),
            tier: TierActions::new(),
        }
    }

    pub(super) fn versions(&self) -> ([usize; 11], [usize; 8]) {
        (
            [
                self.add_event.version().get(),
                self.set_status.version().get(),
                self.close.version().get(),
                self.reopen.version().get(),
                self.add_observable.version().get(),
                self.import_eml.version().get(),
                self.add_task.version().get(),
                self.set_task.version().get(),
                self.apply_playbook.version().get(),
                self.legal_hold.version().get(),
                self.set_fields.version().get(),
            ],
            self.tier.versions(),
        )
    }

    pub(super) fn errors(&self) -> impl IntoView + use<> {
        view! {
            <div class="action-errors">
                {action_error(self.add_event.value())}
                {action_error(self.set_status.value())}
                {action_error(self.close.value())}
                {action_error(self.reopen.value())}
                {action_error(self.add_observable.value())}
                {action_error(self.import_eml.value())}
                {action_error(self.add_task.value())}
                {action_error(self.set_task.value())}
                {action_error(self.apply_playbook.value())}
                {action_error(self.legal_hold.value())}
                {action_error(self.set_fields.value())}
                {self.tier.errors()}
            </div>
        }
    }
}

/// The timeline entry form's fields. They live above the reloading part of the page so a
/// colleague's change does not wipe a half-written note.
#[derive(Clone, Copy)]
pub(super) struct EntryDraft {
    pub(super) kind: RwSignal<String>,
    pub(super) occurred_at: RwSignal<String>,
    pub(super) summary: RwSignal<String>,
    pub(super) body: RwSignal<String>,
    pub(super) techniques: RwSignal<String>,
    pub(super) tags: RwSignal<String>,
    pub(super) supersedes: RwSignal<Option<i64>>,
}

impl EntryDraft {
    pub(super) fn new() -> Self {
        Self {
            kind: RwSignal::new(EventKind::Note.as_str().to_owned()),
            occurred_at: RwSignal::new(String::new()),
            summary: RwSignal::new(String::new()),
            body: RwSignal::new(String::new()),
            techniques: RwSignal::new(String::new()),
            tags: RwSignal::new(String::new()),
            supersedes: RwSignal::new(None),
        }
    }

    pub(super) fn clear(&self) {
        self.occurred_at.set(String::new());
        self.summary.set(String::new());
        self.body.set(String::new());
        self.techniques.set(String::new());
        self.tags.set(String::new());
        self.supersedes.set(None);
    }

    /// Starts a correction of `e`, prefilled with what it said.
    pub(super) fn correct(&self, e: &TimelineEvent) {
        self.kind.set(e.kind.as_str().to_owned());
        self.summary.set(if e.kind == EventKind::Custom {
            e.summary.clone()
        } else {
            String::new()
        });
        self.body.set(e.body.clone());
        self.techniques.set(e.techniques.join(", "));
        self.tags.set(e.tags.join(", "));
        self.supersedes.set(Some(e.event_id));
    }
}
