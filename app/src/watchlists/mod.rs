//! Watchlists: admin-managed lists of known-bad values (imported from CSV), matched offline
//! when an observable is added to a case or an alert arrives; matches are flagged.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watchlist {
    pub watchlist_id: i64,
    pub name: String,
    pub description: String,
    pub entry_count: i64,
    pub created_by: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchlistEntry {
    pub data_type: String,
    pub value: String,
    pub note: String,
    pub added_by: String,
    pub added_at: i64,
}

/// What a CSV import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub added: usize,
    /// Rows whose value the list already had.
    pub already_listed: usize,
}
