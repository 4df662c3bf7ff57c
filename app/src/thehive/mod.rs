//! TheHive compatibility (TheHive 5's v1 API and TheHive 3/4's v0 API): how Casefile's alerts,
//! cases, observables, tasks and logs look to TheHive clients (thehive4py, Wazuh, ElastAlert,
//! Shuffle, n8n, Velociraptor), and the subsets of TheHive's query languages they use. The HTTP
//! routes live in the server crate.

pub mod model;
pub mod model_v0;
pub mod query;
pub mod query_v0;
pub mod service;
pub mod store;
