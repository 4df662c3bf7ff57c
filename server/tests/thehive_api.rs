//! The TheHive-compatible API driven by the real thehive4py client (server/tests/thehive4py/
//! flow.py) against a live server, on SQLite and PostgreSQL. The Python venv with thehive4py is
//! created by `.ci/setup`; set CASEFILE_THEHIVE_PYTHON to use another interpreter.

mod common;

use std::path::PathBuf;

use app::{
    accounts::service,
    both_databases,
    platform::Platform,
    testing::{PASSWORD, add_user, system},
};

async fn token(p: &Platform, name: &str, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    service::create_token(p, &system(), name, &scopes, None)
        .await
        .unwrap()
        .token
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("CASEFILE_THEHIVE_PYTHON") {
        return p.into();
    }
    let venv =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/thehive4py-venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run .ci/setup to create the thehive4py venv",
        venv.display()
    );
    venv
}

/// Runs a flow script with `python` against the server at `url` (the account `hana` signs in
/// with Basic), failing with its output if it fails; its stdout otherwise.
async fn run_flow(
    python: PathBuf,
    script: &str,
    url: String,
    token: String,
    read_only: String,
) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(script);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(path)
            .env("CF_URL", url)
            .env("CF_TOKEN", token)
            .env("CF_READONLY_TOKEN", read_only)
            .env("CF_USER", "hana")
            .env("CF_PASSWORD", PASSWORD)
            .output()
            .expect("run python")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        script
    );
    stdout
}

both_databases!(
    thehive4py_works_unchanged_against_casefile,
    |p| async move {
        let full = token(
            &p,
            "soar",
            &["alerts:write", "alerts:triage", "cases:write"],
        )
        .await;
        let read_only = token(&p, "dashboard", &["alerts:read", "cases:read"]).await;
        add_user(&p, "hana", "analyst", Some(2)).await;
        let url = common::serve(p.clone(), None).await;
        let stdout = run_flow(python(), "tests/thehive4py/flow.py", url, full, read_only).await;
        assert!(stdout.contains("thehive4py flow passed"), "{stdout}");
        println!("{stdout}");
    }
);

both_databases!(thehive4py_custom_fields_in_thehive_shapes, |p| async move {
    add_user(&p, "root", "admin", None).await;
    let root = app::testing::sign_in(&p, "root").await.1;
    let input: app::fields::FieldInput = serde_json::from_value(serde_json::json!({
        "name": "businessUnit", "label": "Business unit", "field_type": "enum",
        "options": ["Finance", "HR"], "on_alerts": true,
    }))
    .unwrap();
    app::fields::service::define(&p, &root, &input)
        .await
        .unwrap();
    let full = token(
        &p,
        "soar",
        &["alerts:write", "alerts:triage", "cases:write"],
    )
    .await;
    let admin = service::create_token(&p, &root, "fields", &["fields:write".into()], None)
        .await
        .unwrap()
        .token;
    let url = common::serve(p.clone(), None).await;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/thehive4py/fields.py");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python())
            .arg(path)
            .env("CF_URL", url)
            .env("CF_TOKEN", full)
            .env("CF_ADMIN_TOKEN", admin)
            .output()
            .expect("run python")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("fields flow passed"),
        "fields.py failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
});

fn python_v0() -> PathBuf {
    if let Ok(p) = std::env::var("CASEFILE_THEHIVE_V0_PYTHON") {
        return p.into();
    }
    let venv =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/thehive4py-v0-venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run .ci/setup to create the thehive4py 1.8.1 venv",
        venv.display()
    );
    venv
}

both_databases!(
    thehive4py_1_8_works_unchanged_against_the_bare_url,
    |p| async move {
        let full = token(
            &p,
            "wazuh",
            &[
                "alerts:write",
                "alerts:read",
                "alerts:triage",
                "cases:write",
                "evidence:write",
            ],
        )
        .await;
        let read_only = token(&p, "dashboard", &["alerts:read", "cases:read"]).await;
        add_user(&p, "hana", "analyst", Some(2)).await;
        let url = common::serve(p.clone(), None).await;
        let stdout = run_flow(
            python_v0(),
            "tests/thehive4py_v0/flow.py",
            url,
            full,
            read_only,
        )
        .await;
        assert!(stdout.contains("thehive4py 1.8.1 flow passed"), "{stdout}");
    }
);
