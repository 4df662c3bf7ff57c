//! The verifying download stream: content goes out as it is read from the store while its
//! SHA-256 is recomputed, and the last block is held back until the hash is known. A file that
//! no longer matches its record therefore never arrives complete.

use bytes::Bytes;
use futures::{Stream, StreamExt as _, future::BoxFuture, stream};

use super::{digests::Sha256Check, locker::ContentStream};

/// What a full read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Intact,
    Mismatch {
        found_sha256: String,
        found_len: u64,
    },
}

impl Outcome {
    /// What a finished hash of the content says against the record.
    pub fn of(check: Sha256Check, expected_sha256: &str, expected_len: u64) -> Self {
        let found_len = check.len();
        let found_sha256 = check.finish();
        if found_sha256 == expected_sha256 && found_len == expected_len {
            Self::Intact
        } else {
            Self::Mismatch {
                found_sha256,
                found_len,
            }
        }
    }
}

/// Called once when the whole content has been read, before the last block is sent.
pub type OnVerified = Box<dyn FnOnce(Outcome) -> BoxFuture<'static, ()> + Send>;

struct State {
    inner: ContentStream,
    check: Sha256Check,
    held: Option<Bytes>,
    expected_sha256: String,
    expected_len: u64,
    on_verified: Option<OnVerified>,
    finished: bool,
}

/// Wraps `inner` so that it ends with an error instead of its last block when the content does
/// not hash to `expected_sha256` (or is not `expected_len` bytes long).
pub fn verifying(
    inner: ContentStream,
    expected_sha256: String,
    expected_len: u64,
    on_verified: OnVerified,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let state = State {
        inner,
        check: Sha256Check::default(),
        held: None,
        expected_sha256,
        expected_len,
        on_verified: Some(on_verified),
        finished: false,
    };
    stream::unfold(state, |mut s| async move {
        if s.finished {
            return None;
        }
        loop {
            match s.inner.next().await {
                Some(Ok(block)) => {
                    s.check.update(&block);
                    if s.check.len() > s.expected_len {
                        // Longer than recorded: no need to read the rest to know.
                        return Some((Err(mismatch(&mut s).await), s));
                    }
                    if let Some(previous) = s.held.replace(block) {
                        return Some((Ok(previous), s));
                    }
                }
                Some(Err(e)) => {
                    s.finished = true;
                    return Some((Err(e), s));
                }
                None => {
                    let check = std::mem::take(&mut s.check);
                    let outcome = Outcome::of(check, &s.expected_sha256, s.expected_len);
                    if outcome == Outcome::Intact {
                        if let Some(f) = s.on_verified.take() {
                            f(Outcome::Intact).await;
                        }
                        s.finished = true;
                        return s.held.take().map(|last| (Ok(last), s));
                    }
                    let err = report(&mut s, outcome).await;
                    return Some((Err(err), s));
                }
            }
        }
    })
}

async fn mismatch(s: &mut State) -> std::io::Error {
    let len = s.check.len();
    let found = std::mem::take(&mut s.check).finish();
    let outcome = Outcome::Mismatch {
        found_sha256: format!("(content longer than recorded; first {len} bytes hash to {found})"),
        found_len: len,
    };
    report(s, outcome).await
}

async fn report(s: &mut State, outcome: Outcome) -> std::io::Error {
    s.finished = true;
    s.held = None;
    if let Some(f) = s.on_verified.take() {
        f(outcome).await;
    }
    std::io::Error::other("evidence content does not match its recorded SHA-256; download stopped")
}

/// Reads `inner` to the end and compares it with the record (an explicit verification or the
/// first step of building a zip).
pub async fn check_all(
    mut inner: ContentStream,
    expected_sha256: &str,
    expected_len: u64,
) -> std::io::Result<Outcome> {
    let mut check = Sha256Check::default();
    while let Some(block) = inner.next().await {
        check.update(&block?);
    }
    Ok(Outcome::of(check, expected_sha256, expected_len))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    fn blocks(parts: &[&'static [u8]]) -> ContentStream {
        let owned: Vec<std::io::Result<Bytes>> =
            parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        stream::iter(owned).boxed()
    }

    fn recorder() -> (OnVerified, Arc<Mutex<Vec<Outcome>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let f: OnVerified = Box::new(move |o| {
            s.lock().unwrap().push(o);
            Box::pin(async {})
        });
        (f, seen)
    }

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[tokio::test]
    async fn intact_content_arrives_whole_and_is_reported_once() {
        let (f, seen) = recorder();
        let out: Vec<_> = verifying(blocks(&[b"a", b"b", b"c"]), ABC.into(), 3, f)
            .collect()
            .await;
        let bytes: Vec<u8> = out.into_iter().flat_map(|b| b.unwrap().to_vec()).collect();
        assert_eq!(bytes, b"abc");
        assert_eq!(*seen.lock().unwrap(), vec![Outcome::Intact]);
    }

    #[tokio::test]
    async fn altered_content_never_arrives_complete() {
        let (f, seen) = recorder();
        let out: Vec<_> = verifying(blocks(&[b"a", b"b", b"X"]), ABC.into(), 3, f)
            .collect()
            .await;
        assert_eq!(
            out.len(),
            3,
            "two blocks, then the error instead of the last"
        );
        assert!(out[0].is_ok() && out[1].is_ok());
        assert!(out[2].is_err());
        assert!(matches!(seen.lock().unwrap()[0], Outcome::Mismatch { .. }));
    }

    #[tokio::test]
    async fn longer_content_stops_early() {
        let (f, seen) = recorder();
        let out: Vec<_> = verifying(blocks(&[b"ab", b"cd", b"ef"]), ABC.into(), 3, f)
            .collect()
            .await;
        assert!(out.last().unwrap().is_err());
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}
