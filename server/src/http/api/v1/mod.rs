//! The native REST API, `/api/v1/`: everything an analyst does in the browser, over the same
//! services (authorization, audit and transactions exactly as for the pages). Each route is
//! registered together with its OpenAPI description, so the router and the document cannot
//! drift apart.

pub mod alerts;
pub mod cases;
pub mod exports;
pub mod fields;
pub mod investigation;
pub mod notifications;
pub mod records;
pub mod rules;
pub mod templates;
pub mod tiers;
pub mod views;
pub mod watchlists;
pub mod webhooks;

use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new()
        .routes(routes!(alerts::list_alerts))
        .routes(routes!(alerts::merge_alerts))
        .routes(routes!(alerts::get_alert))
        .routes(routes!(alerts::set_verdict))
        .routes(routes!(alerts::assign_alert))
        .routes(routes!(alerts::escalate_alert))
        .routes(routes!(cases::list_cases, cases::create_case))
        .routes(routes!(cases::get_case, cases::patch_case))
        .routes(routes!(cases::close_case))
        .routes(routes!(cases::reopen_case))
        .routes(routes!(
            investigation::list_timeline,
            investigation::add_entry
        ))
        .routes(routes!(
            investigation::list_observables,
            investigation::add_observables
        ))
        .routes(routes!(investigation::list_tasks, investigation::add_task))
        .routes(routes!(investigation::set_task_status))
        .routes(routes!(tiers::tier_state))
        .routes(routes!(tiers::claim))
        .routes(routes!(tiers::release))
        .routes(routes!(tiers::accept))
        .routes(routes!(tiers::assign))
        .routes(routes!(tiers::escalate))
        .routes(routes!(tiers::return_escalation))
        .routes(routes!(tiers::pause_sla))
        .routes(routes!(tiers::resume_sla))
        .routes(routes!(records::report))
        .routes(routes!(records::search_cases))
        .routes(routes!(records::list_evidence))
        .routes(routes!(records::audit_log))
        .routes(routes!(records::verify_audit))
        .routes(routes!(records::board, records::write_handover))
        .routes(routes!(records::acknowledge_handover))
        .routes(routes!(exports::cases_csv))
        .routes(routes!(exports::alerts_csv))
        .routes(routes!(exports::audit_export))
        .routes(routes!(exports::case_stix))
        .routes(routes!(exports::case_bundle))
        .routes(routes!(exports::custody))
        .routes(routes!(
            watchlists::list_watchlists,
            watchlists::create_watchlist
        ))
        .routes(routes!(watchlists::list_entries))
        .routes(routes!(watchlists::import_entries))
        .routes(routes!(fields::list_fields, fields::define_field))
        .routes(routes!(fields::patch_field))
        .routes(routes!(fields::retire_field))
        .routes(routes!(fields::restore_field))
        .routes(routes!(fields::case_fields, fields::set_case_fields))
        .routes(routes!(fields::alert_fields, fields::set_alert_fields))
        .routes(routes!(rules::list_rules, rules::create_rule))
        .routes(routes!(rules::dry_run))
        .routes(routes!(rules::replace_rule))
        .routes(routes!(templates::export_templates))
        .routes(routes!(templates::import_templates))
        .routes(routes!(
            templates::list_templates,
            templates::create_template
        ))
        .routes(routes!(
            templates::get_template,
            templates::replace_template,
            templates::delete_template
        ))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::patch_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(notifications::list_notifications))
        .routes(routes!(notifications::mark_read))
}
