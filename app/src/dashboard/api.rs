//! Server function for the dashboard page.

use leptos::prelude::*;

use super::{Dashboard, PeriodQuery};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "manager_dashboard")]
pub async fn manager_dashboard(#[server(default)] period: PeriodQuery) -> AppResult<Dashboard> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::dashboard(&p, &actor, &period).await?)
}
