//! Case template use cases: administrators keep templates (and move them between teams as
//! JSON); opening a case by hand, escalating an alert, an alert rule and TheHive's
//! `caseTemplate` shape the new case with one through [`shape`].

use serde_json::json;

use super::{
    AlertContext, ImportReport, MAX_IMPORT, NewTemplate, Template, TemplateInput, fill, store,
};
use crate::{
    cases::NewCase,
    fields::{Target, service as fields},
    journal::{Change, NewAuditEvent},
    platform::{Actor, Error, Platform, Result},
    playbooks::service as playbooks,
    roles::Permission,
    severity::Severity,
    validate::tags_from_json,
};

fn to_template(r: store::TemplateRow) -> Result<Template> {
    Ok(Template {
        severity: r
            .severity
            .map(|l| {
                Severity::from_level(l).ok_or_else(|| Error::internal("bad severity in store"))
            })
            .transpose()?,
        tags: tags_from_json(&r.tags),
        playbooks: serde_json::from_str(&r.playbooks).unwrap_or_default(),
        custom_fields: serde_json::from_str(&r.custom_fields).unwrap_or_default(),
        template_id: r.template_id,
        name: r.name,
        description: r.description,
        title_prefix: r.title_prefix,
        body: r.body,
        tlp: r.tlp,
        pap: r.pap,
        tier: r.tier,
        version: r.version,
        updated_at: r.updated_at,
    })
}

fn template_event(
    action: &'static str,
    id: i64,
    detail: serde_json::Value,
) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "case_template",
        object_id: Some(id.to_string()),
        detail,
    }
}

fn may_read(actor: &Actor) -> Result<()> {
    actor
        .require(Permission::CaseRead)
        .or_else(|_| actor.require(Permission::AlertTriage))
        .or_else(|_| actor.require(Permission::TemplatesWrite))
}

/// Every template: analysts pick one, administrators keep them.
pub async fn list(p: &Platform, actor: &Actor) -> Result<Vec<Template>> {
    may_read(actor)?;
    store::all(&p.db)
        .await?
        .into_iter()
        .map(to_template)
        .collect()
}

/// A template by id or by name.
pub async fn find(p: &Platform, actor: &Actor, reference: &str) -> Result<Template> {
    may_read(actor)?;
    let r = reference.trim();
    let row = match r.parse::<i64>() {
        Ok(id) => store::get(&p.db, id).await?,
        Err(_) => store::by_name(&p.db, r).await?,
    };
    to_template(row.ok_or_else(|| {
        Error::not_found(format!("There is no case template \u{201c}{r}\u{201d}."))
    })?)
}

/// Refuses a template naming a playbook that does not exist or a custom field value that
/// would not be accepted on a case.
async fn check_refs(p: &Platform, actor: &Actor, t: &NewTemplate) -> Result<()> {
    for name in &t.playbooks {
        playbooks::tasks_named(p, actor, name).await?;
    }
    fields::check_stored_values(p, Target::Case, &t.custom_fields)
        .await
        .map_err(|e| Error::invalid(format!("Template \u{201c}{}\u{201d}: {e}", t.name)))
}

fn detail_of(t: &NewTemplate) -> serde_json::Value {
    json!({ "name": t.name, "title_prefix": t.title_prefix,
        "severity": t.severity.map(Severity::as_str), "tlp": t.tlp, "pap": t.pap, "tier": t.tier,
        "tags": t.tags, "playbooks": t.playbooks, "custom_fields": t.custom_fields })
}

pub async fn create(p: &Platform, actor: &Actor, input: &TemplateInput) -> Result<Template> {
    actor.require(Permission::TemplatesWrite)?;
    let t = input.check().map_err(Error::Invalid)?;
    check_refs(p, actor, &t).await?;
    let mut ch = Change::begin(p, actor).await?;
    if store::by_name_in_tx(ch.tx(), &t.name).await?.is_some() {
        return Err(Error::conflict(format!(
            "There is already a template named \u{201c}{}\u{201d}.",
            t.name
        )));
    }
    let now = ch.now();
    let id = store::insert(ch.tx(), &t, &actor.label(), now).await?;
    ch.audit(template_event("case_template.created", id, detail_of(&t)))
        .await?;
    let row = store::get_in_tx(ch.tx(), id)
        .await?
        .ok_or_else(|| Error::internal("the new template vanished"))?;
    ch.commit().await?;
    to_template(row)
}

