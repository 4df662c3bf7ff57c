//! TheHive 3/4's API (`/api/alert…`, `/api/case…`, v0), as thehive4py 1.8.1 and the
//! integrations built on it (Wazuh, ElastAlert 2, Shuffle, Velociraptor, n8n's TheHive node)
//! call it: `id` beside `_id`, 201 on every create, `_search` with TheHive 3/4's query language
//! and `range`/`sort` parameters, the total in `X-Total`. Handlers call the same services as
//! the v1 routes; only the shapes differ.

mod alerts;
mod cases;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Extension, Query},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use app::{
    platform::{Actor, Error, Platform},
    thehive::{query_v0, service, store::Table},
};

use super::{
    auth::{HiveActor, HiveError},
    input,
};

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/api/alert",
            crate::http::api::limit_intake(post(alerts::create), super::overloaded),
        )
        .route("/api/alert/_search", post(alerts::search))
        .route(
            "/api/alert/{id}",
            get(alerts::get_one)
                .patch(alerts::update)
                .delete(alerts::delete),
        )
        .route("/api/alert/{id}/createCase", post(alerts::create_case))
        .route("/api/alert/{id}/merge/{case_id}", post(alerts::merge))
        .route("/api/alert/{id}/markAsRead", post(alerts::mark_as_read))
        .route("/api/alert/{id}/markAsUnread", post(alerts::mark_as_unread))
        .route("/api/alert/{id}/follow", post(alerts::get_after_post))
        .route("/api/alert/{id}/unfollow", post(alerts::get_after_post))
        .route("/api/alert/{id}/artifact", post(alerts::add_artifact))
        .route("/api/case", get(cases::list).post(cases::create))
        .route("/api/case/_search", post(cases::search))
        .route(
            "/api/case/{id}",
            get(cases::get_one)
                .patch(cases::update)
                .delete(cases::delete),
        )
        .route("/api/case/{id}/links", get(cases::links))
        .route("/api/case/{id}/artifact", post(cases::add_artifact))
        .route("/api/case/artifact/_search", post(cases::search_artifacts))
        .route("/api/case/artifact/{id}", get(cases::get_artifact))
        .route("/api/case/{id}/task", post(cases::add_task))
        .route("/api/case/task/_search", post(cases::search_tasks))
        .route(
            "/api/case/task/{id}",
            get(cases::get_task).patch(cases::update_task),
        )
        .route("/api/case/task/{id}/log", post(cases::add_log))
        .route("/api/case/task/log/_search", post(cases::search_logs))
        .route("/api/case/task/log/{id}", get(cases::get_log))
        .route("/api/case/template/_search", post(case_templates))
        .route("/api/case/template", get(case_templates))
        .route("/api/list/custom_fields", get(custom_field_list))
        .route("/api/list/custom_fields/_exists", post(custom_field_exists))
        .route("/api/customField", get(custom_field_defs))
        .route("/api/user/current", get(current_user))
}

/// The `range` and `sort` query parameters of a `_search`; `sort` may repeat.
struct SearchParams(Vec<(String, String)>);

impl SearchParams {
    fn range(&self) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == "range")
            .map(|(_, v)| v.as_str())
    }

    fn sort(&self) -> Vec<(String, bool)> {
        let values: Vec<String> = self
            .0
            .iter()
            .filter(|(k, _)| k == "sort")
            .map(|(_, v)| v.clone())
            .collect();
        query_v0::parse_sort(&values)
    }
}

#[derive(Deserialize, Default)]
struct SearchBody {
    #[serde(default)]
    query: Value,
    /// Some clients put `range` and `sort` in the body instead.
    #[serde(default)]
    range: Option<String>,
    #[serde(default)]
    sort: Option<Value>,
}

/// Runs a `_search` on `table`.
async fn search(
    p: &Platform,
    actor: &Actor,
    table: Table,
    Query(params): Params,
    body: &Bytes,
) -> Result<Response, HiveError> {
    let params = SearchParams(params);
    let b: SearchBody = input::lenient_json(body, "search")?;
    let filter = query_v0::parse(&b.query).map_err(Error::Invalid)?;
    let range = query_v0::parse_range(params.range().or(b.range.as_deref()).or(Some("all")))
        .map_err(Error::Invalid)?;
    let mut sort = params.sort();
    if sort.is_empty() {
        let from_body: Vec<String> = match &b.sort {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        sort = query_v0::parse_sort(&from_body);
    }
    let (items, total) = service::search_v0(p, actor, table, &filter, range, &sort).await?;
    Ok(with_total(items, total))
}

/// A list answer with TheHive's `X-Total` header.
fn with_total(items: Vec<Value>, total: i64) -> Response {
    let mut res = Json(Value::Array(items)).into_response();
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        res.headers_mut().insert("x-total", v);
    }
    res
}

