//! The search index's documents, written in the same transaction as what they index.

use crate::{
    execute_tx,
    platform::{Result, Tx, db::Dialect},
};

/// Adds or replaces the document for (`kind`, `ref_id`).
pub async fn index(tx: &mut Tx, case_id: i64, kind: &str, ref_id: i64, body: &str) -> Result<()> {
    execute_tx!(
        tx,
        sqlx::query(
            "insert into search_doc (case_id, kind, ref_id, body) values ($1, $2, $3, $4)
             on conflict (kind, ref_id) do update set body = excluded.body"
        )
        .bind(case_id)
        .bind(kind)
        .bind(ref_id)
        .bind(body)
    )?;
    Ok(())
}

/// Rewrites a case header's document from the case row and its custom field values.
pub async fn index_case_header(tx: &mut Tx, case_id: i64) -> Result<()> {
    let values = match tx.dialect() {
        Dialect::Sqlite => "group_concat(v.value, ' ')",
        Dialect::Postgres => "string_agg(v.value, ' ')",
    };
    let sql = format!(
        "insert into search_doc (case_id, kind, ref_id, body)
         select case_id, 'case', case_id,
                number || ' ' || title || ' ' || description || ' ' || tags || ' ' || detection_source
                || ' ' || coalesce((select {values} from case_field_value v
                                    where v.case_id = incident_case.case_id), '')
         from incident_case where case_id = $1
         on conflict (kind, ref_id) do update set body = excluded.body"
    );
    execute_tx!(tx, sqlx::query(&sql).bind(case_id))?;
    Ok(())
}
