//! The whole-log check: walks every entry in sequence order, checks each hash link, the head,
//! and every signed checkpoint, and names the first bad entry.

use std::collections::VecDeque;

use ed25519_dalek::VerifyingKey;
use tokio::task::JoinHandle;

use super::{
    ChainProblem, ChainReport, Checkpoint,
    chain::{Break, Link, Segment},
    signing::signature_holds,
    store,
};
use crate::platform::{Db, Error, Result};

/// Sequence numbers per range read: enough to amortise a query, few enough to bound memory
/// (on PostgreSQL a range is held whole, about 5 MB).
pub const RANGE: i64 = 10_000;
/// Ranges read and hashed at once, each on a blocking thread of its own.
const IN_FLIGHT: usize = 2;

/// One range of the log checked on its own, with the checkpoints that fall inside it.
struct RangeCheck {
    segment: Segment,
    checkpoints: Vec<Checkpoint>,
}

async fn check_range(db: Db, from: i64, to: i64) -> Result<RangeCheck> {
    let checkpoints = store::checkpoints_in(&db, from, to).await?;
    let segment = Segment::new(checkpoints.iter().map(|c| c.seq).collect());
    let segment = store::scan_entries(&db, from, to, segment, Segment::check).await?;
    Ok(RangeCheck {
        segment,
        checkpoints,
    })
}

/// Verifies the stored log. Checkpoint signatures are checked against `trusted` (never against
/// the key stored beside them); without a trusted key, only the chain and the head are checked.
pub async fn verify_log(db: &Db, trusted: Option<&VerifyingKey>) -> Result<ChainReport> {
    verify_log_in_ranges(db, trusted, RANGE).await
}

/// [`verify_log`], reading `range` sequence numbers at a time (tests put tampering at the
/// edges of small ranges).
pub async fn verify_log_in_ranges(
    db: &Db,
    trusted: Option<&VerifyingKey>,
    range: i64,
) -> Result<ChainReport> {
    let range = range.max(1);
    let (head_seq, head_hash, max_seq) = store::head_and_max_seq(db).await?;
    let mut report = ChainReport {
        entries_checked: 0,
        head_seq,
        checkpoints_checked: 0,
        last_checkpoint: None,
        trusted_key: trusted.map(|k| hex::encode(k.to_bytes())),
        problem: None,
    };
    // Fixed ranges of sequence numbers, each read and hashed on its own while the ranges
    // before it are joined in order. A range emptied by deletion is skipped; the next entry
    // then reports the gap.
    let mut link = Link::genesis();
    let mut next_from = 0_i64;
    let mut reads = VecDeque::new();
    let mut read_ahead = |reads: &mut VecDeque<JoinHandle<Result<RangeCheck>>>| {
        while reads.len() < IN_FLIGHT && next_from < max_seq {
            reads.push_back(tokio::spawn(check_range(
                db.clone(),
                next_from,
                next_from + range,
            )));
            next_from += range;
        }
    };
    read_ahead(&mut reads);
    while let Some(read) = reads.pop_front() {
        read_ahead(&mut reads);
        let RangeCheck {
            segment,
            checkpoints,
        } = read.await.map_err(stopped)??;
        if segment.first.is_none() {
            continue;
        }
        // In sequence order: the join, then the entries and the checkpoints signing them up
        // to the last one accepted, then the break, if the range has one.
        let problem = match segment.join(&link) {
            Err(b) => Some(describe(b)),
            Ok(()) => signed_problem(&segment, &checkpoints, trusted, &mut report)?
                .or_else(|| segment.broke.clone().map(describe)),
        };
        if let Some(problem) = problem {
            reads.iter().for_each(JoinHandle::abort);
            // Every entry before the one named chained correctly.
            report.entries_checked = problem.seq - 1;
            report.problem = Some(problem);
            return Ok(report);
        }
        link = segment.end;
    }
    let beyond_end = store::checkpoints_after(db, link.seq, 1).await?;
    report.problem =
        end_problem(&link, head_seq, &head_hash).or(beyond_end.first().map(|c| beyond(&link, c)));
    report.entries_checked = report.problem.as_ref().map_or(link.seq, |p| p.seq - 1);
    Ok(report)
}

fn stopped(e: tokio::task::JoinError) -> Error {
    Error::internal(format!("audit verification stopped: {e}"))
}

/// Checks the range's checkpoints up to its last entry (one further on names an entry that
/// is missing, which the next range or the end of the log reports), counting those that hold.
fn signed_problem(
    segment: &Segment,
    checkpoints: &[Checkpoint],
    trusted: Option<&VerifyingKey>,
    report: &mut ChainReport,
) -> Result<Option<ChainProblem>> {
    for c in checkpoints.iter().take_while(|c| c.seq <= segment.end.seq) {
        // The range joined, so it runs unbroken from its start to its end: every entry a
        // checkpoint inside it signs was reached.
        let Some((_, hash)) = segment.hashes_at.iter().find(|(seq, _)| *seq == c.seq) else {
            return Err(Error::internal("a checkpoint's entry was not reached"));
        };
        if let Some(problem) = check_checkpoint(c, hash, trusted, report.last_checkpoint.as_ref()) {
            return Ok(Some(problem));
        }
        report.checkpoints_checked += 1;
        report.last_checkpoint = Some(c.clone());
    }
    Ok(None)
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
fn end_problem(last: &Link, head_seq: i64, head_hash: &str) -> Option<ChainProblem> {
    let last_seq = last.seq;
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
    if last.hash != head_hash {
        return Some(ChainProblem {
            seq: last_seq,
            message: "the last entry's hash differs from the chain's head: the end of the log was rewritten".into(),
        });
    }
    None
}

/// A checkpoint past the last entry means signed entries were deleted from the end.
fn beyond(last: &Link, c: &Checkpoint) -> ChainProblem {
    let last_seq = last.seq;
    ChainProblem {
        seq: last_seq + 1,
        message: format!(
            "entries {} to {} were signed in a checkpoint but are missing: the end of the log was deleted",
            last_seq + 1,
            c.seq
        ),
    }
}
