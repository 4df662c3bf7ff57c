//! SQL for case templates.

use super::NewTemplate;
use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
    validate::tags_to_json,
};

#[derive(sqlx::FromRow)]
pub struct TemplateRow {
    pub template_id: i64,
    pub name: String,
    pub description: String,
    pub title_prefix: String,
    pub body: String,
    pub severity: Option<i64>,
    pub tlp: Option<i64>,
    pub pap: Option<i64>,
    pub tier: Option<i64>,
    pub tags: String,
    pub playbooks: String,
    pub custom_fields: String,
    pub version: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "select template_id, name, description, title_prefix, body, severity, tlp,
    pap, tier, tags, playbooks, custom_fields, version, updated_at from case_template";

/// Most templates kept: pickers list them all.
pub const MAX_TEMPLATES: i64 = 500;

fn json_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub async fn insert(tx: &mut Tx, t: &NewTemplate, by: &str, now: Millis) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into case_template (name, description, title_prefix, body, severity, tlp, pap,
                 tier, tags, playbooks, custom_fields, version, created_by, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $13)
             returning template_id",
        )
        .bind(&t.name)
        .bind(&t.description)
        .bind(&t.title_prefix)
        .bind(&t.body)
        .bind(t.severity.map(|s| s.level()))
        .bind(t.tlp)
        .bind(t.pap)
        .bind(t.tier)
        .bind(tags_to_json(&t.tags))
        .bind(json_of(&t.playbooks))
        .bind(json_of(&t.custom_fields))
        .bind(by)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

/// Writes the template over version `version`; false if it moved on.
pub async fn update(
    tx: &mut Tx,
    id: i64,
    version: i64,
    t: &NewTemplate,
    now: Millis,
) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update case_template set name = $3, description = $4, title_prefix = $5, body = $6,
                 severity = $7, tlp = $8, pap = $9, tier = $10, tags = $11, playbooks = $12,
                 custom_fields = $13, version = version + 1, updated_at = $14
             where template_id = $1 and version = $2"
        )
        .bind(id)
        .bind(version)
        .bind(&t.name)
        .bind(&t.description)
        .bind(&t.title_prefix)
        .bind(&t.body)
        .bind(t.severity.map(|s| s.level()))
        .bind(t.tlp)
        .bind(t.pap)
        .bind(t.tier)
        .bind(tags_to_json(&t.tags))
        .bind(json_of(&t.playbooks))
        .bind(json_of(&t.custom_fields))
        .bind(now)
    )?;
    Ok(n == 1)
}

pub async fn delete(tx: &mut Tx, id: i64) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query("delete from case_template where template_id = $1").bind(id)
    )?;
    Ok(n == 1)
}

pub async fn all(db: &Db) -> Result<Vec<TemplateRow>> {
    let sql = format!("{COLUMNS} order by name limit {MAX_TEMPLATES}");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await)?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<TemplateRow>> {
    let sql = format!("{COLUMNS} where template_id = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
    })?)
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<TemplateRow>> {
    let sql = format!("{COLUMNS} where name = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(name).fetch_optional(pool).await
    })?)
}

pub async fn get_in_tx(tx: &mut Tx, id: i64) -> Result<Option<TemplateRow>> {
    let sql = format!("{COLUMNS} where template_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(id).fetch_optional(c).await
    })?)
}

pub async fn by_name_in_tx(tx: &mut Tx, name: &str) -> Result<Option<TemplateRow>> {
    let sql = format!("{COLUMNS} where name = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(name).fetch_optional(c).await
    })?)
}