fn created(body: Value) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// `GET /api/case/template`, `POST /api/case/template/_search`: the case templates; a search
/// by name (`{"query": {"_field": "name", "_value": …}}` or `{"query": {"name": …}}`, as
/// thehive4py's `get_case_template` sends) answers that one.
async fn case_templates(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: Bytes,
) -> Result<Json<Value>, HiveError> {
    let q: Value = input::lenient_json(&body, "query")?;
    let name = template_name(&q["query"]);
    let all = app::thehive::service::case_templates(&p, &actor, true).await?;
    Ok(Json(Value::Array(
        all.into_iter()
            .filter(|t| name.is_none_or(|n| t["name"] == n))
            .collect(),
    )))
}

/// The name a template search asks for: `{"_field": "name", "_value": …}` or `{"name": …}`,
/// alone or inside `_and` (thehive4py adds `status: Ok` for TheHive 3).
fn template_name(query: &Value) -> Option<&str> {
    if query["_field"] == "name" {
        return query["_value"].as_str();
    }
    if let Some(n) = query["name"].as_str() {
        return Some(n);
    }
    query["_and"].as_array()?.iter().find_map(template_name)
}

/// `GET /api/customField`: the custom field definitions, TheHive 3/4's shape.
pub async fn custom_field_defs(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
) -> Result<Json<Value>, HiveError> {
    Ok(Json(Value::Array(
        app::thehive::service::custom_field_defs(&p, &actor, true).await?,
    )))
}

/// `GET /api/list/custom_fields`: TheHive 3's list, an object of definitions by id.
async fn custom_field_list(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
) -> Result<Json<Value>, HiveError> {
    let defs = app::thehive::service::custom_field_defs(&p, &actor, true).await?;
    let by_id: serde_json::Map<String, Value> = defs
        .into_iter()
        .map(|d| (d["_id"].as_str().unwrap_or_default().to_owned(), d))
        .collect();
    Ok(Json(Value::Object(by_id)))
}

/// `POST /api/list/custom_fields/_exists` with `{key: "reference", value: name}`.
async fn custom_field_exists(
    Extension(p): Extension<Platform>,
    HiveActor(actor): HiveActor,
    body: axum::body::Bytes,
) -> Result<Json<Value>, HiveError> {
    let q: Value = super::input::lenient_json(&body, "query")?;
    let name = q["value"].as_str().unwrap_or_default();
    let defs = app::thehive::service::custom_field_defs(&p, &actor, true).await?;
    let found = defs.iter().any(|d| d["reference"] == name);
    Ok(Json(json!({ "found": found })))
}

/// `GET /api/user/current`: integrations call it to check their credentials.
async fn current_user(HiveActor(actor): HiveActor) -> Json<Value> {
    let label = actor.label();
    let id = actor
        .user_id()
        .map_or_else(|| label.clone(), app::thehive::model::id);
    Json(json!({
        "id": label,
        "_id": id,
        "_type": "user",
        "login": label,
        "name": label,
        "roles": ["read", "write", "alert"],
        "profile": actor.role().map_or("api", |r| r.as_str()),
        "organisation": "casefile",
        "status": "Ok",
        "hasKey": true,
        "hasPassword": actor.user_id().is_some(),
        "hasMFA": false,
    }))
}

/// `GET /api/status` and `/api/v1/status`: what TheHive clients read to learn the server.
pub async fn status() -> Json<Value> {
    Json(json!({
        "versions": {
            "Casefile": env!("CARGO_PKG_VERSION"),
            // The TheHive version whose API Casefile answers as (v0 and v1).
            "TheHive": "4.1.24-1",
            "Scala": "2.13",
            "Play": "2.8",
        },
        "connectors": {},
        "health": { "elastic": "OK" },
        "config": {
            "protectDownloadsWith": "malware",
            "authType": ["key", "basic"],
            "capabilities": ["authByKey"],
            "ssoAutoLogin": false,
            "pollingDuration": 1000,
        },
    }))
}

/// `GET /api/health`.
pub async fn health(Extension(p): Extension<Platform>) -> Response {
    if p.db.ping().await {
        (StatusCode::OK, "OK").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "The database does not answer.",
        )
            .into_response()
    }
}

/// Query parameters as `Query` reads them, repeated keys kept.
type Params = Query<Vec<(String, String)>>;

/// The `range` parameter of a plain list (`GET /api/case`), ten records by default.
fn list_range(Query(params): &Params) -> Result<(i64, i64), Error> {
    let range = params
        .iter()
        .find(|(k, _)| k == "range")
        .map(|(_, v)| v.as_str());
    query_v0::parse_range(range).map_err(Error::Invalid)
}
