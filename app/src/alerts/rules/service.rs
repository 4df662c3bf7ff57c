//! Alert rule use cases: administrators and managers keep rules (every change audited) and
//! try one over the last 7 days before switching it on; intake runs the live ones on each
//! arriving alert through [`Run`], inside its transaction.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Candidate, DryRun, Rule, RuleAction, RuleInput, matches, store};
use crate::{
    alerts::{NewAlert, Severity},
    fields::{Checked, FieldDef, Target, check_value, service as fields},
    journal::{Change, NewAuditEvent},
    platform::{Actor, Error, Platform, Result, Tx, clock::Millis},
    roles::Permission,
    validate::tags_from_json,
};

fn to_rule(r: store::RuleRow) -> Result<Rule> {
    Ok(Rule {
        conditions: serde_json::from_str(&r.conditions).map_err(|e| {
            Error::internal(format!("rule {} conditions unreadable: {e}", r.rule_id))
        })?,
        action: serde_json::from_str(&r.action_detail)
            .map_err(|e| Error::internal(format!("rule {} action unreadable: {e}", r.rule_id)))?,
        rule_id: r.rule_id,
        name: r.name,
        description: r.description,
        position: r.position,
        enabled: r.enabled != 0,
        expires_at: r.expires_at,
        matched_count: r.matched_count,
        last_matched_at: r.last_matched_at,
        version: r.version,
        updated_at: r.updated_at,
        expired: false,
    })
}

fn rule_event(action: &'static str, id: i64, detail: serde_json::Value) -> NewAuditEvent<'static> {
    NewAuditEvent {
        action,
        object_type: "alert_rule",
        object_id: Some(id.to_string()),
        detail,
    }
}

/// Every rule, in the order they run: triage sees why an alert was suppressed or routed.
pub async fn list(p: &Platform, actor: &Actor) -> Result<Vec<Rule>> {
    actor
        .require(Permission::AlertRead)
        .or_else(|_| actor.require(Permission::AlertRulesWrite))?;
    let now = p.clock.now();
    store::all(&p.db)
        .await?
        .into_iter()
        .map(|r| {
            let mut rule = to_rule(r)?;
            rule.expired = rule.expires_at.is_some_and(|e| e <= now);
            Ok(rule)
        })
        .collect()
}

/// Checks what a rule refers to: the route's fields and assignee, the template.
async fn check_refs(
    p: &Platform,
    action: &RuleAction,
    conditions: &super::Conditions,
) -> Result<()> {
    fields::check_stored_values(p, Target::Alert, &conditions.custom_fields).await?;
    match action {
        RuleAction::Route {
            custom_fields,
            assignee,
            ..
        } => {
            fields::check_stored_values(p, Target::Alert, custom_fields).await?;
            if let Some(name) = assignee {
                let user = crate::accounts::store::user_by_name(&p.db, name).await?;
                if user.is_none_or(|u| u.disabled) {
                    return Err(Error::invalid(format!(
                        "No active account is called \u{201c}{name}\u{201d}."
                    )));
                }
            }
        }
        RuleAction::Escalate { template } => {
            crate::templates::service::find(p, &Actor::system("alert-rules"), template).await?;
        }
        RuleAction::Suppress { .. } => {}
    }
    Ok(())
}

pub async fn create(p: &Platform, actor: &Actor, input: &RuleInput) -> Result<Rule> {
    actor.require(Permission::AlertRulesWrite)?;
    let r = input
        .check(p.clock.now(), input.enabled)
        .map_err(Error::Invalid)?;
    check_refs(p, &r.action, &r.conditions).await?;
    let mut ch = Change::begin(p, actor).await?;
    if store::by_name_in_tx(ch.tx(), &r.name).await?.is_some() {
        return Err(Error::conflict(format!(
            "There is already a rule named \u{201c}{}\u{201d}.",
            r.name
        )));
    }
    let now = ch.now();
    let id = store::insert(ch.tx(), &r, &actor.label(), now).await?;
    let detail = json!({ "name": r.name, "enabled": r.enabled, "position": r.position,
        "conditions": r.conditions, "action": r.action, "expires_at": r.expires_at });
    ch.audit(rule_event("alert_rule.created", id, detail))
        .await?;
    let row = store::get_in_tx(ch.tx(), id)
        .await?
        .ok_or_else(|| Error::internal("the new rule vanished"))?;
    ch.commit().await?;
    to_rule(row)
}

/// Rewrites a rule (switching it on or off is an edit too); a stale edit is refused.
pub async fn update(
    p: &Platform,
    actor: &Actor,
    rule_id: i64,
    expected_version: Option<i64>,
    input: &RuleInput,
) -> Result<Rule> {
    actor.require(Permission::AlertRulesWrite)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let before = to_rule(
        store::get_in_tx(ch.tx(), rule_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("There is no alert rule {rule_id}.")))?,
    )?;
    let r = input.check(now, input.enabled).map_err(Error::Invalid)?;
    check_refs(p, &r.action, &r.conditions).await?;
    if expected_version.is_some_and(|v| v != before.version) {
        return Err(Error::conflict(format!(
            "Rule \u{201c}{}\u{201d} changed since you loaded it; reload, then apply your change again.",
            before.name
        )));
    }
    if r.name != before.name && store::by_name_in_tx(ch.tx(), &r.name).await?.is_some() {
        return Err(Error::conflict(format!(
            "There is already a rule named \u{201c}{}\u{201d}.",
            r.name
        )));
    }
    if !store::update(ch.tx(), rule_id, before.version, &r, now).await? {
        return Err(Error::conflict("The rule changed while saving; try again."));
    }
    let detail = json!({ "before": before.to_input(),
        "after": { "name": r.name, "enabled": r.enabled, "position": r.position,
            "conditions": r.conditions, "action": r.action, "expires_at": r.expires_at } });
    ch.audit(rule_event("alert_rule.updated", rule_id, detail))
        .await?;
    let row = store::get_in_tx(ch.tx(), rule_id)
        .await?
        .ok_or_else(|| Error::internal("the rule vanished"))?;
    ch.commit().await?;
    to_rule(row)
}

