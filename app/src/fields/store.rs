//! SQL for custom field definitions and their values on cases and alerts.

use super::{Checked, FieldMatch, FieldSort, NewField, SortKey, Target};
use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

#[derive(sqlx::FromRow)]
pub struct FieldRow {
    pub field_id: i64,
    pub name: String,
    pub label: String,
    pub description: String,
    pub field_type: String,
    pub options: String,
    pub on_cases: i64,
    pub on_alerts: i64,
    pub mandatory: String,
    pub default_value: Option<String>,
    pub position: i64,
    pub retired_at: Option<i64>,
    pub version: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "select field_id, name, label, description, field_type, options, on_cases,
    on_alerts, mandatory, default_value, position, retired_at, version, updated_at from custom_field";

/// Most fields kept; forms show them all, so a SOC keeps tens.
pub const MAX_FIELDS: i64 = 500;

fn default_json(f: &NewField) -> Option<String> {
    f.default.as_ref().map(|c| c.value.to_string())
}

fn options_json(f: &NewField) -> String {
    serde_json::to_string(&f.options).unwrap_or_else(|_| "[]".into())
}

pub async fn insert(tx: &mut Tx, f: &NewField, by: &str, now: Millis) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into custom_field (name, label, description, field_type, options, on_cases,
                 on_alerts, mandatory, default_value, position, retired_at, version, created_by,
                 created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, null, 1, $11, $12, $12)
             returning field_id",
        )
        .bind(&f.name)
        .bind(&f.label)
        .bind(&f.description)
        .bind(f.field_type.as_str())
        .bind(options_json(f))
        .bind(i64::from(f.on_cases))
        .bind(i64::from(f.on_alerts))
        .bind(f.mandatory.as_str())
        .bind(default_json(f))
        .bind(f.position)
        .bind(by)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

/// Writes everything but the name and type over version `version`; false if it moved on.
pub async fn update(
    tx: &mut Tx,
    field_id: i64,
    version: i64,
    f: &NewField,
    now: Millis,
) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "update custom_field set label = $3, description = $4, options = $5, on_cases = $6,
                 on_alerts = $7, mandatory = $8, default_value = $9, position = $10,
                 version = version + 1, updated_at = $11
             where field_id = $1 and version = $2"
        )
        .bind(field_id)
        .bind(version)
        .bind(&f.label)
        .bind(&f.description)
        .bind(options_json(f))
        .bind(i64::from(f.on_cases))
        .bind(i64::from(f.on_alerts))
        .bind(f.mandatory.as_str())
        .bind(default_json(f))
        .bind(f.position)
        .bind(now)
    )?;
    Ok(n == 1)
}

pub async fn set_retired(
    tx: &mut Tx,
    field_id: i64,
    retired_at: Option<Millis>,
    now: Millis,
) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update custom_field set retired_at = $2, version = version + 1, updated_at = $3
             where field_id = $1"
        )
        .bind(field_id)
        .bind(retired_at)
        .bind(now)
    )?;
    Ok(())
}

pub async fn all(db: &Db) -> Result<Vec<FieldRow>> {
    let sql = format!("{COLUMNS} order by position, name limit {MAX_FIELDS}");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await)?)
}

/// Every definition, read inside a change (so a definition edited meanwhile is seen).
pub async fn all_in_tx(tx: &mut Tx) -> Result<Vec<FieldRow>> {
    let sql = format!("{COLUMNS} order by position, name limit {MAX_FIELDS}");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql).fetch_all(c).await)?)
}

pub async fn get_in_tx(tx: &mut Tx, field_id: i64) -> Result<Option<FieldRow>> {
    let sql = format!("{COLUMNS} where field_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(field_id).fetch_optional(c).await
    })?)
}

pub async fn by_name_in_tx(tx: &mut Tx, name: &str) -> Result<Option<FieldRow>> {
    let sql = format!("{COLUMNS} where name = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(name).fetch_optional(c).await
    })?)
}

/// Whether alert `alert_id` exists (fields are set on alerts this feature does not own).
pub async fn alert_exists(tx: &mut Tx, alert_id: i64) -> Result<bool> {
    let row: Option<(i64,)> = on_tx!(tx, |c| {
        sqlx::query_as("select alert_id from alert where alert_id = $1")
            .bind(alert_id)
            .fetch_optional(c)
            .await
    })?;
    Ok(row.is_some())
}

fn table(t: Target) -> (&'static str, &'static str) {
    match t {
        Target::Case => ("case_field_value", "case_id"),
        Target::Alert => ("alert_field_value", "alert_id"),
    }
}

/// A stored value: the field and its JSON.
#[derive(sqlx::FromRow)]
pub struct ValueRow {
    pub field_id: i64,
    pub value: String,
}

pub async fn values(db: &Db, t: Target, id: i64) -> Result<Vec<ValueRow>> {
    let (table, key) = table(t);
    let sql = format!("select field_id, value from {table} where {key} = $1 limit {MAX_FIELDS}");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(id)
        .fetch_all(pool)
        .await)?)
}

pub async fn values_in_tx(tx: &mut Tx, t: Target, id: i64) -> Result<Vec<ValueRow>> {
    let (table, key) = table(t);
    let sql = format!("select field_id, value from {table} where {key} = $1 limit {MAX_FIELDS}");
    Ok(on_tx!(tx, |c| sqlx::query_as(&sql)
        .bind(id)
        .fetch_all(c)
        .await)?)
}

