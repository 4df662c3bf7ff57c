//! Search use case: checks the query, asks the index, maps hits.

use super::{SearchHit, SearchQuery, SearchResults, store};
use crate::{
    cases::CaseStatus,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
};

/// Hits per answer.
pub const HITS: i64 = 50;
/// Most words in one query.
const MAX_WORDS: usize = 20;

/// Ranked hits across every case the actor may read.
pub async fn search(p: &Platform, actor: &Actor, q: &SearchQuery) -> Result<SearchResults> {
    actor.require(Permission::CaseRead)?;
    // Words are runs of letters, digits and the characters that hold observables together
    // (10.0.0.5, evil.example, a@b.c); anything else separates words.
    let words: Vec<String> =
        q.q.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
    if words.is_empty() {
        return Err(Error::invalid("Type at least one word to search for."));
    }
    if words.len() > MAX_WORDS || q.q.chars().count() > 1000 {
        return Err(Error::invalid(format!(
            "Search for at most {MAX_WORDS} words."
        )));
    }
    let closed = match q.status.as_deref().map(str::trim).unwrap_or("") {
        "" | "any" => None,
        "open" => Some(false),
        "closed" => Some(true),
        other => {
            return Err(Error::invalid(format!(
                "Unknown status filter \u{201c}{other}\u{201d}: use open, closed or any."
            )));
        }
    };
    let kind = match q.kind.as_deref().map(str::trim).unwrap_or("") {
        "" | "any" => None,
        k @ ("case" | "event" | "observable") => Some(k),
        other => {
            return Err(Error::invalid(format!(
                "Unknown kind \u{201c}{other}\u{201d}: use case, event or observable."
            )));
        }
    };
    // Searches are sensitive reads: what someone looked for is on the audit log.
    crate::audit::service::record_read(
        p,
        actor,
        "search.performed",
        "search",
        None,
        serde_json::json!({ "q": q.q, "status": q.status, "kind": q.kind }),
    )
    .await?;
    let mut rows = store::search(
        &p.db,
        &store::Search {
            words: &words,
            closed,
            kind,
            limit: HITS + 1,
        },
    )
    .await?;
    let more = rows.len() as i64 > HITS;
    rows.truncate(HITS as usize);
    let hits = rows
        .into_iter()
        .map(|r| {
            Ok(SearchHit {
                status: CaseStatus::parse(&r.status).map_err(Error::Internal)?,
                case_id: r.case_id,
                number: r.number,
                title: r.title,
                kind: r.kind,
                ref_id: r.ref_id,
                snippet: r.snippet,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SearchResults { hits, more })
}
