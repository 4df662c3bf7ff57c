//! Server-sent events: one `message` each time a case changes, so an open case page reloads
//! within a second of a colleague's change, and each time the signed-in user's notifications
//! change, so the bell updates. Signed-in sessions only.

use std::{convert::Infallible, time::Duration};

use app::{
    accounts::roles::Permission,
    cases::service as cases,
    platform::{Platform, live::Topic},
};
use axum::{
    Extension,
    extract::Path,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use tokio_stream::{StreamExt as _, wrappers::BroadcastStream};

use super::{api::ApiError, browser::BrowserActor};

pub async fn case_changes(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
    Path(number): Path<String>,
) -> Response {
    if let Err(e) = actor.require(Permission::CaseRead) {
        return ApiError(e).into_response();
    }
    let case = match cases::find(&p, &actor, &number).await {
        Ok(c) => c,
        Err(e) => return ApiError(e).into_response(),
    };
    let changes = p.live.subscribe(&p.db).await;
    let case_id = case.case_id;
    // A lagging subscriber (missed announcements) also reloads: something changed.
    let events = BroadcastStream::new(changes).filter_map(move |m| match m {
        Ok(Topic::Case(id)) if id == case_id => Some(Ok(Event::default().data("changed"))),
        Ok(_) => None,
        Err(_) => Some(Ok::<_, Infallible>(Event::default().data("changed"))),
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// The signed-in user's inbox: a message whenever a notification arrives or is read.
pub async fn inbox_changes(
    Extension(p): Extension<Platform>,
    BrowserActor(actor): BrowserActor,
) -> Response {
    let user_id = match actor.require_user() {
        Ok(id) => id,
        Err(e) => return ApiError(e).into_response(),
    };
    let changes = p.live.subscribe(&p.db).await;
    let events = BroadcastStream::new(changes).filter_map(move |m| match m {
        Ok(Topic::Inbox(id)) if id == user_id => Some(Ok(Event::default().data("changed"))),
        Ok(_) => None,
        Err(_) => Some(Ok::<_, Infallible>(Event::default().data("changed"))),
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
