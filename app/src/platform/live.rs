//! Live updates: "case N changed" fanned out to everyone with that case open, and "user N's
//! inbox changed" to that user's notification bell. On PostgreSQL the news goes through
//! LISTEN/NOTIFY so every Casefile process hears changes made by the others; on SQLite (one
//! process) it goes straight to the in-process channel.

use std::{sync::Arc, time::Duration};

use sqlx::postgres::PgListener;
use tokio::sync::{OnceCell, broadcast};

use super::db::Db;

const CHANNEL: &str = "casefile_live";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Case(i64),
    Inbox(i64),
}

impl Topic {
    fn encode(self) -> String {
        match self {
            Topic::Case(id) => format!("case:{id}"),
            Topic::Inbox(id) => format!("inbox:{id}"),
        }
    }

    fn decode(s: &str) -> Option<Self> {
        let (kind, id) = s.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "case" => Some(Topic::Case(id)),
            "inbox" => Some(Topic::Inbox(id)),
            _ => None,
        }
    }
}

/// The hub. Cheap to clone.
#[derive(Clone)]
pub struct Live {
    sender: broadcast::Sender<Topic>,
    listening: Arc<OnceCell<()>>,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    pub fn new() -> Self {
        // Subscribers that fall this far behind skip ahead; they reload anyway.
        let (sender, _) = broadcast::channel(1024);
        Self {
            sender,
            listening: Arc::new(OnceCell::new()),
        }
    }

    /// Announces a committed change to case `case_id`. Never fails the caller: a lost
    /// announcement only delays a colleague's view until their next reload.
    pub async fn case_changed(&self, db: &Db, case_id: i64) {
        self.announce(db, Topic::Case(case_id)).await;
    }

    /// Announces new or read notifications of these users.
    pub async fn inbox_changed(&self, db: &Db, user_ids: &[i64]) {
        for id in user_ids {
            self.announce(db, Topic::Inbox(*id)).await;
        }
    }

    async fn announce(&self, db: &Db, topic: Topic) {
        match db {
            Db::Sqlite(_) => {
                let _ = self.sender.send(topic);
            }
            Db::Postgres(pool) => {
                let sent = sqlx::query("select pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(topic.encode())
                    .execute(pool)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, ?topic, "live update not sent");
                }
            }
        }
    }

    /// Changes from now on. On Postgres the first subscriber starts this process's listener.
    pub async fn subscribe(&self, db: &Db) -> broadcast::Receiver<Topic> {
        let receiver = self.sender.subscribe();
        if let Db::Postgres(pool) = db {
            let pool = pool.clone();
            let sender = self.sender.clone();
            self.listening
                .get_or_init(|| async move {
                    tokio::spawn(relay(pool, sender));
                })
                .await;
        }
        receiver
    }
}

/// Relays NOTIFY messages to the in-process channel, reconnecting after a failure.
async fn relay(pool: sqlx::PgPool, sender: broadcast::Sender<Topic>) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live updates: cannot listen; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "live updates: LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        loop {
            match listener.recv().await {
                Ok(n) => {
                    if let Some(topic) = Topic::decode(n.payload()) {
                        let _ = sender.send(topic);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "live updates: connection lost; reconnecting");
                    break;
                }
            }
        }
    }
}
