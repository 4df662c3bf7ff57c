//! HTTP tests for the TheHive API as integrations other than thehive4py call it (issue 19), on
//! SQLite and PostgreSQL: the bare-URL mount beside Casefile's own `/api/` routes, ElastAlert 2,
//! Velociraptor, n8n and Splunk requests as their sources build them, v1 status and list
//! queries, and HTTP Basic refused from another site.

mod common;

use app::{
    accounts::service,
    both_databases,
    platform::Platform,
    testing::{PASSWORD, add_user, system},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn token(p: &Platform, name: &str, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    service::create_token(p, &system(), name, &scopes, None)
        .await
        .unwrap()
        .token
}

const ALL: &[&str] = &[
    "alerts:write",
    "alerts:read",
    "alerts:triage",
    "cases:write",
];

both_databases!(
    the_bare_url_serves_thehive_beside_casefiles_own_api,
    |p| async move {
        let t = token(&p, "soar", ALL).await;
        let base = common::serve(p, None).await;
        let c = reqwest::Client::new();
        // Casefile's own REST API keeps its routes.
        let native = c
            .post(format!("{base}/api/alerts"))
            .bearer_auth(&t)
            .json(
                &json!({"source": "suricata", "source_ref": "n-1", "rule": "ET SCAN",
                "title": "Port scan", "severity": "medium", "occurred_at": "2026-11-21T09:30:00Z",
                "observables": [], "raw": {}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(native.status(), StatusCode::CREATED);
        let whoami: Value = c
            .get(format!("{base}/api/whoami"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(whoami.to_string().contains("soar"), "{whoami}");
        // TheHive's, at the root and under /thehive, v0 and v1.
        for prefix in ["", "/thehive"] {
            let v0 = c
                .post(format!("{base}{prefix}/api/alert"))
                .bearer_auth(&t)
                .json(&json!({"title": "t", "description": "d", "type": "x",
                    "source": "velociraptor", "sourceRef": format!("v0{prefix}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(v0.status(), StatusCode::CREATED, "{prefix}/api/alert");
            let v0: Value = v0.json().await.unwrap();
            assert_eq!(v0["id"], v0["_id"]);
            let v1 = c
                .post(format!("{base}{prefix}/api/v1/alert"))
                .bearer_auth(&t)
                .json(&json!({"title": "t", "description": "d", "type": "x",
                    "source": "splunk", "sourceRef": format!("v1{prefix}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(v1.status(), StatusCode::CREATED, "{prefix}/api/v1/alert");
            for path in ["/api/status", "/api/v1/status", "/api/health"] {
                let res = c.get(format!("{base}{prefix}{path}")).send().await.unwrap();
                assert_eq!(res.status(), StatusCode::OK, "{prefix}{path}");
            }
        }
        // The alert posted natively is one TheHive clients see too.
        let found: Value = c
            .post(format!("{base}/api/alert/_search"))
            .bearer_auth(&t)
            .json(&json!({"query": {"_field": "sourceRef", "_value": "n-1"}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
        // Unknown TheHive paths under /thehive get TheHive's 404.
        let res = c
            .get(format!("{base}/thehive/api/organisation"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["type"], "NotFoundError");
    }
);

both_databases!(
    elastalert_velociraptor_n8n_and_splunk_requests_work_as_sent,
    |p| async move {
        let t = token(&p, "integrations", ALL).await;
        add_user(&p, "ana", "analyst", Some(1)).await;
        // The custom field ElastAlert's rule sends is defined, as it must be in TheHive.
        add_user(&p, "root", "admin", None).await;
        let root = app::testing::sign_in(&p, "root").await.1;
        let field: app::fields::FieldInput = serde_json::from_value(json!({
            "name": "businessUnit", "label": "Business unit", "field_type": "string",
            "on_alerts": true,
        }))
        .unwrap();
        app::fields::service::define(&p, &root, &field)
            .await
            .unwrap();
        let base = common::serve(p, None).await;
        let c = reqwest::Client::new();
        // ElastAlert 2: customFields as an object of typed values, status, follow,
        // caseTemplate; a JSON body labelled as nothing in particular; success is any 2xx.
        let elastalert = json!({
            "title": "ElastAlert: 5 failed logins", "description": "rule fired", "type": "external",
            "source": "elastalert", "sourceRef": "ea-1", "severity": 2, "tlp": 3,
            "tags": ["elastalert"], "status": "New", "follow": true, "caseTemplate": "phishing",
            "customFields": {"businessUnit": {"order": 0, "string": "retail"}},
            "artifacts": [{"dataType": "ip", "data": "192.0.2.9", "message": "src", "tags": [],
                "tlp": 2, "ioc": false, "sighted": false}],
        });
        let res = c
            .post(format!("{base}/api/alert"))
            .bearer_auth(&t)
            .header("content-type", "text/plain")
            .body(elastalert.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let alert: Value = res.json().await.unwrap();
        assert_eq!(alert["artifacts"][0]["data"], "192.0.2.9");
        assert_eq!(alert["tlp"], 3);
        assert_eq!(alert["customFields"]["businessUnit"]["string"], "retail");
        // Velociraptor: a minimal case, then an artifact on it by `_id`.
        let res = c
            .post(format!("{base}/api/case"))
            .bearer_auth(&t)
            .json(
                &json!({"title": "Hunt results", "description": "from the hunt",
                "severity": 2, "tags": []}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let case: Value = res.json().await.unwrap();
        let res = c
            .post(format!(
                "{base}/api/case/{}/artifact",
                case["_id"].as_str().unwrap()
            ))
            .bearer_auth(&t)
            .json(&json!({"data": "evil.example", "dataType": "domain", "message": "seen"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let artifacts: Value = res.json().await.unwrap();
        assert_eq!(artifacts[0]["data"], "evil.example");
        // n8n: the credential test and its dropdowns.
        let res = c
            .get(format!("{base}/api/case"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["x-total"], "1");
        for (query, expect) in [
            ("listAlertStatus", "New"),
            ("listCaseStatus", "InProgress"),
            ("listObservableType", "ip"),
            ("listUser", "ana"),
        ] {
            let res = c
                .post(format!("{base}/api/v1/query?name={query}"))
                .bearer_auth(&t)
                .json(&json!({"query": [{"_name": query}]}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{query}");
            let body: Value = res.json().await.unwrap();
            assert!(body.to_string().contains(expect), "{query}: {body}");
        }
        // n8n's dropdowns: the shipped templates and the defined field.
        for (query, expect) in [
            ("listCaseTemplate", "Ransomware"),
            ("listCustomField", "businessUnit"),
        ] {
            let body: Value = c
                .post(format!("{base}/api/v1/query"))
                .bearer_auth(&t)
                .json(&json!({"query": [{"_name": query}]}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(
                body.as_array().unwrap().iter().any(|i| i["name"] == expect),
                "{query}: {body}"
            );
        }
        // Splunk's add-on checks the user (it needs `_id`) and the status first.
        let me: Value = c
            .get(format!("{base}/api/v1/user/current"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(me["_id"].is_string(), "{me}");
        let status: Value = c
            .get(format!("{base}/api/v1/status"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(status["versions"]["TheHive"].is_string(), "{status}");
    }
);

both_databases!(
    basic_credentials_from_another_site_are_refused_at_the_bare_url,
    |p| async move {
        add_user(&p, "ana", "analyst", Some(1)).await;
        let base = common::serve(p, None).await;
        let c = reqwest::Client::new();
        let case = json!({"title": "t", "description": "d"});
        // A browser replaying cached Basic credentials on a cross-site form post.
        let res = c
            .post(format!("{base}/api/case"))
            .basic_auth("ana", Some(PASSWORD))
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .json(&case)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "cross_origin", "{body}");
        // A script with the same credentials is served.
        let res = c
            .post(format!("{base}/api/case"))
            .basic_auth("ana", Some(PASSWORD))
            .json(&case)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
);

both_databases!(
    comments_and_procedures_reach_the_case_timeline,
    |p| async move {
        let ingest = token(&p, "splunk", &["alerts:write"]).await;
        let t = token(&p, "soar", ALL).await;
        let base = common::serve(p.clone(), None).await;
        let c = reqwest::Client::new();
        let post = |path: String, key: &str, body: Value| {
            c.post(format!("{base}{path}"))
                .bearer_auth(key)
                .json(&body)
                .send()
        };
        let alert: Value = post(
            "/api/v1/alert".into(),
            &ingest,
            json!({"title": "Encoded PowerShell", "description": "d", "type": "splunk",
                "source": "splunk", "sourceRef": "sp-1"}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let alert_id = alert["_id"].as_str().unwrap().to_owned();
        // Splunk's add-on posts the alert's procedures with its own (ingest-only) token.
        let res = post(
            format!("/api/v1/alert/{alert_id}/procedures"),
            &ingest,
            json!([{"patternId": "T1059.001", "tactic": "execution",
                "occurDate": 1_700_000_000_000_i64, "description": "powershell -enc"}]),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let procs: Value = res.json().await.unwrap();
        assert_eq!(procs[0]["patternId"], "T1059.001");
        // An unknown technique is refused and nothing is kept.
        let res = post(
            format!("/api/v1/alert/{alert_id}/procedure"),
            &t,
            json!({"patternId": "T9999"}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let res = post(
            format!("/api/v1/alert/{alert_id}/comment"),
            &t,
            json!({"message": "Seen on three hosts"}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        // Promoted, the case's timeline holds both.
        let case: Value = post(format!("/api/v1/alert/{alert_id}/case"), &t, json!({}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let case_id = app::thehive::model::parse_id(case["_id"].as_str().unwrap()).unwrap();
        let tactics = app::cases::service::techniques(&p, &system(), case_id)
            .await
            .unwrap();
        let ids: Vec<String> = tactics
            .iter()
            .flat_map(|t| t.techniques.iter().map(|x| x.id.to_string()))
            .collect();
        assert_eq!(ids, ["T1059.001"], "{tactics:?}");
        // Comments on the case itself, and the comment carried from the alert.
        let res = post(
            format!("/api/v1/case/~{case_id}/comment"),
            &t,
            json!({"message": "Contained **web-01**"}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let comments: Value = post(
            "/api/v1/query?name=case-comments".into(),
            &t,
            json!({"query": [{"_name": "getCase", "idOrName": format!("~{case_id}")},
                {"_name": "comments"}]}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let messages: Vec<&str> = comments
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["message"].as_str().unwrap())
            .collect();
        assert_eq!(
            messages,
            ["Seen on three hosts", "Contained **web-01**"],
            "{comments}"
        );
        // A procedure on the case, one object answered with one.
        let res = post(
            format!("/api/v1/case/~{case_id}/procedure"),
            &t,
            json!({"patternId": "T1021", "tactic": "lateral-movement"}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let proc: Value = res.json().await.unwrap();
        assert_eq!(proc["patternId"], "T1021");
        // Once the alert is in the case, its new comments go straight to the timeline.
        let res = post(
            format!("/api/v1/alert/{alert_id}/comment"),
            &t,
            json!({"message": "Late finding"}),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let n: Value = post(
            "/api/v1/query".into(),
            &t,
            json!({"query": [{"_name": "listComment"}, {"_name": "count"}]}),
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(n, json!(3));
    }
);

both_databases!(
    case_attachments_become_evidence_received_from_the_integration,
    |p| async move {
        let t = token(
            &p,
            "n8n",
            &["cases:write", "evidence:write", "evidence:read"],
        )
        .await;
        let base = common::serve(p.clone(), None).await;
        let c = reqwest::Client::new();
        let case: Value = c
            .post(format!("{base}/api/v1/case"))
            .bearer_auth(&t)
            .json(&json!({"title": "Malware on laptop", "description": "EDR hit"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = case["_id"].as_str().unwrap();
        let content = b"MZ\x90\x00 not really a PE".to_vec();
        let form = reqwest::multipart::Form::new().part(
            "attachments",
            reqwest::multipart::Part::bytes(content.clone()).file_name("sample.exe"),
        );
        let res = c
            .post(format!("{base}/api/v1/case/{id}/attachments"))
            .bearer_auth(&t)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let body: Value = res.json().await.unwrap();
        let sha = {
            use sha2::Digest as _;
            format!("{:x}", sha2::Sha256::digest(&content))
        };
        assert_eq!(body[0]["name"], "sample.exe");
        assert_eq!(body[0]["id"], sha.as_str());
        let evidence_id = body[0]["extraData"]["evidenceId"].as_i64().unwrap();
        let record = app::evidence::service::record_of(&p, &system(), evidence_id)
            .await
            .unwrap();
        assert_eq!(record.item.sha256, sha);
        assert!(
            record
                .item
                .collected_from
                .contains("received from integration"),
            "{:?}",
            record.item.collected_from
        );
        // A request without a file changes nothing and says what to send.
        let res = c
            .post(format!("{base}/api/v1/case/{id}/attachments"))
            .bearer_auth(&t)
            .multipart(reqwest::multipart::Form::new().text("note", "x"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        // Without evidence:write the locker is out of reach.
        let no_evidence = token(&p, "soar-no-evidence", &["cases:write"]).await;
        let form = reqwest::multipart::Form::new().part(
            "attachments",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.txt"),
        );
        let res = c
            .post(format!("{base}/api/v1/case/{id}/attachments"))
            .bearer_auth(&no_evidence)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
);

both_databases!(bulk_updates_and_observables_by_id, |p| async move {
    let t = token(&p, "soar", ALL).await;
    let base = common::serve(p.clone(), None).await;
    let c = reqwest::Client::new();
    let mut alerts = Vec::new();
    for n in 0..3 {
        let a: Value = c
            .post(format!("{base}/api/v1/alert"))
            .bearer_auth(&t)
            .json(
                &json!({"title": format!("a{n}"), "description": "d", "type": "x",
                    "source": "s", "sourceRef": format!("bulk-{n}")}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        alerts.push(a["_id"].as_str().unwrap().to_owned());
    }
    let res = c
        .patch(format!("{base}/api/v1/alert/_bulk"))
        .bearer_auth(&t)
        .json(&json!({"ids": [&alerts[0], &alerts[1]], "severity": 4, "addTags": ["bulk"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for (i, id) in alerts.iter().enumerate() {
        let a: Value = c
            .get(format!("{base}/api/v1/alert/{id}"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(a["severity"], if i < 2 { 4 } else { 2 }, "{a}");
    }
    // A bad value is refused before anything is written, naming the field.
    let res = c
        .patch(format!("{base}/api/v1/alert/_bulk"))
        .bearer_auth(&t)
        .json(&json!({"ids": [&alerts[2]], "severity": 9}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = c
        .post(format!("{base}/api/v1/alert/delete/_bulk"))
        .bearer_auth(&t)
        .json(&json!({"ids": [&alerts[2]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = c
        .get(format!("{base}/api/v1/alert/{}", alerts[2]))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Cases in bulk, then an observable edited by id.
    let case: Value = c
        .post(format!("{base}/api/v1/case"))
        .bearer_auth(&t)
        .json(&json!({"title": "Bulk", "description": "d"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case_id = case["_id"].as_str().unwrap().to_owned();
    let res = c
        .patch(format!("{base}/api/v1/case/_bulk"))
        .bearer_auth(&t)
        .json(&json!({"ids": [&case_id], "status": "InProgress", "tags": ["triaged"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let got: Value = c
        .get(format!("{base}/api/v1/case/{case_id}"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "InProgress");
    assert_eq!(got["tags"], json!(["triaged"]));
    let obs: Value = c
        .post(format!("{base}/api/v1/case/{case_id}/observable"))
        .bearer_auth(&t)
        .json(&json!({"dataType": "ip", "data": "192.0.2.44"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let obs_id = obs[0]["_id"].as_str().unwrap().to_owned();
    let res = c
        .patch(format!("{base}/api/v1/observable/{obs_id}"))
        .bearer_auth(&t)
        .json(&json!({"ioc": true, "message": "C2 server", "addTags": ["c2"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let got: Value = c
        .get(format!("{base}/api/v1/observable/{obs_id}"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["ioc"], true);
    assert_eq!(got["message"], "C2 server");
    assert_eq!(got["tags"], json!(["c2"]));
    let res = c
        .delete(format!("{base}/api/v1/observable/{obs_id}"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let entries = app::cases::service::timeline(
        &p,
        &system(),
        app::thehive::model::parse_id(&case_id).unwrap(),
        &Default::default(),
        None,
    )
    .await
    .unwrap();
    assert!(
        format!("{entries:?}").contains("Observable edited: ip 192.0.2.44 (IOC)"),
        "{entries:?}"
    );
});

both_databases!(
    file_observables_and_attachments_keep_their_content_into_the_case,
    |p| async move {
        let forwarder = token(&p, "wazuh", &["alerts:write"]).await;
        let t = token(&p, "soar", ALL).await;
        let base = common::serve(p.clone(), None).await;
        let c = reqwest::Client::new();
        let sha = |b: &[u8]| {
            use sha2::Digest as _;
            format!("{:x}", sha2::Sha256::digest(b))
        };
        use base64::Engine as _;
        let sample = b"MZ\x90\x00 dropper".to_vec();
        let inline = format!(
            "dropper.exe;application/octet-stream;{}",
            base64::engine::general_purpose::STANDARD.encode(&sample)
        );
        let config = b"[c2]\nhost=evil.example".to_vec();
        let inline_config = format!(
            "beacon.ini;text/plain;{}",
            base64::engine::general_purpose::STANDARD.encode(&config)
        );
        // One inline file under each of TheHive's names for the list.
        let alert = json!({"title": "Dropper", "description": "d", "type": "wazuh_alert",
            "source": "wazuh", "sourceRef": "w-77",
            "artifacts": [{"dataType": "file", "data": inline}],
            "observables": [{"dataType": "file", "data": inline_config}]});
        let res = c
            .post(format!("{base}/api/alert"))
            .bearer_auth(&forwarder)
            .json(&alert)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let id = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // An attachment posted after the alert, as Splunk's add-on does.
        let report = b"%PDF-1.7 sandbox report".to_vec();
        let form = reqwest::multipart::Form::new().part(
            "attachments",
            reqwest::multipart::Part::bytes(report.clone()).file_name("report.pdf"),
        );
        let res = c
            .post(format!("{base}/api/v1/alert/{id}/attachments"))
            .bearer_auth(&forwarder)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let kept: Value = res.json().await.unwrap();
        assert_eq!(kept[0]["id"], sha(&report).as_str());
        // The forwarder retries the alert: refused as a repeat, and no file is kept twice.
        let res = c
            .post(format!("{base}/api/alert"))
            .bearer_auth(&forwarder)
            .json(&alert)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        // Promoted, both files are evidence of the case, custody starting with the forwarder.
        let case: Value = c
            .post(format!("{base}/api/v1/alert/{id}/case"))
            .bearer_auth(&t)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let case_id = app::thehive::model::parse_id(case["_id"].as_str().unwrap()).unwrap();
        let items = app::evidence::service::list(&p, &system(), case_id, None)
            .await
            .unwrap();
        let mut hashes: Vec<&str> = items.iter().map(|i| i.sha256.as_str()).collect();
        hashes.sort();
        let mut want = [sha(&sample), sha(&config), sha(&report)];
        want.sort();
        assert_eq!(hashes, want, "{items:?}");
        for item in &items {
            assert_eq!(item.collected_from, "received from wazuh with alert w-77");
            assert_eq!(item.collected_by, "token:wazuh");
            let record = app::evidence::service::record_of(&p, &system(), item.evidence_id)
                .await
                .unwrap();
            assert!(record.custody.len() >= 2, "collected and received");
        }
        // The content itself is in the locker: it downloads byte for byte.
        let verified = app::evidence::service::verify(&p, &system(), items[0].evidence_id)
            .await
            .unwrap();
        assert!(verified.intact);
        // A file observable added to a case with evidence rights becomes evidence at once.
        let analyst = token(
            &p,
            "soar-evidence",
            &["cases:write", "evidence:write", "evidence:read"],
        )
        .await;
        let form = reqwest::multipart::Form::new()
            .text(
                "_json",
                json!({"dataType": "file", "message": "memory strings"}).to_string(),
            )
            .part(
                "attachment",
                reqwest::multipart::Part::bytes(b"strings output".to_vec())
                    .file_name("strings.txt"),
            );
        let res = c
            .post(format!("{base}/api/v1/case/~{case_id}/observable"))
            .bearer_auth(&analyst)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let items = app::evidence::service::list(&p, &system(), case_id, None)
            .await
            .unwrap();
        assert_eq!(items.len(), 4);
        assert!(items.iter().any(|i| i.file_name == "strings.txt"));
    }
);

both_databases!(
    elastalert_and_n8n_custom_fields_arrive_and_read_back_in_each_apis_shape,
    |p| async move {
        add_user(&p, "root", "admin", None).await;
        let root = app::testing::sign_in(&p, "root").await.1;
        for (name, ty, options) in [
            ("business_unit", "enum", json!(["Finance", "HR"])),
            ("detected_on", "date", json!([])),
            ("score", "float", json!([])),
        ] {
            let input: app::fields::FieldInput = serde_json::from_value(json!({
                "name": name, "label": name, "field_type": ty, "options": options, "on_alerts": true,
            }))
            .unwrap();
            app::fields::service::define(&p, &root, &input)
                .await
                .unwrap();
        }
        let t = token(&p, "elastalert", ALL).await;
        let base = common::serve(p, None).await;
        let c = reqwest::Client::new();
        // ElastAlert 2 posts typed values to the v0 route: {name: {order, <type>: value}}.
        let res = c
            .post(format!("{base}/api/alert"))
            .bearer_auth(&t)
            .json(&json!({
                "type": "elastalert", "source": "elastalert", "sourceRef": "ea-1",
                "title": "Brute force", "description": "many failures", "severity": 2,
                "artifacts": [],
                "customFields": {
                    "business_unit": {"order": 0, "string": "HR"},
                    "detected_on": {"order": 1, "date": 1_796_342_400_000_i64},
                    "score": {"order": 2, "float": 7.5},
                },
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        let created: Value = res.json().await.unwrap();
        let id = created["_id"].as_str().unwrap().to_owned();
        let v0: Value = c
            .get(format!("{base}/api/alert/{id}"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v0["customFields"]["business_unit"]["string"], "HR", "{v0}");
        assert_eq!(
            v0["customFields"]["detected_on"]["date"], 1_796_342_400_000_i64,
            "{v0}"
        );
        assert_eq!(v0["customFields"]["score"]["float"], 7.5, "{v0}");
        let v1: Value = c
            .get(format!("{base}/api/v1/alert/{id}"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list = v1["customFields"].as_array().unwrap();
        assert!(
            list.iter().any(|f| f["name"] == "business_unit"
                && f["value"] == "HR"
                && f["type"] == "string"),
            "{v1}"
        );
        // n8n sends plain values by name; an unknown name is TheHive's 404.
        let res = c
            .post(format!("{base}/api/v1/alert"))
            .bearer_auth(&t)
            .json(
                &json!({"type": "n8n", "source": "n8n", "sourceRef": "n8n-1", "title": "t",
                "description": "d", "customFields": {"business_unit": "Finance", "score": "9"}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        let res = c
            .post(format!("{base}/api/v1/alert"))
            .bearer_auth(&t)
            .json(
                &json!({"type": "n8n", "source": "n8n", "sourceRef": "n8n-2", "title": "t",
                "description": "d", "customFields": {"tenant": "acme"}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["type"], "NotFoundError", "{body}");
        assert_eq!(body["message"], "CustomField tenant not found", "{body}");
        // The v0 definitions lists.
        let defs: Value = c
            .get(format!("{base}/api/list/custom_fields"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(defs.as_object().unwrap().len(), 3, "{defs}");
        let exists: Value = c
            .post(format!("{base}/api/list/custom_fields/_exists"))
            .bearer_auth(&t)
            .json(&json!({"key": "reference", "value": "score"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(exists["found"], true);
    }
);
