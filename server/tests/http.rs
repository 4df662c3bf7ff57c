//! HTTP tests against the real application on a free port, on SQLite and PostgreSQL: cookie
//! flags, CSRF refusal, security headers, lockout, token authentication, error bodies.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::{browser, call};
use common::serve;

use app::{
    both_databases,
    platform::secrets::Secret,
    testing::{PASSWORD, add_user},
};
use reqwest::{Client, Response, StatusCode, header};

async fn login(client: &Client, base: &str, username: &str, password: &str) -> Response {
    call(
        client,
        base,
        "login",
        &[("username", username), ("password", password)],
    )
    .await
}

both_databases!(health_answers_when_the_database_does, |p| async move {
    let base = serve(p, None).await;
    let res = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
});

both_databases!(
    pages_carry_security_headers_and_a_script_nonce,
    |p| async move {
        let base = serve(p, None).await;
        let res = reqwest::get(format!("{base}/login")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers().clone();
        let csp = h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::REFERRER_POLICY], "same-origin");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|s| s.split('\'').next())
            .unwrap()
            .to_owned();
        let html = res.text().await.unwrap();
        assert!(
            html.contains(&format!("nonce=\"{nonce}\"")),
            "scripts carry the request's nonce"
        );
        let again = reqwest::get(format!("{base}/login")).await.unwrap();
        assert!(
            !again.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains(&nonce),
            "a fresh nonce per request"
        );
    }
);

both_databases!(
    sign_in_sets_a_hardened_session_cookie_and_sign_out_ends_it,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let base = serve(p, None).await;
        let client = browser();
        // A session cookie from before sign-in must not survive it (fixation).
        let before = call(&client, &base, "current_user", &[]).await;
        assert_eq!(
            before.json::<serde_json::Value>().await.unwrap(),
            serde_json::Value::Null
        );

        let res = login(&client, &base, "alice", PASSWORD).await;
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "{}",
            res.status()
        );
        let cookie = res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cookie.starts_with("casefile_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "plain http on localhost: {cookie}"
        );

        let me: serde_json::Value = call(&client, &base, "current_user", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "alice");
        let out = call(&client, &base, "logout", &[]).await;
        assert!(
            out.status().is_success() || out.status().is_redirection(),
            "{}",
            out.status()
        );
        let me: serde_json::Value = call(&client, &base, "current_user", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me, serde_json::Value::Null);
    }
);

both_databases!(cookies_are_secure_behind_https, |p| async move {
    add_user(&p, "alice", "analyst", Some(1)).await;
    let base = serve(p, Some("https://casefile.example.org")).await;
    let res = login(&browser(), &base, "alice", PASSWORD).await;
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
});

both_databases!(
    cross_origin_changes_are_refused_and_change_nothing,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let base = serve(p.clone(), None).await;
        let client = browser();
        let forged = [
            vec![("origin", "https://evil.example")],
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://evil.example"),
            ],
            vec![],
        ];
        for headers in forged {
            let mut req = client
                .post(format!("{base}/rpc/login"))
                .form(&[("username", "alice"), ("password", PASSWORD)]);
            for (k, v) in headers.iter() {
                req = req.header(*k, *v);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{headers:?}");
            assert!(res.headers().get(header::SET_COOKIE).is_none());
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], "cross_origin");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("refused")
            );
        }
        assert!(
            app::testing::audit_actions(&p)
                .await
                .iter()
                .all(|a| a != "user.login"),
            "no sign-in happened"
        );
    }
);

both_databases!(
    repeated_wrong_passwords_get_429_with_retry_after,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let base = serve(p, None).await;
        let client = browser();
        for _ in 0..5 {
            let res = login(&client, &base, "alice", "not the password").await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["message"], "Wrong username or password.");
        }
        let res = login(&client, &base, "alice", PASSWORD).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
        let body: serde_json::Value = res.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("Too many failed sign-ins"),
            "{body}"
        );
    }
);

both_databases!(bad_admin_input_gets_a_clear_400, |p| async move {
    add_user(&p, "root", "admin", None).await;
    let base = serve(p, None).await;
    let client = browser();
    login(&client, &base, "root", PASSWORD).await;
    let form = [
        ("username", "bob"),
        ("display_name", "Bob"),
        ("role", "superuser"),
        ("tier", ""),
        ("password", PASSWORD),
    ];
    let res = call(&client, &base, "create_user", &form).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("Unknown role"),
        "{body}"
    );
    let form = [
        ("username", "bob"),
        ("display_name", "Bob"),
        ("role", "analyst"),
        ("tier", "x"),
        ("password", PASSWORD),
    ];
    let res = call(&client, &base, "create_user", &form).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
});

both_databases!(
    non_admins_are_refused_by_the_server_not_just_the_page,
    |p| async move {
        add_user(&p, "alice", "analyst", Some(1)).await;
        let base = serve(p, None).await;
        let client = browser();
        login(&client, &base, "alice", PASSWORD).await;
        let res = call(&client, &base, "list_users", &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let anonymous = call(&browser(), &base, "list_users", &[]).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
);

both_databases!(
    api_tokens_authenticate_the_rest_api_until_revoked,
    |p| async move {
        let created = app::accounts::service::create_token(
            &p,
            &app::testing::system(),
            "splunk",
            &["alerts:write".into()],
            None,
        )
        .await
        .unwrap();
        let base = serve(p.clone(), None).await;
        let client = Client::new();
        let res = client
            .get(format!("{base}/api/whoami"))
            .bearer_auth(&created.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["name"], "token:splunk");
        assert_eq!(body["scopes"], serde_json::json!(["alerts:write"]));

        let res = client
            .get(format!("{base}/api/whoami"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()[header::WWW_AUTHENTICATE], "Bearer");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");

        app::accounts::service::revoke_token(
            &p,
            &app::testing::system(),
            created.summary.api_token_id,
        )
        .await
        .unwrap();
        let res = client
            .get(format!("{base}/api/whoami"))
            .bearer_auth(&created.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
);

both_databases!(
    a_password_reset_by_an_admin_ends_the_users_browser_session,
    |p| async move {
        let alice = add_user(&p, "alice", "analyst", Some(1)).await;
        let base = serve(p.clone(), None).await;
        let client = browser();
        login(&client, &base, "alice", PASSWORD).await;
        app::accounts::service::reset_password(
            &p,
            &app::testing::system(),
            alice,
            Secret::new("a fresh passphrase!"),
        )
        .await
        .unwrap();
        let me: serde_json::Value = call(&client, &base, "current_user", &[])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(me, serde_json::Value::Null);
    }
);
