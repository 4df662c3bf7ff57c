//! TheHive 5 compatibility: how Casefile's alerts, cases, observables, tasks and logs look to
//! TheHive clients (thehive4py, Wazuh, Elastalert, Shuffle, n8n), and the subset of TheHive's
//! query language they use. The HTTP routes live in the server crate.

pub mod model;
pub mod query;
pub mod service;
pub mod store;
