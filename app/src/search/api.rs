//! Server function for the search page.

use leptos::prelude::*;

use super::{SearchQuery, SearchResults};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "search_cases")]
pub async fn search_cases(query: SearchQuery) -> AppResult<SearchResults> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::search(&p, &actor, &query).await?)
}
