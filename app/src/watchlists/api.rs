//! Server functions for the watchlist admin page.

use leptos::prelude::*;

use super::{ImportReport, Watchlist};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "watchlists")]
pub async fn watchlists() -> AppResult<Vec<Watchlist>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::list(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "create_watchlist")]
pub async fn create_watchlist(name: String, description: String) -> AppResult<Watchlist> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::create(&p, &actor, &name, &description).await?)
}

#[server(prefix = "/rpc", endpoint = "import_watchlist")]
pub async fn import_watchlist(watchlist_id: i64, csv: String) -> AppResult<ImportReport> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::import_csv(&p, &actor, watchlist_id, &csv).await?)
}
