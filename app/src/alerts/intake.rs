//! Group commit for alert intake. Concurrent intake requests queue here and one task writes
//! whatever is waiting in a single transaction, then answers each request: a commit (an fsync
//! on SQLite, the audit-chain lock on Postgres) is shared by many single-alert requests instead
//! of paid by each. A request is still answered only after its alerts are committed.

use tokio::sync::{mpsc, oneshot};

use super::{IngestOutcome, NewAlert, service};
use crate::{
    journal::Change,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
};

/// Requests waiting for the writer; past this, callers wait (the HTTP layer sheds load first).
const QUEUE_DEPTH: usize = 1024;
/// Most alerts written in one transaction.
const MAX_ALERTS_PER_COMMIT: usize = 2000;

struct Job {
    actor: Actor,
    items: Vec<Result<NewAlert, String>>,
    reply: oneshot::Sender<Result<Vec<IngestOutcome>>>,
}

/// Handle to the intake writer; cheap to clone.
#[derive(Clone)]
pub struct Intake {
    jobs: mpsc::Sender<Job>,
}

impl Intake {
    /// Starts the writer task on the current runtime.
    pub fn start(p: Platform) -> Self {
        let (jobs, rx) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(writer(p, rx));
        Self { jobs }
    }

    /// Like [`service::ingest`], sharing the transaction with other requests waiting now.
    pub async fn submit(
        &self,
        actor: Actor,
        items: Vec<Result<NewAlert, String>>,
    ) -> Result<Vec<IngestOutcome>> {
        actor.require(Permission::AlertIngest)?;
        let items = service::storable(items);
        if let Some(rejected) = service::all_rejected(&items) {
            return Ok(rejected);
        }
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job {
                actor,
                items,
                reply,
            })
            .await
            .map_err(|_| Error::internal("the intake writer has stopped"))?;
        answer
            .await
            .map_err(|_| Error::internal("the intake writer dropped a request"))?
    }
}

async fn writer(p: Platform, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut alerts = first.items.len();
        let mut jobs = vec![first];
        while alerts < MAX_ALERTS_PER_COMMIT {
            match rx.try_recv() {
                Ok(job) => {
                    alerts += job.items.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        match write(&p, &mut jobs).await {
            Ok(outcomes) => {
                for (job, out) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(out);
                }
            }
            Err(e) => {
                // Nothing was committed: every request in the group gets the error and may
                // retry (intake is idempotent).
                tracing::warn!(error = %e, requests = jobs.len(), "alert intake commit failed");
                for job in jobs {
                    let _ = job
                        .reply
                        .send(Err(Error::internal(format!("intake commit failed: {e}"))));
                }
            }
        }
    }
}

/// Writes every waiting job in one transaction. Jobs of the same caller (token or account, from
/// the same address) are written together as one batch with one audit row, as if that caller
/// had posted them as one array; the outcomes are split back per request.
///
/// Each caller's batch is written behind a savepoint: if the database refuses it, only that
/// caller's requests get the error, and everyone else's alerts are committed as if it had not
/// been in the group. The outer error is for what no caller caused (begin, commit).
async fn write(p: &Platform, jobs: &mut [Job]) -> Result<Vec<Result<Vec<IngestOutcome>>>> {
    let now = p.clock.now();
    let lengths: Vec<usize> = jobs.iter().map(|j| j.items.len()).collect();
    let mut callers: Vec<(String, Option<String>)> = Vec::new();
    let caller_of: Vec<usize> = jobs
        .iter()
        .map(|j| {
            let key = (j.actor.label(), j.actor.ip.clone());
            match callers.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    callers.push(key);
                    callers.len() - 1
                }
            }
        })
        .collect();
    let mut tx = p.db.begin().await?;
    let mut announcements = Vec::new();
    let mut per_job: Vec<Result<Vec<IngestOutcome>>> =
        (0..jobs.len()).map(|_| Ok(Vec::new())).collect();
    for (caller, (label, _)) in callers.iter().enumerate() {
        let mine: Vec<usize> = (0..jobs.len())
            .filter(|j| caller_of[*j] == caller)
            .collect();
        let items: Vec<Result<NewAlert, String>> = mine
            .iter()
            .flat_map(|j| std::mem::take(&mut jobs[*j].items))
            .collect();
        let actor = &jobs[mine[0]].actor;
        tx.savepoint("intake_caller").await?;
        let written = {
            let mut ch = Change::join(p, actor, now, &mut tx);
            match service::write_batch(&mut ch, &items).await {
                Ok(outcomes) => ch.finish().await.map(|a| (outcomes, a)),
                Err(e) => Err(e),
            }
        };
        match written {
            Ok((outcomes, news)) => {
                tx.release("intake_caller").await?;
                announcements.push(news);
                let mut outcomes = outcomes.into_iter();
                for j in mine {
                    per_job[j] = Ok(outcomes.by_ref().take(lengths[j]).collect());
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, caller = %label,
                    "alert intake: the database refused one caller's batch; the others go on");
                tx.rollback_to("intake_caller").await?;
                for j in mine {
                    per_job[j] = Err(Error::internal(format!("intake write failed: {e}")));
                }
            }
        }
    }
    tx.commit().await?;
    for news in announcements {
        news.announce(p).await;
    }
    Ok(per_job)
}
