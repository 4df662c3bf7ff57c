//! `casefile migrate`: moving an installation from SQLite to PostgreSQL. Every table is copied
//! in foreign-key order inside one PostgreSQL transaction (all or nothing), from one SQLite
//! read snapshot; then the target is checked as a restore is: rows per table, the audit chain,
//! its head and signed checkpoints.

use std::time::{Duration, Instant};

use app::{
    audit::verify::verify_log,
    platform::{AuditKey, Db, Error, Result},
};
use futures::TryStreamExt as _;
use sqlx::Connection as _;

use super::snapshot::{
    TableLoader, clear_seeded, db_error, describe, load_order, pg_schema_version, pg_tables,
    sqlite_path, target_is_empty,
};

/// One table copied.
pub struct TableCopied {
    pub table: String,
    pub rows: i64,
    pub took: Duration,
}

/// Copies the SQLite database `from` into the empty PostgreSQL database at `to`, telling
/// `progress` about each table; then checks the copy, its checkpoints against `key`. Returns
/// what differs (empty: identical).
pub async fn sqlite_to_postgres(
    from: &Db,
    to: &str,
    key: Option<&AuditKey>,
    mut progress: impl FnMut(&TableCopied),
) -> Result<Vec<String>> {
    let Db::Sqlite(source) = from else {
        return Err(Error::invalid(
            "The source must be a SQLite database (sqlite://PATH).",
        ));
    };
    if sqlite_path(to).is_some()
        || !(to.starts_with("postgres://") || to.starts_with("postgresql://"))
    {
        return Err(Error::invalid(
            "The target must be a PostgreSQL URL (postgres://…).",
        ));
    }
    if !target_is_empty(to).await? {
        return Err(Error::invalid(
            "The target database is not empty: migrate into a new, empty PostgreSQL database.",
        ));
    }
    let target = Db::connect(to).await?;
    target.migrate().await?;
    let Db::Postgres(pool) = &target else {
        return Err(Error::internal("expected PostgreSQL"));
    };
    let mut pg = pool
        .acquire()
        .await
        .map_err(|e| db_error("connecting to PostgreSQL", e))?;
    let (source_version,): (i64,) =
        sqlx::query_as("select coalesce(max(version), 0) from _sqlx_migrations")
            .fetch_one(&source.read)
            .await
            .map_err(|e| db_error("reading the source's schema version", e))?;
    if pg_schema_version(&mut pg).await? != source_version {
        return Err(Error::invalid(
            "The SQLite database is of another schema version than this Casefile: start this version on it once (it upgrades), then migrate.",
        ));
    }
    let tables = pg_tables(&mut pg).await?;
    let order = load_order(&mut pg, &tables).await?;

    // One read transaction on SQLite: every table as of one moment.
    let mut sqlite = source
        .read
        .acquire()
        .await
        .map_err(|e| db_error("opening the SQLite database", e))?;
    let mut snapshot = sqlite
        .begin()
        .await
        .map_err(|e| db_error("starting the SQLite read", e))?;
    let mut tx = pg
        .begin()
        .await
        .map_err(|e| db_error("starting the PostgreSQL transaction", e))?;
    clear_seeded(&mut tx, &order).await?;
    for table in &order {
        let started = Instant::now();
        let mut loader = TableLoader::new(&mut tx, table).await?;
        // SQLite writes each row as the JSON object PostgreSQL reads back into its types.
        let pairs: Vec<String> = loader
            .columns()
            .map(|c| format!("'{c}', \"{c}\""))
            .collect();
        let sql = format!(
            "select json_object({}) from \"{table}\" order by 1",
            pairs.join(", ")
        );
        {
            let mut rows = sqlx::query_as::<_, (String,)>(&sql).fetch(&mut *snapshot);
            while let Some((row,)) = rows
                .try_next()
                .await
                .map_err(|e| db_error(&format!("reading {table} from SQLite"), e))?
            {
                loader.push(&mut tx, row).await?;
            }
        }
        let rows = loader.finish(&mut tx).await?;
        progress(&TableCopied {
            table: table.clone(),
            rows,
            took: started.elapsed(),
        });
    }
    tx.commit()
        .await
        .map_err(|e| db_error("committing the migration", e))?;
    snapshot
        .rollback()
        .await
        .map_err(|e| db_error("ending the SQLite read", e))?;
    drop(sqlite);
    drop(pg);

    let (was, now) = (describe(from).await?, describe(&target).await?);
    let mut differences = Vec::new();
    for (table, want) in &was.tables {
        match now.tables.get(table) {
            Some(got) if got == want => {}
            Some(got) => differences.push(format!("{table}: {got} rows copied, {want} in SQLite")),
            // SQLite's own search index tables have no counterpart (PostgreSQL keeps a tsvector).
            None if table.starts_with("search_fts") => {}
            None => differences.push(format!("{table} has no table in PostgreSQL")),
        }
    }
    if was.audit_head != now.audit_head {
        differences.push(format!(
            "the audit head is #{} in PostgreSQL, #{} in SQLite",
            now.audit_head.0, was.audit_head.0
        ));
    }
    let trusted = key.map(AuditKey::verifying_key);
    let report = verify_log(&target, trusted.as_ref()).await?;
    if let Some(p) = &report.problem {
        differences.push(format!(
            "the audit log does not verify in PostgreSQL: entry {}: {}",
            p.seq, p.message
        ));
    }
    target.close().await;
    Ok(differences)
}
