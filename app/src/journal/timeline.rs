//! Appending to a case's timeline: the entry, its ATT&CK techniques, and its search document.

use crate::{
    execute_tx, on_tx,
    platform::{Result, Tx, clock::Millis},
    timeline::EventKind,
    validate::tags_to_json,
};

/// A timeline entry a use case records: what, when it happened, and its details.
pub struct Happened<'a> {
    pub kind: EventKind,
    pub at: Millis,
    pub summary: &'a str,
    pub detail: serde_json::Value,
}

/// A timeline entry to append.
pub struct NewEvent<'a> {
    pub kind: EventKind,
    pub occurred_at: Millis,
    pub summary: &'a str,
    pub body: &'a str,
    pub detail: serde_json::Value,
    pub techniques: &'a [String],
    pub tags: &'a [String],
    pub supersedes_event_id: Option<i64>,
}

pub(super) async fn insert_event(
    tx: &mut Tx,
    case_id: i64,
    e: &NewEvent<'_>,
    recorded_by: &str,
    recorded_by_user_id: Option<i64>,
    now: Millis,
) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into case_event (case_id, kind, occurred_at, summary, body, detail, techniques, tags,
                 supersedes_event_id, recorded_by, recorded_by_user_id, recorded_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             returning event_id",
        )
        .bind(case_id)
        .bind(e.kind.as_str())
        .bind(e.occurred_at)
        .bind(e.summary)
        .bind(e.body)
        .bind(e.detail.to_string())
        .bind(tags_to_json(e.techniques))
        .bind(tags_to_json(e.tags))
        .bind(e.supersedes_event_id)
        .bind(recorded_by)
        .bind(recorded_by_user_id)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    for technique in e.techniques {
        let tactics = crate::attack::technique(technique)
            .map(|t| t.tactics.as_slice())
            .unwrap_or_default();
        for tactic in tactics {
            execute_tx!(
                tx,
                sqlx::query(
                    "insert into event_technique (event_id, case_id, technique_id, tactic)
                     values ($1, $2, $3, $4)"
                )
                .bind(id)
                .bind(case_id)
                .bind(technique)
                .bind(tactic)
            )?;
        }
    }
    let body = format!("{} {} {}", e.summary, e.body, e.tags.join(" "));
    super::search::index(tx, case_id, "event", id, &body).await?;
    Ok(id)
}
