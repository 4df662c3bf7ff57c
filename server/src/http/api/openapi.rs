//! The OpenAPI 3.1 document of the REST API, served at `/api/openapi.json` and browsable at
//! `/api/docs`; generated from the handlers' annotations as they are registered, so it follows
//! the code.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use app::roles::TOKEN_SCOPES;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Casefile REST API",
        description = "Alert intake and everything an analyst does in the browser, for SIEM forwarders and SOAR playbooks. Authenticate with `Authorization: Bearer <API token>`; each route names the token scope it needs. Times are RFC 3339; lists page by keyset (`next`); errors are `{\"error\": {\"code\", \"message\", \"field\"?}}`; creates accept `Idempotency-Key`; case edits take the case's `ETag` in `If-Match`."
    ),
    tags(
        (name = "intake", description = "Posting alerts (forwarders)"),
        (name = "alerts", description = "The triage queue"),
        (name = "cases"), (name = "timeline"), (name = "observables"), (name = "tasks"),
        (name = "tiers", description = "Claiming, escalating and accepting cases between tiers"),
        (name = "sla"), (name = "evidence"), (name = "reports"), (name = "search"),
        (name = "audit"), (name = "handover"),
        (name = "watchlists", description = "Known-bad values that flag observables and alerts"),
        (name = "fields", description = "Custom fields: definitions, and the values on cases and alerts"),
        (name = "templates", description = "Case templates: a case's defaults for one kind of incident"),
        (name = "rules", description = "Alert rules: suppress, route or escalate alerts as they arrive"),
        (name = "exports", description = "CSV, STIX 2.1 and case bundles; each recorded on the audit log"),
        (name = "webhooks", description = "Receivers of signed change messages, and their delivery log"),
        (name = "notifications", description = "The inbox of the token's own account"),
    ),
    components(schemas(crate::http::rest::ErrorBody, crate::http::rest::ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scopes: Vec<String> = TOKEN_SCOPES
            .iter()
            .map(|(name, perms)| {
                let perms: Vec<&str> = perms.iter().map(|p| p.name()).collect();
                format!("`{name}` ({})", perms.join(", "))
            })
            .collect();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(format!(
                        "An API token (`cf_…`). Scopes: {}. A token acting for an account is further limited to what that account's role may do.",
                        scopes.join("; ")
                    )))
                    .build(),
            ),
        );
    }
}
