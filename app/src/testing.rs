//! Test support (feature `test-support`, never in the shipped binary): a fresh database per
//! test on SQLite and on PostgreSQL, and helpers to act as people. `both_databases!` turns one
//! async test body into a test per database.

use std::sync::Arc;

use crate::{
    accounts::{NewUser, service},
    evidence::locker::{Backend, Locker},
    platform::{Actor, AuditKey, Clock, Db, Platform, Settings, actor::Principal, secrets::Secret},
};
use tower_sessions::{MemoryStore, Session};

/// Where tests create their throwaway PostgreSQL databases.
pub fn postgres_admin_url() -> String {
    std::env::var("CASEFILE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database that lives as long as the test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> (Self, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        (Self::Sqlite(dir), url)
    }

    pub async fn postgres() -> (Self, String) {
        use sqlx::Connection as _;
        let admin_url = postgres_admin_url();
        let name = format!(
            "casefile_test_{}",
            crate::platform::secrets::random_urlsafe(9)
                .to_lowercase()
                .replace('-', "_")
        );
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is needed for these tests ({admin_url}): {e}"));
        sqlx::query(&format!("create database {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("CASEFILE_TEST_POSTGRES must end in /<database>"),
        };
        (Self::Postgres { admin_url, name }, url)
    }

    pub async fn drop_db(self) {
        if let Self::Postgres { admin_url, name } = self {
            use sqlx::Connection as _;
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                    .execute(&mut conn)
                    .await;
            }
        }
    }
}

/// A migrated platform on a fresh database with a manual clock and a local evidence store.
pub async fn platform(url: &str) -> Platform {
    platform_with(url, Backend::Local).await
}

/// The same with the evidence store of your choice.
pub async fn platform_with(url: &str, backend: Backend) -> Platform {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let locker = Locker::temporary(backend, TEST_MAX_EVIDENCE_BYTES).expect("evidence store");
    Platform::new(
        db,
        Clock::manual(1_800_000_000_000),
        Settings::default(),
        locker,
        crate::wiring::listeners(),
    )
    .with_audit_key(AuditKey::generate())
}

/// The evidence size limit in tests: small, so the limit is cheap to exceed.
pub const TEST_MAX_EVIDENCE_BYTES: u64 = 1 << 20;

/// Runs `body` against a fresh database, dropping it afterwards even when the body panics.
pub async fn run_on<F, Fut>(kind: &str, body: F)
where
    F: FnOnce(Platform) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_on_backend(kind, Backend::Local, body).await;
}

/// [`run_on`] with the evidence store of your choice.
pub async fn run_on_backend<F, Fut>(kind: &str, backend: Backend, body: F)
where
    F: FnOnce(Platform) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (db, url) = match kind {
        "sqlite" => TestDb::sqlite().await,
        _ => TestDb::postgres().await,
    };
    let p = platform_with(&url, backend).await;
    let pool = p.db.clone();
    let outcome = tokio::spawn(body(p)).await;
    pool.close().await;
    db.drop_db().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// One test per database: `both_databases!(name, |p| async move { … });`
#[macro_export]
macro_rules! both_databases {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(
                unused_imports,
                reason = "test bodies use some of the parent's imports, not all"
            )]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::testing::run_on("sqlite", $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::testing::run_on("postgres", $body).await;
            }
        }
    };
}

/// One test per database and evidence store (local directory, object store):
/// `every_store!(name, |p| async move { … });`
#[macro_export]
macro_rules! every_store {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(
                unused_imports,
                reason = "test bodies use some of the parent's imports, not all"
            )]
            use super::*;
            use $crate::evidence::locker::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_local() {
                $crate::testing::run_on_backend("sqlite", Backend::Local, $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_object_store() {
                $crate::testing::run_on_backend("sqlite", Backend::InMemory, $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_local() {
                $crate::testing::run_on_backend("postgres", Backend::Local, $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_object_store() {
                $crate::testing::run_on_backend("postgres", Backend::InMemory, $body).await;
            }
        }
    };
}

pub const PASSWORD: &str = "correct horse battery staple";

pub fn system() -> Actor {
    Actor::system("test")
}

pub fn new_session() -> Session {
    Session::new(None, Arc::new(MemoryStore::default()), None)
}

/// Creates an account (as the system) and returns its id.
pub async fn add_user(p: &Platform, username: &str, role: &str, tier: Option<i64>) -> i64 {
    let input = NewUser {
        username: username.into(),
        display_name: username.into(),
        role: role.into(),
        tier,
    };
    service::create_user(p, &system(), input, Secret::new(PASSWORD))
        .await
        .expect("create user")
        .user_id
}

/// Signs `username` in with the test password and returns the session and its actor.
pub async fn sign_in(p: &Platform, username: &str) -> (Session, Actor) {
    let session = new_session();
    service::login(
        p,
        &session,
        Some("192.0.2.10".into()),
        username,
        Secret::new(PASSWORD),
    )
    .await
    .expect("login");
    let actor = service::actor_from_session(p, &session, Some("192.0.2.10".into()))
        .await
        .expect("actor");
    (session, actor)
}

pub fn user_id(actor: &Actor) -> i64 {
    match actor.principal {
        Principal::User { user_id, .. } => user_id,
        _ => panic!("not a user"),
    }
}

/// The audit actions written so far, oldest first.
pub async fn audit_actions(p: &Platform) -> Vec<String> {
    crate::audit::store::entries_after(&p.db, 0, 10_000)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}
