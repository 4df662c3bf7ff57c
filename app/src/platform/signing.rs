//! The Ed25519 key that signs audit checkpoints, and the exact message a checkpoint signs.

use std::path::Path;

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

use crate::platform::{Error, Result, clock::Millis};

/// What a checkpoint signature covers. Versioned so the format can change without ambiguity.
pub fn checkpoint_message(seq: i64, hash: &str, signed_at: Millis) -> String {
    format!("casefile-audit-checkpoint/1\n{seq}\n{hash}\n{signed_at}")
}

/// The private signing key. Its `Debug` never shows the key.
pub struct AuditKey(SigningKey);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey(public {})", self.public_hex())
    }
}

impl AuditKey {
    pub fn generate() -> Self {
        Self(SigningKey::from_bytes(&rand::random::<[u8; 32]>()))
    }

    /// Reads the key (64 hex digits) from `path`, creating the file, readable by its owner
    /// only, when it does not exist yet.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        let startup = |what: &str, e: std::io::Error| {
            Error::Startup(format!("audit signing key {}: {what}: {e}", path.display()))
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_hex(text.trim())
                .map_err(|m| Error::Startup(format!("audit signing key {}: {m}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| startup("cannot create", e))?;
                }
                write_private(path, &hex::encode(key.0.to_bytes()))
                    .map_err(|e| startup("cannot write", e))?;
                tracing::info!(path = %path.display(), public_key = %key.public_hex(),
                    "created the audit signing key");
                Ok(key)
            }
            Err(e) => Err(startup("cannot read", e)),
        }
    }

    pub fn from_hex(text: &str) -> std::result::Result<Self, String> {
        let bytes: [u8; 32] = hex::decode(text)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("the file must hold 64 hexadecimal digits")?;
        Ok(Self(SigningKey::from_bytes(&bytes)))
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    /// The signature (hex) of arbitrary bytes: an export manifest.
    pub fn sign_bytes(&self, data: &[u8]) -> String {
        hex::encode(self.0.sign(data).to_bytes())
    }

    /// The signature (hex) of a checkpoint at `seq` with `hash`.
    pub fn sign(&self, seq: i64, hash: &str, signed_at: Millis) -> String {
        let message = checkpoint_message(seq, hash, signed_at);
        hex::encode(self.0.sign(message.as_bytes()).to_bytes())
    }
}

/// A public key from its hex form, as shown on the audit page and written in manifests.
pub fn parse_public_key(text: &str) -> std::result::Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("an Ed25519 public key is 64 hexadecimal digits")?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| "not a valid Ed25519 public key".into())
}

/// Whether `signature_hex` is `key`'s signature of the checkpoint.
pub fn signature_holds(
    key: &VerifyingKey,
    seq: i64,
    hash: &str,
    signed_at: Millis,
    signature_hex: &str,
) -> bool {
    let Some(bytes) = hex::decode(signature_hex)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
    else {
        return false;
    };
    let message = checkpoint_message(seq, hash, signed_at);
    key.verify(message.as_bytes(), &Signature::from_bytes(&bytes))
        .is_ok()
}

/// Whether `signature_hex` is `key`'s signature of `data`.
pub fn bytes_signature_holds(key: &VerifyingKey, data: &[u8], signature_hex: &str) -> bool {
    hex::decode(signature_hex.trim())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .is_some_and(|b| key.verify(data, &Signature::from_bytes(&b)).is_ok())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_what_was_signed() {
        let key = AuditKey::generate();
        let sig = key.sign(7, "ab", 1000);
        let public = parse_public_key(&key.public_hex()).unwrap();
        assert!(signature_holds(&public, 7, "ab", 1000, &sig));
        assert!(!signature_holds(&public, 8, "ab", 1000, &sig));
        assert!(!signature_holds(&public, 7, "ac", 1000, &sig));
        let other = AuditKey::generate().verifying_key();
        assert!(!signature_holds(&other, 7, "ab", 1000, &sig));
        assert!(!signature_holds(&public, 7, "ab", 1000, "zz"));
    }

    #[test]
    fn a_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let first = AuditKey::load_or_create(&path).unwrap();
        let again = AuditKey::load_or_create(&path).unwrap();
        assert_eq!(first.public_hex(), again.public_hex());
        std::fs::write(&path, "nope").unwrap();
        assert!(AuditKey::load_or_create(&path).is_err());
    }
}
