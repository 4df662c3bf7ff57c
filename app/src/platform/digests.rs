//! The three digests an item carries, computed in one pass: SHA-256 (identity and integrity),
//! SHA-1 and MD5 (for threat-intelligence look-ups, which still key on them).

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

#[derive(Default, Clone)]
pub struct Hasher {
    sha256: Sha256,
    sha1: Sha1,
    md5: Md5,
    len: u64,
}

/// Lower-case hex digests and the byte count they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    pub len: u64,
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha1.update(bytes);
        self.md5.update(bytes);
        self.len += bytes.len() as u64;
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn finish(self) -> Digests {
        Digests {
            sha256: hex::encode(self.sha256.finalize()),
            sha1: hex::encode(self.sha1.finalize()),
            md5: hex::encode(self.md5.finalize()),
            len: self.len,
        }
    }
}

/// SHA-256 alone, for re-verifying a download (the other two add nothing to integrity).
#[derive(Default, Clone)]
pub struct Sha256Check {
    inner: Sha256,
    len: u64,
}

impl Sha256Check {
    pub fn update(&mut self, bytes: &[u8]) {
        self.inner.update(bytes);
        self.len += bytes.len() as u64;
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn finish(self) -> String {
        hex::encode(self.inner.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_for_abc() {
        let mut h = Hasher::default();
        h.update(b"a");
        h.update(b"bc");
        let d = h.finish();
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(d.len, 3);
    }
}
