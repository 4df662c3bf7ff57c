//! The one server-side error type, what HTTP status each variant becomes, and its conversion to
//! the user-facing [`AppError`](crate::errors::AppError).

use crate::errors::{AppError, ErrorKind};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no valid session or token. The message is fixed so it never hints at which part failed.
    #[error("You are not signed in, or your session has ended. Sign in again.")]
    Unauthenticated,

    /// 401: a sign-in with a wrong username or password. One message for both, so it does not
    /// reveal which usernames exist.
    #[error("Wrong username or password.")]
    BadCredentials,

    /// 403: signed in, but the account's role, tier or token scope does not allow this.
    #[error("{0}")]
    Forbidden(String),

    /// 400: the input is wrong; the message tells the person what to fix.
    #[error("{0}")]
    Invalid(String),

    /// 404: the object does not exist, or the actor may not know that it does.
    #[error("{0}")]
    NotFound(String),

    /// 409: the change collides with the current state (duplicate name, stale edit).
    #[error("{0}")]
    Conflict(String),

    /// 413: an upload past the configured size limit; the message names the limit.
    #[error("{0}")]
    TooLarge(String),

    /// 429: too many attempts; `retry_after_secs` goes into `Retry-After`.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },

    /// 500: a database failure. Logged with its detail; the client sees a generic message.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// 500: any other fault on our side. Logged; the client sees a generic message.
    #[error("internal error: {0}")]
    Internal(String),

    /// Start-up only (bad configuration, unreachable database): printed, then the process exits.
    #[error("{0}")]
    Startup(String),
}

impl Error {
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal(detail.into())
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    /// The HTTP status this error becomes.
    pub fn status(&self) -> u16 {
        match self {
            Self::Unauthenticated | Self::BadCredentials => 401,
            Self::Forbidden(_) => 403,
            Self::Invalid(_) => 400,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::TooLarge(_) => 413,
            Self::TooManyRequests { .. } => 429,
            Self::Database(_) | Self::Internal(_) | Self::Startup(_) => 500,
        }
    }

    /// A short machine-readable code for the REST API's `{"error": {"code": …}}`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::BadCredentials => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::Invalid(_) => "invalid",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::TooLarge(_) => "too_large",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Database(_) | Self::Internal(_) | Self::Startup(_) => "internal",
        }
    }

    /// The same refusal, its message saying which record it was about (`alert ~4: …`), for
    /// requests that act on several.
    pub fn in_context(self, what: &str) -> Self {
        match self {
            Self::Forbidden(m) => Self::Forbidden(format!("{what}: {m}")),
            Self::Invalid(m) => Self::Invalid(format!("{what}: {m}")),
            Self::NotFound(m) => Self::NotFound(format!("{what}: {m}")),
            Self::Conflict(m) => Self::Conflict(format!("{what}: {m}")),
            other => other,
        }
    }

    /// The text a client may see: the message for client errors, a generic line for ours.
    /// Server faults are logged here, once, with their detail.
    pub fn public_message(&self) -> String {
        match self {
            Self::Database(_) | Self::Internal(_) | Self::Startup(_) => {
                tracing::error!(error = %self, "request failed");
                "Something went wrong on the server. Try again; if it persists, tell your administrator."
                    .to_owned()
            }
            other => other.to_string(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Unauthenticated => ErrorKind::Unauthenticated,
            Self::BadCredentials => ErrorKind::Invalid,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::Invalid(_) | Self::TooLarge(_) => ErrorKind::Invalid,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Conflict(_) => ErrorKind::Conflict,
            Self::TooManyRequests { .. } => ErrorKind::TooManyRequests,
            Self::Database(_) | Self::Internal(_) | Self::Startup(_) => ErrorKind::Internal,
        }
    }
}

/// Server functions return `AppError`; converting also sets the response status, so the
/// browser and any script calling the endpoint see a 4xx/5xx rather than a 200 with an error.
impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(err.status()) {
                res.set_status(status);
            }
            if let Error::TooManyRequests {
                retry_after_secs, ..
            } = &err
            {
                res.insert_header(axum::http::header::RETRY_AFTER, (*retry_after_secs).into());
            }
        }
        AppError::new(err.kind(), err.public_message())
    }
}

/// Maps a unique-constraint violation at a query site to a domain error, leaving others alone.
pub trait ResultExt<T> {
    fn on_unique_violation(self, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T, E: Into<Error>> ResultExt<T> for std::result::Result<T, E> {
    fn on_unique_violation(self, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match e.into() {
            Error::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => f(),
            other => other,
        })
    }
}
