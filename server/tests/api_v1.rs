//! HTTP tests of the native REST API (`/api/v1/`) on SQLite and PostgreSQL: a phishing
//! playbook played entirely through it, scopes, clear 400s that change nothing, stale edits,
//! idempotent retries, rate limits, and the OpenAPI document agreeing with the server. Every
//! JSON answer checked here is validated against the schema the document gives for it.

mod common;

use app::{
    accounts::service as accounts,
    both_databases,
    platform::Platform,
    testing::{add_user, system},
};
use common::{serve, serve_with};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

async fn token(p: &Platform, name: &str, scopes: &[&str], acts_for: Option<&str>) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    accounts::create_token(p, &system(), name, &scopes, acts_for)
        .await
        .unwrap()
        .token
}

/// A client for one server and one token, which checks answers against the document.
struct Api {
    base: String,
    token: String,
    http: Client,
    doc: Value,
}

impl Api {
    async fn new(base: &str, token: &str) -> Self {
        let doc = reqwest::get(format!("{base}/api/openapi.json"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            base: base.into(),
            token: token.into(),
            http: Client::new(),
            doc,
        }
    }

    fn as_token(&self, token: &str) -> Self {
        Self {
            base: self.base.clone(),
            token: token.into(),
            http: self.http.clone(),
            doc: self.doc.clone(),
        }
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// Sends, checks the status, and validates a JSON answer against the document's schema
    /// for `template` (the documented path), method and status.
    async fn call(
        &self,
        rb: RequestBuilder,
        template: &str,
        method: &str,
        expect: StatusCode,
    ) -> Value {
        let res: Response = rb.send().await.unwrap();
        let status = res.status();
        let body = res.text().await.unwrap();
        assert_eq!(status, expect, "{method} {template}: {body}");
        let value: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{method} {template} answered non-JSON ({e}): {body}"));
        validate(&self.doc, template, method, status.as_u16(), &value);
        value
    }

    async fn get(&self, path: &str, template: &str) -> Value {
        self.call(self.req(Method::GET, path), template, "get", StatusCode::OK)
            .await
    }

    async fn post(&self, path: &str, template: &str, body: Value, expect: StatusCode) -> Value {
        self.call(
            self.req(Method::POST, path).json(&body),
            template,
            "post",
            expect,
        )
        .await
    }
}

/// Checks `value` against the schema the document gives for that answer.
fn validate(doc: &Value, template: &str, method: &str, status: u16, value: &Value) {
    let response = &doc["paths"][template][method]["responses"][status.to_string()];
    assert!(
        !response.is_null(),
        "the document has no {status} answer for {method} {template}"
    );
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "no JSON schema for {status} of {method} {template}"
    );
    let root = json!({ "components": doc["components"], "allOf": [schema] });
    let validator = jsonschema::validator_for(&root).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match its schema: {errors:?}\n{value}"
    );
}

fn phishing_alert(source_ref: &str) -> Value {
    json!({
        "source": "m365-defender", "source_ref": source_ref, "rule": "Reported phish",
        "title": "User reported phishing: invoice lure", "severity": "high",
        "occurred_at": "2026-12-01T08:55:00Z",
        "observables": [
            {"type": "email", "value": "billing@examp1e-invoices.test"},
            {"type": "url", "value": "https://examp1e-invoices.test/pay"},
            {"type": "domain", "value": "examp1e-invoices.test"}
        ],
        "raw": {"reporter": "finance.clerk@corp.test"}
    })
}

