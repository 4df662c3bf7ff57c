//! `POST /api/alerts`: native alert intake for SIEM, EDR, IDS and firewall forwarders.
//! One alert object or an array of up to 1000; each item gets its own result, and retries of
//! the same (source, source_ref) are safe.

use app::{
    alerts::{AlertInput, IngestOutcome, NewAlert, intake::Intake},
    platform::Error,
};
use axum::{
    Extension, Json,
    body::Body,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::http::rest::{ApiActor, ApiError, ErrorBody};

/// Largest single alert, and largest batch body.
pub const MAX_ALERT_BYTES: usize = 1024 * 1024;
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_BATCH_ITEMS: usize = 1000;

/// The result of one item of a batch.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ItemResult {
    /// Position in the posted array.
    index: usize,
    #[serde(flatten)]
    outcome: IngestOutcome,
}

/// The answer to a batch: counts and one result per item, in order.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"created": 1, "repeated": 1, "rejected": 1, "results": [{"index": 0, "status": "created", "id": 4182}, {"index": 1, "status": "repeated", "id": 4170, "occurrences": 4}, {"index": 2, "status": "rejected", "error": "Unknown severity \u{201c}urgent\u{201d}: use info, low, medium, high or critical."}]}))]
pub struct BatchResult {
    created: usize,
    repeated: usize,
    rejected: usize,
    results: Vec<ItemResult>,
}

fn check_item(raw: &RawValue) -> Result<NewAlert, String> {
    if raw.get().len() > MAX_ALERT_BYTES {
        return Err(format!(
            "This alert is larger than {} KiB.",
            MAX_ALERT_BYTES / 1024
        ));
    }
    let input: AlertInput =
        serde_json::from_str(raw.get()).map_err(|e| format!("Not a valid alert: {e}."))?;
    input.check()
}

/// Posts one alert (an object) or a batch (an array of up to 1000). A repeat of the same
/// (`source`, `source_ref`) never creates a second alert: it returns the existing id.
#[utoipa::path(post, path = "/api/alerts", tag = "intake",
    security(("bearer" = ["alerts:write"])),
    request_body(content = AlertInput, description = "One alert, or an array of up to 1000 (each as AlertInput)"),
    responses(
        (status = 201, description = "A single alert was created", body = IngestOutcome),
        (status = 200, description = "A single alert repeated an existing one, or a batch was processed (BatchResult)", body = BatchResult),
        (status = 400, description = "The body or the single alert is invalid", body = ErrorBody),
        (status = 401, description = "Missing, unknown or revoked token", body = ErrorBody),
        (status = 403, description = "The token lacks the alerts:write scope", body = ErrorBody),
        (status = 413, description = "An alert over 1 MiB or a batch over 16 MiB", body = ErrorBody),
        (status = 503, description = "Overloaded; retry after the Retry-After seconds", body = ErrorBody),
    ))]
pub async fn post_alerts(
    Extension(intake): Extension<Intake>,
    ApiActor(actor): ApiActor,
    body: Body,
) -> Result<Response, ApiError> {
    let body = crate::http::body::read_within(body, MAX_BATCH_BYTES, || {
        format!(
            "A request may be at most {} MiB; send the alerts in smaller batches.",
            MAX_BATCH_BYTES >> 20
        )
    })
    .await?;
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'[') {
        let items: Vec<&RawValue> = serde_json::from_slice(&body)
            .map_err(|e| Error::invalid(format!("The body is not a JSON array of alerts: {e}.")))?;
        if items.len() > MAX_BATCH_ITEMS {
            return Err(Error::invalid(format!(
                "At most {MAX_BATCH_ITEMS} alerts per request; split the batch."
            ))
            .into());
        }
        let checked = items.iter().map(|raw| check_item(raw)).collect();
        let outcomes = intake.submit(actor, checked).await?;
        let count = |f: fn(&IngestOutcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
        let result = BatchResult {
            created: count(|o| matches!(o, IngestOutcome::Created { .. })),
            repeated: count(|o| matches!(o, IngestOutcome::Repeated { .. })),
            rejected: count(|o| matches!(o, IngestOutcome::Rejected { .. })),
            results: outcomes
                .into_iter()
                .enumerate()
                .map(|(index, outcome)| ItemResult { index, outcome })
                .collect(),
        };
        return Ok(Json(result).into_response());
    }
    if body.len() > MAX_ALERT_BYTES {
        return Ok(crate::http::rest::api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "An alert may be at most {} KiB; this one is {} KiB.",
                MAX_ALERT_BYTES / 1024,
                body.len() / 1024
            ),
        ));
    }
    let item: &RawValue = serde_json::from_slice(&body)
        .map_err(|e| Error::invalid(format!("The body is not a JSON alert object: {e}.")))?;
    let checked = check_item(item).map_err(Error::Invalid)?;
    let outcome = intake
        .submit(actor, vec![Ok(checked)])
        .await?
        .into_iter()
        .next();
    Ok(match outcome {
        Some(o @ IngestOutcome::Created { .. }) => (StatusCode::CREATED, Json(o)).into_response(),
        // A single alert refused at the last check (a value a database cannot hold, a bad
        // custom field) is a bad request, as one refused by the first check is.
        Some(IngestOutcome::Rejected { error }) => return Err(Error::Invalid(error).into()),
        Some(o) => (StatusCode::OK, Json(o)).into_response(),
        None => return Err(Error::internal("ingest returned no outcome").into()),
    })
}
