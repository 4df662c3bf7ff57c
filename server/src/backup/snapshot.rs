//! The database part of a backup, per dialect: SQLite's online `VACUUM INTO` copy, and on
//! PostgreSQL every table as JSON lines read in one repeatable-read snapshot; and loading them
//! back into a new, empty database.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
};

use app::platform::{Db, Error, Result};
use futures::TryStreamExt as _;
use sqlx::{Connection as _, Executor as _, PgConnection};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, BufWriter};

/// The SQLite copy's file name inside a backup.
pub const SQLITE_FILE: &str = "casefile.sqlite3";
/// Where PostgreSQL tables go inside a backup: `tables/<name>.jsonl`.
pub const TABLES_DIR: &str = "tables";
/// Rows per insert when loading a table.
const LOAD_BATCH: usize = 500;

/// What the snapshot held: rows per table, the audit head, the evidence content it refers to,
/// and the schema version.
pub struct Snapshot {
    pub tables: BTreeMap<String, i64>,
    pub audit_head: (i64, String),
    pub evidence: Vec<String>,
    pub schema_version: i64,
}

pub(super) fn db_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("{what}: {e}"))
}

/// Takes the snapshot into `dir` while the server runs (writes go on meanwhile).
pub async fn take(db: &Db, dir: &Path) -> Result<Snapshot> {
    match db {
        Db::Sqlite(pools) => {
            let target = dir.join(SQLITE_FILE);
            // One read transaction copies a consistent state of every table, indexes, search
            // index included; writers are not blocked (WAL).
            sqlx::query("vacuum into ?")
                .bind(target.to_string_lossy().into_owned())
                .execute(&pools.read)
                .await
                .map_err(|e| db_error("copying the SQLite database", e))?;
            let copy = Db::connect(&format!("sqlite://{}", target.display())).await?;
            let snapshot = describe(&copy).await;
            copy.close().await;
            snapshot
        }
        Db::Postgres(pool) => {
            // A connection of its own: the dump is one long read transaction.
            let mut conn = PgConnection::connect_with(&pool.connect_options())
                .await
                .map_err(|e| db_error("connecting to PostgreSQL for the backup", e))?;
            conn.execute("begin isolation level repeatable read read only")
                .await
                .map_err(|e| db_error("starting the backup snapshot", e))?;
            let tables = pg_tables(&mut conn).await?;
            tokio::fs::create_dir_all(dir.join(TABLES_DIR))
                .await
                .map_err(|e| db_error("creating the backup directory", e))?;
            let mut counts = BTreeMap::new();
            for table in &tables {
                let n = dump_table(
                    &mut conn,
                    table,
                    &dir.join(TABLES_DIR).join(format!("{table}.jsonl")),
                )
                .await?;
                counts.insert(table.clone(), n);
            }
            let audit_head = pg_audit_head(&mut conn).await?;
            let evidence = evidence_of_pg(&mut conn).await?;
            let schema_version = pg_schema_version(&mut conn).await?;
            conn.execute("commit")
                .await
                .map_err(|e| db_error("ending the backup snapshot", e))?;
            Ok(Snapshot {
                tables: counts,
                audit_head,
                evidence,
                schema_version,
            })
        }
    }
}

/// The rows, audit head, evidence and schema version of a database (a snapshot copy, or a
/// restored database being checked).
pub async fn describe(db: &Db) -> Result<Snapshot> {
    match db {
        Db::Sqlite(pools) => {
            let names: Vec<(String,)> = sqlx::query_as(
                "select name from sqlite_master where type = 'table'
                   and name not like 'sqlite_%' and name <> '_sqlx_migrations'
                   and sql not like 'CREATE VIRTUAL%' order by name",
            )
            .fetch_all(&pools.read)
            .await
            .map_err(|e| db_error("listing tables", e))?;
            let mut tables = BTreeMap::new();
            for (name,) in names {
                let (n,): (i64,) = sqlx::query_as(&format!("select count(*) from \"{name}\""))
                    .fetch_one(&pools.read)
                    .await
                    .map_err(|e| db_error("counting rows", e))?;
                tables.insert(name, n);
            }
            let audit_head: (i64, String) = sqlx::query_as("select seq, hash from audit_head")
                .fetch_one(&pools.read)
                .await
                .map_err(|e| db_error("reading the audit head", e))?;
            let evidence: Vec<(String,)> =
                sqlx::query_as("select sha256 from evidence_content order by sha256")
                    .fetch_all(&pools.read)
                    .await
                    .map_err(|e| db_error("listing evidence content", e))?;
            let (schema_version,): (i64,) =
                sqlx::query_as("select coalesce(max(version), 0) from _sqlx_migrations")
                    .fetch_one(&pools.read)
                    .await
                    .map_err(|e| db_error("reading the schema version", e))?;
            Ok(Snapshot {
                tables,
                audit_head,
                evidence: evidence.into_iter().map(|e| e.0).collect(),
                schema_version,
            })
        }
        Db::Postgres(pool) => {
            let mut conn = pool
                .acquire()
                .await
                .map_err(|e| db_error("connecting to PostgreSQL", e))?;
            let mut tables = BTreeMap::new();
            for table in pg_tables(&mut conn).await? {
                let (n,): (i64,) = sqlx::query_as(&format!("select count(*) from \"{table}\""))
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(|e| db_error("counting rows", e))?;
                tables.insert(table, n);
            }
            Ok(Snapshot {
                tables,
                audit_head: pg_audit_head(&mut conn).await?,
                evidence: evidence_of_pg(&mut conn).await?,
                schema_version: pg_schema_version(&mut conn).await?,
            })
        }
    }
}

