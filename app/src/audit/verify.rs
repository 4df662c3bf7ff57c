//! The whole-log check: walks every entry in sequence order, checks each hash link, the head,
//! and every signed checkpoint, and names the first bad entry.

use std::collections::VecDeque;

use ed25519_dalek::VerifyingKey;
use tokio::task::JoinHandle;

use super::{
    AuditEntry, ChainProblem, ChainReport, Checkpoint,
    chain::{Break, GENESIS_HASH, verify_run},
    signing::signature_holds,
    store,
};
use crate::platform::{Db, Error, Result};

/// Entries read per query: large enough to amortise the round trip, small enough to bound
/// memory (about 5 MB a page).
const PAGE: i64 = 10_000;
/// Pages being read while one is checked.
const READ_AHEAD: usize = 2;

fn stopped(e: tokio::task::JoinError) -> Error {
    Error::internal(format!("audit verification stopped: {e}"))
}

/// Verifies the stored log. Checkpoint signatures are checked against `trusted` (never against
/// the key stored beside them); without a trusted key, only the chain and the head are checked.
pub async fn verify_log(db: &Db, trusted: Option<&VerifyingKey>) -> Result<ChainReport> {
    let (head_seq, head_hash) = store::head(db).await?;
    let mut report = ChainReport {
        entries_checked: 0,
        head_seq,
        checkpoints_checked: 0,
        last_checkpoint: None,
        trusted_key: trusted.map(|k| hex::encode(k.to_bytes())),
        problem: None,
    };
    let mut checkpoints = Checkpoints::new(db);
    let (mut seq, mut hash) = (0_i64, GENESIS_HASH.to_owned());
    // Fixed ranges of sequence numbers, read two ahead on their own connections while the
    // current one is hashed on a blocking thread. A range emptied by deletion is skipped; the
    // next entry then reports the gap.
    let max_seq = store::max_seq(db).await?;
    let mut next_from = 0_i64;
    let mut reads = VecDeque::new();
    let mut read_ahead = |reads: &mut VecDeque<JoinHandle<Result<Vec<AuditEntry>>>>| {
        while reads.len() < READ_AHEAD && next_from < max_seq {
            let (db, from) = (db.clone(), next_from);
            reads.push_back(tokio::spawn(async move {
                store::entries_in(&db, from, from + PAGE).await
            }));
            next_from += PAGE;
        }
    };
    read_ahead(&mut reads);
    while let Some(read) = reads.pop_front() {
        read_ahead(&mut reads);
        let page = read.await.map_err(stopped)??;
        let Some(last_seq) = page.last().map(|e| e.seq) else {
            continue;
        };
        let prev_hash = hash.clone();
        let (entries, checked) = tokio::task::spawn_blocking(move || {
            let checked = verify_run(seq, &prev_hash, &page);
            (page, checked)
        })
        .await
        .map_err(stopped)?;
        if let Err(b) = checked {
            reads.iter().for_each(JoinHandle::abort);
            report.entries_checked += entries.iter().take_while(|e| e.seq < b.seq()).count() as i64;
            report.problem = Some(describe(b));
            return Ok(report);
        }
        // Every checkpoint inside this run must name the hash the entry has now.
        while let Some(c) = checkpoints.next_at_or_before(last_seq).await? {
            // The run passed, so it is contiguous from `seq + 1`.
            let entry = entries
                .get((c.seq - seq - 1) as usize)
                .ok_or_else(|| Error::internal("checkpoint outside the run"))?;
            if let Some(problem) =
                check_checkpoint(&c, &entry.hash, trusted, report.last_checkpoint.as_ref())
            {
                reads.iter().for_each(JoinHandle::abort);
                report.problem = Some(problem);
                return Ok(report);
            }
            report.checkpoints_checked += 1;
            report.last_checkpoint = Some(c);
        }
        report.entries_checked += entries.len() as i64;
        seq = last_seq;
        hash = entries[entries.len() - 1].hash.clone();
    }
    report.problem =
        end_problem(seq, &hash, head_seq, &head_hash).or(checkpoints.beyond(seq).await?);
    Ok(report)
}

impl Break {
    /// The entry the break is reported at.
    pub fn seq(&self) -> i64 {
        match self {
            Break::Altered { seq } | Break::BrokenLink { seq } => *seq,
            Break::Gap { after, .. } => after + 1,
        }
    }
}

