//! The Casefile process: configuration, start-up, the command-line commands (backup and
//! restore among them), machine-facing HTTP (health, assets, security middleware) and
//! background jobs. Pages, server functions and services live in the `app` crate.

pub mod backup;
pub mod commands;
pub mod config;
pub mod http;
pub mod jobs;
pub mod private_files;
pub mod render;
pub mod startup;
pub mod telemetry;
