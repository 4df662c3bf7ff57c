//! What must follow every audited change or every timeline entry, whichever feature made it:
//! SLA clocks that start, stop and are acknowledged; webhook messages. Features register their
//! listeners once, in `wiring.rs`; the journal calls them inside the change's transaction, so
//! the journal and the audit log import no feature.

use futures::future::BoxFuture;
use serde_json::Value;

use super::{Actor, Result, Tx, clock::Millis};
use crate::timeline::EventKind;

/// An audit row just written.
pub struct Audited<'a> {
    pub seq: i64,
    pub actor: &'a Actor,
    pub now: Millis,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    pub detail: &'a Value,
}

/// A timeline entry just recorded.
pub struct Recorded<'a> {
    pub case_id: i64,
    pub event_id: i64,
    pub actor: &'a Actor,
    pub now: Millis,
    pub kind: EventKind,
    pub detail: &'a Value,
}

/// Runs in the change's transaction after an audit row is written.
pub type OnAudited = for<'a> fn(&'a mut Tx, &'a Audited<'a>) -> BoxFuture<'a, Result<()>>;
/// Runs in the change's transaction after a timeline entry is recorded.
pub type OnRecorded = for<'a> fn(&'a mut Tx, &'a Recorded<'a>) -> BoxFuture<'a, Result<()>>;

/// The registered listeners, called in the order they were registered.
#[derive(Clone, Default)]
pub struct Listeners {
    pub audited: Vec<OnAudited>,
    pub recorded: Vec<OnRecorded>,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners")
            .field("audited", &self.audited.len())
            .field("recorded", &self.recorded.len())
            .finish()
    }
}
