//! Custom field use cases: administrators define and retire fields; analysts and integrations
//! set values on cases (a versioned case edit, on the timeline and the audit log) and alerts.
//! The in-change helpers at the end are how opening, closing and intake apply the rules.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{
    Checked, FieldCursor, FieldDef, FieldFilter, FieldInput, FieldMatch, FieldSort, FieldType,
    FieldValue, Mandatory, SortRequest, Target, ValueMap, store,
};
use crate::{
    journal::{Change, Happened, NewAuditEvent, case_event, search},
    platform::{Actor, Error, Platform, Result, Tx},
    roles::Permission,
    timeline::EventKind,
};

fn to_def(r: store::FieldRow) -> Result<FieldDef> {
    Ok(FieldDef {
        field_type: FieldType::parse(&r.field_type).map_err(Error::Internal)?,
        mandatory: Mandatory::parse(&r.mandatory).map_err(Error::Internal)?,
        options: serde_json::from_str(&r.options).unwrap_or_default(),
        default: r
            .default_value
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok()),
        field_id: r.field_id,
        name: r.name,
        label: r.label,
        description: r.description,
        on_cases: r.on_cases != 0,
        on_alerts: r.on_alerts != 0,
        position: r.position,
        retired: r.retired_at.is_some(),
        version: r.version,
        updated_at: r.updated_at,
    })
}

fn field_event(action: &'static str, field_id: i64, detail: Value) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "custom_field",
        object_id: Some(field_id.to_string()),
        detail,
    }
}

/// Every field definition, retired ones included (pages hide them from forms): for whoever
/// reads cases or alerts, and administrators.
pub async fn definitions(p: &Platform, actor: &Actor) -> Result<Vec<FieldDef>> {
    actor
        .require(Permission::CaseRead)
        .or_else(|_| actor.require(Permission::AlertRead))
        .or_else(|_| actor.require(Permission::FieldsDefine))?;
    all_defs(p).await
}

pub(crate) async fn definitions_in_tx(tx: &mut Tx) -> Result<Vec<FieldDef>> {
    store::all_in_tx(tx)
        .await?
        .into_iter()
        .map(to_def)
        .collect()
}

/// Field `field_id` as this change sees it; `NotFound` if there is none.
async fn field_in(tx: &mut Tx, field_id: i64) -> Result<FieldDef> {
    to_def(
        store::get_in_tx(tx, field_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("There is no custom field {field_id}.")))?,
    )
}

/// Defines a new field.
pub async fn define(p: &Platform, actor: &Actor, input: &FieldInput) -> Result<FieldDef> {
    actor.require(Permission::FieldsDefine)?;
    let f = input.check().map_err(Error::Invalid)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    if store::by_name_in_tx(ch.tx(), &f.name).await?.is_some() {
        return Err(Error::conflict(format!(
            "There is already a field named `{}`; names are never reused.",
            f.name
        )));
    }
    if store::all_in_tx(ch.tx()).await?.len() as i64 >= store::MAX_FIELDS {
        return Err(Error::conflict(format!(
            "At most {} custom fields are kept; retire or reuse one.",
            store::MAX_FIELDS
        )));
    }
    let id = store::insert(ch.tx(), &f, &actor.label(), now).await?;
    let detail = json!({ "name": f.name, "label": f.label, "type": f.field_type.as_str(),
        "options": f.options, "on_cases": f.on_cases, "on_alerts": f.on_alerts,
        "mandatory": f.mandatory.as_str(), "default": f.default.as_ref().map(|d| &d.value) });
    ch.audit(field_event("custom_field.defined", id, detail))
        .await?;
    let defined = field_in(ch.tx(), id).await?;
    ch.commit().await?;
    Ok(defined)
}

