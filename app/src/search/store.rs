//! SQL for the search index: one `search_doc` row per indexed thing, kept in the same
//! transaction as the thing itself; queries through FTS5 (SQLite) or tsvector (Postgres).

pub use crate::journal::search::index;
use crate::{
    on_pool,
    platform::{Db, Result},
};

#[derive(sqlx::FromRow)]
pub struct HitRow {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub status: String,
    pub kind: String,
    pub ref_id: i64,
    pub snippet: String,
}

/// A checked query: the words, and filters.
pub struct Search<'a> {
    pub words: &'a [String],
    /// Some(true): only closed cases; Some(false): only open ones.
    pub closed: Option<bool>,
    pub kind: Option<&'a str>,
    pub limit: i64,
}

/// Documents ranked per query: the newest this many matches. A word found in most documents
/// ("phishing" in a SOC) would otherwise have every match scored; newer work is what analysts
/// look for, and more words or filters narrow the rest.
pub const RANKED_CANDIDATES: i64 = 2000;

/// On Postgres, a word with more matches than that is looked for among this many newest
/// documents.
const RECENT_WINDOW: i64 = 20_000;

/// Best matches first, among the newest [`RANKED_CANDIDATES`] matching documents: BM25 on
/// SQLite, `ts_rank_cd` on Postgres.
pub async fn search(db: &Db, s: &Search<'_>) -> Result<Vec<HitRow>> {
    let status = match s.closed {
        Some(true) => " and c.status = 'closed'",
        Some(false) => " and c.status <> 'closed'",
        None => "",
    };
    Ok(match db {
        Db::Sqlite(pools) => {
            // Each word becomes a quoted FTS5 string (quotes doubled), so nothing the analyst
            // types is read as FTS5 syntax; adjacent strings must all match.
            let expr = s
                .words
                .iter()
                .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" ");
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "select d.case_id, c.number, c.title, c.status, d.kind, d.ref_id,
                        snippet(search_fts, 0, '«', '»', '…', 16) as snippet
                 from search_fts
                 join search_doc d on d.doc_id = search_fts.rowid
                 join incident_case c on c.case_id = d.case_id
                 where search_fts match ",
            );
            qb.push_bind(expr.clone());
            qb.push(
                " and search_fts.rowid >= coalesce((select min(rowid) from (
                      select rowid from search_fts where search_fts match ",
            )
            .push_bind(expr)
            .push(" order by rowid desc limit ")
            .push_bind(RANKED_CANDIDATES)
            .push(")), 0)");
            qb.push(status);
            if let Some(k) = s.kind {
                qb.push(" and d.kind = ").push_bind(k.to_owned());
            }
            qb.push(" order by search_fts.rank limit ")
                .push_bind(s.limit);
            qb.build_query_as::<HitRow>().fetch_all(&pools.read).await?
        }
        Db::Postgres(pool) => {
            let words = s.words.join(" ");
            // The planner cannot see from a prepared statement whether a word is rare or in
            // most documents, and the two need different plans: rank every match of a rare
            // word (GIN bitmap), or walk the newest documents for a frequent one. So count up
            // to the cap first and send a statement of the matching shape, each planned for
            // its actual words (unnamed statements, `persistent(false)`).
            let (matches,): (i64,) = sqlx::query_as(
                "select count(*) from (select 1 from search_doc
                  where doc @@ plainto_tsquery('english', $1) limit $2) m",
            )
            .bind(&words)
            .bind(RANKED_CANDIDATES + 1)
            .persistent(false)
            .fetch_one(pool)
            .await?;
            let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "with q as (select plainto_tsquery('english', ",
            );
            qb.push_bind(words);
            qb.push(
                ") as q),
                 candidates as (
                     select d.doc_id, d.case_id, d.kind, d.ref_id, d.body, d.doc
                     from search_doc d, q where d.doc @@ q.q",
            );
            if matches > RANKED_CANDIDATES {
                // A frequent word: look among the newest documents only (a bounded primary-key
                // range), whatever plan the planner picks.
                qb.push(" and d.doc_id > (select coalesce(max(doc_id), 0) from search_doc) - ")
                    .push_bind(RECENT_WINDOW)
                    .push(" order by d.doc_id desc limit ")
                    .push_bind(RANKED_CANDIDATES);
            }
            qb.push(
                "),
                 ranked as (
                     select d.case_id, d.kind, d.ref_id, d.body, ts_rank_cd(d.doc, q.q) as rank
                     from candidates d cross join q
                     join incident_case c on c.case_id = d.case_id
                     where true",
            );
            qb.push(status);
            if let Some(k) = s.kind {
                qb.push(" and d.kind = ").push_bind(k.to_owned());
            }
            qb.push(" order by rank desc, d.ref_id desc limit ")
                .push_bind(s.limit);
            qb.push(
                ")
                 select r.case_id, c.number, c.title, c.status, r.kind, r.ref_id,
                        ts_headline('english', r.body, q.q,
                            'StartSel=«, StopSel=», MaxWords=24, MinWords=8, MaxFragments=1, FragmentDelimiter=…') as snippet
                 from ranked r cross join q join incident_case c on c.case_id = r.case_id
                 order by r.rank desc, r.ref_id desc",
            );
            qb.build_query_as::<HitRow>()
                .persistent(false)
                .fetch_all(pool)
                .await?
        }
    })
}

/// How many documents the index holds (for the bench and tests; not for page views).
pub async fn document_count(db: &Db) -> Result<i64> {
    let (n,): (i64,) = on_pool!(db, |pool| {
        sqlx::query_as("select count(*) from search_doc")
            .fetch_one(pool)
            .await
    })?;
    Ok(n)
}
