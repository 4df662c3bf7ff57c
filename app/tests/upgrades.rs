//! Schema versions on SQLite and PostgreSQL: start-up refuses a database that a newer Casefile
//! has migrated, with a message that says what to do, and leaves it as it was.

use app::{
    both_databases,
    platform::{Db, Error},
};

both_databases!(
    a_database_from_a_newer_casefile_is_refused_untouched,
    |p| async move {
        let future = 99_991_231_000_000_i64;
        match &p.db {
            Db::Sqlite(pools) => {
                sqlx::query(
            "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
             values (?, 'from a newer Casefile', 1, x'00', 0)",
        )
        .bind(future)
        .execute(&pools.write)
        .await
        .unwrap();
            }
            Db::Postgres(pool) => {
                sqlx::query(
            "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
             values ($1, 'from a newer Casefile', true, '\\x00', 0)",
        )
        .bind(future)
        .execute(pool)
        .await
        .unwrap();
            }
        }
        let err = p.db.migrate().await.unwrap_err();
        let Error::Startup(message) = err else {
            panic!("{err:?}")
        };
        assert!(message.contains(&future.to_string()), "{message}");
        assert!(message.contains("newer Casefile"), "{message}");
        // Nothing was touched: the row is still the newest, and a second start says the same.
        assert!(p.db.migrate().await.is_err());
    }
);