/// Changes a field's label, description, options, targets, rule, default or order. The name
/// and type never change (integrations send the name; stored values are of the type).
pub async fn redefine(
    p: &Platform,
    actor: &Actor,
    field_id: i64,
    expected_version: Option<i64>,
    input: &FieldInput,
) -> Result<FieldDef> {
    actor.require(Permission::FieldsDefine)?;
    let f = input.check().map_err(Error::Invalid)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = field_in(ch.tx(), field_id).await?;
    if f.name != before.name || f.field_type != before.field_type {
        return Err(Error::invalid(format!(
            "The name and type of `{}` never change; define a new field instead.",
            before.name
        )));
    }
    if expected_version.is_some_and(|v| v != before.version) {
        return Err(Error::conflict(format!(
            "Field `{}` changed since you loaded it; reload, then apply your change again.",
            before.name
        )));
    }
    if !store::update(ch.tx(), field_id, before.version, &f, now).await? {
        return Err(Error::conflict(
            "The field changed while saving; try again.",
        ));
    }
    let detail = json!({ "name": before.name,
        "before": { "label": before.label, "options": before.options, "mandatory": before.mandatory,
            "on_cases": before.on_cases, "on_alerts": before.on_alerts, "default": before.default },
        "after": { "label": f.label, "options": f.options, "mandatory": f.mandatory,
            "on_cases": f.on_cases, "on_alerts": f.on_alerts,
            "default": f.default.as_ref().map(|d| &d.value) } });
    ch.audit(field_event("custom_field.updated", field_id, detail))
        .await?;
    let after = field_in(ch.tx(), field_id).await?;
    ch.commit().await?;
    Ok(after)
}

/// Retires a field (hidden from forms, no longer required, values kept) or brings it back.
pub async fn set_retired(
    p: &Platform,
    actor: &Actor,
    field_id: i64,
    retired: bool,
) -> Result<FieldDef> {
    actor.require(Permission::FieldsDefine)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = field_in(ch.tx(), field_id).await?;
    if before.retired == retired {
        return Err(Error::conflict(format!(
            "Field `{}` is {} retired.",
            before.name,
            if retired { "already" } else { "not" }
        )));
    }
    store::set_retired(ch.tx(), field_id, retired.then_some(now), now).await?;
    let action = if retired {
        "custom_field.retired"
    } else {
        "custom_field.restored"
    };
    ch.audit(field_event(
        action,
        field_id,
        json!({ "name": before.name }),
    ))
    .await?;
    let after = field_in(ch.tx(), field_id).await?;
    ch.commit().await?;
    Ok(after)
}

/// Values as shown, in the fields' order.
fn shown(defs: &[FieldDef], rows: Vec<store::ValueRow>) -> Vec<FieldValue> {
    let mut by_id: BTreeMap<i64, Value> = rows
        .into_iter()
        .filter_map(|r| Some((r.field_id, serde_json::from_str(&r.value).ok()?)))
        .collect();
    defs.iter()
        .filter_map(|d| {
            by_id.remove(&d.field_id).map(|value| FieldValue {
                name: d.name.clone(),
                label: d.label.clone(),
                field_type: d.field_type,
                value,
                retired: d.retired,
            })
        })
        .collect()
}

/// The custom field values of case `case_id`.
pub async fn case_values(p: &Platform, actor: &Actor, case_id: i64) -> Result<Vec<FieldValue>> {
    actor.require(Permission::CaseRead)?;
    let defs = all_defs(p).await?;
    Ok(shown(
        &defs,
        store::values(&p.db, Target::Case, case_id).await?,
    ))
}

/// The custom field values of alert `alert_id`.
pub async fn alert_values(p: &Platform, actor: &Actor, alert_id: i64) -> Result<Vec<FieldValue>> {
    actor.require(Permission::AlertRead)?;
    let defs = all_defs(p).await?;
    Ok(shown(
        &defs,
        store::values(&p.db, Target::Alert, alert_id).await?,
    ))
}

/// Values of many records at once, by record id: for list pages, exports and TheHive lists.
/// Callers have checked the reader may see the records.
pub async fn values_of(
    p: &Platform,
    target: Target,
    ids: &[i64],
) -> Result<BTreeMap<i64, Vec<FieldValue>>> {
    let defs = all_defs(p).await?;
    let mut rows: BTreeMap<i64, Vec<store::ValueRow>> = BTreeMap::new();
    for (id, field_id, value) in store::values_of(&p.db, target, ids).await? {
        rows.entry(id)
            .or_default()
            .push(store::ValueRow { field_id, value });
    }
    Ok(rows
        .into_iter()
        .map(|(id, r)| (id, shown(&defs, r)))
        .collect())
}

/// A checked change to one field: its new value, or `None` to clear it.
pub(crate) struct Assignment {
    pub def: FieldDef,
    pub value: Option<Checked>,
}

