//! The journal: the one way to change what Casefile records. A [`Change`] is one transaction.
//! It locks the cases it changes, records their timeline entries, writes the audit rows, runs
//! the registered listeners (SLA clocks, webhook messages) on each, raises each changed case's
//! version, commits, and only then announces the change to open pages and inboxes — the same
//! way for every feature.

pub mod audit;
pub mod case;
pub mod chain;
pub mod search;
pub mod timeline;

pub use audit::NewAuditEvent;
pub use case::CaseRow;
pub use timeline::{Happened, NewEvent};

use crate::platform::{
    Actor, Error, Platform, Result, Tx,
    clock::Millis,
    listeners::{Audited, Recorded},
};

/// One change in progress. Dropped without [`Change::commit`], it rolls back.
pub struct Change<'a> {
    p: &'a Platform,
    actor: &'a Actor,
    now: Millis,
    tx: Slot<'a>,
    /// Cases this change locked, in lock order: each is raised a version and announced.
    cases: Vec<i64>,
    /// Cases this change opened: nobody else sees them before the commit.
    opened: Vec<i64>,
    /// Users whose notification inbox changed.
    inboxes: Vec<i64>,
    /// Cases changes joined inside this one changed: announced with it, already raised.
    joined_cases: Vec<i64>,
}

enum Slot<'a> {
    Own(Tx),
    /// Inside a transaction someone else commits (intake's group commit).
    Joined(&'a mut Tx),
}

/// What a joined change announces once its owner has committed.
#[must_use = "announce after the transaction commits"]
pub struct Announcements {
    cases: Vec<i64>,
    inboxes: Vec<i64>,
}

impl Announcements {
    pub async fn announce(self, p: &Platform) {
        for case_id in self.cases {
            p.live.case_changed(&p.db, case_id).await;
        }
        p.live.inbox_changed(&p.db, &self.inboxes).await;
    }
}

/// The audit row of a change to case `case_id`.
pub fn case_event(
    action: &'static str,
    case_id: i64,
    detail: serde_json::Value,
) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "case",
        object_id: Some(case_id.to_string()),
        detail,
    }
}

impl<'a> Change<'a> {
    /// Begins a change by `actor`, at the platform clock's now.
    pub async fn begin(p: &'a Platform, actor: &'a Actor) -> Result<Self> {
        Self::begin_at(p, actor, p.clock.now()).await
    }

    /// Begins a change at `now`, for a use case that read the clock to check its input.
    pub async fn begin_at(p: &'a Platform, actor: &'a Actor, now: Millis) -> Result<Self> {
        let tx = p.db.begin().await?;
        Ok(Self::new(p, actor, now, Slot::Own(tx)))
    }

    /// Begins a change to case `case_id` and locks it; `NotFound` if there is no such case.
    pub async fn on_case(
        p: &'a Platform,
        actor: &'a Actor,
        case_id: i64,
    ) -> Result<(Self, CaseRow)> {
        Self::on_case_at(p, actor, p.clock.now(), case_id).await
    }

    /// [`Change::on_case`] at `now`.
    pub async fn on_case_at(
        p: &'a Platform,
        actor: &'a Actor,
        now: Millis,
        case_id: i64,
    ) -> Result<(Self, CaseRow)> {
        let mut c = Self::begin_at(p, actor, now).await?;
        let row = c.lock_case(case_id).await?;
        Ok((c, row))
    }

    /// A change inside `tx`, which the caller commits; then it announces what
    /// [`Change::finish`] returned.
    pub fn join(p: &'a Platform, actor: &'a Actor, now: Millis, tx: &'a mut Tx) -> Self {
        Self::new(p, actor, now, Slot::Joined(tx))
    }