/// Alerts a dry run reads at most.
const DRY_RUN_MAX: i64 = 200_000;
const DRY_RUN_PAGE: i64 = 1000;
const WEEK_MS: i64 = 7 * 86_400_000;

/// How many of the last 7 days' alerts `input` would have matched, with the same matching
/// intake uses. Changes nothing.
pub async fn dry_run(p: &Platform, actor: &Actor, input: &RuleInput) -> Result<DryRun> {
    actor.require(Permission::AlertRulesWrite)?;
    let now = p.clock.now();
    let r = input.check(now, false).map_err(Error::Invalid)?;
    let since = now - WEEK_MS;
    let mut out = DryRun::default();
    let mut after = 0;
    loop {
        let page = store::past_alerts(&p.db, since, after, DRY_RUN_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.alert_id;
        let ids: Vec<i64> = page.iter().map(|a| a.alert_id).collect();
        let observables = store::observables_of(&p.db, &ids).await?;
        let values = fields::values_of(p, Target::Alert, &ids).await?;
        for a in &page {
            out.scanned += 1;
            let tags = tags_from_json(&a.tags);
            let custom: crate::fields::ValueMap = values
                .get(&a.alert_id)
                .map(|vs| {
                    vs.iter()
                        .map(|v| (v.name.clone(), v.value.clone()))
                        .collect()
                })
                .unwrap_or_default();
            let candidate = Candidate {
                source: &a.source,
                rule: &a.rule,
                title: &a.title,
                severity: Severity::from_level(a.severity).unwrap_or(Severity::Info),
                tags: &tags,
                observables: observables
                    .iter()
                    .filter(|o| o.0 == a.alert_id)
                    .map(|o| (o.1.as_str(), o.2.as_str()))
                    .collect(),
                custom_fields: &custom,
            };
            if matches(&r.conditions, &candidate) {
                out.would_match += 1;
                if out.examples.len() < 10 {
                    out.examples.push((a.alert_id, a.title.clone()));
                }
            }
        }
        if out.scanned >= DRY_RUN_MAX {
            out.truncated = true;
            break;
        }
    }
    Ok(out)
}

/// What the rules did to one arriving alert.
#[derive(Debug, Default)]
pub(crate) struct Fired {
    /// Rules that matched, in order.
    pub matched: Vec<i64>,
    pub assignee: Option<String>,
    /// (rule id, rule name, verdict, reason).
    pub suppress: Option<(i64, String, String, String)>,
    /// (rule id, rule name, template).
    pub escalate: Option<(i64, String, String)>,
}

/// The live rules of one intake transaction, read once for its batch.
pub(crate) struct Run {
    rules: Vec<Rule>,
}

impl Run {
    pub(crate) async fn load(tx: &mut Tx, now: Millis) -> Result<Self> {
        let rules = store::live_in_tx(tx, now)
            .await?
            .into_iter()
            .map(to_rule)
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { rules })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Runs the rules over `alert` in order: routes change it (and its field values) and go
    /// on; the first suppression or escalation ends the run.
    pub(crate) fn apply(
        &self,
        defs: &[FieldDef],
        alert: &mut NewAlert,
        values: &mut Vec<(i64, Checked)>,
    ) -> Fired {
        let mut fired = Fired::default();
        let by_name = |values: &[(i64, Checked)]| -> crate::fields::ValueMap {
            values
                .iter()
                .filter_map(|(id, c)| {
                    defs.iter()
                        .find(|d| d.field_id == *id)
                        .map(|d| (d.name.clone(), c.value.clone()))
                })
                .collect()
        };
        // Read once, and again only after a route changed the values.
        let mut custom = by_name(values);
        for rule in &self.rules {
            let candidate = Candidate {
                source: &alert.source,
                rule: &alert.rule,
                title: &alert.title,
                severity: alert.severity,
                tags: &alert.tags,
                observables: alert
                    .observables
                    .iter()
                    .map(|o| (o.kind.as_str(), o.value.as_str()))
                    .collect(),
                custom_fields: &custom,
            };
            if !matches(&rule.conditions, &candidate) {
                continue;
            }
            fired.matched.push(rule.rule_id);
            match &rule.action {
                RuleAction::Route {
                    severity,
                    assignee,
                    add_tags,
                    custom_fields,
                } => {
                    if let Some(s) = severity.as_deref().and_then(|s| Severity::parse(s).ok()) {
                        alert.severity = s;
                    }
                    for t in add_tags {
                        if !alert.tags.contains(t) && alert.tags.len() < 50 {
                            alert.tags.push(t.clone());
                        }
                    }
                    for (name, v) in custom_fields {
                        let Some(d) = defs
                            .iter()
                            .find(|d| d.name == *name && d.on_alerts && !d.retired)
                        else {
                            continue;
                        };
                        if let Ok(c) = check_value(&d.rule(), v) {
                            values.retain(|(id, _)| *id != d.field_id);
                            values.push((d.field_id, c));
                        }
                    }
                    if !custom_fields.is_empty() {
                        custom = by_name(values);
                    }
                    if assignee.is_some() {
                        fired.assignee.clone_from(assignee);
                    }
                }
                RuleAction::Suppress { verdict, reason } => {
                    fired.suppress = Some((
                        rule.rule_id,
                        rule.name.clone(),
                        verdict.clone(),
                        reason.clone(),
                    ));
                }
                RuleAction::Escalate { template } => {
                    fired.escalate = Some((rule.rule_id, rule.name.clone(), template.clone()));
                }
            }
            if rule.action.is_final() {
                break;
            }
        }
        fired
    }
}

/// After the batch is stored: assigns and suppresses the new alerts as their rules said, and
/// counts each rule's matches. Returns (routed, suppressed) counts for the audit row.
pub(crate) async fn settle(
    tx: &mut Tx,
    fired: &[(i64, &Fired)],
    now: Millis,
) -> Result<(usize, usize)> {
    let mut counts: BTreeMap<i64, i64> = BTreeMap::new();
    let mut users: BTreeMap<String, Option<i64>> = BTreeMap::new();
    let (mut routed, mut suppressed) = (0, 0);
    for (alert_id, f) in fired {
        for r in &f.matched {
            *counts.entry(*r).or_default() += 1;
        }
        if let Some(name) = &f.assignee {
            let user = match users.get(name) {
                Some(u) => *u,
                None => {
                    let u = store::active_user(tx, name).await?;
                    users.insert(name.clone(), u);
                    u
                }
            };
            if let Some(u) = user {
                store::assign(tx, *alert_id, u, now).await?;
                routed += 1;
            }
        }
        if let Some((rule_id, name, verdict, reason)) = &f.suppress {
            let reason = format!("Suppressed by rule \u{201c}{name}\u{201d}: {reason}");
            store::suppress(tx, *alert_id, *rule_id, verdict, &reason, now).await?;
            suppressed += 1;
        }
    }
    for (rule_id, n) in counts {
        store::count_matches(tx, rule_id, n, now).await?;
    }
    Ok((routed, suppressed))
}
