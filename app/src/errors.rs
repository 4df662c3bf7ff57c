//! The error a page sees: a kind and a message a person can act on, carried over the wire
//! from server functions. The server-side `platform::Error` converts into it.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// What went wrong, coarsely, so a page can react (e.g. send a signed-out user to the login page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Not signed in, or the session ended.
    Unauthenticated,
    /// Signed in, but this account may not do this.
    Forbidden,
    /// The input was wrong; the message says what to fix.
    Invalid,
    /// Something else changed first (a duplicate name, a stale edit).
    Conflict,
    /// The thing asked for does not exist or is not visible to this account.
    NotFound,
    /// Too many attempts; try again later.
    TooManyRequests,
    /// A fault on our side; details are in the server log, not here.
    Internal,
}

/// A user-facing error: never carries SQL, paths or stack traces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) => Self::new(
                ErrorKind::Internal,
                "Casefile could not be reached. Check your connection and try again.",
            ),
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::MissingArg(detail) => Self::new(
                ErrorKind::Invalid,
                format!("The form was incomplete or malformed: {detail}"),
            ),
            _ => Self::new(
                ErrorKind::Internal,
                "Something went wrong. Try again; if it persists, tell your administrator.",
            ),
        }
    }
}

/// What server functions return.
pub type AppResult<T> = Result<T, AppError>;