both_databases!(
    a_phishing_playbook_runs_entirely_through_the_api,
    |p| async move {
        add_user(&p, "tara", "analyst", Some(1)).await;
        add_user(&p, "ian", "analyst", Some(3)).await;
        let forwarder = token(&p, "m365", &["alerts:write"], None).await;
        let soar_t1 = token(
            &p,
            "soar-t1",
            &["alerts:triage", "cases:write", "cases:tiers"],
            Some("tara"),
        )
        .await;
        let soar_t3 = token(
            &p,
            "soar-t3",
            &["cases:write", "cases:tiers", "reports:read"],
            Some("ian"),
        )
        .await;
        let auditor = token(&p, "grc", &["audit:read"], None).await;
        let base = serve(p.clone(), None).await;
        let t1 = Api::new(&base, &soar_t1).await;
        let t3 = t1.as_token(&soar_t3);

        // The alert arrives and waits in the queue.
        let res = Client::new()
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&forwarder)
            .json(&phishing_alert("phish-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let queue = t1
            .get("/api/v1/alerts?severity=high", "/api/v1/alerts")
            .await;
        let alert_id = queue["items"][0]["id"].as_i64().unwrap();
        let alert = t1
            .get(&format!("/api/v1/alerts/{alert_id}"), "/api/v1/alerts/{id}")
            .await;
        assert_eq!(alert["observables"].as_array().unwrap().len(), 3);

        // Escalated into a case, retried with the same key: one case.
        let escalate = |key: &str| {
            t1.req(Method::POST, &format!("/api/v1/alerts/{alert_id}/escalate"))
                .header("Idempotency-Key", key)
                .json(&json!({"title": "Phishing: invoice lure to finance"}))
        };
        let case = t1
            .call(
                escalate("step-escalate"),
                "/api/v1/alerts/{id}/escalate",
                "post",
                StatusCode::CREATED,
            )
            .await;
        let retried = escalate("step-escalate").send().await.unwrap();
        assert_eq!(retried.status(), StatusCode::CREATED);
        assert_eq!(retried.headers()["idempotent-replayed"], "true");
        let retried: Value = retried.json().await.unwrap();
        assert_eq!(retried["id"], case["id"]);
        let number = case["number"].as_str().unwrap().to_owned();
        let case_path = format!("/api/v1/cases/{number}");

        // Tier 1 takes it, adds what it found and contains.
        let claimed = t1
            .post(
                &format!("{case_path}/claim"),
                "/api/v1/cases/{case}/claim",
                json!({}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(claimed["assignee"], "tara");
        t1.post(
            &format!("{case_path}/observables"),
            "/api/v1/cases/{case}/observables",
            json!({"observables": [{"type": "ip", "value": "203.0.113.77"}], "ioc": true,
                "description": "Hosting the payment page"}),
            StatusCode::CREATED,
        )
        .await;
        let task = t1
            .post(
                &format!("{case_path}/tasks"),
                "/api/v1/cases/{case}/tasks",
                json!({"title": "Block the sender domain", "action": "block_domain"}),
                StatusCode::CREATED,
            )
            .await;
        let task_id = task["id"].as_i64().unwrap();
        let refused = t1
            .post(
                &format!("/api/v1/tasks/{task_id}/status"),
                "/api/v1/tasks/{id}/status",
                json!({"status": "done"}),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(
            refused["error"]["message"].as_str().unwrap().len() > 10,
            "{refused}"
        );
        let done = t1
            .post(
                &format!("/api/v1/tasks/{task_id}/status"),
                "/api/v1/tasks/{id}/status",
                json!({"status": "done", "done_on": "mail-gw-01"}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(done["status"], "done");
        assert_eq!(done["done_on"], "mail-gw-01");
        t1.post(
            &format!("{case_path}/timeline"),
            "/api/v1/cases/{case}/timeline",
            json!({"kind": "note", "body": "Two more recipients; none clicked.",
                "occurred_at": "2026-12-01T09:10:00Z"}),
            StatusCode::CREATED,
        )
        .await;

        // Up to tier 3, which accepts it.
        t1.post(
            &format!("{case_path}/escalate"),
            "/api/v1/cases/{case}/escalate",
            json!({"to_tier": 3, "reason": "Credential harvesting kit; needs incident response.",
                "handover_note": "Domain blocked at the gateway; mailbox purge pending."}),
            StatusCode::OK,
        )
        .await;
        let state = t3
            .get(&format!("{case_path}/tier"), "/api/v1/cases/{case}/tier")
            .await;
        assert_eq!(state["pending"]["to_tier"], 3, "{state}");
        let accepted = t3
            .post(
                &format!("{case_path}/accept"),
                "/api/v1/cases/{case}/accept",
                json!({}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(accepted["tier"], 3);
        assert_eq!(accepted["assignee"], "ian");

        // Closed with a verdict, based on the version read.
        let current = t3.req(Method::GET, &case_path).send().await.unwrap();
        let etag = current.headers()["etag"].to_str().unwrap().to_owned();
        let closed = t3
            .call(
                t3.req(Method::POST, &format!("{case_path}/close"))
                    .header("If-Match", &etag)
                    .json(&json!({"verdict": "true_positive_without_impact",
                        "summary": "Kit taken down; no credentials entered."})),
                "/api/v1/cases/{case}/close",
                "post",
                StatusCode::OK,
            )
            .await;
        assert_eq!(closed["status"], "closed");

        // The report, as a PDF.
        let pdf = t3
            .req(
                Method::GET,
                &format!("{case_path}/report?format=pdf&tlp=amber"),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        assert!(pdf.headers().contains_key("x-content-sha256"));
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));

        // Every step is on the timeline and on the audit log, by the accounts that did them.
        let timeline = t3
            .get(
                &format!("{case_path}/timeline"),
                "/api/v1/cases/{case}/timeline",
            )
            .await;
        let entries = timeline["items"].as_array().unwrap();
        let kinds: Vec<&str> = entries
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for kind in [
            "case_opened",
            "alert_linked",
            "observable_added",
            "task_added",
            "task_done",
            "note",
            "escalation",
            "status_change",
        ] {
            assert!(kinds.contains(&kind), "no {kind} entry in {kinds:?}");
        }
        let by = |kind: &str| {
            entries
                .iter()
                .filter(|e| e["kind"] == kind)
                .map(|e| e["recorded_by"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert!(by("note").contains(&"tara via token:soar-t1".to_owned()));
        assert!(
            by("task_done")
                .iter()
                .all(|who| who == "tara via token:soar-t1")
        );
        let audit = t1.as_token(&auditor);
        let log = audit
            .get(
                &format!("/api/v1/audit?object_id={}", case["id"]),
                "/api/v1/audit",
            )
            .await;
        let actions: Vec<(String, String)> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["actor"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let done_by = |action: &str, who: &str| {
            actions
                .iter()
                .any(|(a, w)| a.starts_with(action) && w == who)
        };
        assert!(done_by("case.", "tara via token:soar-t1"), "{actions:?}");
        assert!(
            done_by("case.escalat", "tara via token:soar-t1"),
            "{actions:?}"
        );
        assert!(done_by("case.", "ian via token:soar-t3"), "{actions:?}");
        assert!(
            done_by("case.closed", "ian via token:soar-t3"),
            "{actions:?}"
        );
        let verified = audit
            .post(
                "/api/v1/audit/verify",
                "/api/v1/audit/verify",
                json!({}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(verified["intact"], true, "{verified}");
    }
);

both_databases!(
    each_route_needs_its_scope_and_disabled_accounts_stop_their_tokens,
    |p| async move {
        let tara = add_user(&p, "tara", "analyst", Some(1)).await;
        let reader = token(&p, "reader", &["cases:read"], None).await;
        let tara_token = token(&p, "tara-bot", &["cases:write"], Some("tara")).await;
        let base = serve(p.clone(), None).await;
        let api = Api::new(&base, &reader).await;

        let list = api.get("/api/v1/cases", "/api/v1/cases").await;
        assert_eq!(list["items"], json!([]));
        let refused = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "Nope", "severity": "low"}),
                StatusCode::FORBIDDEN,
            )
            .await;
        assert_eq!(refused["error"]["code"], "forbidden");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("case.create")
        );
        let queue = api.req(Method::GET, "/api/v1/alerts").send().await.unwrap();
        assert_eq!(queue.status(), StatusCode::FORBIDDEN);
        let anonymous = Client::new()
            .get(format!("{base}/api/v1/cases"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");

        let as_tara = api.as_token(&tara_token);
        let made = as_tara
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "Suspicious login", "severity": "medium"}),
                StatusCode::CREATED,
            )
            .await;
        assert_eq!(made["created_by"], "tara via token:tara-bot");
        accounts::set_disabled(&p, &system(), tara, true)
            .await
            .unwrap();
        let after = as_tara
            .req(Method::GET, "/api/v1/cases")
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    }
);

both_databases!(
    bad_input_gets_a_clear_400_naming_the_field_and_changes_nothing,
    |p| async move {
        let t = token(&p, "soar", &["cases:write"], None).await;
        let base = serve(p.clone(), None).await;
        let api = Api::new(&base, &t).await;
        let missing = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"severity": "high"}),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(missing["error"]["code"], "invalid");
        assert_eq!(missing["error"]["field"], "title", "{missing}");
        let blank = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": " ", "severity": "high"}),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(blank["error"]["field"], "title", "{blank}");
        let severity = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "Beacon", "severity": "urgent"}),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(
            severity["error"]["message"]
                .as_str()
                .unwrap()
                .contains("urgent"),
            "{severity}"
        );
        let garbled = api
            .call(
                api.req(Method::POST, "/api/v1/cases")
                    .header("content-type", "application/json")
                    .body("{\"title\": "),
                "/api/v1/cases",
                "post",
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(
            garbled["error"]["message"]
                .as_str()
                .unwrap()
                .contains("not valid JSON")
        );
        let bad_time = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "Beacon", "severity": "high",
                    "tasks": [{"title": "Isolate", "due_at": "tomorrow"}]}),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(bad_time["error"]["field"], "due_at", "{bad_time}");
        let bad_cursor = api
            .req(Method::GET, "/api/v1/cases?cursor=abc")
            .send()
            .await
            .unwrap();
        assert_eq!(bad_cursor.status(), StatusCode::BAD_REQUEST);
        let unknown = api
            .req(Method::GET, "/api/v1/nothing-here")
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let unknown: Value = unknown.json().await.unwrap();
        assert_eq!(unknown["error"]["code"], "not_found");

        let reader = token(&p, "reader", &["cases:read"], None).await;
        let list = api
            .as_token(&reader)
            .get("/api/v1/cases", "/api/v1/cases")
            .await;
        assert_eq!(list["items"], json!([]), "a refused create left a case");
    }
);

both_databases!(
    a_stale_edit_gets_409_with_the_current_case,
    |p| async move {
        let t = token(&p, "soar", &["cases:write"], None).await;
        let base = serve(p.clone(), None).await;
        let api = Api::new(&base, &t).await;
        let case = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "Beacon to 203.0.113.9", "severity": "medium"}),
                StatusCode::CREATED,
            )
            .await;
        let path = format!("/api/v1/cases/{}", case["number"].as_str().unwrap());
        let read = api.req(Method::GET, &path).send().await.unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(etag, format!("\"{}\"", case["version"]));

        let first = api
            .call(
                api.req(Method::PATCH, &path)
                    .header("If-Match", &etag)
                    .json(&json!({"severity": "high"})),
                "/api/v1/cases/{case}",
                "patch",
                StatusCode::OK,
            )
            .await;
        assert_eq!(first["severity"], "high");
        let stale = api
            .call(
                api.req(Method::PATCH, &path)
                    .header("If-Match", &etag)
                    .json(&json!({"title": "Overwrite"})),
                "/api/v1/cases/{case}",
                "patch",
                StatusCode::CONFLICT,
            )
            .await;
        assert_eq!(stale["error"]["code"], "conflict");
        assert_eq!(stale["current"]["severity"], "high");
        assert_eq!(stale["current"]["title"], "Beacon to 203.0.113.9");
        let by_body = api
            .call(
                api.req(Method::PATCH, &path)
                    .json(&json!({"status": "investigating", "version": first["version"]})),
                "/api/v1/cases/{case}",
                "patch",
                StatusCode::OK,
            )
            .await;
        assert_eq!(by_body["status"], "investigating");
    }
);

