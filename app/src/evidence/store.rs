//! SQL for the evidence locker: items (whose content columns the database itself keeps
//! immutable) and the append-only chain of custody.

use crate::{
    execute_tx, on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis, db::Dialect},
};

const ITEM_COLUMNS: &str = "select e.evidence_id, e.case_id, c.number as case_number, e.file_name,
        e.kind, e.size_bytes, e.sha256, e.sha1, e.md5, e.description, e.collected_from,
        e.acquired_at, e.collected_by, e.custodian, e.sealed, e.integrity, e.integrity_checked_at,
        e.disposal, e.disposal_requested_by_user_id, e.uploaded_by, e.uploaded_at
     from evidence e join incident_case c on c.case_id = e.case_id";

#[derive(sqlx::FromRow)]
pub struct ItemRow {
    pub evidence_id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub file_name: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub sha1: String,
    pub md5: String,
    pub description: String,
    pub collected_from: String,
    pub acquired_at: Option<i64>,
    pub collected_by: String,
    pub custodian: String,
    pub sealed: i64,
    pub integrity: String,
    pub integrity_checked_at: Option<i64>,
    pub disposal: String,
    pub disposal_requested_by_user_id: Option<i64>,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

pub struct NewItem<'a> {
    pub case_id: i64,
    pub file_name: &'a str,
    pub kind: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub sha1: &'a str,
    pub md5: &'a str,
    pub description: &'a str,
    pub collected_from: &'a str,
    pub acquired_at: Option<Millis>,
    pub collected_by: &'a str,
    pub custodian: &'a str,
    pub uploaded_by: &'a str,
    pub uploaded_by_user_id: Option<i64>,
}

pub async fn insert_item(tx: &mut Tx, e: &NewItem<'_>, now: Millis) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into evidence (case_id, file_name, kind, size_bytes, sha256, sha1, md5,
                 description, collected_from, acquired_at, collected_by, custodian, sealed,
                 integrity, integrity_checked_at, disposal, uploaded_by, uploaded_by_user_id,
                 uploaded_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, 'intact', $13, 'none',
                 $14, $15, $13)
             returning evidence_id",
        )
        .bind(e.case_id)
        .bind(e.file_name)
        .bind(e.kind)
        .bind(e.size_bytes)
        .bind(e.sha256)
        .bind(e.sha1)
        .bind(e.md5)
        .bind(e.description)
        .bind(e.collected_from)
        .bind(e.acquired_at)
        .bind(e.collected_by)
        .bind(e.custodian)
        .bind(now)
        .bind(e.uploaded_by)
        .bind(e.uploaded_by_user_id)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

pub async fn item(db: &Db, id: i64) -> Result<Option<ItemRow>> {
    let sql = format!("{ITEM_COLUMNS} where e.evidence_id = $1");
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql).bind(id).fetch_optional(pool).await
    })?)
}

/// The item inside `tx`, locked on Postgres so two custody changes cannot interleave.
pub async fn item_for_update(tx: &mut Tx, id: i64) -> Result<Option<ItemRow>> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => format!("{ITEM_COLUMNS} where e.evidence_id = $1"),
        Dialect::Postgres => format!("{ITEM_COLUMNS} where e.evidence_id = $1 for update of e"),
    };
    Ok(on_tx!(tx, |c| {
        sqlx::query_as(&sql).bind(id).fetch_optional(c).await
    })?)
}

/// A case's items in upload order, keyset-paged by id.
pub async fn items(db: &Db, case_id: i64, after_id: i64, limit: i64) -> Result<Vec<ItemRow>> {
    let sql = format!(
        "{ITEM_COLUMNS} where e.case_id = $1 and e.evidence_id > $2
         order by e.evidence_id limit $3"
    );
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(case_id)
            .bind(after_id)
            .bind(limit)
            .fetch_all(pool)
            .await
    })?)
}

/// The custody state an event may change; the content columns are never written again.
pub struct CustodyState<'a> {
    pub custodian: &'a str,
    pub sealed: bool,
    pub disposal: &'a str,
    pub disposal_requested_by_user_id: Option<i64>,
}

