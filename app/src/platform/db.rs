//! The database handle: SQLite (embedded default) or PostgreSQL, chosen at run time from the URL.
//!
//! Not `sqlx::Any` (see STACK-NOTES.md): each arm is checked against its own driver, and the
//! [`on_pool!`]/[`on_tx!`] macros run one body of SQL on whichever pool is active.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Postgres, Sqlite, Transaction,
    postgres::{PgPool, PgPoolOptions},
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
    },
};

use super::error::{Error, Result};

/// SQLite allows one writer at a time; giving writes their own single-connection pool makes
/// them queue in-process instead of failing with `database is locked` or a stale snapshot.
#[derive(Clone, Debug)]
pub struct SqlitePools {
    pub read: SqlitePool,
    pub write: SqlitePool,
}

impl SqlitePools {
    /// A read-only rusqlite connection of its own, for a scan of every row on a blocking
    /// thread (call it there: opening reads the file). sqlx copies each value and passes each
    /// row to the async side over a channel; a whole-log scan is faster without either.
    pub fn blocking_reader(&self) -> Result<rusqlite::Connection> {
        let options = self.read.connect_options();
        let open = || {
            let conn = rusqlite::Connection::open_with_flags(
                options.get_filename(),
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(Duration::from_secs(10))?;
            Ok::<_, rusqlite::Error>(conn)
        };
        open().map_err(|e| Error::internal(format!("cannot open the SQLite database to read: {e}")))
    }
}

/// The active database.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePools),
    Postgres(PgPool),
}

/// The newest migration applied (`_sqlx_migrations` is sqlx's own table).
const APPLIED: &str = "select coalesce(max(version), 0) from _sqlx_migrations";

/// The applied version, or 0 for a new database (no migrations table yet).
fn applied_version(read: std::result::Result<i64, sqlx::Error>) -> i64 {
    read.unwrap_or(0)
}

/// Escapes LIKE wildcards so `s` matches literally; use with `escape '\'` in the SQL.
pub fn like_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A case-insensitive "contains" pattern for `lower(column) like $n escape '\'`.
pub fn like_contains(s: &str) -> String {
    format!("%{}%", like_literal(&s.to_lowercase()))
}

/// Which SQL dialect is active, for the few places that spell out two arms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// An open write transaction on the active database.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to the active read pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::platform::db::Db::Sqlite(pools) => {
                let $pool = &pools.read;
                $body
            }
            $crate::platform::db::Db::Postgres(pool) => {
                let $pool = pool;
                $body
            }
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection
/// (`&mut SqliteConnection` or `&mut PgConnection`).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::platform::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::platform::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Executes one statement in the transaction; returns the number of rows it affected.
#[macro_export]
macro_rules! execute_tx {
    ($tx:expr, $query:expr) => {
        $crate::on_tx!($tx, |conn| $query
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))
    };
}

impl Db {
    /// Connects to `url`: `postgres://…` selects PostgreSQL, `sqlite:…` SQLite (the file is
    /// created if missing).
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(|e| Error::Startup(format!("cannot connect to PostgreSQL: {e}")))?;
            return Ok(Self::Postgres(pool));
        }
        if !url.starts_with("sqlite:") {
            return Err(Error::Startup(format!(
                "unsupported database URL scheme (expected sqlite: or postgres://): {}",
                url.split(':').next().unwrap_or_default()
            )));
        }
        // Every record must outlive the process, and scans open connections of their own.
        if url.contains(":memory:") || url.contains("mode=memory") {
            return Err(Error::Startup(
                "Casefile keeps its records in a file: use sqlite://PATH, not an in-memory database"
                    .into(),
            ));
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| Error::Startup(format!("bad SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| Error::Startup(format!("cannot open SQLite database: {e}")))?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| Error::Startup(format!("cannot open SQLite database: {e}")))?;
        Ok(Self::Sqlite(SqlitePools { read, write }))
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite(_) => Dialect::Sqlite,
            Self::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Brings the schema up to date. Runs at every start-up. A database a newer Casefile has
    /// migrated is refused, untouched: this binary does not know its tables.
    pub async fn migrate(&self) -> Result<()> {
        let (migrator, applied) = match self {
            Self::Sqlite(p) => (
                sqlx::migrate!("../migrations/sqlite"),
                applied_version(sqlx::query_scalar(APPLIED).fetch_one(&p.read).await),
            ),
            Self::Postgres(p) => (
                sqlx::migrate!("../migrations/postgres"),
                applied_version(sqlx::query_scalar(APPLIED).fetch_one(p).await),
            ),
        };
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        if applied > known {
            return Err(Error::Startup(format!(
                "this database is at schema version {applied}, written by a newer Casefile; this one knows versions up to {known}. Run the newer Casefile (or restore a backup made before the upgrade)."
            )));
        }
        match self {
            Self::Sqlite(p) => migrator.run(&p.write).await,
            Self::Postgres(p) => migrator.run(p).await,
        }
        .map_err(|e| Error::Startup(format!("database migration failed: {e}")))
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Self::Sqlite(p) => Tx::Sqlite(p.write.begin().await?),
            Self::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Answers whether the database can run a query (the health check).
    pub async fn ping(&self) -> bool {
        on_pool!(self, |pool| sqlx::query("select 1")
            .execute(pool)
            .await
            .map(|_| ()))
        .is_ok()
    }

    /// Refreshes the planner's statistics (after a bulk load; autovacuum does this in time on
    /// Postgres, SQLite's `optimize` at close).
    pub async fn analyze(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::query("analyze").execute(&p.write).await.map(|_| ())?,
            Db::Postgres(pool) => sqlx::query("analyze").execute(pool).await.map(|_| ())?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite(p) => {
                p.read.close().await;
                p.write.close().await;
            }
            Self::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Self::Sqlite(tx) => tx.commit().await?,
            Self::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite(_) => Dialect::Sqlite,
            Self::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Marks a point the transaction can go back to with [`Tx::rollback_to`]: what one of
    /// several writers sharing a transaction (intake's group commit) wrote can be undone alone.
    /// PostgreSQL aborts a whole transaction at its first error unless it returns to a
    /// savepoint. `name` is a fixed identifier, never input.
    pub async fn savepoint(&mut self, name: &'static str) -> Result<()> {
        execute_tx!(self, sqlx::query(&format!("savepoint {name}")))?;
        Ok(())
    }

    /// Keeps what was written since [`Tx::savepoint`] as part of the transaction.
    pub async fn release(&mut self, name: &'static str) -> Result<()> {
        execute_tx!(self, sqlx::query(&format!("release savepoint {name}")))?;
        Ok(())
    }

    /// Undoes what was written since [`Tx::savepoint`]; the transaction goes on.
    pub async fn rollback_to(&mut self, name: &'static str) -> Result<()> {
        execute_tx!(self, sqlx::query(&format!("rollback to savepoint {name}")))?;
        execute_tx!(self, sqlx::query(&format!("release savepoint {name}")))?;
        Ok(())
    }
}