/// Checks `values` against the fields that apply to `target`. Names must be of a defined,
/// not retired field; `null` (or an empty string) clears.
pub(crate) fn check_values(
    defs: &[FieldDef],
    target: Target,
    values: &ValueMap,
) -> Result<Vec<Assignment>> {
    let mut out = Vec::with_capacity(values.len());
    for (name, v) in values {
        let def = defs
            .iter()
            .find(|d| d.name == *name && d.applies_to(target) && !d.retired)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "There is no custom field `{name}` on {}s; an administrator defines fields at /admin/fields.",
                    target.noun()
                ))
            })?;
        let value = match v {
            Value::Null => None,
            Value::String(s) if s.trim().is_empty() => None,
            v => Some(super::check_value(&def.rule(), v).map_err(Error::Invalid)?),
        };
        out.push(Assignment {
            def: def.clone(),
            value,
        });
    }
    Ok(out)
}

/// Checks values a template (or a rule) will give a case or an alert, before keeping them.
pub async fn check_stored_values(p: &Platform, target: Target, values: &ValueMap) -> Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    let defs = all_defs(p).await?;
    check_values(&defs, target, values).map(|_| ())
}

/// Names in `names` that are not fields applying to `target` (TheHive answers those 404).
pub async fn unknown_names(
    p: &Platform,
    target: Target,
    names: impl IntoIterator<Item = &str>,
) -> Result<Vec<String>> {
    let defs = all_defs(p).await?;
    Ok(names
        .into_iter()
        .filter(|n| {
            !defs
                .iter()
                .any(|d| d.name == *n && d.applies_to(target) && !d.retired)
        })
        .map(str::to_owned)
        .collect())
}

/// Sets custom field values on a case: a case edit (refused if the case changed since
/// `expected_version` or is closed), one timeline entry and one audit row for all of them.
pub async fn set_case_values(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    expected_version: Option<i64>,
    values: &ValueMap,
) -> Result<Vec<FieldValue>> {
    actor.require(Permission::CaseEdit)?;
    if values.is_empty() {
        return Err(Error::invalid("Give at least one field value."));
    }
    let (mut ch, case) = Change::on_case(p, actor, case_id).await?;
    if expected_version.is_some_and(|v| v != case.version) {
        return Err(Error::conflict(format!(
            "Case {} changed since you loaded it; reload to see the changes, then apply yours again.",
            case.number
        )));
    }
    if case.status == "closed" {
        return Err(Error::conflict(format!(
            "Case {} is closed; reopen it, with a reason, to change it.",
            case.number
        )));
    }
    let defs = definitions_in_tx(ch.tx()).await?;
    let assignments = check_values(&defs, Target::Case, values)?;
    let changes = apply(&mut ch, Target::Case, case_id, &assignments).await?;
    if !changes.is_empty() {
        search::index_case_header(ch.tx(), case_id).await?;
        let names: Vec<&str> = changes.iter().map(|c| c.0.as_str()).collect();
        let summary = format!(
            "Custom fields: {}",
            changes
                .iter()
                .map(|(name, _, after)| format!("{name} \u{2192} {}", text_of(after)))
                .collect::<Vec<_>>()
                .join("; ")
        );
        let detail = json!({ "fields": names });
        ch.record(
            case_id,
            Happened {
                kind: EventKind::CaseUpdated,
                at: ch.now(),
                summary: &summary,
                detail,
            },
        )
        .await?;
        ch.audit(case_event(
            "case.fields_changed",
            case_id,
            change_detail(&changes),
        ))
        .await?;
        ch.commit().await?;
    }
    case_values(p, actor, case_id).await
}

/// Sets custom field values on an alert (triage, or the integration that posted it).
pub async fn set_alert_values(
    p: &Platform,
    actor: &Actor,
    alert_id: i64,
    values: &ValueMap,
) -> Result<Vec<FieldValue>> {
    actor.require(Permission::AlertTriage)?;
    if values.is_empty() {
        return Err(Error::invalid("Give at least one field value."));
    }
    let mut ch = Change::begin(p, actor).await?;
    if !store::alert_exists(ch.tx(), alert_id).await? {
        return Err(Error::not_found(format!("There is no alert {alert_id}.")));
    }
    let defs = definitions_in_tx(ch.tx()).await?;
    let assignments = check_values(&defs, Target::Alert, values)?;
    let changes = apply(&mut ch, Target::Alert, alert_id, &assignments).await?;
    if !changes.is_empty() {
        ch.audit(NewAuditEvent {
            action: "alert.fields_changed",
            object_type: "alert",
            object_id: Some(alert_id.to_string()),
            detail: change_detail(&changes),
        })
        .await?;
        ch.commit().await?;
    }
    alert_values(p, actor, alert_id).await
}