fn describe(b: Break) -> ChainProblem {
    let message = match b {
        Break::Altered { .. } => {
            "its content does not match its hash: the entry was edited after it was written".into()
        }
        Break::BrokenLink { seq } => format!(
            "entry {seq} does not link to it: this entry was inserted, or edited and re-hashed"
        ),
        Break::Gap { after, next } if next == after + 2 => {
            format!("entry {} is missing: it was deleted", after + 1)
        }
        Break::Gap { after, next } => format!(
            "entries {} to {} are missing: they were deleted",
            after + 1,
            next - 1
        ),
    };
    // A broken link means the entry before it is the forgery: its own hash is consistent,
    // but it is not the entry its successor was chained to.
    let seq = match b {
        Break::BrokenLink { seq } => seq - 1,
        _ => b.seq(),
    };
    ChainProblem { seq, message }
}

fn check_checkpoint(
    c: &Checkpoint,
    entry_hash: &str,
    trusted: Option<&VerifyingKey>,
    previous: Option<&Checkpoint>,
) -> Option<ChainProblem> {
    if let Some(key) = trusted
        && !signature_holds(key, c.seq, &c.hash, c.signed_at, &c.signature)
    {
        return Some(ChainProblem {
            seq: c.seq,
            message: format!(
                "the checkpoint signed at entry {} does not carry a valid signature of the trusted key: the checkpoint was forged or altered",
                c.seq
            ),
        });
    }
    if c.hash != entry_hash {
        let from = previous.map_or(1, |p| p.seq + 1);
        return Some(ChainProblem {
            seq: c.seq,
            message: format!(
                "the entry's hash differs from the one signed in the checkpoint: the log was rewritten somewhere in entries {from} to {}",
                c.seq
            ),
        });
    }
    None
}

/// Problems at the end of the log: rows deleted from the end, or rows added after the head.
fn end_problem(
    last_seq: i64,
    last_hash: &str,
    head_seq: i64,
    head_hash: &str,
) -> Option<ChainProblem> {
    if last_seq < head_seq {
        return Some(ChainProblem {
            seq: last_seq + 1,
            message: format!(
                "entries {} to {head_seq} are missing: the end of the log was deleted",
                last_seq + 1
            ),
        });
    }
    if last_seq > head_seq {
        return Some(ChainProblem {
            seq: head_seq + 1,
            message: format!(
                "entries after {head_seq} were added outside Casefile (the chain's head is entry {head_seq})"
            ),
        });
    }
    if last_hash != head_hash {
        return Some(ChainProblem {
            seq: last_seq,
            message: "the last entry's hash differs from the chain's head: the end of the log was rewritten".into(),
        });
    }
    None
}

/// Checkpoints read in sequence order alongside the entries, a page at a time.
struct Checkpoints<'a> {
    db: &'a Db,
    buffer: std::collections::VecDeque<Checkpoint>,
    read_up_to: i64,
    exhausted: bool,
}

impl<'a> Checkpoints<'a> {
    fn new(db: &'a Db) -> Self {
        Self {
            db,
            buffer: Default::default(),
            read_up_to: 0,
            exhausted: false,
        }
    }

    async fn peek(&mut self) -> Result<Option<&Checkpoint>> {
        if self.buffer.is_empty() && !self.exhausted {
            let page = store::checkpoints_after(self.db, self.read_up_to, 1000).await?;
            self.exhausted = page.len() < 1000;
            if let Some(last) = page.last() {
                self.read_up_to = last.seq;
            }
            self.buffer.extend(page);
        }
        Ok(self.buffer.front())
    }

    async fn next_at_or_before(&mut self, seq: i64) -> Result<Option<Checkpoint>> {
        match self.peek().await? {
            Some(c) if c.seq <= seq => Ok(self.buffer.pop_front()),
            _ => Ok(None),
        }
    }

    /// A checkpoint past the last entry means signed entries were deleted from the end.
    async fn beyond(&mut self, last_seq: i64) -> Result<Option<ChainProblem>> {
        Ok(self.peek().await?.map(|c| ChainProblem {
            seq: last_seq + 1,
            message: format!(
                "entries {} to {} were signed in a checkpoint but are missing: the end of the log was deleted",
                last_seq + 1,
                c.seq
            ),
        }))
    }
}
