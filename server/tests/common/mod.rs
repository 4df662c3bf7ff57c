//! Shared by the HTTP test binaries: the real application on a free loopback port.

use std::net::SocketAddr;

use app::platform::Platform;
use server::config::{DbArgs, ServeArgs};

/// Serves the app on 127.0.0.1:<free port>; returns its base URL.
pub async fn serve(p: Platform, public_url: Option<&str>) -> String {
    serve_with(p, public_url, |_| {}).await
}

/// Like [`serve`], with the flags `adjust` sets.
#[allow(
    dead_code,
    reason = "this file is included by several test binaries, not all adjust flags"
)]
pub async fn serve_with(
    p: Platform,
    public_url: Option<&str>,
    adjust: impl FnOnce(&mut ServeArgs),
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let args = ServeArgs {
        db: DbArgs {
            database_url: None,
            data_dir: ".".into(),
            audit_key_file: None,
        },
        listen: addr,
        public_url: public_url.map(str::to_owned),
        trusted_proxies: 0,
        allow_private_webhook_host: Vec::new(),
        trust_proxy_headers: false,
        idle_timeout_minutes: 30,
        absolute_timeout_hours: 12,
        group_window_minutes: 0,
        alert_payload_retention_days: 0,
        evidence_store: None,
        evidence_max_mib: 4096,
        smtp_url: None,
        mail_from: "Casefile <casefile@localhost>".into(),
        api_requests_per_minute: 100_000,
    };
    let mut args = args;
    adjust(&mut args);
    let app = server::startup::router(p, &args).await.unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}
