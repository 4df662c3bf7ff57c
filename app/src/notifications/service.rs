//! Notification use cases: sending (inside the caller's transaction, with an e-mail copy in the
//! outbox when mail is configured and the person gave an address), the inbox, marking read.

use super::{Inbox, Notification, NotificationKind, UNREAD_CAP, store};
use crate::{
    journal::{Change, NewAuditEvent},
    outbox::store as outbox_store,
    platform::{Actor, Error, Platform, Result, Tx, clock::Millis},
    roles::Permission,
};

/// Notifications per inbox page.
pub const INBOX_PAGE: i64 = 50;

/// What to tell people.
pub struct Notice {
    pub kind: NotificationKind,
    pub title: String,
    /// A path inside Casefile, e.g. `/cases/CF-2026-000001`.
    pub link: String,
    pub case_id: Option<i64>,
}

impl Notice {
    /// A notice that leads to the case page.
    pub fn about_case(kind: NotificationKind, case_id: i64, number: &str, title: String) -> Self {
        Self {
            kind,
            title,
            link: format!("/cases/{number}"),
            case_id: Some(case_id),
        }
    }
}

/// Sends `n` to each recipient (user id, e-mail) except the change's actor, in the change;
/// their bells are told after it commits. Returns the user ids told.
pub(crate) async fn send(
    ch: &mut Change<'_>,
    recipients: &[(i64, Option<String>)],
    n: &Notice,
) -> Result<Vec<i64>> {
    let (p, actor, now) = (ch.platform(), ch.actor(), ch.now());
    let mut told = Vec::new();
    for (user_id, email) in recipients {
        if Some(*user_id) == actor.user_id() || told.contains(user_id) {
            continue;
        }
        store::insert(
            ch.tx(),
            *user_id,
            n.kind.as_str(),
            &n.title,
            &n.link,
            n.case_id,
            now,
        )
        .await?;
        if let (Some(address), Some(_)) = (email, &p.settings.mail) {
            enqueue_email(p, ch.tx(), address, n, now).await?;
        }
        told.push(*user_id);
    }
    ch.told(&told);
    Ok(told)
}

/// Queues an e-mail copy of a notification.
async fn enqueue_email(
    p: &Platform,
    tx: &mut Tx,
    address: &str,
    n: &Notice,
    now: Millis,
) -> Result<()> {
    let link = match &p.settings.mail {
        Some(mail) => format!("{}{}", mail.public_origin, n.link),
        None => n.link.clone(),
    };
    let subject = format!("[Casefile] {}: {}", n.kind.label(), n.title);
    let body = format!(
        "{}\n\n{}\n\nOpen: {link}\n\nYou receive this because you have an account on Casefile with this address.\n",
        n.kind.label(),
        n.title
    );
    let m = outbox_store::NewMessage {
        channel: "email",
        webhook_id: None,
        recipient: Some(address),
        subject: Some(&subject),
        payload: &body,
    };
    outbox_store::enqueue(tx, &m, now).await
}

/// The analysts of `tier` (or, above tier 3, the managers) with their addresses.
pub(crate) async fn tier_recipients(tx: &mut Tx, tier: i64) -> Result<Vec<(i64, Option<String>)>> {
    if (1..=3).contains(&tier) {
        store::analysts_of_tier(tx, tier).await
    } else {
        store::managers(tx).await
    }
}

/// `holder` if someone holds the work, else the analysts of `tier`.
pub(crate) async fn holder_or_tier(
    tx: &mut Tx,
    holder: Option<i64>,
    tier: i64,
) -> Result<Vec<(i64, Option<String>)>> {
    match holder {
        Some(id) => Ok(vec![user_recipient(tx, id).await?]),
        None => tier_recipients(tx, tier).await,
    }
}

pub(crate) async fn user_recipient(tx: &mut Tx, user_id: i64) -> Result<(i64, Option<String>)> {
    Ok((user_id, store::email_of(tx, user_id).await?))
}

pub(crate) async fn managers(tx: &mut Tx) -> Result<Vec<(i64, Option<String>)>> {
    store::managers(tx).await
}

/// The signed-in user's notifications, newest first.
pub async fn inbox(p: &Platform, actor: &Actor, before: Option<i64>) -> Result<Inbox> {
    actor.require(Permission::NotificationsRead)?;
    let user_id = actor.require_user()?;
    let mut rows = store::inbox(&p.db, user_id, before, INBOX_PAGE + 1).await?;
    let more = rows.len() as i64 > INBOX_PAGE;
    rows.truncate(INBOX_PAGE as usize);
    let next = more
        .then(|| rows.last().map(|r| r.notification_id))
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(Notification {
                kind: NotificationKind::parse(&r.kind).map_err(Error::Internal)?,
                notification_id: r.notification_id,
                title: r.title,
                link: r.link,
                read: r.read_at.is_some(),
                created_at: r.created_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Inbox { items, next })
}

/// How many unread notifications the signed-in user has, up to [`UNREAD_CAP`].
pub async fn unread(p: &Platform, actor: &Actor) -> Result<i64> {
    actor.require(Permission::NotificationsRead)?;
    let user_id = actor.require_user()?;
    store::unread(&p.db, user_id, UNREAD_CAP).await
}

/// Marks one notification (or all, with `None`) of the signed-in user read.
pub async fn mark_read(p: &Platform, actor: &Actor, notification_id: Option<i64>) -> Result<u64> {
    actor.require(Permission::NotificationsRead)?;
    let user_id = actor.require_user()?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let n = store::mark_read(ch.tx(), user_id, notification_id, now).await?;
    if n > 0 {
        let event = NewAuditEvent {
            action: "notification.read",
            object_type: "user",
            object_id: Some(user_id.to_string()),
            detail: serde_json::json!({ "notification_id": notification_id, "marked": n }),
        };
        ch.audit(event).await?;
    }
    ch.told(&[user_id]);
    ch.commit().await?;
    Ok(n)
}

/// Where the signed-in user's e-mail copies go, and whether this Casefile sends e-mail at all.
pub async fn email(p: &Platform, actor: &Actor) -> Result<(Option<String>, bool)> {
    let user_id = actor.require_user()?;
    let address = store::email_of_user(&p.db, user_id).await?;
    Ok((address, p.settings.mail.is_some()))
}

/// Sets (or, when empty, clears) the signed-in user's address for e-mail copies.
pub async fn set_email(p: &Platform, actor: &Actor, address: &str) -> Result<()> {
    let user_id = actor.require_user()?;
    let address = address.trim();
    let address = match address {
        "" => None,
        a => Some(
            a.parse::<lettre::Address>()
                .map_err(|_| {
                    Error::invalid(format!("\u{201c}{a}\u{201d} is not an e-mail address."))
                })?
                .to_string(),
        ),
    };
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = store::email_of(ch.tx(), user_id).await?;
    store::set_email(ch.tx(), user_id, address.as_deref(), now).await?;
    let event = NewAuditEvent {
        action: "user.email_changed",
        object_type: "user",
        object_id: Some(user_id.to_string()),
        detail: serde_json::json!({ "before": before, "after": address }),
    };
    ch.audit(event).await?;
    ch.commit().await
}
