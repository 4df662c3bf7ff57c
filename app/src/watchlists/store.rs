//! SQL for watchlists and matching values against them.

use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis, db::Dialect},
};

#[derive(sqlx::FromRow)]
pub struct WatchlistRow {
    pub watchlist_id: i64,
    pub name: String,
    pub description: String,
    pub entry_count: i64,
    pub created_by: String,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "select watchlist_id, name, description, entry_count, created_by, updated_at from watchlist";

pub async fn insert(
    tx: &mut Tx,
    name: &str,
    description: &str,
    by: &str,
    now: Millis,
) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into watchlist (name, description, entry_count, created_by, created_at, updated_at)
             values ($1, $2, 0, $3, $4, $4) returning watchlist_id",
        )
        .bind(name)
        .bind(description)
        .bind(by)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

pub async fn by_name(tx: &mut Tx, name: &str) -> Result<Option<WatchlistRow>> {
    let sql = format!("{COLUMNS} where name = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(name).fetch_optional(c).await
    })?)
}

pub async fn get_in_tx(tx: &mut Tx, id: i64) -> Result<Option<WatchlistRow>> {
    let sql = format!("{COLUMNS} where watchlist_id = $1");
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(id).fetch_optional(c).await
    })?)
}

/// All watchlists by name (admins keep tens, not thousands; capped anyway).
pub async fn list(db: &Db) -> Result<Vec<WatchlistRow>> {
    let sql = format!("{COLUMNS} order by name limit 500");
    Ok(on_pool!(db, |pool| sqlx::query_as(&sql)
        .fetch_all(pool)
        .await)?)
}

/// Adds an entry; false if the list already had the value.
pub async fn insert_entry(
    tx: &mut Tx,
    watchlist_id: i64,
    data_type: &str,
    value: &str,
    note: &str,
    by: &str,
    now: Millis,
) -> Result<bool> {
    let n = execute_tx!(
        tx,
        sqlx::query(
            "insert into watchlist_entry (watchlist_id, data_type, value, note, added_by, added_at)
             values ($1, $2, $3, $4, $5, $6) on conflict do nothing"
        )
        .bind(watchlist_id)
        .bind(data_type)
        .bind(value)
        .bind(note)
        .bind(by)
        .bind(now)
    )?;
    Ok(n == 1)
}

pub async fn add_to_count(tx: &mut Tx, watchlist_id: i64, added: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update watchlist set entry_count = entry_count + $2, updated_at = $3 where watchlist_id = $1"
        )
        .bind(watchlist_id)
        .bind(added)
        .bind(now)
    )?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct EntryRow {
    pub data_type: String,
    pub value: String,
    pub note: String,
    pub added_by: String,
    pub added_at: i64,
}

/// A page of a list's entries, keyset by (data_type, value). The order is spelled
/// (data_type, first 200 characters, value) so the `watchlist_entry_page` index can serve it:
/// a whole value may be too long for a PostgreSQL b-tree entry, its first 200 characters are
/// not. The order is the same for both spellings but for ties within a prefix, which the full
/// value then breaks.
pub async fn entries(
    db: &Db,
    watchlist_id: i64,
    after: Option<(&str, &str)>,
    limit: i64,
) -> Result<Vec<EntryRow>> {
    Ok(on_pool!(db, |pool| {
        let mut qb = sqlx::QueryBuilder::new(
            "select data_type, value, note, added_by, added_at from watchlist_entry where watchlist_id = ",
        );
        qb.push_bind(watchlist_id);
        if let Some((t, v)) = after {
            // The first comparison bounds the index scan; the second is the exact keyset.
            qb.push(" and (data_type, substr(value, 1, 200)) >= (")
                .push_bind(t.to_owned())
                .push(", substr(")
                .push_bind(v.to_owned())
                .push(", 1, 200)) and (data_type, substr(value, 1, 200), value) > (")
                .push_bind(t.to_owned())
                .push(", substr(")
                .push_bind(v.to_owned())
                .push(", 1, 200), ")
                .push_bind(v.to_owned())
                .push(")");
        }
        qb.push(" order by data_type, substr(value, 1, 200), value limit ")
            .push_bind(limit);
        qb.build_query_as::<EntryRow>().fetch_all(pool).await
    })?)
}

/// A scalar subquery naming (comma-separated) the watchlists that hold the value given by the
/// SQL expressions `data_type` and `value`; null when none does.
pub(crate) fn lists_holding_sql(dialect: Dialect, data_type: &str, value: &str) -> String {
    let names = match dialect {
        Dialect::Sqlite => "group_concat(w.name, ', ')",
        Dialect::Postgres => "string_agg(w.name, ', ' order by w.name)",
    };
    format!(
        "(select {names} from watchlist_entry e join watchlist w on w.watchlist_id = e.watchlist_id
          where e.data_type = {data_type} and e.value = {value})"
    )
}

/// Flags the observables (and their alerts) of alerts `first..=last` that are on a watchlist.
/// Returns how many alerts were flagged. Runs in the intake transaction.
pub async fn flag_alerts(tx: &mut Tx, first: i64, last: i64) -> Result<u64> {
    let names = lists_holding_sql(
        tx.dialect(),
        "alert_observable.data_type",
        "alert_observable.value",
    );
    let sql = format!(
        "update alert_observable set watchlist = {names}
         where alert_id between $1 and $2
           and exists (select 1 from watchlist_entry e
                       where e.data_type = alert_observable.data_type and e.value = alert_observable.value)"
    );
    let n = execute_tx!(tx, sqlx::query(&sql).bind(first).bind(last))?;
    if n == 0 {
        return Ok(0);
    }
    execute_tx!(
        tx,
        sqlx::query(
            "update alert set watchlist_hit = 1
             where alert_id between $1 and $2
               and exists (select 1 from alert_observable o
                           where o.alert_id = alert.alert_id and o.watchlist is not null)"
        )
        .bind(first)
        .bind(last)
    )
    .map_err(Into::into)
}
