//! TheHive 5's observables by id (`/api/v1/observable/{id}`, `_bulk`): a case's observables
//! read and edited one by one. Alert observables are read through their alert. Casefile keeps a
//! case's observables as recorded, so DELETE is refused with what to do instead.

use app::{
    cases::service::{self, ObservablePatch},
    platform::{Error, Platform},
    thehive::{model, service::get_v1, store::Table},
};
use axum::{Extension, Json, body::Bytes, extract::Path, http::StatusCode};
use serde::Deserialize;
use serde_json::Value;

use super::{
    auth::{HiveActor, HiveError},
    cases::bulk_ids,
    input,
};

fn observable_id(s: &str) -> Result<i64, Error> {
    model::parse_id(s).map_err(Error::Invalid)
}

pub async fn get_one(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(
        get_v1(&p, &actor, Table::CaseObservables, observable_id(&id)?).await?,
    ))
}

/// TheHive's observable PATCH: `message`, `tags` (or `addTags`/`removeTags`), `ioc`, `tlp`;
/// `sighted`, `ignoreSimilarity`, `pap` are accepted and ignored.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct UpdateObservable {
    message: Option<String>,
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "input::nullable")]
    add_tags: Vec<String>,
    #[serde(default, deserialize_with = "input::nullable")]
    remove_tags: Vec<String>,
    ioc: Option<bool>,
    tlp: Option<i64>,
}

async fn apply(
    p: &Platform,
    actor: &app::platform::Actor,
    id: i64,
    u: UpdateObservable,
) -> Result<(), Error> {
    let tags = if u.tags.is_none() && (!u.add_tags.is_empty() || !u.remove_tags.is_empty()) {
        let current: Value = get_v1(p, actor, Table::CaseObservables, id).await?;
        let mut tags: Vec<String> = current["tags"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        tags.extend(u.add_tags.iter().cloned());
        tags.retain(|t| !u.remove_tags.contains(t));
        Some(tags)
    } else {
        u.tags
    };
    let patch = ObservablePatch {
        description: u.message,
        tags,
        ioc: u.ioc,
        tlp: u.tlp,
    };
    service::update_observable(p, actor, id, patch).await?;
    Ok(())
}

/// `PATCH /api/v1/observable/{id}`: 204, as TheHive answers.
pub async fn update(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, HiveError> {
    let u: UpdateObservable = input::lenient_json(&body, "observable update")?;
    apply(&p, &actor, observable_id(&id)?, u).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct BulkUpdate {
    ids: Vec<String>,
    #[serde(flatten)]
    update: UpdateObservable,
}

/// `PATCH /api/v1/observable/_bulk`: the same edit on each, in order, each in its own
/// transaction; the first refusal stops the rest and names its observable.
pub async fn update_bulk(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Bytes,
) -> Result<StatusCode, HiveError> {
    let b: BulkUpdate = input::lenient_json(&body, "bulk observable update")?;
    bulk_ids(&b.ids)?;
    for reference in &b.ids {
        let id = observable_id(reference)?;
        apply(&p, &actor, id, b.update.clone())
            .await
            .map_err(|e| e.in_context(&format!("observable {reference}")))?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/observable/{id}`: refused; the observable stays on the record.
pub async fn delete(HiveActor(_): HiveActor, Path(_): Path<String>) -> HiveError {
    Error::invalid(
        "Casefile keeps a case's observables as recorded: clear its IOC flag or retag it instead (PATCH).",
    )
    .into()
}
