//! The search index's documents, written in the same transaction as what they index.

use crate::{
    execute_tx,
    platform::{Result, Tx},
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
