//! Server-sent events for the case page: one `message` each time the case changes, so an open
//! page reloads within a second of a colleague's change. Signed-in sessions only.

use std::{convert::Infallible, time::Duration};

use app::{
    accounts::{roles::Permission, service::actor_from_session},
    cases::service as cases,
    platform::{Platform, actor::ClientIp},
};
use axum::{
    Extension,
    extract::Path,
    http::StatusCode,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use tokio_stream::{StreamExt as _, wrappers::BroadcastStream};
use tower_sessions::Session;

pub async fn case_changes(
    Extension(p): Extension<Platform>,
    ip: Option<Extension<ClientIp>>,
    session: Session,
    Path(number): Path<String>,
) -> Response {
    let actor = match actor_from_session(&p, &session, ip.map(|i| i.0.0)).await {
        Ok(a) => a,
        Err(e) => return (StatusCode::UNAUTHORIZED, e.to_string()).into_response(),
    };
    if let Err(e) = actor.require(Permission::CaseRead) {
        return (StatusCode::FORBIDDEN, e.to_string()).into_response();
    }
    let case = match cases::find(&p, &actor, &number).await {
        Ok(c) => c,
        Err(e) => return (StatusCode::NOT_FOUND, e.to_string()).into_response(),
    };
    let changes = p.live.subscribe(&p.db).await;
    let case_id = case.case_id;
    // A lagging subscriber (missed announcements) also reloads: something changed.
    let events = BroadcastStream::new(changes).filter_map(move |m| match m {
        Ok(id) if id != case_id => None,
        _ => Some(Ok::<_, Infallible>(Event::default().data("changed"))),
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