both_databases!(an_idempotent_retry_never_creates_twice, |p| async move {
    let t = token(&p, "soar", &["cases:write"], None).await;
    let base = serve(p.clone(), None).await;
    let api = Api::new(&base, &t).await;
    let body = json!({"title": "Ransom note on FS01", "severity": "critical"});
    let send = |key: &str, body: &Value| {
        api.req(Method::POST, "/api/v1/cases")
            .header("Idempotency-Key", key)
            .json(body)
    };
    let first = api
        .call(
            send("k-1", &body),
            "/api/v1/cases",
            "post",
            StatusCode::CREATED,
        )
        .await;
    let again = api
        .call(
            send("k-1", &body),
            "/api/v1/cases",
            "post",
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(first, again);
    let other = api
        .call(
            send(
                "k-1",
                &json!({"title": "Something else", "severity": "low"}),
            ),
            "/api/v1/cases",
            "post",
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(other["error"]["field"], "Idempotency-Key", "{other}");
    // A refused request gives its key back: the corrected retry runs.
    api.call(
        send("k-2", &json!({"title": "", "severity": "low"})),
        "/api/v1/cases",
        "post",
        StatusCode::BAD_REQUEST,
    )
    .await;
    api.call(
        send("k-2", &json!({"title": "Fixed", "severity": "low"})),
        "/api/v1/cases",
        "post",
        StatusCode::CREATED,
    )
    .await;
    let reader = token(&p, "reader", &["cases:read"], None).await;
    let list = api
        .as_token(&reader)
        .get("/api/v1/cases", "/api/v1/cases")
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
});

both_databases!(
    lists_page_by_keyset_with_a_next_link_that_keeps_the_filters,
    |p| async move {
        let t = token(&p, "soar", &["cases:write"], None).await;
        let base = serve(p.clone(), None).await;
        let api = Api::new(&base, &t).await;
        for i in 0..55 {
            api.post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": format!("Case {i}"), "severity": "low"}),
                StatusCode::CREATED,
            )
            .await;
        }
        let mut seen = Vec::new();
        let mut path = "/api/v1/cases?status=open".to_owned();
        loop {
            let page = api.get(&path, "/api/v1/cases").await;
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_i64().unwrap()),
            );
            match page["next"].as_str() {
                Some(next) => {
                    assert!(next.contains("status=open"), "{next}");
                    path = next.to_owned();
                }
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 55);
        assert_eq!(seen.len(), 55);
    }
);

