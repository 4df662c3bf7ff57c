//! The chain rule: each entry's hash covers the previous entry's hash and the entry's canonical
//! form, so changing, removing or inserting any row breaks every hash after it.

use super::AuditEntry;
pub use crate::journal::chain::{Canonical, GENESIS_HASH};

impl<'a> From<&'a AuditEntry> for Canonical<'a> {
    fn from(e: &'a AuditEntry) -> Self {
        Self {
            seq: e.seq,
            occurred_at: e.occurred_at,
            actor_user_id: e.actor_user_id,
            actor_label: &e.actor_label,
            actor_ip: e.actor_ip.as_deref(),
            action: &e.action,
            object_type: &e.object_type,
            object_id: e.object_id.as_deref(),
            detail: &e.detail,
        }
    }
}

/// Where a stored chain first stops being valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's stored hash is not what its content and predecessor give: it was edited.
    Altered { seq: i64 },
    /// The entry does not link to the previous one: something was deleted or inserted before it.
    BrokenLink { seq: i64 },
    /// The sequence skips numbers: entries were deleted.
    Gap { after: i64, next: i64 },
}

/// An entry as read back for checking: its hashed fields and the two hashes stored beside
/// them, borrowed from wherever the row was read.
pub struct StoredEntry<'a> {
    pub canonical: Canonical<'a>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl<'a> From<&'a AuditEntry> for StoredEntry<'a> {
    fn from(e: &'a AuditEntry) -> Self {
        Self {
            canonical: e.into(),
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        }
    }
}

/// One row of the log as read back.
pub enum StoredRow<'a> {
    Entry(StoredEntry<'a>),
    /// A column holds a value of the wrong type (a blob in a text column, say): only an edit
    /// outside Casefile puts one there.
    Mistyped {
        seq: i64,
    },
}

/// Where a check of the chain has got to: the last entry accepted and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub seq: i64,
    pub hash: String,
}

impl Link {
    /// Before the first entry.
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }

    /// Accepts `row` as the entry after this one, or says how it breaks the chain.
    pub fn follow(&mut self, row: &StoredRow<'_>) -> Result<(), Break> {
        let seq = match row {
            StoredRow::Entry(e) => e.canonical.seq,
            StoredRow::Mistyped { seq } => *seq,
        };
        if seq != self.seq + 1 {
            return Err(Break::Gap {
                after: self.seq,
                next: seq,
            });
        }
        let StoredRow::Entry(e) = row else {
            return Err(Break::Altered { seq });
        };
        if e.prev_hash != self.hash {
            return Err(Break::BrokenLink { seq });
        }
        if !e.canonical.hashes_to(e.prev_hash, e.hash) {
            return Err(Break::Altered { seq });
        }
        self.seq = seq;
        self.hash.clear();
        self.hash.push_str(e.hash);
        Ok(())
    }
}

/// Checks a run of consecutive entries, given the hash of the entry before the first.
pub fn verify_run(prev_seq: i64, prev_hash: &str, entries: &[AuditEntry]) -> Result<(), Break> {
    let mut link = Link {
        seq: prev_seq,
        hash: prev_hash.to_owned(),
    };
    entries
        .iter()
        .try_for_each(|e| link.follow(&StoredRow::Entry(e.into())))
}

/// One stretch of the log checked on its own, so that several can be read and hashed at
/// once: the chain is followed from the stretch's first entry, as that entry links back, and
/// [`Segment::join`] then checks that link against the end of the stretch before it.
#[derive(Debug)]
pub struct Segment {
    /// The first entry read; `None` while none was.
    pub first: Option<First>,
    /// The last entry accepted.
    pub end: Link,
    /// Where the chain broke inside the stretch; nothing after it is checked.
    pub broke: Option<Break>,
    /// The stored hash of each entry asked for (those that checkpoints sign) that was reached.
    pub hashes_at: Vec<(i64, String)>,
    wanted: Vec<i64>,
}

/// A stretch's first entry: where it is and what it links back to.
#[derive(Debug)]
pub struct First {
    pub seq: i64,
    /// `None` when the row could not be read (a mistyped column).
    pub prev_hash: Option<String>,
}

impl Segment {
    /// A check that keeps the hashes of the entries `wanted` (in ascending order).
    pub fn new(wanted: Vec<i64>) -> Self {
        Self {
            first: None,
            end: Link::genesis(),
            broke: None,
            hashes_at: Vec::new(),
            wanted,
        }
    }

    /// Checks the next row in sequence order; false once the chain broke, as nothing after
    /// that needs reading.
    pub fn check(&mut self, row: StoredRow<'_>) -> bool {
        if self.broke.is_some() {
            return false;
        }
        if self.first.is_none() {
            let first = match &row {
                StoredRow::Entry(e) => First {
                    seq: e.canonical.seq,
                    prev_hash: Some(e.prev_hash.to_owned()),
                },
                StoredRow::Mistyped { seq } => First {
                    seq: *seq,
                    prev_hash: None,
                },
            };
            self.end = Link {
                seq: first.seq - 1,
                hash: first.prev_hash.clone().unwrap_or_default(),
            };
            self.first = Some(first);
        }
        if let Err(b) = self.end.follow(&row) {
            self.broke = Some(b);
            return false;
        }
        if self.wanted.binary_search(&self.end.seq).is_ok() {
            self.hashes_at.push((self.end.seq, self.end.hash.clone()));
        }
        true
    }

