//! Outbox use cases: administering webhooks, reading the delivery log, and putting messages in
//! the outbox inside the transaction of the change they report (webhooks from every audited
//! change that matches a webhook's patterns; e-mail copies of notifications).

use serde_json::{Value, json};

use super::{
    Attempt, CreatedWebhook, Delivery, DeliveryPage, DeliveryState, Webhook, check_patterns,
    destination::{PrivateHosts, is_public, refusal, refuse_literal},
    matches, store, thehive_object_type, thehive_operation,
};
use crate::{
    alerts, cases,
    journal::{Change, NewAuditEvent},
    platform::{Actor, Error, Platform, Result, Tx, listeners::Audited, secrets::random_urlsafe},
    roles::Permission,
    thehive::model,
    validate::{required, tags_from_json, tags_to_json},
};

/// Log entries per page.
pub const LOG_PAGE: i64 = 50;

fn to_webhook(r: store::WebhookRow) -> Webhook {
    Webhook {
        events: tags_from_json(&r.events),
        webhook_id: r.webhook_id,
        name: r.name,
        url: r.url,
        enabled: r.enabled,
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

/// Accepts absolute http(s) URLs with a host that is public, or that the operator allowed to
/// be private ([`super::destination`]). A name is resolved now to tell the admin early; it is
/// checked again each time a message is sent, since what a name resolves to can change.
async fn check_url(p: &Platform, url: &str) -> Result<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| Error::invalid("The webhook URL must start with https:// or http://."))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let parsed = reqwest::Url::parse(url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str())
        .unwrap_or_default()
        .to_owned();
    if authority.is_empty()
        || host.is_empty()
        || authority.contains(char::is_whitespace)
        || url.len() > 2000
    {
        return Err(Error::invalid(
            "The webhook URL needs a host, e.g. https://soar.example.org/hooks/casefile.",
        ));
    }
    let allowed = PrivateHosts::new(&p.settings.webhook_private_hosts);
    if let Some(refused) = refuse_literal(&host, &allowed) {
        return Err(Error::Invalid(refused));
    }
    if !allowed.allows(&host) && host.parse::<std::net::IpAddr>().is_err() {
        let port = parsed
            .and_then(|u| u.port_or_known_default())
            .unwrap_or(443);
        let lookup = tokio::net::lookup_host((host.as_str(), port));
        // A name that does not resolve now may later; it is checked at every send.
        if let Ok(Ok(found)) = tokio::time::timeout(std::time::Duration::from_secs(3), lookup).await
        {
            let found: Vec<std::net::SocketAddr> = found.collect();
            if !found.is_empty() && !found.iter().any(|a| is_public(a.ip())) {
                return Err(Error::Invalid(refusal(&host)));
            }
        }
    }
    Ok(url.to_owned())
}

/// Adds a webhook; returns it with its signing secret, which is not shown again.
pub async fn create_webhook(
    p: &Platform,
    actor: &Actor,
    name: &str,
    url: &str,
    events: &[String],
) -> Result<CreatedWebhook> {
    actor.require(Permission::WebhooksManage)?;
    let name = required("name", name, 200).map_err(Error::Invalid)?;
    let url = check_url(p, url).await?;
    let events: Vec<String> = events
        .iter()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect();
    check_patterns(&events).map_err(Error::Invalid)?;
    let secret = random_urlsafe(32);
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    if store::name_taken(ch.tx(), &name).await? {
        return Err(Error::conflict(format!(
            "A webhook is already called \u{201c}{name}\u{201d}."
        )));
    }
    let events_json = tags_to_json(&events);
    let id = store::insert_webhook(
        ch.tx(),
        &name,
        &url,
        &secret,
        &events_json,
        &actor.label(),
        now,
    )
    .await?;
    let event = NewAuditEvent {
        action: "webhook.created",
        object_type: "webhook",
        object_id: Some(id.to_string()),
        detail: json!({ "name": name, "url": url, "events": events }),
    };
    ch.audit(event).await?;
    ch.commit().await?;
    let row = store::webhook(&p.db, id)
        .await?
        .ok_or_else(|| Error::internal("webhook vanished"))?;
    Ok(CreatedWebhook {
        webhook: to_webhook(row),
        secret,
    })
}

pub async fn webhooks(p: &Platform, actor: &Actor) -> Result<Vec<Webhook>> {
    actor.require(Permission::WebhooksManage)?;
    Ok(store::webhooks(&p.db)
        .await?
        .into_iter()
        .map(to_webhook)
        .collect())
}

/// Pauses or resumes a webhook. While paused, changes are not queued for it.
pub async fn set_webhook_enabled(
    p: &Platform,
    actor: &Actor,
    webhook_id: i64,
    enabled: bool,
) -> Result<()> {
    actor.require(Permission::WebhooksManage)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    if store::set_enabled(ch.tx(), webhook_id, enabled, now).await? == 0 {
        return Err(Error::not_found(format!(
            "There is no webhook {webhook_id}."
        )));
    }
    let event = NewAuditEvent {
        action: if enabled {
            "webhook.enabled"
        } else {
            "webhook.disabled"
        },
        object_type: "webhook",
        object_id: Some(webhook_id.to_string()),
        detail: json!({ "after": { "enabled": enabled } }),
    };
    ch.audit(event).await?;
    ch.commit().await
}