both_databases!(
    a_token_over_its_rate_gets_429_with_retry_after,
    |p| async move {
        let t = token(&p, "chatty", &["cases:read"], None).await;
        let base = serve_with(p.clone(), None, |a| a.api_requests_per_minute = 3).await;
        let http = Client::new();
        for _ in 0..3 {
            let ok = http
                .get(format!("{base}/api/v1/cases"))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap();
            assert_eq!(ok.status(), StatusCode::OK);
        }
        let limited = http
            .get(format!("{base}/api/v1/cases"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        let body: Value = limited.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_requests");
    }
);

both_databases!(the_openapi_document_and_the_router_agree, |p| async move {
    let base = serve(p.clone(), None).await;
    let doc: Value = reqwest::get(format!("{base}/api/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let known: Vec<&str> = app::roles::TOKEN_SCOPES.iter().map(|(n, _)| *n).collect();
    let http = Client::new();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 30, "only {} paths", paths.len());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            // Each route says which scope it needs, from the scope table.
            let scopes: Vec<&str> = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} names no scope"))
                .iter()
                .flat_map(|s| s["bearer"].as_array().unwrap())
                .map(|s| s.as_str().unwrap())
                .collect();
            // Any valid token may ask who it is; every other route needs a scope.
            assert!(
                !scopes.is_empty() || path == "/api/whoami",
                "{method} {path} names no scope"
            );
            for s in &scopes {
                assert!(known.contains(s), "{method} {path}: unknown scope {s}");
            }
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} documents no 401"
            );
            // And answers: without a token, 401 in the error shape (never 404 or 405).
            let url = format!(
                "{base}{}",
                path.replace("{id}", "1")
                    .replace("{case}", "CF-2026-000001")
                    .replace("{number}", "CF-2026-000001")
            );
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = http.request(m, &url).send().await.unwrap();
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a token"
            );
            let body: Value = res.json().await.unwrap();
            validate(&doc, path, method, 401, &body);
        }
    }
    // Every JSON body a route takes or answers with comes with an example.
    let mut without = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let bodies = op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|b| ("request", b));
            let answers = op["responses"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(code, _)| code.starts_with('2'))
                .flat_map(|(_, r)| r["content"].as_object().into_iter().flatten())
                .map(|b| ("response", b));
            for (what, (content_type, body)) in bodies.chain(answers) {
                let json = content_type.contains("json");
                if json && !has_example(&doc, body, 0) {
                    without.push(format!("{method} {path} {what}"));
                }
            }
        }
    }
    assert!(without.is_empty(), "no example: {without:#?}");

    // The browsable reference is served from here, with nothing from a CDN.
    let page = reqwest::get(format!("{base}/api/docs/")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("https://"),
        "the docs page loads from elsewhere"
    );
    let init = reqwest::get(format!("{base}/api/docs/swagger-initializer.js"))
        .await
        .unwrap();
    assert_eq!(init.status(), StatusCode::OK);
    assert!(init.text().await.unwrap().contains("/api/openapi.json"));
});

/// Whether a schema (or a media type) carries an example: its own, or one of what it is made
/// of (properties, items, references).
fn has_example(doc: &Value, s: &Value, depth: usize) -> bool {
    if depth > 8 || !s.is_object() {
        return false;
    }
    if s.get("example").is_some() || s.get("examples").is_some() {
        return true;
    }
    if let Some(r) = s["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return has_example(doc, &doc["components"]["schemas"][name], depth + 1);
    }
    let parts = s["schema"]
        .as_object()
        .map(|_| vec![&s["schema"]])
        .unwrap_or_default()
        .into_iter()
        .chain(
            s["properties"]
                .as_object()
                .into_iter()
                .flat_map(|p| p.values()),
        )
        .chain(["items", "additionalProperties"].iter().map(|k| &s[*k]))
        .chain(
            ["allOf", "oneOf", "anyOf"]
                .iter()
                .flat_map(|k| s[*k].as_array().into_iter().flatten()),
        );
    parts.into_iter().any(|p| has_example(doc, p, depth + 1))
}

