//! Server functions for the handover board, one handover, and the shift settings.

use leptos::prelude::*;

use super::{Board, Handover, Shift};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {super::service, crate::accounts::context};

#[server(prefix = "/rpc", endpoint = "handover_board")]
pub async fn handover_board(before: Option<i64>) -> AppResult<Board> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::board(&p, &actor, before).await?)
}

#[server(prefix = "/rpc", endpoint = "write_handover")]
pub async fn write_handover(notes: String) -> AppResult<Handover> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::write(&p, &actor, &notes).await?)
}

#[server(prefix = "/rpc", endpoint = "acknowledge_handover")]
pub async fn acknowledge_handover(handover_id: i64) -> AppResult<Handover> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::acknowledge(&p, &actor, handover_id).await?)
}

#[server(prefix = "/rpc", endpoint = "handover_record")]
pub async fn handover_record(handover_id: i64) -> AppResult<Handover> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::get(&p, &actor, handover_id).await?)
}

#[server(prefix = "/rpc", endpoint = "shifts")]
pub async fn shifts() -> AppResult<Vec<Shift>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::shifts(&p, &actor).await?)
}

/// `start` is `HH:MM` (UTC); `hours` the length.
#[server(prefix = "/rpc", endpoint = "update_shift")]
pub async fn update_shift(
    shift_id: i64,
    name: String,
    start: String,
    hours: i64,
) -> AppResult<Vec<Shift>> {
    let (p, actor) = context::current_actor().await?;
    let start = super::parse_clock_time(&start).map_err(crate::platform::Error::Invalid)?;
    let minutes = hours.clamp(0, 48) * 60;
    Ok(service::update_shift(&p, &actor, shift_id, &name, start, minutes).await?)
}
