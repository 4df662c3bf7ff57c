//! Casefile's application crate: pages, server functions, domain rules, services and SQL.
//!
//! Compiled twice by cargo-leptos: natively with feature `ssr` (linked into the `casefile` binary)
//! and to wasm with feature `hydrate` (the browser half).

#![recursion_limit = "256"]

pub mod accounts;
pub mod alerts;
pub mod attack;
pub mod audit;
pub mod cases;
pub mod components;
pub mod dashboard;
pub mod errors;
pub mod evidence;
pub mod exports;
pub mod fields;
pub mod handover;
#[cfg(feature = "ssr")]
pub mod journal;
pub mod notifications;
pub mod observables;
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod platform;
pub mod playbooks;
pub mod reports;
pub mod roles;
pub mod search;
pub mod severity;
pub mod shell;
pub mod sla;
pub mod templates;
#[cfg(feature = "test-support")]
pub mod testing;
#[cfg(feature = "ssr")]
pub mod thehive;
pub mod tiers;
pub mod timeline;
pub mod validate;
pub mod watchlists;
#[cfg(feature = "ssr")]
pub mod wiring;
pub mod workspace;