fn text_of(v: &Option<Value>) -> String {
    match v {
        None => "(cleared)".into(),
        Some(Value::String(s)) => {
            let mut s: String = s.chars().take(80).collect();
            if s.len() == 80 {
                s.push('…');
            }
            s
        }
        Some(other) => other.to_string(),
    }
}

fn change_detail(changes: &[(String, Option<Value>, Option<Value>)]) -> Value {
    let before: serde_json::Map<String, Value> = changes
        .iter()
        .map(|(n, b, _)| (n.clone(), b.clone().unwrap_or(Value::Null)))
        .collect();
    let after: serde_json::Map<String, Value> = changes
        .iter()
        .map(|(n, _, a)| (n.clone(), a.clone().unwrap_or(Value::Null)))
        .collect();
    json!({ "before": before, "after": after })
}

/// Writes `assignments` on record `id`; returns (name, before, after) of each that changed.
async fn apply(
    ch: &mut Change<'_>,
    target: Target,
    id: i64,
    assignments: &[Assignment],
) -> Result<Vec<(String, Option<Value>, Option<Value>)>> {
    let now = ch.now();
    let current: BTreeMap<i64, Value> = store::values_in_tx(ch.tx(), target, id)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.field_id, serde_json::from_str(&r.value).ok()?)))
        .collect();
    let mut changes = Vec::new();
    for a in assignments {
        let before = current.get(&a.def.field_id).cloned();
        let after = a.value.as_ref().map(|c| c.value.clone());
        if before == after {
            continue;
        }
        match &a.value {
            Some(c) => store::put(ch.tx(), target, id, a.def.field_id, c, now).await?,
            None => store::clear(ch.tx(), target, id, a.def.field_id).await?,
        }
        changes.push((a.def.name.clone(), before, after));
    }
    Ok(changes)
}

/// Gives a new case its values: those `given`, then the alert's (when opened from one), then
/// a template's, then the fields' defaults; refuses the opening if a field required to open
/// a case has none. Returns the values set, for the opening's audit row.
pub(crate) async fn on_open(
    ch: &mut Change<'_>,
    case_id: i64,
    given: &ValueMap,
    from_alert: Option<i64>,
    template: &ValueMap,
) -> Result<BTreeMap<String, Value>> {
    let defs = definitions_in_tx(ch.tx()).await?;
    if defs.is_empty() && given.is_empty() && template.is_empty() {
        return Ok(BTreeMap::new());
    }
    let now = ch.now();
    let assignments = check_values(&defs, Target::Case, given)?;
    for a in &assignments {
        if let Some(c) = &a.value {
            store::put(ch.tx(), Target::Case, case_id, a.def.field_id, c, now).await?;
        }
    }
    if let Some(alert_id) = from_alert {
        store::copy_alert_to_case(ch.tx(), alert_id, case_id, now).await?;
    }
    let mut set: BTreeMap<i64, Value> = store::values_in_tx(ch.tx(), Target::Case, case_id)
        .await?
        .into_iter()
        .filter_map(|r| Some((r.field_id, serde_json::from_str(&r.value).ok()?)))
        .collect();
    for a in check_values(&defs, Target::Case, template)? {
        if let (Some(c), false) = (&a.value, set.contains_key(&a.def.field_id)) {
            store::put(ch.tx(), Target::Case, case_id, a.def.field_id, c, now).await?;
            set.insert(a.def.field_id, c.value.clone());
        }
    }
    let mut missing = Vec::new();
    for d in defs.iter().filter(|d| d.on_cases && !d.retired) {
        if set.contains_key(&d.field_id) {
            continue;
        }
        if let Some(default) = &d.default {
            let c = super::check_value(&d.rule(), default).map_err(Error::Internal)?;
            store::put(ch.tx(), Target::Case, case_id, d.field_id, &c, now).await?;
            set.insert(d.field_id, c.value);
        } else if d.mandatory == Mandatory::OnOpen {
            missing.push(d);
        }
    }
    search::index_case_header(ch.tx(), case_id).await?;
    if !missing.is_empty() {
        return Err(Error::invalid(format!(
            "A case needs {} to be opened: {}.",
            if missing.len() == 1 {
                "this field"
            } else {
                "these fields"
            },
            describe(&missing)
        )));
    }
    Ok(defs
        .iter()
        .filter_map(|d| set.remove(&d.field_id).map(|v| (d.name.clone(), v)))
        .collect())
}