    fn new(p: &'a Platform, actor: &'a Actor, now: Millis, tx: Slot<'a>) -> Self {
        Self {
            p,
            actor,
            now,
            tx,
            cases: Vec::new(),
            opened: Vec::new(),
            inboxes: Vec::new(),
            joined_cases: Vec::new(),
        }
    }

    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    pub fn platform(&self) -> &'a Platform {
        self.p
    }

    /// The transaction, for the feature's own SQL.
    pub fn tx(&mut self) -> &mut Tx {
        match &mut self.tx {
            Slot::Own(tx) => tx,
            Slot::Joined(tx) => tx,
        }
    }

    /// Locks case `case_id` for this change (again is a no-op lock); `NotFound` if missing.
    pub async fn lock_case(&mut self, case_id: i64) -> Result<CaseRow> {
        let row = case::lock(self.tx(), case_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("There is no case {case_id}.")))?;
        self.changes(case_id);
        Ok(row)
    }

    /// Locks case `case_id` unless another transaction holds it; `None` then, or if missing.
    /// For sweeps, which come back later instead of queueing behind a person's change.
    pub async fn try_lock_case(&mut self, case_id: i64) -> Result<Option<CaseRow>> {
        let row = case::try_lock(self.tx(), case_id).await?;
        if row.is_some() {
            self.changes(case_id);
        }
        Ok(row)
    }

    /// Case `case_id` was inserted by this change: it needs no lock (nobody else sees it
    /// before the commit), starts at its first version, and is not announced.
    pub fn opened_case(&mut self, case_id: i64) {
        self.opened.push(case_id);
    }

    fn changes(&mut self, case_id: i64) {
        if !self.cases.contains(&case_id) {
            self.cases.push(case_id);
        }
    }

    /// Records a timeline entry on case `case_id`, locking the case if this change has not.
    pub async fn record(&mut self, case_id: i64, e: Happened<'_>) -> Result<i64> {
        let entry = NewEvent {
            kind: e.kind,
            occurred_at: e.at,
            summary: e.summary,
            body: "",
            detail: e.detail,
            techniques: &[],
            tags: &[],
            supersedes_event_id: None,
        };
        self.record_entry(case_id, &entry).await
    }

    /// Records a full timeline entry (a note's body, techniques, tags, a correction).
    pub async fn record_entry(&mut self, case_id: i64, e: &NewEvent<'_>) -> Result<i64> {
        if !self.cases.contains(&case_id) && !self.opened.contains(&case_id) {
            self.lock_case(case_id).await?;
        }
        let (p, actor, now) = (self.p, self.actor, self.now);
        let tx = self.tx();
        let id =
            timeline::insert_event(tx, case_id, e, &actor.label(), actor.user_id(), now).await?;
        let recorded = Recorded {
            case_id,
            event_id: id,
            actor,
            now,
            kind: e.kind,
            detail: &e.detail,
        };
        for listener in &p.listeners.recorded {
            listener(tx, &recorded).await?;
        }
        Ok(id)
    }

    /// Writes the change's audit row (a change may write several) and runs the listeners.
    pub async fn audit(&mut self, e: NewAuditEvent<'_>) -> Result<i64> {
        let (p, actor, now) = (self.p, self.actor, self.now);
        let tx = self.tx();
        let seq = audit::write(tx, actor, now, &e).await?;
        let audited = Audited {
            seq,
            actor,
            now,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id.as_deref(),
            detail: &e.detail,
        };
        for listener in &p.listeners.audited {
            listener(tx, &audited).await?;
        }
        Ok(seq)
    }

    /// Takes on what a change joined inside this one (by [`Change::join`] on its transaction)
    /// announces, so it is announced once this change is committed.
    pub fn absorb(&mut self, a: Announcements) {
        self.joined_cases.extend(a.cases);
        self.inboxes.extend(a.inboxes);
    }

    /// These users' notification inboxes changed; their bells are told after the commit.
    pub fn told(&mut self, user_ids: &[i64]) {
        self.inboxes.extend_from_slice(user_ids);
    }

    /// Raises the version of every case this change locked, and hands back the transaction
    /// (when the change owns it) and what to announce after the commit.
    async fn close(mut self) -> Result<(Option<Tx>, Announcements)> {
        let now = self.now;
        for i in 0..self.cases.len() {
            let case_id = self.cases[i];
            case::bump(self.tx(), case_id, now).await?;
        }
        let Change {
            tx,
            mut cases,
            inboxes,
            joined_cases,
            ..
        } = self;
        for c in joined_cases {
            if !cases.contains(&c) {
                cases.push(c);
            }
        }
        let tx = match tx {
            Slot::Own(tx) => Some(tx),
            Slot::Joined(_) => None,
        };
        Ok((tx, Announcements { cases, inboxes }))
    }

    /// Finishes a joined change: what its owner announces once it has committed.
    pub async fn finish(self) -> Result<Announcements> {
        if matches!(self.tx, Slot::Own(_)) {
            return Err(Error::internal(
                "a change that owns its transaction commits",
            ));
        }
        Ok(self.close().await?.1)
    }

    /// Finishes and commits the change, then announces it (after the commit, so pages that
    /// reload on the news see it).
    pub async fn commit(self) -> Result<()> {
        let p = self.p;
        let (Some(tx), announcements) = self.close().await? else {
            return Err(Error::internal("a joined change is committed by its owner"));
        };
        tx.commit().await?;
        announcements.announce(p).await;
        Ok(())
    }
}
