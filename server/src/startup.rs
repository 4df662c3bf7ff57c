//! Start-up: connect and migrate the database, build the router with its layers, and serve
//! until told to stop.

use std::net::SocketAddr;

use app::outbox::delivery::Courier;
use app::{
    accounts::service,
    platform::{
        AuditKey, Clock, Db, Error, Locker, MailSettings, Platform, Result, Settings,
        session::Store,
    },
};
use axum::Router;
use tokio::net::TcpListener;
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::{
    config::{DbArgs, ServeArgs},
    http, jobs,
};

/// Connects to the configured database and brings its schema up to date.
pub async fn open(db: &DbArgs, settings: Settings, locker: Locker) -> Result<Platform> {
    let url = db
        .resolve_url()
        .map_err(|e| Error::Startup(format!("cannot create the data directory: {e}")))?;
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    Ok(Platform::new(
        db,
        clock(),
        settings,
        locker,
        app::wiring::listeners(),
    ))
}

/// The system clock, or, in builds with the `test-clock` feature and `CASEFILE_TEST_CLOCK` set,
/// a manual clock the browser tests move forward through `/__test/clock`.
fn clock() -> Clock {
    #[cfg(feature = "test-clock")]
    if std::env::var_os("CASEFILE_TEST_CLOCK").is_some() {
        tracing::warn!("test clock: time moves only when /__test/clock is called");
        return Clock::manual(Clock::system().now());
    }
    Clock::system()
}

/// The evidence store the flags ask for: `<data dir>/evidence` unless an `s3://` URL is given.
pub fn locker(args: &ServeArgs) -> Result<Locker> {
    evidence_locker(
        &args.db,
        args.evidence_store.as_deref(),
        args.evidence_max_mib << 20,
    )
}

/// The evidence store `store` names (unset: `<data dir>/evidence`), for serving and for the
/// commands that copy evidence (backup, restore).
pub fn evidence_locker(db: &DbArgs, store: Option<&str>, max_bytes: u64) -> Result<Locker> {
    match store {
        None | Some("") => Locker::local(&db.data_dir.join("evidence"), max_bytes),
        Some(url) if url.starts_with("s3://") => {
            Locker::s3(url, db.data_dir.join("evidence-staging"), max_bytes)
        }
        Some(_) => Err(Error::Startup(
            "--evidence-store must be an s3://bucket/prefix URL, or unset for <data dir>/evidence"
                .into(),
        )),
    }
}

/// The local evidence store, for commands that do not serve (they never read evidence).
pub fn default_locker(db: &DbArgs) -> Result<Locker> {
    Locker::local(
        &db.data_dir.join("evidence"),
        app::evidence::DEFAULT_MAX_BYTES,
    )
}

pub fn settings(args: &ServeArgs) -> Settings {
    let mail = args
        .smtp_url
        .as_ref()
        .filter(|u| !u.is_empty())
        .map(|url| MailSettings {
            smtp_url: url.clone(),
            from: args.mail_from.clone(),
            public_origin: args.public_origin(),
        });
    Settings {
        mail,
        idle_timeout: time::Duration::minutes(args.idle_timeout_minutes.into()),
        absolute_timeout: time::Duration::hours(args.absolute_timeout_hours.into()),
        group_window: (args.group_window_minutes > 0)
            .then(|| time::Duration::minutes(args.group_window_minutes.into())),
        alert_payload_retention: (args.alert_payload_retention_days > 0)
            .then(|| time::Duration::days(args.alert_payload_retention_days.into())),
        webhook_private_hosts: args.allow_private_webhook_host.clone(),
    }
}

/// The whole HTTP application, ready to serve.
pub async fn router(platform: Platform, args: &ServeArgs) -> Result<Router> {
    let store = Store::open(&platform.db)
        .await
        .map_err(|e| Error::Startup(format!("session store: {e}")))?;
    let courier = Courier::new(
        platform.settings.mail.as_ref(),
        &platform.settings.webhook_private_hosts,
    )?;
    jobs::spawn(platform.clone(), store.clone(), courier);
    let origin = args.public_origin();
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name("casefile_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(origin.starts_with("https://"))
        .with_expiry(Expiry::OnInactivity(platform.settings.idle_timeout));
    let security = http::security::Policy {
        public_origin: origin,
        trusted_proxies: args.trusted_proxies_count(),
    };
    let rates = http::api::conventions::RateLimits::per_minute(args.api_requests_per_minute);
    Ok(http::router(platform, store, sessions, security).layer(axum::Extension(rates)))
}

/// `casefile serve`.
pub async fn serve(args: ServeArgs) -> Result<()> {
    let platform = open(&args.db, settings(&args), locker(&args)?)
        .await?
        .with_audit_key(AuditKey::load_or_create(&args.db.audit_key_path())?);
    for warning in crate::private_files::loose_permissions(&args.db.data_dir) {
        tracing::warn!("{warning}");
    }
    let first_admin = service::ensure_initial_admin(&platform).await?;
    let app = router(platform.clone(), &args).await?;
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| Error::Startup(format!("cannot listen on {}: {e}", args.listen)))?;
    let origin = args.public_origin();
    println!("Casefile is running. Open {origin}/login to sign in.");
    if let Some(password) = first_admin {
        println!();
        println!("First start: an administrator account was created.");
        println!("  username: admin");
        println!("  password: {}", password.expose());
        println!(
            "This password is shown only once. Change it under \u{201c}My account\u{201d} after signing in."
        );
    }
    tracing::info!(listen = %args.listen, database = ?platform.db.dialect(),
        evidence = platform.locker.describe(), "serving");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| Error::Startup(format!("server failed: {e}")))?;
    platform.db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
