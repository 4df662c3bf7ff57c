//! Server-side plumbing shared by every capability: database, errors, the acting user and
//! their permissions, clock, secrets and password hashing, sessions, the evidence store, the
//! audit signing key, and the listeners the journal calls.

pub mod actor;
pub mod clock;
pub mod db;
pub mod digests;
pub mod error;
pub mod ids;
pub mod listeners;
pub mod live;
pub mod locker;
pub mod passwords;
pub mod secrets;
pub mod session;
pub mod signing;

pub use actor::Actor;
pub use clock::Clock;
pub use db::{Db, Tx};
pub use error::{Error, Result};
pub use listeners::Listeners;
pub use live::Live;
pub use passwords::Passwords;

pub use locker::Locker;
pub use signing::AuditKey;

use std::sync::Arc;

/// Settings the services need at run time (the subset of the CLI config that is not about
/// sockets or files).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Sessions end after this long without a request.
    pub idle_timeout: time::Duration,
    /// Sessions end this long after sign-in, however active.
    pub absolute_timeout: time::Duration,
    /// Alert grouping window; `None` turns grouping off.
    pub group_window: Option<time::Duration>,
    /// Notification e-mail; `None` sends none.
    pub mail: Option<MailSettings>,
    /// Raw payloads of closed alerts are deleted this long after their verdict; `None` keeps
    /// them.
    pub alert_payload_retention: Option<time::Duration>,
    /// Webhook hosts the operator allowed to be loopback or private addresses; every other
    /// webhook must reach a public address.
    pub webhook_private_hosts: Vec<String>,
}

/// Where notification e-mail goes out.
#[derive(Clone)]
pub struct MailSettings {
    /// lettre's SMTP URL, e.g. `smtp://relay.example.org:587?tls=required`; may hold a
    /// password, so it is never printed.
    pub smtp_url: String,
    /// The From address, e.g. `Casefile <casefile@example.org>`.
    pub from: String,
    /// Links in e-mails start with this, e.g. `https://casefile.example.org`.
    pub public_origin: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &"***")
            .field("from", &self.from)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            idle_timeout: time::Duration::minutes(30),
            absolute_timeout: time::Duration::hours(12),
            group_window: None,
            mail: None,
            alert_payload_retention: None,
            webhook_private_hosts: Vec::new(),
        }
    }
}

/// Everything a service call needs besides the actor and its input.
///
/// CONVENTIONS.md has services take `&Db`; they take this instead because the clock and the
/// password hasher are as much part of "the world" as the database, and tests must swap the clock.
#[derive(Clone)]
pub struct Platform {
    pub db: Db,
    pub clock: Clock,
    pub passwords: Arc<Passwords>,
    pub settings: Arc<Settings>,
    /// Announces committed case changes to open case pages.
    pub live: Live,
    /// Where evidence content is stored.
    pub locker: Locker,
    /// Signs audit checkpoints; `None` makes no checkpoints (and verifies no signatures).
    pub audit_key: Option<Arc<AuditKey>>,
    /// What follows every audited change and timeline entry (`wiring.rs` lists them).
    pub listeners: Arc<Listeners>,
}

impl Platform {
    /// `listeners` is `app::wiring::listeners()` everywhere but in a test that wants none.
    pub fn new(
        db: Db,
        clock: Clock,
        settings: Settings,
        locker: Locker,
        listeners: Listeners,
    ) -> Self {
        Self {
            db,
            clock,
            passwords: Arc::new(Passwords::new()),
            settings: Arc::new(settings),
            live: Live::new(),
            locker,
            audit_key: None,
            listeners: Arc::new(listeners),
        }
    }

    pub fn with_audit_key(mut self, key: AuditKey) -> Self {
        self.audit_key = Some(Arc::new(key));
        self
    }

    /// The platform provided to the leptos context by the server.
    pub fn from_context() -> Result<Self> {
        leptos::prelude::use_context::<Self>()
            .ok_or_else(|| Error::internal("platform missing from the request context"))
    }
}
