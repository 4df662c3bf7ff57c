//! A client that behaves like the browser page: keeps cookies, follows no redirects, and calls
//! server functions as same-origin form posts. Included by the HTTP tests that sign in.

use reqwest::{Client, Response, header};

pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Calls a server function the way the page does: same-origin form post.
pub async fn call(client: &Client, base: &str, name: &str, form: &[(&str, &str)]) -> Response {
    client
        .post(format!("{base}/rpc/{name}"))
        .header(header::ORIGIN, base)
        .header(header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A browser-like client signed in as `username` with the test password.
#[allow(
    dead_code,
    reason = "this file is included by several test binaries, not all sign in so"
)]
pub async fn signed_in(base: &str, username: &str) -> Client {
    let client = browser();
    let res = call(
        &client,
        base,
        "login",
        &[("username", username), ("password", app::testing::PASSWORD)],
    )
    .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    client
}
