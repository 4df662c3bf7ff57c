//! The chain rule: each entry's hash covers the previous entry's hash and the entry's canonical
//! form, so changing, removing or inserting any row breaks every hash after it.

use sha2::{Digest as _, Sha256};

use super::AuditEntry;

/// The hash the chain starts from (the head row's initial value).
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields that are hashed, in a fixed order. `detail` is hashed as the exact text stored.
pub struct Canonical<'a> {
    pub seq: i64,
    pub occurred_at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: &'a str,
    pub actor_ip: Option<&'a str>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<&'a str>,
    pub detail: &'a str,
}

impl Canonical<'_> {
    /// `sha256(prev_hash "\n" json_array(fields))`, lower-case hex. The array is serialized
    /// straight into the hasher: verification runs this for every entry of the log.
    pub fn hash(&self, prev_hash: &str) -> String {
        let fields = (
            self.seq,
            self.occurred_at,
            self.actor_user_id,
            self.actor_label,
            self.actor_ip,
            self.action,
            self.object_type,
            self.object_id,
            self.detail,
        );
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        serde_json::to_writer(&mut h, &fields).expect("hashing cannot fail to write");
        hex::encode(h.finalize())
    }
}

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

/// Checks a run of consecutive entries, given the hash of the entry before the first.
pub fn verify_run(prev_seq: i64, prev_hash: &str, entries: &[AuditEntry]) -> Result<(), Break> {
    let (mut seq, mut hash) = (prev_seq, prev_hash.to_owned());
    for e in entries {
        if e.seq != seq + 1 {
            return Err(Break::Gap {
                after: seq,
                next: e.seq,
            });
        }
        if e.prev_hash != hash {
            return Err(Break::BrokenLink { seq: e.seq });
        }
        if Canonical::from(e).hash(&e.prev_hash) != e.hash {
            return Err(Break::Altered { seq: e.seq });
        }
        seq = e.seq;
        hash = e.hash.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
