//! The alert rules page: rules in the order they run, with what each matched and when; a
//! form to write one, try it on the last 7 days ("would have matched N"), and switch it on.

use leptos::prelude::*;

use super::{
    Conditions, Rule, RuleAction, RuleInput,
    api::{DryRunAlertRule, SaveAlertRule, alert_rules},
};
use crate::{
    accounts::pages::RequireUser,
    components::{ErrorBox, When, action_error},
    roles::Permission,
    severity::Severity,
    templates::{Template, api::case_templates, pages::TemplateSelect},
    validate::split_list,
};

#[component]
pub fn AlertRulesPage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::AlertRulesWrite>
            <Rules/>
        </RequireUser>
    }
}

#[component]
fn Rules() -> impl IntoView {
    let save = ServerAction::<SaveAlertRule>::new();
    let dry = ServerAction::<DryRunAlertRule>::new();
    let list = Resource::new(
        move || save.version().get(),
        |_| async {
            Ok::<_, crate::errors::AppError>((alert_rules().await?, case_templates().await?))
        },
    );
    view! {
        <h1>"Alert rules"</h1>
        <p class="muted">"Rules run on every arriving alert, lowest order first: a route changes the alert and the next rules still run; the first suppression (closed at once, until it expires) or escalation (a case from a template) ends the run."</p>
        <div class="action-errors">{action_error(save.value())}{action_error(dry.value())}</div>
        {move || dry.value().get().and_then(Result::ok).map(|d| view! {
            <p class="notice" role="status" data-testid="dry-run">
                {format!("Would have matched {} of the {} alerts of the last 7 days{}.", d.would_match, d.scanned,
                    if d.truncated { " (the first 200,000)" } else { "" })}
            </p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok((rules, templates)) => view! {
                        <RuleTable rules=rules.clone()/>
                        <section class="card" aria-labelledby="new-rule-h">
                            <h2 id="new-rule-h">"New rule"</h2>
                            <RuleForm rule=None templates=templates.clone() save dry/>
                        </section>
                        {rules.into_iter().map(|r| {
                            let summary = format!("Edit {}", r.name);
                            let templates = templates.clone();
                            view! {
                                <details class="card">
                                    <summary>{summary}</summary>
                                    <RuleForm rule=Some(r) templates save dry/>
                                </details>
                            }
                        }).collect_view()}
                    }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn state(r: &Rule) -> &'static str {
    match (r.enabled, r.expired) {
        (false, _) => "off",
        (true, true) => "expired",
        (true, false) => "on",
    }
}

#[component]
fn RuleTable(rules: Vec<Rule>) -> impl IntoView {
    view! {
        <table class="data">
            <thead><tr>
                <th scope="col">"Order"</th><th scope="col">"Name"</th><th scope="col">"Does"</th>
                <th scope="col">"State"</th><th scope="col">"Expires"</th>
                <th scope="col">"Matched"</th><th scope="col">"Last matched"</th>
            </tr></thead>
            <tbody>
                {rules.into_iter().map(|r| view! {
                    <tr>
                        <td class="num">{r.position}</td>
                        <td>{r.name.clone()}</td>
                        <td>{r.action.name()}</td>
                        <td>{state(&r)}</td>
                        <td>{r.expires_at.map(|ms| view! { <When ms/> })}</td>
                        <td class="num">{r.matched_count}</td>
                        <td>{r.last_matched_at.map(|ms| view! { <When ms/> })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A date input's value as the end of that day, UTC, in Unix milliseconds.
fn end_of_day(date: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(date.trim(), &format).ok()?;
    Some((d.next_day()?.midnight().assume_utc().unix_timestamp()) * 1000 - 1)
}

fn day_of(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

/// The form of a new rule (`rule` is `None`) or of an existing one.
#[component]
fn RuleForm(
    rule: Option<Rule>,
    templates: Vec<Template>,
    save: ServerAction<SaveAlertRule>,
    dry: ServerAction<DryRunAlertRule>,
) -> impl IntoView {
    let (id, version) = (
        rule.as_ref().map(|r| r.rule_id),
        rule.as_ref().map(|r| r.version),
    );
    let r = rule.map(|r| r.to_input());
    let c = r.as_ref().map(|r| r.conditions.clone()).unwrap_or_default();
    let text = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let name = RwSignal::new(r.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        r.as_ref()
            .map(|r| r.description.clone())
            .unwrap_or_default(),
    );
    let position = RwSignal::new(r.as_ref().map_or(0, |r| r.position).to_string());
    let enabled = RwSignal::new(r.as_ref().is_some_and(|r| r.enabled));
    let expires = RwSignal::new(
        r.as_ref()
            .and_then(|r| r.expires_at)
            .map(day_of)
            .unwrap_or_default(),
    );
    let source = text(&c.source);
    let detection = text(&c.detection_rule);
    let min_sev = text(&c.min_severity);
    let tags = RwSignal::new(c.tags.join(", "));
    let title = text(&c.title_contains);
    let obs_type = text(&c.observable_type);
    let obs_value = text(&c.observable_value);
    let (cf_name, cf_value) = c
        .custom_fields
        .iter()
        .next()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .unwrap_or_default();
    let cf_name = RwSignal::new(cf_name);
    let cf_value = RwSignal::new(cf_value);
    let action = r.as_ref().map(|r| r.action.clone());
    let kind = RwSignal::new(action.as_ref().map_or("route", RuleAction::name).to_owned());
    let (verdict, reason, severity, assignee, add_tags, template) = match &action {
        Some(RuleAction::Suppress { verdict, reason }) => (
            verdict.clone(),
            reason.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ),
        Some(RuleAction::Route {
            severity,
            assignee,
            add_tags,
            ..
        }) => (
            "false_positive".into(),
            String::new(),
            severity.clone().unwrap_or_default(),
            assignee.clone().unwrap_or_default(),
            add_tags.join(", "),
            String::new(),
        ),
        Some(RuleAction::Escalate { template }) => (
            "false_positive".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            template.clone(),
        ),
        None => (
            "false_positive".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ),
    };
    let (verdict, reason, severity) = (
        RwSignal::new(verdict),
        RwSignal::new(reason),
        RwSignal::new(severity),
    );
    let (assignee, add_tags, template) = (
        RwSignal::new(assignee),
        RwSignal::new(add_tags),
        RwSignal::new(template),
    );
    let input = move || {
        let opt = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        let mut custom_fields = crate::fields::ValueMap::new();
        if let Some(n) = opt(cf_name) {
            custom_fields.insert(n, serde_json::Value::String(cf_value.get_untracked()));
        }
        let action = match kind.get_untracked().as_str() {
            "suppress" => RuleAction::Suppress {
                verdict: verdict.get_untracked(),
                reason: reason.get_untracked(),
            },
            "escalate" => RuleAction::Escalate {
                template: template.get_untracked(),
            },
            _ => RuleAction::Route {
                severity: opt(severity),
                assignee: opt(assignee),
                add_tags: split_list(&add_tags.get_untracked()),
                custom_fields: Default::default(),
            },
        };
        let rule = RuleInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            position: position.get_untracked().trim().parse().unwrap_or(0),
            enabled: enabled.get_untracked(),
            conditions: Conditions {
                source: opt(source),
                detection_rule: opt(detection),
                min_severity: opt(min_sev),
                max_severity: None,
                tags: split_list(&tags.get_untracked()),
                title_contains: opt(title),
                observable_type: opt(obs_type),
                observable_value: opt(obs_value),
                custom_fields,
            },
            action,
            expires_at: end_of_day(&expires.get_untracked()),
        };
        serde_json::to_string(&rule).unwrap_or_default()
    };
    let severity_options = move |signal: RwSignal<String>, blank: &'static str| {
        view! {
            <select bind:value=signal>
                <option value="">{blank}</option>
                {Severity::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
            </select>
        }
    };
    view! {
        <form class="stacked" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(SaveAlertRule { rule_id: id, version, rule: input() });
        }>
            <label>"Name " <input required size="30" bind:value=name/></label>
            <label>"Description " <input size="50" bind:value=description/></label>
            <label>"Order " <input type="number" size="6" bind:value=position/></label>
            <fieldset>
                <legend>"Matches alerts with"</legend>
                <label>"Source " <input size="16" bind:value=source/></label>
                <label>"Detection rule " <input size="20" bind:value=detection/></label>
                <label>"Severity at least " {severity_options(min_sev, "any")}</label>
                <label>"Tags (all of) " <input size="24" bind:value=tags/></label>
                <label>"Title contains " <input size="24" bind:value=title/></label>
                <label>"Observable type " <input size="10" placeholder="ip" bind:value=obs_type/></label>
                <label>"value " <input size="24" bind:value=obs_value/></label>
                <label>"Custom field " <input size="16" placeholder="business_unit" bind:value=cf_name/></label>
                <label>"equal to " <input size="16" bind:value=cf_value/></label>
            </fieldset>
            <label>"Then "
                <select bind:value=kind>
                    <option value="route">"route (set severity, assignee, tags)"</option>
                    <option value="suppress">"suppress (close at once)"</option>
                    <option value="escalate">"escalate (open a case from a template)"</option>
                </select>
            </label>
            <fieldset>
                <legend>"Route"</legend>
                <label>"Set severity " {severity_options(severity, "keep")}</label>
                <label>"Assign to " <input size="16" placeholder="username" bind:value=assignee/></label>
                <label>"Add tags " <input size="24" bind:value=add_tags/></label>
            </fieldset>
            <fieldset>
                <legend>"Suppress"</legend>
                <label>"Verdict "
                    <select bind:value=verdict>
                        <option value="false_positive">"false positive"</option>
                        <option value="benign">"benign"</option>
                        <option value="duplicate">"duplicate"</option>
                    </select>
                </label>
                <label>"Reason " <input size="40" bind:value=reason/></label>
            </fieldset>
            <fieldset>
                <legend>"Escalate"</legend>
                <TemplateSelect template templates/>
            </fieldset>
            <label>"Expires on (required to suppress) " <input type="date" bind:value=expires/></label>
            <label><input type="checkbox" bind:checked=enabled/>" Switched on"</label>
            <button type="button" on:click=move |_| { dry.dispatch(DryRunAlertRule { rule: input() }); }>"Try on the last 7 days"</button>
            <button type="submit" class="primary">{if id.is_some() { "Save rule" } else { "Create rule" }}</button>
        </form>
    }
}