pub async fn set_custody_state(tx: &mut Tx, id: i64, s: &CustodyState<'_>) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update evidence set custodian = $2, sealed = $3, disposal = $4,
                 disposal_requested_by_user_id = $5
             where evidence_id = $1"
        )
        .bind(id)
        .bind(s.custodian)
        .bind(i64::from(s.sealed))
        .bind(s.disposal)
        .bind(s.disposal_requested_by_user_id)
    )?;
    Ok(())
}

pub async fn set_integrity(tx: &mut Tx, id: i64, intact: bool, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "update evidence set integrity = $2, integrity_checked_at = $3 where evidence_id = $1"
        )
        .bind(id)
        .bind(if intact { "intact" } else { "mismatch" })
        .bind(now)
    )?;
    Ok(())
}

/// Counts one more reference to `sha256` (an upload in flight, which its item then keeps).
pub async fn add_content_ref(tx: &mut Tx, sha256: &str, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "insert into evidence_content (sha256, refs, created_at, updated_at)
             values ($1, 1, $2, $2)
             on conflict (sha256) do update set refs = evidence_content.refs + 1,
                 updated_at = excluded.updated_at"
        )
        .bind(sha256)
        .bind(now)
    )?;
    Ok(())
}

/// The references to `sha256`, locked until the transaction ends (SQLite's single writer
/// holds every other writer off anyway).
pub async fn lock_content_refs(tx: &mut Tx, sha256: &str) -> Result<Option<i64>> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => "select refs from evidence_content where sha256 = $1",
        Dialect::Postgres => "select refs from evidence_content where sha256 = $1 for update",
    };
    Ok(on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(sha256)
        .fetch_optional(c)
        .await)?)
}

pub async fn set_content_refs(tx: &mut Tx, sha256: &str, refs: i64, now: Millis) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("update evidence_content set refs = $2, updated_at = $3 where sha256 = $1")
            .bind(sha256)
            .bind(refs)
            .bind(now)
    )?;
    Ok(())
}

pub async fn delete_content_refs(tx: &mut Tx, sha256: &str) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query("delete from evidence_content where sha256 = $1").bind(sha256)
    )?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct CustodyRow {
    pub custody_event_id: i64,
    pub evidence_id: i64,
    pub action: String,
    pub occurred_at: i64,
    pub from_party: Option<String>,
    pub to_party: Option<String>,
    pub reason: String,
    pub detail: String,
    pub recorded_by: String,
    pub recorded_from_ip: Option<String>,
    pub recorded_at: i64,
}

pub struct NewCustody<'a> {
    pub evidence_id: i64,
    pub case_id: i64,
    pub action: &'a str,
    pub occurred_at: Millis,
    pub from_party: Option<&'a str>,
    pub to_party: Option<&'a str>,
    pub reason: &'a str,
    pub detail: serde_json::Value,
    pub recorded_by: &'a str,
    pub recorded_by_user_id: Option<i64>,
    pub recorded_from_ip: Option<&'a str>,
}

pub async fn insert_custody(tx: &mut Tx, e: &NewCustody<'_>, now: Millis) -> Result<i64> {
    let (id,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into custody_event (evidence_id, case_id, action, occurred_at, from_party,
                 to_party, reason, detail, recorded_by, recorded_by_user_id, recorded_from_ip,
                 recorded_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             returning custody_event_id",
        )
        .bind(e.evidence_id)
        .bind(e.case_id)
        .bind(e.action)
        .bind(e.occurred_at)
        .bind(e.from_party)
        .bind(e.to_party)
        .bind(e.reason)
        .bind(e.detail.to_string())
        .bind(e.recorded_by)
        .bind(e.recorded_by_user_id)
        .bind(e.recorded_from_ip)
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(id)
}

/// An item's chain of custody in the order it was recorded, at most `limit` events.
pub async fn custody(db: &Db, evidence_id: i64, limit: i64) -> Result<Vec<CustodyRow>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
            "select custody_event_id, evidence_id, action, occurred_at, from_party, to_party,
                    reason, detail, recorded_by, recorded_from_ip, recorded_at
             from custody_event where evidence_id = $1
             order by custody_event_id limit $2",
        )
        .bind(evidence_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })?)
}
