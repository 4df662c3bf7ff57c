//! Server function for the dashboard page.

use leptos::prelude::*;

use super::{Dashboard, PeriodQuery};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::session};

#[server(prefix = "/rpc", endpoint = "manager_dashboard")]
pub async fn manager_dashboard(#[server(default)] period: PeriodQuery) -> AppResult<Dashboard> {
    let (p, actor) = session::current_actor().await?;
    Ok(service::dashboard(&p, &actor, &period).await?)
}
