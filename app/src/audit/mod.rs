//! The audit log: an append-only, hash-chained record of every state change and sensitive read.
//! This file holds the shared types; `chain` the hashing rule; `store` the SQL.

#[cfg(feature = "ssr")]
pub mod chain;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

/// One entry as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub seq: i64,
    pub occurred_at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub actor_ip: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}
