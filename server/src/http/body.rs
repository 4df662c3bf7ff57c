//! Request bodies read whole within a limit. The rest of a body past the limit is read and
//! discarded for a few seconds before the refusal goes out, so the client receives the 413
//! instead of a broken pipe while it is still sending.

use std::time::Duration;

use app::platform::Error;
use axum::body::{Body, Bytes};
use bytes::BytesMut;
use futures::StreamExt as _;

/// How long the rest of a refused body is read for, at most.
const DRAIN_FOR: Duration = Duration::from_secs(5);

/// The whole body, or [`Error::TooLarge`] with `too_large` as its message once it passes
/// `max` bytes.
pub async fn read_within(
    body: Body,
    max: usize,
    too_large: impl FnOnce() -> String,
) -> Result<Bytes, Error> {
    let mut stream = body.into_data_stream();
    let mut read = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| Error::invalid(format!("The body could not be read: {e}.")))?;
        if read.len() + chunk.len() > max {
            let drain = async { while let Some(Ok(_)) = stream.next().await {} };
            let _ = tokio::time::timeout(DRAIN_FOR, drain).await;
            return Err(Error::TooLarge(too_large()));
        }
        read.extend_from_slice(&chunk);
    }
    Ok(read.freeze())
}
