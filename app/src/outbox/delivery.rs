//! Sending what is in the outbox: claim due messages (a lease, so no other process sends them
//! meanwhile), send each outside any transaction, then record the attempt and either mark the
//! message delivered, schedule a retry with backoff, or give up after [`MAX_ATTEMPTS`].

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac as _};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor, message::Mailbox};
use sha2::Sha256;

use super::{MAX_ATTEMPTS, backoff_ms, store};
use crate::platform::{Error, MailSettings, Platform, Result};

/// Messages claimed per round.
const BATCH: i64 = 20;
/// How long a claimed message is left alone by other senders.
const LEASE_MS: i64 = 5 * 60_000;
/// Longest wait for a webhook receiver or mail server.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);

/// The header carrying `sha256=<hex HMAC-SHA256 of the body under the webhook's secret>`.
pub const SIGNATURE_HEADER: &str = "X-Casefile-Signature";
/// The header carrying the delivery id, the same on every retry of one message.
pub const DELIVERY_HEADER: &str = "X-Casefile-Delivery";

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The HTTP client and mail transport, built once per process.
pub struct Courier {
    http: reqwest::Client,
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl Courier {
    pub fn new(mail: Option<&MailSettings>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .user_agent(concat!("Casefile/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Startup(format!("webhook client: {e}")))?;
        let mail = match mail {
            None => None,
            Some(m) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&m.smtp_url)
                    .map_err(|e| Error::Startup(format!("bad --smtp-url: {e}")))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build();
                let from = m.from.parse::<Mailbox>().map_err(|e| {
                    Error::Startup(format!("bad --mail-from \u{201c}{}\u{201d}: {e}", m.from))
                })?;
                Some((transport, from))
            }
        };
        Ok(Self { http, mail })
    }

    /// Sends one claimed message; `Ok(status)` when the other side accepted it.
    async fn send(
        &self,
        m: &store::Claimed,
    ) -> std::result::Result<Option<i64>, (Option<i64>, String)> {
        match m.channel.as_str() {
            "webhook" => {
                let (Some(url), Some(secret)) = (&m.url, &m.secret) else {
                    return Err((None, "the webhook no longer exists".into()));
                };
                let response = self
                    .http
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header(SIGNATURE_HEADER, signature(secret, m.payload.as_bytes()))
                    .header(DELIVERY_HEADER, m.delivery_id.to_string())
                    .body(m.payload.clone())
                    .send()
                    .await
                    .map_err(|e| (None, without_url(e)))?;
                let status = i64::from(response.status().as_u16());
                if response.status().is_success() {
                    Ok(Some(status))
                } else {
                    Err((Some(status), format!("the receiver answered HTTP {status}")))
                }
            }
            "email" => {
                let Some((transport, from)) = &self.mail else {
                    return Err((None, "e-mail is not configured (--smtp-url)".into()));
                };
                let to = m
                    .recipient
                    .as_deref()
                    .unwrap_or_default()
                    .parse::<Mailbox>()
                    .map_err(|e| (None, format!("bad address: {e}")))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(m.subject.clone().unwrap_or_default())
                    .body(m.payload.clone())
                    .map_err(|e| (None, format!("cannot build the message: {e}")))?;
                let reply = transport
                    .send(message)
                    .await
                    .map_err(|e| (None, format!("SMTP: {e}")))?;
                Ok(Some(i64::from(u16::from(reply.code()))))
            }
            other => Err((None, format!("unknown channel {other}"))),
        }
    }
}

/// A transport error without the URL, whose query string could carry a token.
fn without_url(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    format!("{kind}: {}", e.without_url())
}

/// One round: sends every due message (up to a batch); returns how many were attempted.
pub async fn deliver_due(p: &Platform, courier: &Courier) -> Result<usize> {
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let claimed = store::claim_due(&mut tx, now, LEASE_MS, BATCH).await?;
    tx.commit().await?;
    for m in &claimed {
        let started = Instant::now();
        let result = courier.send(m).await;
        let duration_ms = started.elapsed().as_millis() as i64;
        let now = p.clock.now();
        let attempts = m.attempts + 1;
        let retry_at = (attempts < MAX_ATTEMPTS).then(|| now + backoff_ms(m.attempts));
        let outcome = match &result {
            Ok(status) => store::Outcome {
                delivered: true,
                status_code: *status,
                error: None,
                duration_ms,
                retry_at: None,
            },
            Err((status, error)) => store::Outcome {
                delivered: false,
                status_code: *status,
                error: Some(error),
                duration_ms,
                retry_at,
            },
        };
        if let Err((_, error)) = &result {
            tracing::warn!(delivery = m.delivery_id, channel = %m.channel, attempts, %error,
                "outbound delivery failed");
        }
        let mut tx = p.db.begin().await?;
        store::record_attempt(&mut tx, m.delivery_id, &outcome, now).await?;
        tx.commit().await?;
    }
    Ok(claimed.len())
}
