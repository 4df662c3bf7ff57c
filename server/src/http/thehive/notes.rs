//! TheHive 5's comments and procedures (`/comment`, `/procedure`, `/procedures`) on cases and
//! alerts. On a case they go on its timeline: a comment as a note, a procedure as an entry
//! tagged with its ATT&CK technique. An alert keeps its own, and the case it is or becomes part
//! of gets them on its timeline.

use app::{
    alerts::{
        self,
        service::{AlertNote, AlertNoteInput},
    },
    cases::{EventInput, service},
    platform::{Actor, Error, Platform},
    thehive::{model, service::case_id},
};
use axum::{
    Extension, Json,
    body::Bytes,
    extract::Path,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::{
    alerts::alert_id,
    auth::{HiveActor, HiveError},
    input,
};

#[derive(Deserialize)]
struct InputComment {
    message: String,
}

async fn comment_on(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    body: &Bytes,
) -> Result<Response, HiveError> {
    let c: InputComment = input::lenient_json(body, "comment")?;
    let event_id = service::add_note(p, actor, case_id, &c.message).await?;
    let shaped = app::thehive::service::comment(p, actor, event_id).await?;
    Ok((StatusCode::CREATED, Json(shaped)).into_response())
}

/// `POST /api/v1/case/{id}/comment`: a note on the case's timeline.
pub async fn case_comment(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, HiveError> {
    let id = case_id(&p, &actor, &id).await?;
    comment_on(&p, &actor, id, &body).await
}

/// `POST /api/v1/alert/{id}/comment`: kept with the alert (and on its case's timeline).
pub async fn alert_comment(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, HiveError> {
    let c: InputComment = input::lenient_json(&body, "comment")?;
    let note = AlertNoteInput {
        message: c.message,
        ..Default::default()
    };
    let stored = alerts::service::add_notes(&p, &actor, alert_id(&id)?, &[note]).await?;
    let shaped = stored.first().map(alert_note).unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(shaped)).into_response())
}

/// A note kept with an alert, in TheHive's shape (a Comment or a Procedure).
fn alert_note(n: &AlertNote) -> Value {
    let extra = json!({ "alertId": model::id(n.alert_id),
        "caseId": n.case_id.map(model::id) });
    if n.kind == "procedure" {
        json!({
            "_id": model::id(n.alert_note_id), "_type": "Procedure",
            "_createdBy": n.created_by, "_createdAt": n.created_at,
            "patternId": n.technique, "occurDate": n.occurred_at,
            "tactic": (!n.tactic.is_empty()).then_some(&n.tactic),
            "description": n.message, "extraData": extra,
        })
    } else {
        json!({
            "_id": model::id(n.alert_note_id), "_type": "Comment",
            "_createdBy": n.created_by, "_createdAt": n.created_at,
            "message": n.message, "isEdited": false, "extraData": extra,
        })
    }
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct InputProcedure {
    pattern_id: String,
    #[serde(default)]
    occur_date: Option<i64>,
    #[serde(default)]
    tactic: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// One procedure, a list of them, or `{"procedures": [...]}` (TheHive 5.1's bulk form).
#[derive(Deserialize)]
#[serde(untagged)]
enum Procedures {
    Wrapped { procedures: Vec<InputProcedure> },
    Many(Vec<InputProcedure>),
    One(InputProcedure),
}

/// Most procedures one request adds.
const MAX_PROCEDURES: usize = 100;

fn rfc3339(ms: i64) -> Result<String, Error> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| Error::invalid("`occurDate` must be epoch milliseconds."))
}

/// The procedures of a request, and whether it sent one object (answered with one).
fn read_procedures(body: &Bytes) -> Result<(Vec<InputProcedure>, bool), Error> {
    let (list, single) = match input::lenient_json::<Procedures>(body, "procedure")? {
        Procedures::One(one) => (vec![one], true),
        Procedures::Many(list) | Procedures::Wrapped { procedures: list } => (list, false),
    };
    if list.is_empty() || list.len() > MAX_PROCEDURES {
        return Err(Error::invalid(format!(
            "Send 1 to {MAX_PROCEDURES} procedures."
        )));
    }
    Ok((list, single))
}

fn one_or_many(mut shaped: Vec<Value>, single: bool) -> Response {
    let body = if single {
        shaped.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(shaped)
    };
    (StatusCode::CREATED, Json(body)).into_response()
}

/// Records each procedure as a timeline entry tagged with its technique; answers them in
/// TheHive's shape (one object for one, a list for several).
async fn procedures_on(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    body: &Bytes,
) -> Result<Response, HiveError> {
    let (list, single) = read_procedures(body)?;
    let mut shaped = Vec::new();
    for proc in list {
        let technique = proc.pattern_id.trim().to_ascii_uppercase();
        let description = proc.description.clone().unwrap_or_default();
        let summary = match proc.tactic.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(tactic) => format!("Procedure {technique} ({})", tactic.trim()),
            None => format!("Procedure {technique}"),
        };
        let input = EventInput {
            kind: "custom".into(),
            occurred_at: proc
                .occur_date
                .map(rfc3339)
                .transpose()?
                .unwrap_or_default(),
            summary,
            body: description.clone(),
            techniques: vec![technique.clone()],
            tags: vec!["procedure".into()],
            ..Default::default()
        };
        let event_id = service::add_event(p, actor, case_id, input).await?;
        shaped.push(json!({
            "_id": model::id(event_id),
            "_type": "Procedure",
            "_createdBy": actor.label(),
            "_createdAt": p.clock.now(),
            "patternId": technique,
            "occurDate": proc.occur_date.unwrap_or_else(|| p.clock.now()),
            "tactic": proc.tactic,
            "description": description,
            "extraData": { "caseId": model::id(case_id) },
        }));
    }
    Ok(one_or_many(shaped, single))
}

/// `POST /api/v1/case/{id}/procedure` (and `/procedures`).
pub async fn case_procedures(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, HiveError> {
    let id = case_id(&p, &actor, &id).await?;
    procedures_on(&p, &actor, id, &body).await
}

/// `POST /api/v1/alert/{id}/procedure` (and `/procedures`, as Splunk's add-on posts them).
pub async fn alert_procedures(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, HiveError> {
    let (list, single) = read_procedures(&body)?;
    let notes: Vec<AlertNoteInput> = list
        .into_iter()
        .map(|proc| AlertNoteInput {
            message: proc.description.unwrap_or_default(),
            technique: Some(proc.pattern_id),
            tactic: proc.tactic,
            occurred_at: proc.occur_date,
        })
        .collect();
    let stored = alerts::service::add_notes(&p, &actor, alert_id(&id)?, &notes).await?;
    Ok(one_or_many(stored.iter().map(alert_note).collect(), single))
}
