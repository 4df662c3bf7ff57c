//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), run on the
//! blocking pool behind a semaphore so a burst of sign-ins can neither stall the async runtime
//! nor use more than a bounded amount of CPU and memory.

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher as _, PasswordVerifier as _},
};
use tokio::sync::Semaphore;

use super::{
    error::{Error, Result},
    secrets::Secret,
};

/// Password length rules (characters, not bytes).
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Checks a new password against the length rules.
pub fn check_new_password(password: &str) -> Result<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(format!(
            "The password is too short: use at least {MIN_PASSWORD_CHARS} characters (a passphrase of a few words works well)."
        )));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Error::invalid(format!(
            "The password is too long: use at most {MAX_PASSWORD_CHARS} characters."
        )));
    }
    Ok(())
}

pub struct Passwords {
    permits: Semaphore,
    /// A real hash of a throwaway password, verified when the user does not exist so that path
    /// costs the same as a wrong password and does not reveal which usernames exist.
    dummy_hash: String,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2 hashing failed: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    // The parameters come from the stored hash, so old hashes keep verifying if ours change.
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

impl Passwords {
    pub fn new() -> Self {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let dummy_hash = hash_blocking("casefile-dummy-password").expect("dummy hash");
        Self {
            permits: Semaphore::new(workers),
            dummy_hash,
        }
    }

    /// Hashes a new password (call [`check_new_password`] first).
    pub async fn hash(&self, password: &Secret) -> Result<String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::internal(e.to_string()))?;
        let password = password.expose().to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|e| Error::internal(format!("hashing task failed: {e}")))?
    }

    /// Verifies `password` against `hash`; with no hash (unknown user) it verifies against the
    /// dummy and returns false, taking the same time.
    pub async fn verify(&self, password: &Secret, hash: Option<&str>) -> Result<bool> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::internal(e.to_string()))?;
        let known = hash.is_some();
        let hash = hash.unwrap_or(&self.dummy_hash).to_owned();
        let password = password.expose().to_owned();
        let ok = tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
            .await
            .map_err(|e| Error::internal(format!("verification task failed: {e}")))?;
        Ok(known && ok)
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_shorter_than_twelve_or_longer_than_1024_chars_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password(&"x".repeat(1025)).is_err());
        assert!(check_new_password("correct horse battery").is_ok());
        // Twelve characters, counted as characters rather than bytes.
        assert!(check_new_password("ééééééééééé").is_err());
        assert!(check_new_password("éééééééééééé").is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let p = Passwords::new();
        let h = p.hash(&Secret::new("correct horse battery")).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            p.verify(&Secret::new("correct horse battery"), Some(&h))
                .await
                .unwrap()
        );
        assert!(
            !p.verify(&Secret::new("wrong horse battery"), Some(&h))
                .await
                .unwrap()
        );
        assert!(
            !p.verify(&Secret::new("correct horse battery"), None)
                .await
                .unwrap()
        );
    }
}