/// Values of many records at once (a list page, an export page): (record id, field id, JSON).
pub async fn values_of(db: &Db, t: Target, ids: &[i64]) -> Result<Vec<(i64, i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (table, key) = table(t);
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(format!(
            "select {key}, field_id, value from {table} where {key} in ("
        ));
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        qb.push(")");
        qb.build_query_as::<(i64, i64, String)>()
            .fetch_all(pool)
            .await
    })?)
}

/// Sets (or replaces) one value.
pub async fn put(
    tx: &mut Tx,
    t: Target,
    id: i64,
    field_id: i64,
    v: &Checked,
    now: Millis,
) -> Result<()> {
    let (table, key) = table(t);
    let sql = format!(
        "insert into {table} ({key}, field_id, value, value_key, value_number, updated_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict ({key}, field_id) do update set value = excluded.value,
             value_key = excluded.value_key, value_number = excluded.value_number,
             updated_at = excluded.updated_at"
    );
    execute_tx!(
        tx,
        sqlx::query(&sql)
            .bind(id)
            .bind(field_id)
            .bind(v.value.to_string())
            .bind(v.key.as_deref())
            .bind(v.number)
            .bind(now)
    )?;
    Ok(())
}

pub async fn clear(tx: &mut Tx, t: Target, id: i64, field_id: i64) -> Result<()> {
    let (table, key) = table(t);
    let sql = format!("delete from {table} where {key} = $1 and field_id = $2");
    execute_tx!(tx, sqlx::query(&sql).bind(id).bind(field_id))?;
    Ok(())
}

/// Copies an alert's values of fields that also apply to cases onto a new case.
pub async fn copy_alert_to_case(
    tx: &mut Tx,
    alert_id: i64,
    case_id: i64,
    now: Millis,
) -> Result<u64> {
    Ok(execute_tx!(
        tx,
        sqlx::query(
            "insert into case_field_value (case_id, field_id, value, value_key, value_number, updated_at)
             select $2, v.field_id, v.value, v.value_key, v.value_number, $3
             from alert_field_value v join custom_field f on f.field_id = v.field_id
             where v.alert_id = $1 and f.on_cases = 1 and f.retired_at is null
             on conflict (case_id, field_id) do nothing"
        )
        .bind(alert_id)
        .bind(case_id)
        .bind(now)
    )?)
}

/// The SQL condition that record `{alias}.{key}` matches `m`, for list queries.
pub fn push_match<'a, DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'a, DB>,
    t: Target,
    id_expr: &str,
    m: &'a FieldMatch,
) where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let (table, key) = table(t);
    qb.push(format!(
        " and exists (select 1 from {table} fv where fv.{key} = {id_expr} and fv.field_id = "
    ));
    match m {
        FieldMatch::Key { field_id, key } => {
            qb.push_bind(*field_id)
                .push(" and fv.value_key = ")
                .push_bind(key.clone());
        }
        FieldMatch::Range { field_id, from, to } => {
            qb.push_bind(*field_id);
            if let Some(f) = from {
                qb.push(" and fv.value_number >= ").push_bind(*f);
            }
            if let Some(t) = to {
                qb.push(" and fv.value_number <= ").push_bind(*t);
            }
        }
    }
    qb.push(")");
}

/// Joins the sort field's value as `sv`: the list keeps only the records that have one.
pub fn push_sort_join<'a, DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'a, DB>,
    t: Target,
    id_expr: &str,
    s: &FieldSort,
) where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let (table, key) = table(t);
    qb.push(format!(
        " join {table} sv on sv.{key} = {id_expr} and sv.field_id = "
    ))
    .push_bind(s.field_id);
}

fn sort_column(s: &FieldSort) -> &'static str {
    if s.numeric {
        "sv.value_number"
    } else {
        "sv.value_key"
    }
}

/// After [`push_sort_join`] and the filters: the rows past `after`, in the sort's order.
pub fn push_sort_page<'a, DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'a, DB>,
    id_expr: &str,
    s: &FieldSort,
    after: Option<(&SortKey, i64)>,
    limit: i64,
) where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let col = sort_column(s);
    let (cmp, dir) = if s.descending {
        ("<", "desc")
    } else {
        (">", "asc")
    };
    qb.push(format!(" and {col} is not null"));
    if let Some((key, id)) = after {
        qb.push(format!(" and ({col}, {id_expr}) {cmp} ("));
        match key {
            SortKey::Number(n) => qb.push_bind(*n),
            SortKey::Key(k) => qb.push_bind(k.clone()),
        };
        qb.push(", ").push_bind(id).push(")");
    }
    qb.push(format!(" order by {col} {dir}, {id_expr} {dir} limit "))
        .push_bind(limit);
}

/// Keeps the records without a value of the sort field.
pub fn push_blank<'a, DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'a, DB>,
    t: Target,
    id_expr: &str,
    s: &FieldSort,
) where
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let (table, key) = table(t);
    let col = sort_column(s).trim_start_matches("sv.");
    qb.push(format!(
        " and not exists (select 1 from {table} sv where sv.{key} = {id_expr} and sv.{col} is not null and sv.field_id = "
    ))
    .push_bind(s.field_id)
    .push(")");
}

/// The sort key of one record's value, for the cursor of the page it ends.
pub async fn sort_key(db: &Db, t: Target, id: i64, s: &FieldSort) -> Result<Option<SortKey>> {
    let (table, key) = table(t);
    let sql =
        format!("select value_key, value_number from {table} where {key} = $1 and field_id = $2");
    let row: Option<(Option<String>, Option<f64>)> = on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(id)
            .bind(s.field_id)
            .fetch_optional(pool)
            .await
    })?;
    Ok(row.and_then(|(k, n)| {
        if s.numeric {
            n.map(SortKey::Number)
        } else {
            k.map(SortKey::Key)
        }
    }))
}
