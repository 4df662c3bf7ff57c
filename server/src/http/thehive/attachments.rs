//! TheHive 5's attachments (`POST /api/v1/{case,alert}/{id}/attachments`, multipart parts
//! named `attachments`). On a case each file is streamed into the evidence locker as evidence
//! of the case, collected from "received from integration <token>"; on an alert the alert keeps
//! it, and it becomes evidence of the case the alert is escalated or merged into.

use app::{
    alerts::service::{AlertFile, attach_files},
    evidence::{EvidenceItem, EvidenceKind, EvidenceMeta, service as evidence},
    platform::{Error, Platform, locker::Staged},
    thehive::{model, service::case_id},
};
use axum::{
    Extension, Json,
    extract::{FromRequest, Multipart, Path, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{
    alerts::alert_id,
    auth::{HiveActor, HiveError},
};

/// Most files one request attaches.
const MAX_FILES: usize = 20;

fn attachment(e: &EvidenceItem) -> Value {
    json!({
        "_id": model::id(e.evidence_id),
        "_type": "Attachment",
        "_createdBy": e.uploaded_by,
        "_createdAt": e.uploaded_at,
        "name": e.file_name,
        "size": e.size_bytes,
        "contentType": "application/octet-stream",
        "id": e.sha256,
        "hashes": [e.sha256, e.sha1, e.md5],
        "extraData": { "caseId": model::id(e.case_id), "evidenceId": e.evidence_id },
    })
}

/// Reads a request's file parts (named `attachments`; text parts are skipped) into the locker's
/// staging area, at most [`MAX_FILES`], at least one.
async fn staged_attachments(p: &Platform, req: Request) -> Result<Vec<(String, Staged)>, Error> {
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
        Error::invalid(format!(
            "Attachments are sent as multipart form data: {}",
            e.body_text()
        ))
    })?;
    let mut staged = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        Error::invalid(format!(
            "The multipart body is malformed: {}",
            e.body_text()
        ))
    })? {
        let Some(file_name) = field.file_name().map(str::to_owned) else {
            continue;
        };
        if staged.len() == MAX_FILES {
            return Err(Error::invalid(format!(
                "Attach at most {MAX_FILES} files at a time."
            )));
        }
        staged.push((file_name, p.locker.stage(Box::pin(field)).await?));
    }
    if staged.is_empty() {
        return Err(Error::invalid(
            "No file in the request: send each as a multipart part named \u{201c}attachments\u{201d}.",
        ));
    }
    Ok(staged)
}

/// `POST /api/v1/case/{id}/attachments`: 201 and the attachments, in the order sent. Each
/// file is its own evidence item; a refused file stops the request (those before it stay, each
/// with its complete custody record).
pub async fn case_attachments(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, HiveError> {
    // Refused before any file is read, not after it has been staged.
    actor.require(app::accounts::roles::Permission::EvidenceUpload)?;
    let case_id = case_id(&p, &actor, &id).await?;
    let mut stored = Vec::new();
    for (file_name, staged) in staged_attachments(&p, req).await? {
        let meta = EvidenceMeta {
            kind: EvidenceKind::guess(&file_name).as_str().to_owned(),
            file_name,
            description: "Attached through the TheHive API.".into(),
            collected_from: format!("received from integration {}", actor.label()),
            ..Default::default()
        };
        stored.push(evidence::upload_staged(&p, &actor, case_id, &meta, staged).await?);
    }
    let body: Vec<Value> = stored.iter().map(attachment).collect();
    Ok((StatusCode::CREATED, Json(Value::Array(body))).into_response())
}

fn alert_attachment(f: &AlertFile) -> Value {
    json!({
        "_id": model::id(f.alert_file_id),
        "_type": "Attachment",
        "_createdBy": f.created_by,
        "_createdAt": f.created_at,
        "name": f.file_name,
        "size": f.size_bytes,
        "contentType": "application/octet-stream",
        "id": f.sha256,
        "hashes": [f.sha256],
        "extraData": { "alertId": model::id(f.alert_id) },
    })
}

/// `POST /api/v1/alert/{id}/attachments`: 201 and the files the alert now keeps.
pub async fn alert_attachments(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, HiveError> {
    let id = alert_id(&id)?;
    let staged = staged_attachments(&p, req).await?;
    let kept = attach_files(&p, &actor, id, staged).await?;
    let body: Vec<Value> = kept.iter().map(alert_attachment).collect();
    Ok((StatusCode::CREATED, Json(Value::Array(body))).into_response())
}
