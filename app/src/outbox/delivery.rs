//! Sending what is in the outbox: claim due messages (a lease, so no other process sends them
//! meanwhile), send each outside any transaction, then record the attempt and either mark the
//! message delivered, schedule a retry with backoff, or give up after [`MAX_ATTEMPTS`].
//!
//! Each target (a webhook, or the mail relay) is sent to in order, targets side by side, so a
//! receiver that never answers holds back only its own messages; its first failure defers the
//! rest of its batch to that message's retry. A round ends well within the lease.

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use futures::StreamExt as _;

use hmac::{Hmac, Mac as _};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor, message::Mailbox};
use sha2::Sha256;

use super::{
    MAX_ATTEMPTS, backoff_ms,
    destination::{PrivateHosts, PublicOnly, refuse_literal},
    store,
};
use crate::platform::{Error, MailSettings, Platform, Result};

/// Messages claimed per target per round.
const PER_TARGET: i64 = 10;
/// Targets claimed per round.
const TARGETS: i64 = 100;
/// Targets sent to at the same time.
const CONCURRENT_TARGETS: usize = 8;
/// How long a claimed message is left alone by other senders.
const LEASE_MS: i64 = 5 * 60_000;
/// Longest wait for a webhook receiver or mail server.
const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// No send starts after this much of a round; what is left goes back to the queue unsent.
const ROUND_DEADLINE: Duration = Duration::from_secs(120);
// The lease must outlast the longest round: the last send starts before the deadline and
// ends within its timeout. Another process re-sends nothing still being sent.
const _: () = assert!(LEASE_MS as u128 > ROUND_DEADLINE.as_millis() + 2 * SEND_TIMEOUT.as_millis());

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
    private_hosts: PrivateHosts,
}

impl Courier {
    /// `private_hosts`: webhook hosts the operator allowed to be loopback or private.
    pub fn new(mail: Option<&MailSettings>, private_hosts: &[String]) -> Result<Self> {
        let private_hosts = PrivateHosts::new(private_hosts);
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .user_agent(concat!("Casefile/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PublicOnly {
                allowed: private_hosts.clone(),
            }))
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
        Ok(Self {
            http,
            mail,
            private_hosts,
        })
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
                // Names are checked where they resolve (PublicOnly); addresses written in the
                // URL never reach the resolver.
                let host = reqwest::Url::parse(url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default();
                if let Some(refused) = refuse_literal(&host, &self.private_hosts) {
                    return Err((None, refused));
                }
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

/// One round: claims due messages (up to [`PER_TARGET`] for each of [`TARGETS`] targets) and
/// sends them, targets side by side; returns how many were attempted.
pub async fn deliver_due(p: &Platform, courier: &Courier) -> Result<usize> {
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let claimed = store::claim_due(&mut tx, now, LEASE_MS, TARGETS, PER_TARGET).await?;
    tx.commit().await?;
    let mut by_target: BTreeMap<Option<i64>, Vec<store::Claimed>> = BTreeMap::new();
    for m in claimed {
        by_target.entry(m.webhook_id).or_default().push(m);
    }
    let deadline = Instant::now() + ROUND_DEADLINE;
    let attempted: Vec<Result<usize>> = futures::stream::iter(by_target.into_values())
        .map(|queue| send_in_order(p, courier, queue, deadline))
        .buffer_unordered(CONCURRENT_TARGETS)
        .collect()
        .await;
    attempted.into_iter().sum()
}

/// Sends one target's messages in order. After a failure the rest wait for that message's
/// retry; past the deadline they go back to the queue as they are.
async fn send_in_order(
    p: &Platform,
    courier: &Courier,
    queue: Vec<store::Claimed>,
    deadline: Instant,
) -> Result<usize> {
    let mut attempted = 0;
    for (i, m) in queue.iter().enumerate() {
        if Instant::now() >= deadline {
            reschedule(p, &queue[i..], p.clock.now()).await?;
            break;
        }
        attempted += 1;
        if let Some(retry_at) = attempt(p, courier, m).await? {
            reschedule(p, &queue[i + 1..], retry_at).await?;
            break;
        }
    }
    Ok(attempted)
}

async fn reschedule(p: &Platform, rest: &[store::Claimed], at: i64) -> Result<()> {
    if rest.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rest.iter().map(|m| m.delivery_id).collect();
    let mut tx = p.db.begin().await?;
    store::reschedule(&mut tx, &ids, at, p.clock.now()).await?;
    tx.commit().await
}

/// Sends one message and records the attempt; returns when to try again if it failed.
async fn attempt(p: &Platform, courier: &Courier, m: &store::Claimed) -> Result<Option<i64>> {
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
    Ok(match result {
        Ok(_) => None,
        // Given up: the next message of this target may still go.
        Err(_) => Some(retry_at.unwrap_or(now)),
    })
}
