//! SQL for the post-incident review.

use crate::{
    on_pool, on_tx,
    platform::{Db, Result, Tx, clock::Millis},
};

#[derive(sqlx::FromRow)]
pub struct ReviewRow {
    pub executive_summary: String,
    pub scope_impact: String,
    pub what_happened: String,
    pub went_well: String,
    pub to_improve: String,
    pub action_items: String,
    pub updated_by: String,
    pub updated_at: i64,
}

pub async fn review(db: &Db, case_id: i64) -> Result<Option<ReviewRow>> {
    Ok(on_pool!(db, |pool| {
        sqlx::query_as(
            "select executive_summary, scope_impact, what_happened, went_well, to_improve,
                    action_items, updated_by, updated_at
             from case_review where case_id = $1",
        )
        .bind(case_id)
        .fetch_optional(pool)
        .await
    })?)
}

pub struct ReviewWrite<'a> {
    pub case_id: i64,
    pub executive_summary: &'a str,
    pub scope_impact: &'a str,
    pub what_happened: &'a str,
    pub went_well: &'a str,
    pub to_improve: &'a str,
    pub action_items: &'a str,
    pub updated_by: &'a str,
}

pub async fn save_review(tx: &mut Tx, r: &ReviewWrite<'_>, now: Millis) -> Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "insert into case_review (case_id, executive_summary, scope_impact, what_happened,
                 went_well, to_improve, action_items, updated_by, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
             on conflict (case_id) do update set executive_summary = excluded.executive_summary,
                 scope_impact = excluded.scope_impact, what_happened = excluded.what_happened,
                 went_well = excluded.went_well, to_improve = excluded.to_improve,
                 action_items = excluded.action_items, updated_by = excluded.updated_by,
                 updated_at = excluded.updated_at",
        )
        .bind(r.case_id)
        .bind(r.executive_summary)
        .bind(r.scope_impact)
        .bind(r.what_happened)
        .bind(r.went_well)
        .bind(r.to_improve)
        .bind(r.action_items)
        .bind(r.updated_by)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(())
}