/// Whether the target holds nothing yet: no SQLite file, or a PostgreSQL schema without tables.
pub async fn target_is_empty(url: &str) -> Result<bool> {
    if let Some(path) = sqlite_path(url) {
        return Ok(std::fs::metadata(path)
            .map(|m| m.len() == 0)
            .unwrap_or(true));
    }
    let mut conn = PgConnection::connect(url)
        .await
        .map_err(|e| db_error("connecting to the target database", e))?;
    let (n,): (i64,) =
        sqlx::query_as("select count(*) from pg_tables where schemaname = current_schema()")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| db_error("looking at the target database", e))?;
    Ok(n == 0)
}

/// The file of a `sqlite://PATH` URL.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    Some(rest.split('?').next().unwrap_or(rest))
}

/// Puts the database part of the backup in `from` into the empty target at `url`.
pub async fn load(from: &Path, url: &str, schema_version: i64) -> Result<()> {
    if let Some(path) = sqlite_path(url) {
        let path = Path::new(path);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| db_error("creating the data directory", e))?;
        }
        tokio::fs::copy(from.join(SQLITE_FILE), path)
            .await
            .map_err(|e| db_error("copying the database into place", e))?;
        return Ok(());
    }
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let Db::Postgres(pool) = &db else {
        return Err(Error::internal("expected PostgreSQL"));
    };
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| db_error("connecting to the target database", e))?;
    let version = pg_schema_version(&mut conn).await?;
    if version != schema_version {
        return Err(Error::invalid(format!(
            "The backup is of schema version {schema_version} and this Casefile's is {version}: restore it with the Casefile version that made it, then upgrade."
        )));
    }
    let tables = pg_tables(&mut conn).await?;
    let order = load_order(&mut conn, &tables).await?;
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| db_error("starting the restore", e))?;
    clear_seeded(&mut tx, &order).await?;
    for table in &order {
        let file = from.join(TABLES_DIR).join(format!("{table}.jsonl"));
        load_table(&mut tx, table, &file).await?;
    }
    tx.commit()
        .await
        .map_err(|e| db_error("committing the restore", e))?;
    db.close().await;
    Ok(())
}

pub(super) async fn pg_tables(conn: &mut PgConnection) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "select tablename::text from pg_tables
         where schemaname = current_schema() and tablename <> '_sqlx_migrations' order by 1",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("listing tables", e))?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

async fn pg_audit_head(conn: &mut PgConnection) -> Result<(i64, String)> {
    sqlx::query_as("select seq, hash from audit_head")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| db_error("reading the audit head", e))
}

async fn evidence_of_pg(conn: &mut PgConnection) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("select sha256 from evidence_content order by sha256")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error("listing evidence content", e))?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub(super) async fn pg_schema_version(conn: &mut PgConnection) -> Result<i64> {
    let (v,): (i64,) = sqlx::query_as("select coalesce(max(version), 0) from _sqlx_migrations")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| db_error("reading the schema version", e))?;
    Ok(v)
}

/// One table as JSON lines (PostgreSQL's own JSON of each row, so every type reads back as
/// it was), in key order; returns the row count.
async fn dump_table(conn: &mut PgConnection, table: &str, file: &Path) -> Result<i64> {
    let out = tokio::fs::File::create(file)
        .await
        .map_err(|e| db_error("writing the backup", e))?;
    let mut out = BufWriter::new(out);
    let sql = format!("select row_to_json(t)::text from \"{table}\" t order by 1");
    let mut rows = sqlx::query_as::<_, (String,)>(&sql).fetch(&mut *conn);
    let mut n = 0;
    while let Some((line,)) = rows
        .try_next()
        .await
        .map_err(|e| db_error(&format!("reading {table}"), e))?
    {
        out.write_all(line.as_bytes())
            .await
            .and(out.write_all(b"\n").await)
            .map_err(|e| db_error("writing the backup", e))?;
        n += 1;
    }
    out.flush()
        .await
        .map_err(|e| db_error("writing the backup", e))?;
    Ok(n)
}

