//! SQL for playbooks.

use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

#[derive(sqlx::FromRow)]
pub struct PlaybookRow {
    pub playbook_id: i64,
    pub name: String,
    pub incident_type: String,
    pub description: String,
    pub tasks: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

const COLUMNS: &str = "select playbook_id, name, incident_type, description, tasks, version,
        updated_by, updated_at from playbook";

/// Every playbook by name (a handful; capped anyway).
pub async fn list(db: &Db) -> Result<Vec<PlaybookRow>> {
    let sql = format!("{COLUMNS} order by name limit 200");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await)?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<PlaybookRow>> {
    let sql = format!("{COLUMNS} where playbook_id = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
    })?)
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<PlaybookRow>> {
    let sql = format!("{COLUMNS} where name = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(name).fetch_optional(pool).await
    })?)
}

pub async fn get_in_tx(tx: &mut Tx, id: i64) -> Result<Option<PlaybookRow>> {
    let sql = format!("{COLUMNS} where playbook_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(id).fetch_optional(c).await
    })?)
}

/// Writes the playbook if it is still at `version`; false if someone else edited it first.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    tx: &mut Tx,
    id: i64,
    version: i64,
    name: &str,
    description: &str,
    tasks_json: &str,
    by: &str,
    now: Millis,
) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update playbook set name = $3, description = $4, tasks = $5, version = version + 1,
                 updated_by = $6, updated_at = $7
             where playbook_id = $1 and version = $2"
        )
        .bind(id)
        .bind(version)
        .bind(name)
        .bind(description)
        .bind(tasks_json)
        .bind(by)
        .bind(now)
    )?;
    Ok(n == 1)
}

pub async fn name_taken(tx: &mut Tx, name: &str, except: i64) -> Result<bool> {
    let row: Option<(i64,)> = on_tx!(tx, |c| {
        sqlx::query_as("select playbook_id from playbook where name = $1 and playbook_id <> $2")
            .bind(name)
            .bind(except)
            .fetch_optional(c)
            .await
    })?;
    Ok(row.is_some())
}