/// Every `/api/` route is registered through `routes!` with its description, so none can be
/// missing from the document: no file adds one with a bare `.route("/api/…")`, except the
/// TheHive emulation (TheHive's API, documented by TheHive) and the JSON 404 catch-all.
#[test]
fn no_api_route_is_added_outside_the_document() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http");
    let mut stack = vec![std::path::PathBuf::from(root)];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("thehive") {
                    stack.push(path);
                }
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for line in text.lines() {
                let bare =
                    line.contains(".route(\"/api/") || line.contains(".route(&format!(\"/api/");
                if bare && !line.contains("/api/v1/{*rest}") {
                    offenders.push(format!("{}: {}", path.display(), line.trim()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "undocumented API routes: {offenders:#?}"
    );
}

both_databases!(evidence_custody_and_exports_work_by_token, |p| async move {
    let t = token(
        &p,
        "soar",
        &[
            "cases:write",
            "evidence:write",
            "evidence:custody",
            "evidence:read",
            "audit:read",
        ],
        None,
    )
    .await;
    let base = serve(p.clone(), None).await;
    let api = Api::new(&base, &t).await;
    let case = api
        .post(
            "/api/v1/cases",
            "/api/v1/cases",
            json!({"title": "Beacon from WS-114", "severity": "high",
                    "observables": [{"type": "ip", "value": "203.0.113.9"}]}),
            StatusCode::CREATED,
        )
        .await;
    let number = case["number"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new()
        .text("kind", "pcap")
        .text("collected_from", "WS-114")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"pcap bytes".to_vec()).file_name("beacon.pcap"),
        );
    let uploaded = api
        .call(
            api.req(Method::POST, &format!("/api/cases/{number}/evidence"))
                .multipart(form),
            "/api/cases/{number}/evidence",
            "post",
            StatusCode::CREATED,
        )
        .await;
    let evidence_id = uploaded["evidence_id"].as_i64().unwrap();
    let listed = api
        .get(
            &format!("/api/v1/cases/{number}/evidence"),
            "/api/v1/cases/{case}/evidence",
        )
        .await;
    assert_eq!(listed["items"][0]["sha256"], uploaded["sha256"]);
    let moved = api
        .post(
            &format!("/api/v1/evidence/{evidence_id}/custody"),
            "/api/v1/evidence/{id}/custody",
            json!({"action": "transfer", "party": "Forensics lab", "reason": "Analysis"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(moved["custodian"], "Forensics lab");
    let bad = api
        .post(
            &format!("/api/v1/evidence/{evidence_id}/custody"),
            "/api/v1/evidence/{id}/custody",
            json!({"action": "lose"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert_eq!(bad["error"]["field"], "action");
    let record = api
        .get(
            &format!("/api/evidence/{evidence_id}"),
            "/api/evidence/{id}",
        )
        .await;
    assert!(record["custody"].as_array().unwrap().len() >= 2, "{record}");

    let stix = api
        .req(Method::GET, &format!("/api/v1/cases/{number}/stix"))
        .send()
        .await
        .unwrap();
    assert_eq!(stix.status(), StatusCode::OK);
    let stix: Value = stix.json().await.unwrap();
    assert_eq!(stix["type"], "bundle");
    let csv = api
        .req(Method::GET, "/api/v1/exports/cases.csv?status=open")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.unwrap().contains(&number));
    let bundle = api
        .req(
            Method::GET,
            &format!("/api/v1/cases/{number}/bundle?evidence=true"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
    assert!(bundle.bytes().await.unwrap().starts_with(b"PK"));
    let audit = api
        .req(Method::GET, "/api/v1/exports/audit?format=jsonl")
        .send()
        .await
        .unwrap();
    assert_eq!(audit.status(), StatusCode::OK);
    let lines = audit.text().await.unwrap();
    assert!(
        lines.contains("evidence.transferred") || lines.contains("custody"),
        "{lines}"
    );
});

both_databases!(
    a_feed_keeps_a_watchlist_that_flags_observables,
    |p| async move {
        let feed = token(&p, "ti-feed", &["watchlists:write"], None).await;
        let soar = token(&p, "soar", &["cases:write"], None).await;
        let base = serve(p.clone(), None).await;
        let api = Api::new(&base, &feed).await;
        let list = api
            .post(
                "/api/v1/watchlists",
                "/api/v1/watchlists",
                json!({"name": "Phishing kits", "description": "From the TI feed"}),
                StatusCode::CREATED,
            )
            .await;
        let id = list["id"].as_i64().unwrap();
        let path = format!("/api/v1/watchlists/{id}/import");
        let imported = api
            .post(
                &path,
                "/api/v1/watchlists/{id}/import",
                json!({"csv": "type,value,note\ndomain,examp1e-invoices[.]test,kit\n"}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(imported["added"], 1);
        let again = api
            .post(
                &path,
                "/api/v1/watchlists/{id}/import",
                json!({"csv": "domain,examp1e-invoices.test\n"}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(again["already_listed"], 1);
        let bad = api
            .post(
                &path,
                "/api/v1/watchlists/{id}/import",
                json!({"csv": "ip,not-an-ip\n"}),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(bad["error"]["message"].as_str().unwrap().len() > 10);

        let analyst = api.as_token(&soar);
        let entries = analyst
            .get(
                &format!("/api/v1/watchlists/{id}/entries"),
                "/api/v1/watchlists/{id}/entries",
            )
            .await;
        assert_eq!(entries["items"][0]["value"], "examp1e-invoices.test");
        let refused = analyst
            .req(Method::POST, &path)
            .json(&json!({"csv": "domain,other.test\n"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let case = analyst
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "Lure", "severity": "medium",
                    "observables": [{"type": "domain", "value": "examp1e-invoices.test"}]}),
                StatusCode::CREATED,
            )
            .await;
        let observables = analyst
            .get(
                &format!(
                    "/api/v1/cases/{}/observables",
                    case["number"].as_str().unwrap()
                ),
                "/api/v1/cases/{case}/observables",
            )
            .await;
        assert_eq!(
            observables["items"][0]["watchlist"], "Phishing kits",
            "{observables}"
        );
    }
);

both_databases!(
    custom_fields_are_defined_set_and_filtered_through_the_api,
    |p| async move {
        let admin_t = token(&p, "fields-admin", &["fields:write"], None).await;
        let soar = token(
            &p,
            "soar",
            &["cases:write", "alerts:triage", "alerts:write"],
            None,
        )
        .await;
        let base = serve(p.clone(), None).await;
        let admin = Api::new(&base, &admin_t).await;
        let api = admin.as_token(&soar);

        let bu = admin
            .post(
                "/api/v1/fields",
                "/api/v1/fields",
                json!({"name": "business_unit", "label": "Business unit", "field_type": "enum",
                    "options": ["Finance", "HR"], "on_alerts": true, "mandatory": "before_close"}),
                StatusCode::CREATED,
            )
            .await;
        assert_eq!(bu["type"], "enum");
        let refused = api
            .post(
                "/api/v1/fields",
                "/api/v1/fields",
                json!({"name": "x", "label": "x", "field_type": "string"}),
                StatusCode::FORBIDDEN,
            )
            .await;
        assert_eq!(refused["error"]["code"], "forbidden");
        let listed = api.get("/api/v1/fields", "/api/v1/fields").await;
        assert_eq!(listed["items"][0]["name"], "business_unit");

        let case = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "Lost laptop", "severity": "medium",
                    "custom_fields": {"business_unit": "HR"}}),
                StatusCode::CREATED,
            )
            .await;
        let number = case["number"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/cases/{number}/fields");
        let got = api.get(&path, "/api/v1/cases/{case}/fields").await;
        assert_eq!(got["custom_fields"][0]["value"], "HR");
        let version = got["version"].as_i64().unwrap();

        // A bad value names the field; nothing changes.
        let bad = api
            .call(
                api.req(Method::PATCH, &path)
                    .json(&json!({"custom_fields": {"business_unit": "Legal"}})),
                "/api/v1/cases/{case}/fields",
                "patch",
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert_eq!(bad["error"]["field"], "business_unit", "{bad}");
        let set = api
            .call(
                api.req(Method::PATCH, &path)
                    .header("If-Match", format!("\"{version}\""))
                    .json(&json!({"custom_fields": {"business_unit": "Finance"}})),
                "/api/v1/cases/{case}/fields",
                "patch",
                StatusCode::OK,
            )
            .await;
        assert_eq!(set["custom_fields"][0]["value"], "Finance");
        assert_eq!(set["version"], version + 1);
        let stale = api
            .call(
                api.req(Method::PATCH, &path)
                    .header("If-Match", format!("\"{version}\""))
                    .json(&json!({"custom_fields": {"business_unit": "HR"}})),
                "/api/v1/cases/{case}/fields",
                "patch",
                StatusCode::CONFLICT,
            )
            .await;
        assert_eq!(stale["current"]["version"], version + 1, "{stale}");

        let filtered = api
            .get(
                "/api/v1/cases?field=business_unit&field_value=Finance",
                "/api/v1/cases",
            )
            .await;
        assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
        let none = api
            .get(
                "/api/v1/cases?field=business_unit&field_value=HR",
                "/api/v1/cases",
            )
            .await;
        assert!(none["items"].as_array().unwrap().is_empty());

        // Sorted by a field: the values in order, the cases without one after them.
        for (title, custom) in [
            ("Stolen badge", json!({"business_unit": "HR"})),
            ("Spam", json!({})),
        ] {
            api.post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": title, "severity": "low", "custom_fields": custom}),
                StatusCode::CREATED,
            )
            .await;
        }
        let sorted = api
            .get("/api/v1/cases?sort=-business_unit", "/api/v1/cases")
            .await;
        let titles: Vec<&str> = sorted["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Stolen badge", "Lost laptop", "Spam"], "{sorted}");
        let bad = api
            .call(
                api.req(Method::GET, "/api/v1/cases?sort=no_such_field"),
                "/api/v1/cases",
                "get",
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(
            bad["error"]["message"]
                .as_str()
                .unwrap()
                .contains("no_such_field"),
            "{bad}"
        );

        // Alerts carry values from intake and take edits.
        let res = Client::new()
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&soar)
            .json(
                &json!({"source": "edr", "source_ref": "cf-1", "title": "Beacon",
                "severity": "high", "custom_fields": {"business_unit": "HR"}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let outcome: Value = res.json().await.unwrap();
        let alert_id = outcome["results"][0]["id"]
            .as_i64()
            .or_else(|| outcome["id"].as_i64())
            .unwrap_or_else(|| panic!("{outcome}"));
        let apath = format!("/api/v1/alerts/{alert_id}/fields");
        let got = api.get(&apath, "/api/v1/alerts/{id}/fields").await;
        assert_eq!(got["custom_fields"][0]["value"], "HR");
        let set = api
            .call(
                api.req(Method::PATCH, &apath)
                    .json(&json!({"custom_fields": {"business_unit": null}})),
                "/api/v1/alerts/{id}/fields",
                "patch",
                StatusCode::OK,
            )
            .await;
        assert!(set["custom_fields"].as_array().unwrap().is_empty());

        // CSV exports carry a column per field; reports show the values under the ceiling.
        // (sorted as the list is: by the field, the case without a value last)
        let csv = api
            .req(Method::GET, "/api/v1/exports/cases.csv?sort=business_unit")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let ends: Vec<&str> = csv.lines().map(|l| l.rsplit(',').next().unwrap()).collect();
        assert_eq!(ends, ["business_unit", "Finance", "HR", ""], "{csv}");
        let red = api
            .req(Method::POST, &format!("/api/v1/cases/{number}/observables"))
            .json(&json!({"observables": [{"type": "ip", "value": "198.51.100.9"}], "tlp": 3}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            red.status(),
            StatusCode::CREATED,
            "{}",
            red.text().await.unwrap()
        );
        admin
            .req(Method::POST, "/api/v1/fields")
            .json(&json!({"name": "contact", "label": "Contact", "field_type": "string"}))
            .send()
            .await
            .unwrap();
        let set = api
            .req(Method::PATCH, &path)
            .json(&json!({"custom_fields": {"contact": "seen from 198.51.100[.]9"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            set.status(),
            StatusCode::OK,
            "{}",
            set.text().await.unwrap()
        );
        let reports_t = token(&p, "reports", &["reports:read"], None).await;
        let reports = api.as_token(&reports_t);
        for format in ["json", "md", "html"] {
            let body = reports
                .req(
                    Method::GET,
                    &format!("/api/v1/cases/{number}/report?format={format}&tlp=amber"),
                )
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(body.contains("Finance"), "{format}: {body}");
            assert!(
                !body.contains("198.51.100"),
                "{format} leaks a TLP:RED value: {body}"
            );
            assert!(body.contains("withheld"), "{format}: {body}");
        }

        // Closing waits for the required field.
        let closed = api
            .post(
                &format!("/api/v1/cases/{number}/close"),
                "/api/v1/cases/{case}/close",
                json!({"verdict": "benign", "summary": "Found in the office."}),
                StatusCode::OK,
            )
            .await;
        assert_eq!(closed["status"], "closed");
    }
);

both_databases!(
    templates_are_kept_shared_and_applied_through_the_api,
    |p| async move {
        let admin_t = token(&p, "templates-admin", &["templates:write"], None).await;
        let soar = token(
            &p,
            "soar",
            &["cases:write", "alerts:triage", "alerts:write"],
            None,
        )
        .await;
        let base = serve(p.clone(), None).await;
        let admin = Api::new(&base, &admin_t).await;
        let api = admin.as_token(&soar);
        let created = admin
            .post(
                "/api/v1/templates",
                "/api/v1/templates",
                json!({"name": "Insider threat", "title_prefix": "[Insider] ", "severity": "high",
                    "tags": ["insider"], "playbooks": ["Data exfiltration"],
                    "body": "Raised by {{alert.source}}"}),
                StatusCode::CREATED,
            )
            .await;
        let id = created["id"].as_i64().unwrap();
        let listed = api.get("/api/v1/templates", "/api/v1/templates").await;
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "Insider threat")
        );
        let stale = admin
            .call(
                admin
                    .req(Method::PUT, &format!("/api/v1/templates/{id}"))
                    .header(
                        "If-Match",
                        format!("\"{}\"", created["version"].as_i64().unwrap() + 5),
                    )
                    .json(&json!({"name": "Insider threat"})),
                "/api/v1/templates/{template}",
                "put",
                StatusCode::CONFLICT,
            )
            .await;
        assert_eq!(stale["error"]["code"], "conflict");
        let exported = admin
            .get("/api/v1/templates/export", "/api/v1/templates/export")
            .await;
        assert!(
            exported
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["name"] == "Insider threat")
        );
        let imported = admin
            .post(
                "/api/v1/templates/import",
                "/api/v1/templates/import",
                exported.clone(),
                StatusCode::OK,
            )
            .await;
        assert_eq!(imported["updated"], exported.as_array().unwrap().len());

        // Applied to a case opened through the API and to an escalation.
        let case = api
            .post(
                "/api/v1/cases",
                "/api/v1/cases",
                json!({"title": "USB copy", "template": "Insider threat"}),
                StatusCode::CREATED,
            )
            .await;
        assert_eq!(case["title"], "[Insider] USB copy");
        assert_eq!(case["severity"], "high");
        let res = Client::new()
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&soar)
            .json(&json!({"source": "dlp", "source_ref": "d-1", "title": "Bulk download", "severity": "medium"}))
            .send()
            .await
            .unwrap();
        let alert_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let escalated = api
            .post(
                &format!("/api/v1/alerts/{alert_id}/escalate"),
                "/api/v1/alerts/{id}/escalate",
                json!({"template": id.to_string()}),
                StatusCode::CREATED,
            )
            .await;
        assert_eq!(escalated["title"], "[Insider] Bulk download");
        assert_eq!(escalated["severity"], "medium", "the alert's severity");
        assert_eq!(escalated["description"], "Raised by dlp");
        let deleted = admin
            .req(Method::DELETE, &format!("/api/v1/templates/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    }
);

both_databases!(
    alert_rules_are_written_tried_and_run_through_the_api,
    |p| async move {
        let tuner_t = token(&p, "tuner", &["rules:write"], None).await;
        let soar = token(&p, "soar", &["alerts:triage", "alerts:write"], None).await;
        let base = serve(p.clone(), None).await;
        let tuner = Api::new(&base, &tuner_t).await;
        let api = tuner.as_token(&soar);
        let post_alert = |source_ref: &'static str| {
            Client::new()
                .post(format!("{base}/api/alerts"))
                .bearer_auth(&soar)
                .json(
                    &json!({"source": "nessus", "source_ref": source_ref, "title": "Port scan",
                    "severity": "low", "observables": [{"type": "ip", "value": "192.0.2.50"}]}),
                )
                .send()
        };
        assert_eq!(
            post_alert("n-1").await.unwrap().status(),
            StatusCode::CREATED
        );
        let rule = json!({"name": "Our scanner", "enabled": true,
            "conditions": {"observable_type": "ip", "observable_value": "192.0.2.50"},
            "action": {"action": "suppress", "verdict": "false_positive", "reason": "weekly scan"},
            "expires_at": p.clock.now() + 7 * 86_400_000});
        let tried = tuner
            .post(
                "/api/v1/rules/dry-run",
                "/api/v1/rules/dry-run",
                rule.clone(),
                StatusCode::OK,
            )
            .await;
        assert_eq!(tried["would_match"], 1, "{tried}");
        let mut forever = rule.clone();
        forever.as_object_mut().unwrap().remove("expires_at");
        let refused = tuner
            .post(
                "/api/v1/rules",
                "/api/v1/rules",
                forever,
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("expiry"),
            "{refused}"
        );
        let created = tuner
            .post(
                "/api/v1/rules",
                "/api/v1/rules",
                rule.clone(),
                StatusCode::CREATED,
            )
            .await;
        let res = post_alert("n-2").await.unwrap();
        let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let alert = api
            .get(&format!("/api/v1/alerts/{id}"), "/api/v1/alerts/{id}")
            .await;
        assert_eq!(alert["status"], "closed", "{alert}");
        assert_eq!(alert["verdict"], "false_positive");
        let suppressed = api
            .get("/api/v1/alerts?status=suppressed", "/api/v1/alerts")
            .await;
        assert_eq!(suppressed["items"].as_array().unwrap().len(), 1);
        let listed = tuner.get("/api/v1/rules", "/api/v1/rules").await;
        assert_eq!(listed["items"][0]["matched_count"], 1);
        let stale = tuner
            .call(
                tuner
                    .req(Method::PUT, &format!("/api/v1/rules/{}", created["id"]))
                    .header("If-Match", "\"99\"")
                    .json(&rule),
                "/api/v1/rules/{id}",
                "put",
                StatusCode::CONFLICT,
            )
            .await;
        assert_eq!(stale["error"]["code"], "conflict");
    }
);

both_databases!(webhooks_and_notifications_work_by_token, |p| async move {
    add_user(&p, "tara", "analyst", Some(1)).await;
    add_user(&p, "mona", "manager", None).await;
    let hooks = token(&p, "soar-hooks", &["webhooks:write"], None).await;
    let lead = token(&p, "lead", &["cases:write", "cases:tiers"], Some("mona")).await;
    let pager = token(&p, "pager", &["notifications:read"], Some("tara")).await;
    let base = serve(p.clone(), None).await;
    let api = Api::new(&base, &hooks).await;

    let created = api
        .post(
            "/api/v1/webhooks",
            "/api/v1/webhooks",
            json!({"name": "Tines", "url": "https://soar.example.org/hooks/casefile",
                    "events": ["case.*"]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["secret"].as_str().unwrap().len(), 43, "{created}");
    let id = created["webhook"]["id"].as_i64().unwrap();
    let again = api
        .post(
            "/api/v1/webhooks",
            "/api/v1/webhooks",
            json!({"name": "Tines", "url": "https://soar.example.org/other"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Tines")
    );
    let bad = api
        .post(
            "/api/v1/webhooks",
            "/api/v1/webhooks",
            json!({"name": "Local", "url": "http://127.0.0.1:9/x"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(bad["error"]["message"].as_str().unwrap().len() > 10);
    let listed = api.get("/api/v1/webhooks", "/api/v1/webhooks").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert!(
        listed["items"][0].get("secret").is_none(),
        "never shown again"
    );

    // A change is queued for it and shows in its delivery log.
    let work = api.as_token(&lead);
    let case = work
        .post(
            "/api/v1/cases",
            "/api/v1/cases",
            json!({"title": "Suspicious sign-in", "severity": "medium"}),
            StatusCode::CREATED,
        )
        .await;
    let number = case["number"].as_str().unwrap().to_owned();
    let log_path = format!("/api/v1/webhooks/{id}/deliveries");
    let log = api.get(&log_path, "/api/v1/webhooks/{id}/deliveries").await;
    assert!(
        !log["items"].as_array().unwrap().is_empty(),
        "the case's creation is queued: {log}"
    );
    let paused = api
        .call(
            api.req(Method::PATCH, &format!("/api/v1/webhooks/{id}"))
                .json(&json!({"enabled": false})),
            "/api/v1/webhooks/{id}",
            "patch",
            StatusCode::OK,
        )
        .await;
    assert_eq!(paused["enabled"], false);
    api.call(
        api.req(Method::PATCH, "/api/v1/webhooks/999999")
            .json(&json!({"enabled": true})),
        "/api/v1/webhooks/{id}",
        "patch",
        StatusCode::NOT_FOUND,
    )
    .await;
    // Other scopes reach no webhook.
    work.call(
        work.req(Method::GET, "/api/v1/webhooks"),
        "/api/v1/webhooks",
        "get",
        StatusCode::FORBIDDEN,
    )
    .await;

    // The assignee's pager reads the notification and marks it read.
    work.post(
        &format!("/api/v1/cases/{number}/assign"),
        "/api/v1/cases/{case}/assign",
        json!({"username": "tara"}),
        StatusCode::OK,
    )
    .await;
    let inbox = api.as_token(&pager);
    let got = inbox
        .get("/api/v1/notifications", "/api/v1/notifications")
        .await;
    let first = &got["items"][0];
    assert_eq!(first["kind"], "assigned", "{got}");
    assert_eq!(first["read"], false);
    assert!(first["link"].as_str().unwrap().contains(&number));
    let marked = inbox
        .post(
            "/api/v1/notifications/read",
            "/api/v1/notifications/read",
            json!({"id": first["id"]}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(marked["marked"], 1);
    let twice = inbox
        .post(
            "/api/v1/notifications/read",
            "/api/v1/notifications/read",
            json!({}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(twice["marked"], 0, "nothing left unread");
    let bad = inbox
        .post(
            "/api/v1/notifications/read",
            "/api/v1/notifications/read",
            json!({"id": "first"}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(bad["error"]["message"].as_str().is_some());
    // The pager token reads no cases, and the case token no inbox.
    work.call(
        work.req(Method::GET, "/api/v1/notifications"),
        "/api/v1/notifications",
        "get",
        StatusCode::FORBIDDEN,
    )
    .await;
});
