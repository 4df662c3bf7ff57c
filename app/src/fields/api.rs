//! Server functions for the custom fields admin page and the values on a case or an alert.

use leptos::prelude::*;

use super::{FieldDef, FieldForm, FieldValue, RecordFields};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {
    super::{FieldInput, ValueMap, service},
    crate::accounts::context,
    crate::platform::Error,
};

#[server(prefix = "/rpc", endpoint = "custom_fields")]
pub async fn custom_fields() -> AppResult<Vec<FieldDef>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::definitions(&p, &actor).await?)
}

/// A definition from the admin form: options one per line, `applies_to` cases, alerts or both.
#[cfg(feature = "ssr")]
fn form_input(f: FieldForm) -> FieldInput {
    FieldInput {
        name: f.name,
        label: f.label,
        description: f.description,
        field_type: f.field_type,
        options: f
            .options
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect(),
        on_cases: f.applies_to != "alerts",
        on_alerts: f.applies_to != "cases",
        mandatory: f.mandatory,
        default: Some(serde_json::Value::String(f.default)),
        position: f.position,
    }
}

#[server(prefix = "/rpc", endpoint = "define_field")]
pub async fn define_field(form: FieldForm) -> AppResult<FieldDef> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::define(&p, &actor, &form_input(form)).await?)
}

/// Edits a field; the form's name and type are the field's own whatever it sends.
#[server(prefix = "/rpc", endpoint = "redefine_field")]
pub async fn redefine_field(field_id: i64, version: i64, form: FieldForm) -> AppResult<FieldDef> {
    let (p, actor) = context::current_actor().await?;
    let current = service::definitions(&p, &actor)
        .await?
        .into_iter()
        .find(|d| d.field_id == field_id)
        .ok_or_else(|| Error::not_found(format!("There is no custom field {field_id}.")))?;
    let form = FieldForm {
        name: current.name,
        field_type: current.field_type.as_str().to_owned(),
        ..form
    };
    Ok(service::redefine(&p, &actor, field_id, Some(version), &form_input(form)).await?)
}

#[server(prefix = "/rpc", endpoint = "retire_field")]
pub async fn retire_field(field_id: i64, retired: bool) -> AppResult<FieldDef> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::set_retired(&p, &actor, field_id, retired).await?)
}

#[server(prefix = "/rpc", endpoint = "case_fields")]
pub async fn case_fields(case_id: i64) -> AppResult<Vec<FieldValue>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::case_values(&p, &actor, case_id).await?)
}

/// Sets a case's values; `values` is a JSON object of values by field name (forms send text).
#[server(prefix = "/rpc", endpoint = "set_case_fields")]
pub async fn set_case_fields(
    case_id: i64,
    version: i64,
    values: String,
) -> AppResult<Vec<FieldValue>> {
    let (p, actor) = context::current_actor().await?;
    let values: ValueMap = serde_json::from_str(&values)
        .map_err(|_| Error::invalid("The field values were not readable; reload the page."))?;
    Ok(service::set_case_values(&p, &actor, case_id, Some(version), &values).await?)
}

/// An alert's fields panel in the queue.
#[server(prefix = "/rpc", endpoint = "alert_fields")]
pub async fn alert_fields(alert_id: i64) -> AppResult<RecordFields> {
    let (p, actor) = context::current_actor().await?;
    let values = service::alert_values(&p, &actor, alert_id).await?;
    let fields = service::definitions(&p, &actor)
        .await?
        .into_iter()
        .filter(|d| d.on_alerts && !d.retired)
        .collect();
    Ok(RecordFields {
        fields,
        values,
        can_edit: actor.require(crate::roles::Permission::AlertTriage).is_ok(),
    })
}

#[server(prefix = "/rpc", endpoint = "set_alert_fields")]
pub async fn set_alert_fields(alert_id: i64, values: String) -> AppResult<Vec<FieldValue>> {
    let (p, actor) = context::current_actor().await?;
    let values: ValueMap = serde_json::from_str(&values)
        .map_err(|_| Error::invalid("The field values were not readable; reload the page."))?;
    Ok(service::set_alert_values(&p, &actor, alert_id, &values).await?)
}
