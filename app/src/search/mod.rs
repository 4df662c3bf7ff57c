//! Full-text search across cases: headers, timeline (notes included) and observables, ranked.
//! SQLite FTS5 and PostgreSQL full-text search sit behind one seam (`store`).

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::cases::CaseStatus;

/// What an analyst searches for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Words; every word must match (stemmed, so "phished" finds "phishing").
    pub q: String,
    /// `open`, `closed`, or empty for any.
    #[serde(default)]
    pub status: Option<String>,
    /// `case`, `event` or `observable`, or empty for any.
    #[serde(default)]
    pub kind: Option<String>,
}

/// One match, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub status: CaseStatus,
    /// `case`, `event` or `observable`.
    pub kind: String,
    pub ref_id: i64,
    /// The matching text around the words found; matches are wrapped in « and ».
    pub snippet: String,
}

/// The first page of hits (search answers are ranked, so a page is "the best N").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// More matched than were returned.
    pub more: bool,
}
