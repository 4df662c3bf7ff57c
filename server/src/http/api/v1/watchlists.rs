//! `/api/v1/watchlists`: known-bad values that flag case observables and arriving alerts;
//! a threat-intelligence feed creates lists and imports entries, analysts' tools read them.

use app::watchlists::{ImportReport, Watchlist, WatchlistEntry, service as watchlists};
use axum::{
    Json,
    extract::{OriginalUri, Path, Query},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::api::conventions::{ApiJson, Page, V1Actor, at, bad_cursor};
use crate::http::rest::{ApiError, ErrorBody};

/// A watchlist.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 1, "name": "Phishing kits (feed)", "description": "From the TI feed", "entry_count": 5120, "created_by": "ti-feed", "updated_at": "2026-12-07T06:00:00Z"}))]
pub struct WatchlistView {
    id: i64,
    name: String,
    description: String,
    entry_count: i64,
    created_by: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<Watchlist> for WatchlistView {
    fn from(w: Watchlist) -> Self {
        Self {
            id: w.watchlist_id,
            name: w.name,
            description: w.description,
            entry_count: w.entry_count,
            created_by: w.created_by,
            updated_at: at(w.updated_at),
        }
    }
}

/// A value on a watchlist.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"type": "domain", "value": "invoices-example.test", "note": "kit seen 2026-12-01", "added_by": "ti-feed", "added_at": "2026-12-07T06:00:00Z"}))]
pub struct EntryView {
    #[serde(rename = "type")]
    data_type: String,
    value: String,
    note: String,
    added_by: String,
    #[schema(format = DateTime)]
    added_at: String,
}

impl From<WatchlistEntry> for EntryView {
    fn from(e: WatchlistEntry) -> Self {
        Self {
            data_type: e.data_type,
            value: e.value,
            note: e.note,
            added_by: e.added_by,
            added_at: at(e.added_at),
        }
    }
}

/// Every watchlist.
#[utoipa::path(get, path = "/watchlists", tag = "watchlists",
    security(("bearer" = ["cases:read"])),
    responses(
        (status = 200, body = Page<WatchlistView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_watchlists(
    V1Actor(actor, p): V1Actor,
    uri: OriginalUri,
) -> Result<Json<Page<WatchlistView>>, ApiError> {
    let lists = watchlists::list(&p, &actor).await?;
    Ok(Json(Page::new(
        lists.into_iter().map(Into::into).collect(),
        None,
        &uri,
    )))
}

/// A new watchlist.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct NewWatchlistBody {
    #[schema(example = "Phishing kits (feed)")]
    name: String,
    #[serde(default)]
    description: String,
}

/// Creates a watchlist.
#[utoipa::path(post, path = "/watchlists", tag = "watchlists",
    security(("bearer" = ["watchlists:write"])),
    request_body = NewWatchlistBody,
    responses(
        (status = 201, body = WatchlistView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
    ))]
pub async fn create_watchlist(
    V1Actor(actor, p): V1Actor,
    ApiJson(body): ApiJson<NewWatchlistBody>,
) -> Result<(StatusCode, Json<WatchlistView>), ApiError> {
    let list = watchlists::create(&p, &actor, &body.name, &body.description).await?;
    Ok((StatusCode::CREATED, Json(list.into())))
}

#[derive(Deserialize, IntoParams)]
pub struct EntriesQuery {
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

/// A watchlist's entries, by type and value, one page at a time.
#[utoipa::path(get, path = "/watchlists/{id}/entries", tag = "watchlists",
    security(("bearer" = ["cases:read"])),
    params(("id" = i64, Path, description = "The watchlist id"), EntriesQuery),
    responses(
        (status = 200, body = Page<EntryView>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ))]
pub async fn list_entries(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    Query(q): Query<EntriesQuery>,
    uri: OriginalUri,
) -> Result<Json<Page<EntryView>>, ApiError> {
    // The cursor is the last entry's `type:value` (types hold no colon).
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            c.split_once(':')
                .map(|(t, v)| (t.to_owned(), v.to_owned()))
                .ok_or_else(bad_cursor)?,
        ),
    };
    let entries = watchlists::entries(&p, &actor, id, after).await?;
    let next = (entries.len() as i64 >= watchlists::ENTRY_PAGE)
        .then(|| {
            entries
                .last()
                .map(|e| format!("{}:{}", e.data_type, e.value))
        })
        .flatten();
    Ok(Json(Page::new(
        entries.into_iter().map(Into::into).collect(),
        next,
        &uri,
    )))
}

/// Rows to import: CSV `type,value[,note]`, a first row starting with `type` read as a header.
/// Defanged values are accepted and stored refanged.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct ImportBody {
    #[schema(example = "type,value,note\ndomain,examp1e-invoices.test,kit seen 2026-12-01\n")]
    csv: String,
}

/// What an import did.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"added": 120, "already_listed": 4}))]
pub struct ImportView {
    added: usize,
    /// Rows whose value the list already had.
    already_listed: usize,
}

impl From<ImportReport> for ImportView {
    fn from(r: ImportReport) -> Self {
        Self {
            added: r.added,
            already_listed: r.already_listed,
        }
    }
}

/// Imports entries into a watchlist; all rows or none.
#[utoipa::path(post, path = "/watchlists/{id}/import", tag = "watchlists",
    security(("bearer" = ["watchlists:write"])),
    params(("id" = i64, Path, description = "The watchlist id")),
    request_body = ImportBody,
    responses(
        (status = 200, body = ImportView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn import_entries(
    V1Actor(actor, p): V1Actor,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ImportBody>,
) -> Result<Json<ImportView>, ApiError> {
    Ok(Json(
        watchlists::import_csv(&p, &actor, id, &body.csv)
            .await?
            .into(),
    ))
}