    /// Whether this stretch continues the chain that ended at `before`.
    pub fn join(&self, before: &Link) -> Result<(), Break> {
        let Some(first) = &self.first else {
            return Ok(());
        };
        if first.seq != before.seq + 1 {
            return Err(Break::Gap {
                after: before.seq,
                next: first.seq,
            });
        }
        match &first.prev_hash {
            Some(prev) if *prev != before.hash => Err(Break::BrokenLink { seq: first.seq }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest as _, Sha256};

    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEntry {
                    seq,
                    occurred_at: 1_700_000_000_000 + seq,
                    actor_user_id: Some(1),
                    actor_label: "alice".into(),
                    actor_ip: None,
                    action: "user.login".into(),
                    object_type: "user".into(),
                    object_id: Some("1".into()),
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = Canonical::from(&e).hash(&prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn the_canonical_form_is_the_json_array_of_the_fields() {
        let e = &chain(1)[0];
        let expected = {
            let fields = serde_json::json!([
                e.seq,
                e.occurred_at,
                e.actor_user_id,
                e.actor_label,
                e.actor_ip,
                e.action,
                e.object_type,
                e.object_id,
                e.detail
            ]);
            let mut h = Sha256::new();
            h.update(format!("{GENESIS_HASH}\n{fields}").as_bytes());
            hex::encode(h.finalize())
        };
        assert_eq!(e.hash, expected);
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify_run(0, GENESIS_HASH, &chain(5)), Ok(()));
    }

    #[test]
    fn an_edited_entry_is_named() {
        let mut c = chain(5);
        c[2].detail = r#"{"role":"admin"}"#.into();
        assert_eq!(
            verify_run(0, GENESIS_HASH, &c),
            Err(Break::Altered { seq: 3 })
        );
    }

    #[test]
    fn a_deleted_entry_shows_as_a_gap() {
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(
            verify_run(0, GENESIS_HASH, &c),
            Err(Break::Gap { after: 1, next: 3 })
        );
    }

    #[test]
    fn a_rehashed_forgery_breaks_the_next_link() {
        let mut c = chain(5);
        c[1].actor_label = "mallory".into();
        c[1].hash = Canonical::from(&c[1]).hash(&c[1].prev_hash);
        assert_eq!(
            verify_run(0, GENESIS_HASH, &c),
            Err(Break::BrokenLink { seq: 3 })
        );
    }

    fn segments(entries: &[AuditEntry], size: usize, wanted: &[i64]) -> Vec<Segment> {
        entries
            .chunks(size)
            .map(|run| {
                let mut s = Segment::new(wanted.to_vec());
                run.iter().all(|e| s.check(StoredRow::Entry(e.into())));
                s
            })
            .collect()
    }

    #[test]
    fn segments_joined_in_order_verify_like_one_run() {
        let c = chain(9);
        let parts = segments(&c, 3, &[2, 6]);
        let mut link = Link::genesis();
        for s in &parts {
            assert_eq!(s.join(&link), Ok(()));
            assert_eq!(s.broke, None);
            link = s.end.clone();
        }
        assert_eq!(link.seq, 9);
        assert_eq!(link.hash, c[8].hash);
        assert_eq!(parts[0].hashes_at, vec![(2, c[1].hash.clone())]);
        assert_eq!(parts[1].hashes_at, vec![(6, c[5].hash.clone())]);
        assert!(parts[2].hashes_at.is_empty());
    }

    #[test]
    fn a_segment_that_does_not_continue_the_one_before_is_refused() {
        let mut c = chain(6);
        c.remove(3);
        let parts = segments(&c, 3, &[]);
        assert_eq!(
            parts[1].join(&parts[0].end),
            Err(Break::Gap { after: 3, next: 5 })
        );

        let mut c = chain(6);
        c[2].actor_label = "mallory".into();
        c[2].hash = Canonical::from(&c[2]).hash(&c[2].prev_hash);
        let parts = segments(&c, 3, &[]);
        assert_eq!(parts[0].broke, None, "the forgery is consistent in itself");
        assert_eq!(
            parts[1].join(&parts[0].end),
            Err(Break::BrokenLink { seq: 4 })
        );
    }

    #[test]
    fn a_segment_stops_at_its_first_break() {
        let mut c = chain(6);
        c[4].detail = "{}x".into();
        let mut s = Segment::new(vec![6]);
        let went_on: Vec<bool> = c
            .iter()
            .map(|e| s.check(StoredRow::Entry(e.into())))
            .collect();
        assert_eq!(went_on, [true, true, true, true, false, false]);
        assert_eq!(s.broke, Some(Break::Altered { seq: 5 }));
        assert_eq!(s.end.seq, 4);
        assert!(s.hashes_at.is_empty());
    }

    #[test]
    fn a_row_with_a_mistyped_column_counts_as_edited() {
        let mut s = Segment::new(vec![]);
        assert!(!s.check(StoredRow::Mistyped { seq: 1 }));
        assert_eq!(s.join(&Link::genesis()), Ok(()));
        assert_eq!(s.broke, Some(Break::Altered { seq: 1 }));
    }
}