/// Empties a freshly migrated database: the migrations seed a few rows (the audit head, the
/// shipped templates) that the data being loaded has as they were.
pub(super) async fn clear_seeded(tx: &mut PgConnection, tables: &[String]) -> Result<()> {
    let all: Vec<String> = tables.iter().map(|t| format!("\"{t}\"")).collect();
    sqlx::query(&format!(
        "truncate table {} restart identity",
        all.join(", ")
    ))
    .execute(&mut *tx)
    .await
    .map_err(|e| db_error("clearing the seeded rows", e))?;
    Ok(())
}

/// Tables in an order where each comes after the tables its foreign keys point to.
pub(super) async fn load_order(conn: &mut PgConnection, tables: &[String]) -> Result<Vec<String>> {
    let edges: Vec<(String, String)> = sqlx::query_as(
        "select c.conrelid::regclass::text, c.confrelid::regclass::text from pg_constraint c
         where c.contype = 'f' and c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading foreign keys", e))?;
    let mut order = Vec::with_capacity(tables.len());
    let mut placed = BTreeSet::new();
    while order.len() < tables.len() {
        let ready: Vec<&String> = tables
            .iter()
            .filter(|t| !placed.contains(*t))
            .filter(|t| {
                edges
                    .iter()
                    .filter(|(child, parent)| child == *t && parent != *t)
                    .all(|(_, parent)| placed.contains(parent) || !tables.contains(parent))
            })
            .collect();
        if ready.is_empty() {
            return Err(Error::internal(
                "the tables' foreign keys form a cycle; cannot order the restore",
            ));
        }
        for t in ready {
            placed.insert(t.clone());
            order.push(t.clone());
        }
    }
    Ok(order)
}

/// Loads one table's JSON lines from a backup file.
async fn load_table(tx: &mut PgConnection, table: &str, file: &Path) -> Result<()> {
    let mut loader = TableLoader::new(tx, table).await?;
    let input = tokio::fs::File::open(file)
        .await
        .map_err(|e| db_error(&format!("reading {}", file.display()), e))?;
    let mut lines = BufReader::new(input).lines();
    while let Some(line) = lines
        .next_line()
        .await
        .map_err(|e| db_error("reading the backup", e))?
    {
        loader.push(tx, line).await?;
    }
    loader.finish(tx).await?;
    Ok(())
}

/// Inserts rows given as JSON objects into one PostgreSQL table, a batch at a time, with the
/// ids they had; at the end the identity sequences continue after them.
pub struct TableLoader {
    table: String,
    columns: Vec<(String, bool)>,
    insert: String,
    batch: Vec<String>,
    rows: i64,
}

impl TableLoader {
    pub async fn new(tx: &mut PgConnection, table: &str) -> Result<Self> {
        // Generated columns (the search index's tsvector) are PostgreSQL's to fill.
        let columns: Vec<(String, bool)> = sqlx::query_as(
            "select column_name::text, is_identity = 'YES' from information_schema.columns
             where table_schema = current_schema() and table_name = $1 and is_generated = 'NEVER'
             order by ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| db_error("reading columns", e))?;
        let list: Vec<String> = columns.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        let list = list.join(", ");
        let insert = format!(
            "insert into \"{table}\" ({list}) overriding system value
             select {list} from json_populate_recordset(null::\"{table}\", $1::json)"
        );
        Ok(Self {
            table: table.to_owned(),
            columns,
            insert,
            batch: Vec::with_capacity(LOAD_BATCH),
            rows: 0,
        })
    }

    /// The columns rows must carry.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(c, _)| c.as_str())
    }

    pub async fn push(&mut self, tx: &mut PgConnection, row: String) -> Result<()> {
        self.batch.push(row);
        if self.batch.len() == LOAD_BATCH {
            self.flush(tx).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut PgConnection) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let json = format!("[{}]", self.batch.join(","));
        sqlx::query(&self.insert)
            .bind(json)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error(&format!("loading {}", self.table), e))?;
        self.rows += self.batch.len() as i64;
        self.batch.clear();
        Ok(())
    }

    /// Writes what is left and moves the id sequences on; returns the rows loaded.
    pub async fn finish(mut self, tx: &mut PgConnection) -> Result<i64> {
        self.flush(tx).await?;
        let table = &self.table;
        for (column, identity) in &self.columns {
            if *identity {
                sqlx::query(&format!(
                    "select setval(pg_get_serial_sequence('\"{table}\"', '{column}'),
                                   coalesce((select max(\"{column}\") from \"{table}\"), 0) + 1, false)"
                ))
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("moving the id sequences on", e))?;
            }
        }
        Ok(self.rows)
    }
}
