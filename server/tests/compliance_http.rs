//! Compliance over HTTP on SQLite and PostgreSQL, the way auditors and managers meet it:
//! incident reports in four formats (the PDF read back with poppler's `pdftotext`), the STIX
//! export checked by the OASIS `stix2-validator`, the audit-log export, a case bundle checked
//! by `casefile verify-export`, and `casefile audit verify` naming a tampered entry.

#[path = "common/browser.rs"]
mod browser;
mod common;

use std::{path::PathBuf, process::Command};

use app::{
    alerts::{ObservableInput, check_observables},
    both_databases,
    cases::{CaseInput, service as cases},
    platform::Platform,
    reports::{ReviewInput, service as reports},
    testing::{TestDb, add_user, platform, sign_in},
};
use browser::signed_in;
use common::serve;
use reqwest::StatusCode;
use sha2::{Digest as _, Sha256};

fn casefile() -> Command {
    Command::new(env!("CARGO_BIN_EXE_casefile"))
}

async fn incident(p: &Platform) -> (i64, String) {
    add_user(p, "alice", "analyst", Some(2)).await;
    let alice = sign_in(p, "alice").await.1;
    let input = CaseInput {
        title: "Credential phishing at finance".into(),
        description: "A lure harvested two passwords".into(),
        severity: "high".into(),
        ..Default::default()
    }
    .check()
    .unwrap();
    let case = cases::open(p, &alice, input).await.unwrap();
    let add = |items: serde_json::Value, ioc: bool, tlp: Option<i64>| {
        let alice = alice.clone();
        async move {
            let inputs: Vec<ObservableInput> = serde_json::from_value(items).unwrap();
            let items = check_observables(&inputs).unwrap();
            cases::add_observables(
                p,
                &alice,
                case.case_id,
                &items,
                "From the lure",
                ioc,
                tlp,
                None,
            )
            .await
            .unwrap();
        }
    };
    add(
        serde_json::json!([{"type": "ip", "value": "203.0.113.66"}]),
        true,
        Some(3),
    )
    .await;
    add(serde_json::json!([
        {"type": "domain", "value": "login-micros0ft.example"},
        {"type": "hash", "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"type": "url", "value": "https://login-micros0ft.example/owa"}
    ]), true, Some(2)).await;
    add(
        serde_json::json!([
            {"type": "email", "value": "it-support@login-micros0ft.example"},
            {"type": "hostname", "value": "fin-ws-07"}
        ]),
        false,
        Some(2),
    )
    .await;
    cases::add_note(
        p,
        &alice,
        case.case_id,
        "Lateral movement via PsExec from FIN-WS-07 was blocked.",
    )
    .await
    .unwrap();
    reports::save_review(
        p,
        &alice,
        case.case_id,
        ReviewInput {
            executive_summary: "Credential phishing contained within two hours.".into(),
            scope_impact: "Two mailboxes; no data left the network.".into(),
            what_happened: "A lure sent to finance harvested passwords.".into(),
            went_well: "Reports from users came within minutes.".into(),
            to_improve: "Block look-alike domains earlier.".into(),
            action_items: "Enforce phishing-resistant MFA | maria | 2027-02-01".into(),
        },
    )
    .await
    .unwrap();
    (case.case_id, case.number)
}

both_databases!(
    reports_in_four_formats_are_hashed_on_the_audit_log,
    |p| async move {
        let (_, number) = incident(&p).await;
        add_user(&p, "maria", "manager", None).await;
        let base = serve(p.clone(), None).await;
        let maria = signed_in(&base, "maria").await;

        let res = maria
            .get(format!("{base}/cases/{number}/report.pdf?tlp=amber"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let header_sha = res.headers()["x-content-sha256"]
            .to_str()
            .unwrap()
            .to_owned();
        let pdf = res.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&pdf)), header_sha);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is installed by .ci/setup");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for expected in [
            format!("Incident report {number}"),
            "Credential phishing contained within two hours.".into(),
            "Lateral movement via PsExec".into(),
            "Enforce phishing-resistant MFA".into(),
            "login-micros0ft.example".into(),
        ] {
            assert!(
                text.contains(&expected),
                "{expected:?} not in the PDF text:\n{text}"
            );
        }
        assert!(
            !text.contains("203.0.113.66"),
            "TLP:RED left out of an AMBER report"
        );

        let md = maria
            .get(format!("{base}/cases/{number}/report.md?tlp=amber"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            md.contains("## Executive summary")
                && md.contains("1 observable(s) above TLP:AMBER withheld"),
            "{md}"
        );
        let full = maria
            .get(format!("{base}/cases/{number}/report.md"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(full.contains("203.0.113.66"));
        let json: serde_json::Value = maria
            .get(format!("{base}/cases/{number}/report.json"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json["case"]["number"], number.as_str());
        assert_eq!(json["review"]["action_items"][0]["owner"], "maria");
        let html = maria
            .get(format!("{base}/cases/{number}/report.html"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("<h2>Post-incident review</h2>"));

        let bad = maria
            .get(format!("{base}/cases/{number}/report.pdf?tlp=purple"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        assert!(bad.text().await.unwrap().contains("purple"));
        let anonymous = reqwest::get(format!("{base}/cases/{number}/report.pdf"))
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

        let entries = app::audit::store::entries_after(&p.db, 0, 10_000)
            .await
            .unwrap();
        let generated: Vec<_> = entries
            .iter()
            .filter(|e| e.action == "report.generated")
            .collect();
        assert_eq!(
            generated.len(),
            5,
            "one per report handed out; the refused ones are not"
        );
        assert!(generated[0].detail.contains(&header_sha));
    }
);

both_databases!(the_stix_export_passes_the_oasis_validator, |p| async move {
    let (_, number) = incident(&p).await;
    let base = serve(p.clone(), None).await;
    let alice = signed_in(&base, "alice").await;
    let res = alice
        .get(format!("{base}/cases/{number}/stix.json"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.bytes().await.unwrap();
    let bundle: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let types: Vec<&str> = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    for t in [
        "identity",
        "ipv4-addr",
        "domain-name",
        "file",
        "url",
        "email-addr",
        "indicator",
        "grouping",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    assert_eq!(types.iter().filter(|t| **t == "indicator").count(), 4);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, &body).unwrap();
    let validator =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/stix-venv/bin/stix2_validator");
    assert!(
        validator.exists(),
        "stix2-validator missing: run .ci/setup (it installs it into target/stix-venv)"
    );
    let out = Command::new(validator)
        .args(["--strict", "--version", "2.1"])
        .arg(&path)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stix2-validator refused the bundle:\n{report}"
    );
    assert!(report.contains("Valid"), "{report}");
});

both_databases!(
    auditors_export_and_the_bundle_verifies_with_the_cli,
    |p| async move {
        let (_, number) = incident(&p).await;
        add_user(&p, "aud", "auditor", None).await;
        let base = serve(p.clone(), None).await;
        let aud = signed_in(&base, "aud").await;
        let alice = signed_in(&base, "alice").await;

        // Every page an auditor views is on the audit log; an analyst's are not.
        let page = aud
            .get(format!("{base}/audit?action=case"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        // The page streams: its resources (and so the recorded view) resolve while the body is
        // sent, so read it to the end before looking at the log.
        page.text().await.unwrap();
        alice
            .get(format!("{base}/cases"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let entries = app::audit::store::entries_after(&p.db, 0, 10_000)
            .await
            .unwrap();
        // Recorded where the data is read: the page's audit-log read, with its filter.
        let views: Vec<_> = entries
            .iter()
            .filter(|e| e.action == "auditor.viewed")
            .collect();
        assert!(!views.is_empty());
        assert!(views.iter().all(|v| v.actor_label == "aud"), "{views:?}");
        assert_eq!(views[0].object_type, "audit_log");
        assert!(
            views[0].detail.contains(r#""action":"case""#),
            "{}",
            views[0].detail
        );

        let res = aud
            .get(format!("{base}/audit/export.csv?action=case"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("casefile-audit.csv")
        );
        let csv = res.text().await.unwrap();
        assert!(csv.lines().skip(1).all(|l| l.contains(",case.")), "{csv}");
        let refused = alice
            .get(format!("{base}/audit/export.jsonl"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        let res = aud
            .get(format!("{base}/audit/export.csv?from=someday"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);

        let res = aud
            .get(format!("{base}/cases/{number}/bundle.zip"))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/zip");
        let zip = res.bytes().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bundle.zip");
        std::fs::write(&path, &zip).unwrap();
        let key = p.audit_key.as_ref().unwrap().public_hex();
        let out = casefile()
            .arg("verify-export")
            .arg(&path)
            .args(["--public-key", &key])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("Bundle verified"), "{stdout}");

        // A cut-off download is refused with a reason.
        std::fs::write(&path, &zip[..zip.len() / 2]).unwrap();
        let out = casefile().arg("verify-export").arg(&path).output().unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a readable zip"));
    }
);

async fn audit_verify_cli(kind: &str) {
    let (_db, url) = match kind {
        "sqlite" => TestDb::sqlite().await,
        _ => TestDb::postgres().await,
    };
    let p = platform(&url).await;
    incident(&p).await;
    app::audit::service::checkpoint(&p).await.unwrap();
    let key = p.audit_key.as_ref().unwrap().public_hex();
    let verify = || {
        casefile()
            .args([
                "audit",
                "verify",
                "--database-url",
                &url,
                "--public-key",
                &key,
            ])
            .output()
            .unwrap()
    };
    let out = verify();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Audit log intact"));

    app::on_pool!(&p.db, |pool| sqlx::query(
        "update audit_event set actor_label = 'mallory' where seq = 3"
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    let out = verify();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("NOT intact: entry 3"), "{stdout}");
    p.db.close().await;
}

#[tokio::test]
async fn audit_verify_command_names_the_tampered_entry_sqlite() {
    audit_verify_cli("sqlite").await;
}

#[tokio::test]
async fn audit_verify_command_names_the_tampered_entry_postgres() {
    audit_verify_cli("postgres").await;
}

both_databases!(the_dashboard_page_and_its_csv_downloads, |p| async move {
    incident(&p).await;
    add_user(&p, "mona", "manager", None).await;
    app::dashboard::service::refresh(&p).await.unwrap();
    let base = serve(p.clone(), None).await;
    let mona = signed_in(&base, "mona").await;
    let alice = signed_in(&base, "alice").await;

    // The page is rendered on the server with its SVG charts.
    let page = mona.get(format!("{base}/dashboard")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert_eq!(html.matches(" class=\"chart-svg\">").count(), 10, "{html}");
    assert!(html.contains("Open cases by severity"));

    let csv = mona
        .get(format!("{base}/dashboard/open-by-severity.csv?days=7"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("casefile-open-by-severity-"),
        "{disposition}"
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("Severity,Open cases\n"), "{text}");
    assert!(text.contains("\nHigh,1\n"), "{text}");

    let status = |path: &'static str, who: &reqwest::Client| {
        let url = format!("{base}{path}");
        let who = who.clone();
        async move {
            who.get(url)
                .header("sec-fetch-site", "same-origin")
                .send()
                .await
                .unwrap()
        }
    };
    let bad = status("/dashboard/trend.csv?from=2026-13-01", &mona).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("2026-13-01"));
    let missing = status("/dashboard/pie.csv", &mona).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let refused = status("/dashboard/trend.csv", &alice).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let anonymous = status("/dashboard/trend.csv", &reqwest::Client::new()).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
});
