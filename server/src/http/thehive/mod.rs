//! TheHive compatible API (TheHive 5's v1 and TheHive 3/4's v0), served at the bare server URL
//! and under `/thehive`, so TheHive integrations (thehive4py 1.x and 2.x, Wazuh, ElastAlert 2,
//! Splunk, Shuffle, n8n, Velociraptor) post alerts and work cases in Casefile unchanged. Handlers
//! translate TheHive's shapes and call the same services as the rest of Casefile.

mod alerts;
mod attachments;
mod auth;
mod cases;
mod input;
mod notes;
mod observables;
mod v0;

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Query},
    routing::{get, patch, post},
};
use serde::Deserialize;
use serde_json::Value;

use app::{
    platform::{Error, Platform},
    thehive::{query, service},
};
use auth::{HiveActor, HiveError};

pub use auth::hive_error;

/// Largest request body (a batch of observables with file parts).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// TheHive's routes twice: under `/thehive` (where unknown paths answer TheHive's 404) and at
/// the root, for clients that build the URL from host and port. TheHive's paths are singular
/// (`/api/alert`, `/api/v1/case`), so they never meet Casefile's own plural REST routes.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let api = v1_routes()
        .merge(v0::routes())
        .route("/api/status", get(v0::status))
        .route("/api/v1/status", get(v0::status))
        .route("/api/health", get(v0::health))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    Router::new()
        .nest("/thehive", api.clone().fallback(not_found))
        .merge(api)
}

fn v1_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/api/v1/alert",
            crate::http::api::limit_intake(post(alerts::create), overloaded),
        )
        .route(
            "/api/v1/alert/{id}",
            get(alerts::get_one)
                .patch(alerts::update)
                .delete(alerts::delete),
        )
        .route("/api/v1/alert/{id}/case", post(alerts::promote))
        .route("/api/v1/alert/{id}/merge/{case_id}", post(alerts::merge))
        .route("/api/v1/alert/merge/_bulk", post(alerts::merge_bulk))
        .route("/api/v1/alert/_bulk", patch(alerts::update_bulk))
        .route("/api/v1/alert/delete/_bulk", post(alerts::delete_bulk))
        .route("/api/v1/case/_bulk", patch(cases::update_bulk))
        .route("/api/v1/observable/_bulk", patch(observables::update_bulk))
        .route(
            "/api/v1/observable/{id}",
            get(observables::get_one)
                .patch(observables::update)
                .delete(observables::delete),
        )
        .route("/api/v1/alert/{id}/comment", post(notes::alert_comment))
        .route(
            "/api/v1/alert/{id}/procedure",
            post(notes::alert_procedures),
        )
        .route(
            "/api/v1/alert/{id}/procedures",
            post(notes::alert_procedures),
        )
        .route("/api/v1/alert/{id}/follow", post(alerts::follow))
        .route("/api/v1/alert/{id}/unfollow", post(alerts::follow))
        .route("/api/v1/case/{id}/comment", post(notes::case_comment))
        .route("/api/v1/case/{id}/procedure", post(notes::case_procedures))
        .route("/api/v1/case/{id}/procedures", post(notes::case_procedures))
        .route(
            "/api/v1/alert/{id}/attachments",
            post(attachments::alert_attachments).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/case/{id}/attachments",
            // Files stream into the evidence locker, which holds them to its own limit.
            post(attachments::case_attachments).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/alert/{id}/observable",
            post(alerts::add_observable),
        )
        .route("/api/v1/case", post(cases::create))
        .route(
            "/api/v1/case/{id}",
            get(cases::get_one).patch(cases::update),
        )
        .route("/api/v1/case/{id}/observable", post(cases::add_observable))
        .route("/api/v1/case/{id}/task", post(cases::add_task))
        .route(
            "/api/v1/task/{id}",
            get(cases::get_task).patch(cases::update_task),
        )
        .route("/api/v1/task/{id}/log", post(cases::add_log))
        .route("/api/v1/query", post(run_query))
        .route("/api/v1/user/current", get(current_user))
        .route(
            "/api/v1/customField",
            get(custom_fields).post(create_custom_field),
        )
}

/// TheHive 5's custom field input. Its fields apply to alerts and cases alike; a string
/// field with options is an enum; a mandatory one is required before a case closes.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputCustomField {
    name: String,
    display_name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(rename = "type")]
    field_type: String,
    #[serde(default)]
    mandatory: bool,
    #[serde(default)]
    options: Vec<serde_json::Value>,
}

/// `POST /api/v1/customField`: defines a custom field (administrators).
async fn create_custom_field(
    axum::Extension(p): axum::Extension<app::platform::Platform>,
    HiveActor(actor): HiveActor,
    body: axum::body::Bytes,
) -> Result<(axum::http::StatusCode, Json<serde_json::Value>), HiveError> {
    let c: InputCustomField = input::lenient_json(&body, "custom field")?;
    let options: Vec<String> = c
        .options
        .iter()
        .map(|o| match o {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let field_type = match c.field_type.as_str() {
        "string" if !options.is_empty() => "enum".to_owned(),
        other => other.to_owned(),
    };
    let label = c.display_name.unwrap_or_else(|| c.name.clone());
    let def = app::fields::service::define(
        &p,
        &actor,
        &app::fields::FieldInput {
            name: c.name,
            label,
            description: c.description,
            field_type,
            options,
            on_cases: true,
            on_alerts: true,
            mandatory: if c.mandatory { "before_close" } else { "never" }.into(),
            default: None,
            position: 0,
        },
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(app::thehive::model::custom_field_def(&def)),
    ))
}

/// `GET /api/v1/customField`: the custom field definitions, TheHive 5's shape.
async fn custom_fields(
    axum::Extension(p): axum::Extension<app::platform::Platform>,
    HiveActor(actor): HiveActor,
) -> Result<Json<serde_json::Value>, HiveError> {
    Ok(Json(serde_json::Value::Array(
        app::thehive::service::custom_field_defs(&p, &actor, false).await?,
    )))
}

/// 503 with `Retry-After` in TheHive's error shape (thehive4py retries 503 by default).
fn overloaded() -> axum::response::Response {
    let mut res = hive_error(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        "Casefile is busy ingesting; retry this request shortly.",
    );
    res.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from_static("1"),
    );
    res
}

async fn not_found() -> HiveError {
    Error::not_found(
        "Casefile's TheHive API does not serve this path; see the README for what is emulated.",
    )
    .into()
}

#[derive(Deserialize)]
struct QueryBody {
    query: Vec<Value>,
}

/// `POST /api/v1/query`: TheHive's query language, the subset its clients use.
async fn run_query(
    axum::Extension(p): axum::Extension<Platform>,
    HiveActor(actor): HiveActor,
    _name: Query<std::collections::HashMap<String, String>>,
    body: Result<Json<QueryBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, HiveError> {
    let Json(body) = body.map_err(input::json_error)?;
    let plan = query::parse(&body.query).map_err(Error::Invalid)?;
    Ok(Json(service::run(&p, &actor, &plan).await?))
}

/// `GET /api/v1/user/current`: integrations call it to check their credentials.
async fn current_user(HiveActor(actor): HiveActor) -> Json<Value> {
    let label = actor.label();
    Json(serde_json::json!({
        "_id": actor.user_id().map_or_else(|| label.clone(), app::thehive::model::id),
        "_type": "User",
        "login": label,
        "name": label,
        "profile": actor.role().map_or("api", |r| r.as_str()),
        "organisation": "casefile",
        "locked": false,
        "hasMFA": false,
    }))
}
