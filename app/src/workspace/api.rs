//! Server functions of the workspace: the case page's data, and opening a case by hand.

use leptos::prelude::*;

use super::CaseWorkspaceData;
use crate::{
    cases::{CaseInput, TimelineFilter},
    errors::AppResult,
};
#[cfg(feature = "ssr")]
use {
    super::service,
    crate::{accounts::context, cases::service as cases, platform::Error},
};

#[server(prefix = "/rpc", endpoint = "case_view")]
pub async fn case_view(
    number: String,
    // Optional because an empty filter encodes to nothing in the form encoding.
    filter: Option<TimelineFilter>,
    after: Option<(i64, i64)>,
) -> AppResult<CaseWorkspaceData> {
    let (p, actor) = context::current_actor().await?;
    let filter = filter.unwrap_or_default();
    Ok(service::workspace(&p, &actor, &number, &filter, after).await?)
}

/// Opens a case by hand (a hunt, a user's report), optionally with a playbook's tasks; returns
/// the case number. `custom_fields` is a JSON object of values by field name (forms send text).
#[server(prefix = "/rpc", endpoint = "open_case")]
pub async fn open_case(
    input: CaseInput,
    playbook_id: Option<i64>,
    custom_fields: String,
    template: Option<String>,
) -> AppResult<String> {
    let (p, actor) = context::current_actor().await?;
    let mut input = input;
    if !custom_fields.trim().is_empty() {
        input.custom_fields = serde_json::from_str(&custom_fields)
            .map_err(|_| Error::invalid("The field values were not readable; reload the page."))?;
    }
    // The form shows the template's severity and TLP once it is picked, so what it sends is
    // the analyst's choice.
    let given = crate::templates::service::Given {
        description: !input.description.trim().is_empty(),
        severity: true,
        tlp: true,
        pap: input.pap.is_some(),
    };
    let mut new_case = input.check().map_err(Error::Invalid)?;
    if let Some(t) = template.as_deref().filter(|t| !t.trim().is_empty()) {
        crate::templates::service::shape(&p, &actor, t, &mut new_case, None, given).await?;
    }
    if let Some(id) = playbook_id {
        let (name, tasks) = crate::playbooks::service::tasks_of(&p, &actor, id).await?;
        new_case.tasks.extend(tasks);
        new_case.playbook = Some(name);
    }
    Ok(cases::open(&p, &actor, new_case).await?.number)
}
