//! TOTP (RFC 6238) through totp-rs: seeds, the enrolment QR code, and code checks that report
//! the time step used so the caller can refuse replays.

use totp_rs::{Algorithm, Secret as Seed, TOTP};

use super::TotpEnrolment;
use crate::platform::{Error, Result, clock::Millis};

const STEP_SECS: u64 = 30;
const ISSUER: &str = "Casefile";

fn totp(seed_base32: &str, account: &str) -> Result<TOTP> {
    let bytes = Seed::Encoded(seed_base32.to_owned())
        .to_bytes()
        .map_err(|e| Error::internal(format!("stored TOTP seed is not base32: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        0,
        STEP_SECS,
        bytes,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| Error::internal(format!("TOTP setup failed: {e}")))
}

/// A new random seed, base32.
pub fn new_seed() -> String {
    Seed::generate_secret().to_encoded().to_string()
}

/// What the authenticator app needs, for `account` (the username).
pub fn enrolment(seed_base32: &str, account: &str) -> Result<TotpEnrolment> {
    let t = totp(seed_base32, account)?;
    let qr_png_base64 = t
        .get_qr_base64()
        .map_err(|e| Error::internal(format!("QR code failed: {e}")))?;
    Ok(TotpEnrolment {
        secret_base32: seed_base32.to_owned(),
        otpauth_url: t.get_url(),
        qr_png_base64,
    })
}

/// The time step `code` is valid for at `now` (allowing one step of clock drift either way), if
/// any. Comparison is constant-time (totp-rs `check`).
pub fn matching_step(
    seed_base32: &str,
    account: &str,
    code: &str,
    now: Millis,
) -> Result<Option<i64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(seed_base32, account)?;
    let current = (now / 1000) as u64 / STEP_SECS;
    for step in [current, current - 1, current + 1] {
        if t.check(&code, step * STEP_SECS) {
            return Ok(Some(step as i64));
        }
    }
    Ok(None)
}

/// The code for `now`; tests use it to act as the authenticator app.
pub fn code_at(seed_base32: &str, account: &str, now: Millis) -> Result<String> {
    Ok(totp(seed_base32, account)?.generate((now / 1000) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_own_step_and_neighbours_only() {
        let seed = new_seed();
        let now = 1_800_000_000_000;
        let code = code_at(&seed, "alice", now).unwrap();
        let step = now / 1000 / 30;
        assert_eq!(
            matching_step(&seed, "alice", &code, now).unwrap(),
            Some(step)
        );
        assert_eq!(
            matching_step(&seed, "alice", &code, now + 30_000).unwrap(),
            Some(step)
        );
        assert_eq!(
            matching_step(&seed, "alice", &code, now + 120_000).unwrap(),
            None
        );
        assert_eq!(matching_step(&seed, "alice", "12345x", now).unwrap(), None);
    }

    #[test]
    fn enrolment_has_a_qr_code_and_an_otpauth_url() {
        let e = enrolment(&new_seed(), "alice").unwrap();
        assert!(e.otpauth_url.starts_with("otpauth://totp/Casefile:alice?"));
        assert!(!e.qr_png_base64.is_empty());
    }
}