/// Rewrites a template; with `expected_version`, a stale edit is refused.
pub async fn update(
    p: &Platform,
    actor: &Actor,
    template_id: i64,
    expected_version: Option<i64>,
    input: &TemplateInput,
) -> Result<Template> {
    actor.require(Permission::TemplatesWrite)?;
    let t = input.check().map_err(Error::Invalid)?;
    check_refs(p, actor, &t).await?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = store::get_in_tx(ch.tx(), template_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no case template {template_id}.")))?;
    if expected_version.is_some_and(|v| v != before.version) {
        return Err(Error::conflict(format!(
            "Template \u{201c}{}\u{201d} changed since you loaded it; reload, then apply your change again.",
            before.name
        )));
    }
    if t.name != before.name && store::by_name_in_tx(ch.tx(), &t.name).await?.is_some() {
        return Err(Error::conflict(format!(
            "There is already a template named \u{201c}{}\u{201d}.",
            t.name
        )));
    }
    if !store::update(ch.tx(), template_id, before.version, &t, now).await? {
        return Err(Error::conflict(
            "The template changed while saving; try again.",
        ));
    }
    let detail = json!({ "before": to_template(before)?.to_input(), "after": detail_of(&t) });
    ch.audit(template_event("case_template.updated", template_id, detail))
        .await?;
    let row = store::get_in_tx(ch.tx(), template_id)
        .await?
        .ok_or_else(|| Error::internal("the template vanished"))?;
    ch.commit().await?;
    to_template(row)
}

/// Deletes a template. Cases opened with it keep what it gave them (and its name on their
/// timeline); a template holds no record of its own.
pub async fn delete(p: &Platform, actor: &Actor, template_id: i64) -> Result<()> {
    actor.require(Permission::TemplatesWrite)?;
    let mut ch = Change::begin(p, actor).await?;
    let before = store::get_in_tx(ch.tx(), template_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no case template {template_id}.")))?;
    store::delete(ch.tx(), template_id).await?;
    let detail = json!({ "name": before.name, "template": to_template(before)?.to_input() });
    ch.audit(template_event("case_template.deleted", template_id, detail))
        .await?;
    ch.commit().await
}

/// Every template as a JSON array another Casefile imports.
pub async fn export(p: &Platform, actor: &Actor) -> Result<String> {
    let all: Vec<TemplateInput> = list(p, actor)
        .await?
        .iter()
        .map(Template::to_input)
        .collect();
    serde_json::to_string_pretty(&all).map_err(|e| Error::internal(e.to_string()))
}

/// Imports a JSON array of templates (an export): a template of a name already kept is
/// replaced, others are added. All or none: one bad template refuses the file and names it.
pub async fn import(p: &Platform, actor: &Actor, json_text: &str) -> Result<ImportReport> {
    actor.require(Permission::TemplatesWrite)?;
    let inputs: Vec<TemplateInput> = serde_json::from_str(json_text).map_err(|e| {
        Error::invalid(format!(
            "Not a template export (a JSON array of templates): {e}."
        ))
    })?;
    if inputs.len() > MAX_IMPORT {
        return Err(Error::invalid(format!(
            "At most {MAX_IMPORT} templates per import."
        )));
    }
    let mut checked = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let t = input
            .check()
            .map_err(|e| Error::invalid(format!("Template {} ({}): {e}", i + 1, input.name)))?;
        check_refs(p, actor, &t).await?;
        checked.push(t);
    }
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let mut report = ImportReport::default();
    for t in &checked {
        match store::by_name_in_tx(ch.tx(), &t.name).await? {
            Some(existing) => {
                store::update(ch.tx(), existing.template_id, existing.version, t, now).await?;
                report.updated += 1;
            }
            None => {
                store::insert(ch.tx(), t, &actor.label(), now).await?;
                report.created += 1;
            }
        }
    }
    let names: Vec<&str> = checked.iter().map(|t| t.name.as_str()).collect();
    ch.audit(NewAuditEvent {
        action: "case_template.imported",
        object_type: "case_template",
        object_id: None,
        detail: json!({ "names": names, "created": report.created, "updated": report.updated }),
    })
    .await?;
    ch.commit().await?;
    Ok(report)
}

/// What the opener gave, which the template does not override.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    pub description: bool,
    pub severity: bool,
    pub tlp: bool,
    pub pap: bool,
}

/// Shapes a new case with template `reference` (id or name): what the opener (or, for an
/// escalation, the alert) gave wins and the template fills the rest. The title gets the
/// prefix, the description the filled body, tags are added, custom field values fill those
/// left empty, the playbooks' tasks come along, and the case opens in the template's tier.
pub async fn shape(
    p: &Platform,
    actor: &Actor,
    reference: &str,
    case: &mut NewCase,
    alert: Option<&AlertContext>,
    given: Given,
) -> Result<Template> {
    let t = find(p, actor, reference).await?;
    if !t.title_prefix.is_empty() && !case.title.starts_with(&t.title_prefix) {
        case.title = format!("{}{}", t.title_prefix, case.title)
            .chars()
            .take(500)
            .collect();
    }
    if !given.description && !t.body.trim().is_empty() {
        case.description = fill(&t.body, alert);
    }
    if let (false, Some(s)) = (given.severity, t.severity) {
        case.severity = s;
    }
    if let (false, Some(n)) = (given.tlp, t.tlp) {
        case.tlp = n;
    }
    if let (false, Some(n)) = (given.pap, t.pap) {
        case.pap = n;
    }
    for tag in &t.tags {
        if !case.tags.contains(tag) && case.tags.len() < 50 {
            case.tags.push(tag.clone());
        }
    }
    for (name, value) in &t.custom_fields {
        case.field_defaults
            .entry(name.clone())
            .or_insert_with(|| value.clone());
    }
    for name in &t.playbooks {
        case.tasks
            .extend(playbooks::tasks_named(p, actor, name).await?);
    }
    if !t.playbooks.is_empty() {
        let names = t.playbooks.join(", ");
        case.playbook = Some(match case.playbook.take() {
            Some(first) => format!("{first}, {names}"),
            None => names,
        });
    }
    if t.tier.is_some() {
        case.tier = t.tier;
    }
    case.template = Some(t.name.clone());
    Ok(t)
}