/// The delivery log (webhooks and e-mail), newest first.
pub async fn deliveries(
    p: &Platform,
    actor: &Actor,
    webhook_id: Option<i64>,
    before: Option<i64>,
) -> Result<DeliveryPage> {
    actor.require(Permission::WebhooksManage)?;
    let mut rows = store::deliveries(&p.db, webhook_id, before, LOG_PAGE + 1).await?;
    let more = rows.len() as i64 > LOG_PAGE;
    rows.truncate(LOG_PAGE as usize);
    let next = more.then(|| rows.last().map(|r| r.delivery_id)).flatten();
    let ids: Vec<i64> = rows.iter().map(|r| r.delivery_id).collect();
    let attempts = store::attempts_of(&p.db, &ids).await?;
    // An e-mail's subject names the case; the log's readers (administrators) may not read cases.
    let may_read_cases = actor.require(Permission::CaseRead).is_ok();
    let deliveries = rows
        .into_iter()
        .map(|r| {
            let summary = match r.channel.as_str() {
                "email" if may_read_cases => r.subject.clone().unwrap_or_default(),
                "email" => "notification e-mail (subject withheld: case content)".into(),
                _ => serde_json::from_str::<Value>(&r.payload)
                    .map(|v| {
                        format!(
                            "{} {} ({})",
                            v["operation"].as_str().unwrap_or("?"),
                            v["objectType"].as_str().unwrap_or("?"),
                            v["casefile"]["action"].as_str().unwrap_or("?")
                        )
                    })
                    .unwrap_or_default(),
            };
            Ok(Delivery {
                state: DeliveryState::parse(&r.state).map_err(Error::Internal)?,
                log: attempts
                    .iter()
                    .filter(|a| a.delivery_id == r.delivery_id)
                    .map(|a| Attempt {
                        attempted_at: a.attempted_at,
                        status_code: a.status_code,
                        error: a.error.clone(),
                        duration_ms: a.duration_ms,
                    })
                    .collect(),
                delivery_id: r.delivery_id,
                target: r.target.unwrap_or_default(),
                summary,
                attempts: r.attempts,
                next_attempt_at: r.next_attempt_at,
                last_error: r.last_error,
                delivered_at: r.delivered_at,
                created_at: r.created_at,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DeliveryPage { deliveries, next })
}

/// The object a webhook message carries, read (not locked) in the change's transaction: the
/// case or alert as TheHive's API shows it, or `null` for other objects (their details still go
/// along).
async fn thehive_object(tx: &mut Tx, object_type: &str, object_id: Option<&str>) -> Result<Value> {
    let Some(id) = object_id.and_then(|s| s.parse::<i64>().ok()) else {
        return Ok(Value::Null);
    };
    Ok(match object_type {
        "case" => match cases::store::case_in_tx(tx, id).await? {
            Some(row) => model::case(&cases::service::to_case(row)?),
            None => Value::Null,
        },
        "alert" => match alerts::store::alert_snapshot_in_tx(tx, id).await? {
            Some(row) => model::alert(&alerts::service::to_alert(row)?, 0),
            None => Value::Null,
        },
        _ => Value::Null,
    })
}

/// Queues a TheHive-shaped message for every enabled webhook whose patterns match this audited
/// change, in the change's transaction. Registered in `wiring.rs`.
pub(crate) async fn on_audited(tx: &mut Tx, event: &Audited<'_>) -> Result<()> {
    let (seq, now) = (event.seq, event.now);
    let actor_label = event.actor.label();
    let hooks = store::enabled_webhooks(tx).await?;
    let targets: Vec<i64> = hooks
        .into_iter()
        .filter(|(_, events)| matches(&tags_from_json(events), event.action))
        .map(|(id, _)| id)
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let object = thehive_object(tx, event.object_type, event.object_id).await?;
    let object_id = match event.object_type {
        "case" | "alert" => event.object_id.and_then(|s| s.parse().ok()).map(model::id),
        _ => event.object_id.map(str::to_owned),
    };
    let root_id = object.get("_id").cloned().unwrap_or(json!(object_id));
    let message = json!({
        "operation": thehive_operation(event.action),
        "objectType": thehive_object_type(event.object_type),
        "objectId": object_id,
        "object": object,
        "details": event.detail,
        "base": true,
        "startDate": now,
        "rootId": root_id,
        "requestId": format!("casefile-audit-{seq}"),
        "organisation": "casefile",
        "casefile": { "action": event.action, "auditSeq": seq, "actor": actor_label },
    })
    .to_string();
    for webhook_id in targets {
        let m = store::NewMessage {
            channel: "webhook",
            webhook_id: Some(webhook_id),
            recipient: None,
            subject: None,
            payload: &message,
        };
        store::enqueue(tx, &m, now).await?;
    }
    Ok(())
}