/// Refuses to close case `case_id` while a field required before closing has no value.
pub(crate) async fn check_before_close(tx: &mut Tx, case_id: i64, number: &str) -> Result<()> {
    let defs = definitions_in_tx(tx).await?;
    let required: Vec<&FieldDef> = defs
        .iter()
        .filter(|d| {
            d.on_cases
                && !d.retired
                && matches!(d.mandatory, Mandatory::BeforeClose | Mandatory::OnOpen)
        })
        .collect();
    if required.is_empty() {
        return Ok(());
    }
    let set: Vec<i64> = store::values_in_tx(tx, Target::Case, case_id)
        .await?
        .into_iter()
        .map(|r| r.field_id)
        .collect();
    let missing: Vec<&FieldDef> = required
        .into_iter()
        .filter(|d| !set.contains(&d.field_id))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "Case {number} cannot be closed until {} filled in: {}.",
        if missing.len() == 1 {
            "this field is"
        } else {
            "these fields are"
        },
        describe(&missing)
    )))
}

fn describe(defs: &[&FieldDef]) -> String {
    defs.iter()
        .map(|d| format!("{} (`{}`)", d.label, d.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks each alert's custom fields for intake, against `defs`: the values to write (with
/// the defaults of alert fields it leaves out), or the reason the alert is refused.
pub(crate) fn check_for_intake(
    defs: &[FieldDef],
    values: &ValueMap,
) -> std::result::Result<Vec<(i64, Checked)>, String> {
    let assignments = check_values(defs, Target::Alert, values).map_err(|e| e.to_string())?;
    let mut out: Vec<(i64, Checked)> = assignments
        .into_iter()
        .filter_map(|a| a.value.map(|v| (a.def.field_id, v)))
        .collect();
    for d in defs.iter().filter(|d| d.on_alerts && !d.retired) {
        if out.iter().any(|(id, _)| *id == d.field_id) || values.contains_key(&d.name) {
            continue;
        }
        if let Some(default) = &d.default
            && let Ok(c) = super::check_value(&d.rule(), default)
        {
            out.push((d.field_id, c));
        }
    }
    Ok(out)
}

/// Checks list filters against the fields of `target`.
pub(crate) async fn check_filters(
    p: &Platform,
    target: Target,
    filters: &[FieldFilter],
) -> Result<Vec<FieldMatch>> {
    let filters: Vec<&FieldFilter> = filters.iter().filter(|f| !f.is_empty()).collect();
    if filters.is_empty() {
        return Ok(Vec::new());
    }
    if filters.len() > 5 {
        return Err(Error::invalid("At most 5 custom field filters at once."));
    }
    let defs = all_defs(p).await?;
    filters
        .into_iter()
        .map(|f| {
            f.check(find(&defs, f.name.trim(), target)?)
                .map_err(Error::Invalid)
        })
        .collect()
}

/// Checks a list's `sort` (a field's name, `-name` for descending) against the fields of
/// `target`; `None` keeps the list's own order.
pub(crate) async fn check_sort(
    p: &Platform,
    target: Target,
    sort: Option<&str>,
) -> Result<Option<FieldSort>> {
    let Some(req) = SortRequest::parse(sort) else {
        return Ok(None);
    };
    let defs = all_defs(p).await?;
    req.check(find(&defs, &req.name, target)?)
        .map(Some)
        .map_err(Error::Invalid)
}

/// The cursor of a sorted list's page that ended at record `id`: in the valued part, or among
/// the records without a value.
pub(crate) async fn sorted_cursor(
    p: &Platform,
    target: Target,
    sort: &FieldSort,
    id: i64,
) -> Result<String> {
    let cursor = match store::sort_key(&p.db, target, id, sort).await? {
        Some(key) => FieldCursor::Valued { key, id },
        None => FieldCursor::Blank { id },
    };
    Ok(cursor.to_param())
}

async fn all_defs(p: &Platform) -> Result<Vec<FieldDef>> {
    store::all(&p.db).await?.into_iter().map(to_def).collect()
}

fn find<'d>(defs: &'d [FieldDef], name: &str, target: Target) -> Result<&'d FieldDef> {
    defs.iter()
        .find(|d| d.name == name && d.applies_to(target))
        .ok_or_else(|| {
            Error::invalid(format!(
                "There is no custom field `{name}` on {}s.",
                target.noun()
            ))
        })
}
