//! Server functions for the case templates admin page and the template pickers.

use leptos::prelude::*;

use super::{ImportReport, Template};
use crate::errors::AppResult;
#[cfg(feature = "ssr")]
use {
    super::{TemplateInput, service},
    crate::{accounts::context, platform::Error},
};

#[server(prefix = "/rpc", endpoint = "case_templates")]
pub async fn case_templates() -> AppResult<Vec<Template>> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::list(&p, &actor).await?)
}

/// Creates (no `template_id`) or rewrites a template; `template` is its JSON (the form's
/// custom field values make it more than flat text).
#[server(prefix = "/rpc", endpoint = "save_case_template")]
pub async fn save_case_template(
    template_id: Option<i64>,
    version: Option<i64>,
    template: String,
) -> AppResult<Template> {
    let (p, actor) = context::current_actor().await?;
    let input: TemplateInput = serde_json::from_str(&template)
        .map_err(|e| Error::invalid(format!("The template was not readable: {e}.")))?;
    Ok(match template_id {
        Some(id) => service::update(&p, &actor, id, version, &input).await?,
        None => service::create(&p, &actor, &input).await?,
    })
}

#[server(prefix = "/rpc", endpoint = "delete_case_template")]
pub async fn delete_case_template(template_id: i64) -> AppResult<()> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::delete(&p, &actor, template_id).await?)
}

#[server(prefix = "/rpc", endpoint = "export_case_templates")]
pub async fn export_case_templates() -> AppResult<String> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::export(&p, &actor).await?)
}

#[server(prefix = "/rpc", endpoint = "import_case_templates")]
pub async fn import_case_templates(json: String) -> AppResult<ImportReport> {
    let (p, actor) = context::current_actor().await?;
    Ok(service::import(&p, &actor, &json).await?)
}
