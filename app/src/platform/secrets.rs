//! Secret values (passwords, tokens, TOTP seeds) and the random material they are made from.
//! A [`Secret`] never prints and never serializes, so it cannot end up in a log or a response.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// A string that must not be logged or sent anywhere.
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// `n` random bytes from the OS-seeded CSPRNG, base64url without padding.
pub fn random_urlsafe(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Lower-case hex SHA-256. Used for high-entropy secrets (API tokens, recovery codes), where a
/// slow hash buys nothing: they cannot be guessed.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let s = Secret::new("hunter2hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }

    #[test]
    fn random_strings_differ_and_have_the_asked_length() {
        let a = random_urlsafe(32);
        assert_eq!(a.len(), 43);
        assert_ne!(a, random_urlsafe(32));
    }
}
