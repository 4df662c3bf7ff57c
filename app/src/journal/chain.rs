//! The chain rule: each audit entry's hash covers the previous entry's hash and the entry's
//! canonical form, so changing, removing or inserting any row breaks every hash after it. The
//! journal hashes with it as it writes; the audit log verifies with it.

use sha2::{Digest as _, Sha256};

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
    /// `sha256(prev_hash "\n" json_array(fields))`, lower-case hex.
    pub fn hash(&self, prev_hash: &str) -> String {
        hex::encode(self.digest(prev_hash))
    }

    /// Whether the fields and `prev_hash` give the `stored` hash. Verification runs this for
    /// every entry of the log, so it compares on the stack instead of allocating the hex.
    pub fn hashes_to(&self, prev_hash: &str, stored: &str) -> bool {
        let mut hex = [0_u8; 64];
        hex::encode_to_slice(self.digest(prev_hash), &mut hex).expect("32 bytes are 64 digits");
        hex == stored.as_bytes()
    }

    /// The array is serialized straight into the hasher, never into a string of its own.
    fn digest(&self, prev_hash: &str) -> [u8; 32] {
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
        h.finalize().into()
    }
}
