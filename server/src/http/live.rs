//! Server-sent events: one `message` each time a case changes, so an open case page reloads
//! within a second of a colleague's change, and each time the signed-in user's notifications
//! change, so the bell updates. Signed-in sessions only, and only while they last: a stream
//! ends when its session is signed out, expires, is revoked or its account disabled. Each
//! person may hold a bounded number of streams open in a process.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::{
    accounts::{roles::Permission, service::actor_from_session},
    cases::service as cases,
    platform::{Error, Platform, actor::ClientIp, live::Topic, session::Store},
};
use axum::{
    Extension,
    extract::Path,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt as _};
use tokio_stream::wrappers::BroadcastStream;
use tower_sessions::Session;

use super::{browser::BrowserActor, rest::ApiError};

/// How often an open stream checks that its session still holds.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(10);
/// Streams one person may hold open at once in this process (several tabs, two each).
pub const MAX_STREAMS_PER_USER: usize = 16;

/// The streams open per person; a slot is given back when its stream is dropped.
#[derive(Clone, Default)]
pub struct OpenStreams(Arc<Mutex<HashMap<i64, usize>>>);

struct Slot {
    open: OpenStreams,
    user_id: i64,
}

impl OpenStreams {
    fn take(&self, user_id: i64) -> Result<Slot, Error> {
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(user_id).or_default();
        if *n >= MAX_STREAMS_PER_USER {
            return Err(Error::TooManyRequests {
                message: format!(
                    "At most {MAX_STREAMS_PER_USER} live views may be open at once; close some tabs."
                ),
                retry_after_secs: 30,
            });
        }
        *n += 1;
        Ok(Slot {
            open: self.clone(),
            user_id,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.user_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

/// What a stream needs to check its session again: the store, read afresh each time (the
/// request's own session keeps the record it loaded at the start).
struct Watch {
    p: Platform,
    store: Store,
    session: Session,
    ip: Option<String>,
}

impl Watch {
    /// Resolves once the session no longer signs anyone in.
    async fn session_ended(self) {
        let Some(id) = self.session.id() else { return };
        loop {
            tokio::time::sleep(SESSION_CHECK_EVERY).await;
            let fresh = Session::new(Some(id), Arc::new(self.store.clone()), None);
            match actor_from_session(&self.p, &fresh, self.ip.clone()).await {
                Ok(_) => {}
                Err(Error::Unauthenticated) => return,
                // A database hiccup does not end the stream; the next check decides.
                Err(e) => tracing::warn!(error = %e, "live stream: session check failed"),
            }
        }
    }
}

/// A `changed` message for each announcement `wanted` picks. A lagging subscriber (it missed
/// announcements) gets one too: something changed, and the page reloads anyway.
async fn announcements(
    p: &Platform,
    wanted: impl Fn(Topic) -> bool + Send + 'static,
) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
    let changes = p.live.subscribe(&p.db).await;
    BroadcastStream::new(changes).filter_map(move |m| {
        let hit = match m {
            Ok(topic) => wanted(topic),
            Err(_) => true,
        };
        async move { hit.then(|| Ok(Event::default().data("changed"))) }
    })
}

/// The SSE response for `events`, ending with the session and giving back `slot` then.
fn stream(
    events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
    watch: Watch,
    slot: Slot,
) -> Response {
    let events = events
        .take_until(Box::pin(watch.session_ended()))
        .map(move |e| {
            let _held = &slot;
            e
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

pub async fn case_changes(
    Extension(p): Extension<Platform>,
    Extension(store): Extension<Store>,
    Extension(open): Extension<OpenStreams>,
    ip: Option<Extension<ClientIp>>,
    session: Session,
    BrowserActor(actor): BrowserActor,
    Path(number): Path<String>,
) -> Response {
    let result = async {
        actor.require(Permission::CaseRead)?;
        let case = cases::find(&p, &actor, &number).await?;
        let slot = open.take(actor.require_user()?)?;
        Ok::<_, Error>((case, slot))
    };
    let (case, slot) = match result.await {
        Ok(x) => x,
        Err(e) => return ApiError(e).into_response(),
    };
    let case_id = case.case_id;
    let events = announcements(&p, move |t| t == Topic::Case(case_id)).await;
    let ip = ip.map(|e| e.0.0);
    stream(
        events,
        Watch {
            p,
            store,
            session,
            ip,
        },
        slot,
    )
}

/// The signed-in user's inbox: a message whenever a notification arrives or is read.
pub async fn inbox_changes(
    Extension(p): Extension<Platform>,
    Extension(store): Extension<Store>,
    Extension(open): Extension<OpenStreams>,
    ip: Option<Extension<ClientIp>>,
    session: Session,
    BrowserActor(actor): BrowserActor,
) -> Response {
    let (user_id, slot) = match actor.require_user().and_then(|id| Ok((id, open.take(id)?))) {
        Ok(x) => x,
        Err(e) => return ApiError(e).into_response(),
    };
    let events = announcements(&p, move |t| t == Topic::Inbox(user_id)).await;
    let ip = ip.map(|e| e.0.0);
    stream(
        events,
        Watch {
            p,
            store,
            session,
            ip,
        },
        slot,
    )
}
