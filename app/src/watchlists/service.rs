//! Watchlist use cases: admins create lists and import CSV; everyone who reads cases sees them.
//! An import is all or nothing: one bad row refuses the file and names the row.

use serde_json::json;

use super::{ImportReport, Watchlist, WatchlistEntry, store};
use crate::{
    journal::{Change, NewAuditEvent},
    observables::{ObservableInput, check_observables},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::{optional, required},
};

/// Rows one import may hold.
pub const MAX_IMPORT_ROWS: usize = 50_000;
/// Entries per page.
pub const ENTRY_PAGE: i64 = 200;

fn to_watchlist(r: store::WatchlistRow) -> Watchlist {
    Watchlist {
        watchlist_id: r.watchlist_id,
        name: r.name,
        description: r.description,
        entry_count: r.entry_count,
        created_by: r.created_by,
        updated_at: r.updated_at,
    }
}

pub async fn create(
    p: &Platform,
    actor: &Actor,
    name: &str,
    description: &str,
) -> Result<Watchlist> {
    actor.require(Permission::WatchlistWrite)?;
    let name = required("name", name, 100).map_err(Error::Invalid)?;
    let description = optional("description", description, 2000).map_err(Error::Invalid)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    if store::by_name(ch.tx(), &name).await?.is_some() {
        return Err(Error::conflict(format!(
            "There is already a watchlist named \u{201c}{name}\u{201d}."
        )));
    }
    let id = store::insert(ch.tx(), &name, &description, &actor.label(), now).await?;
    let event = NewAuditEvent {
        action: "watchlist.created",
        object_type: "watchlist",
        object_id: Some(id.to_string()),
        detail: json!({ "name": name }),
    };
    ch.audit(event).await?;
    let row = store::get_in_tx(ch.tx(), id)
        .await?
        .ok_or_else(|| Error::internal("watchlist vanished"))?;
    ch.commit().await?;
    Ok(to_watchlist(row))
}

/// Every watchlist: analysts see what flags mean, admins keep them.
pub async fn list(p: &Platform, actor: &Actor) -> Result<Vec<Watchlist>> {
    actor
        .require(Permission::CaseRead)
        .or_else(|_| actor.require(Permission::WatchlistWrite))?;
    Ok(store::list(&p.db)
        .await?
        .into_iter()
        .map(to_watchlist)
        .collect())
}

/// A page of entries after `after` (data_type, value).
pub async fn entries(
    p: &Platform,
    actor: &Actor,
    watchlist_id: i64,
    after: Option<(String, String)>,
) -> Result<Vec<WatchlistEntry>> {
    actor.require(Permission::CaseRead)?;
    let after = after.as_ref().map(|(t, v)| (t.as_str(), v.as_str()));
    Ok(store::entries(&p.db, watchlist_id, after, ENTRY_PAGE)
        .await?
        .into_iter()
        .map(|r| WatchlistEntry {
            data_type: r.data_type,
            value: r.value,
            note: r.note,
            added_by: r.added_by,
            added_at: r.added_at,
        })
        .collect())
}

/// Imports `type,value[,note]` rows (a first row starting with `type` is a header). Values are
/// checked and normalized like any observable, so defanged `hxxp://evil[.]example` matches the
/// refanged value an alert carries.
pub async fn import_csv(
    p: &Platform,
    actor: &Actor,
    watchlist_id: i64,
    csv_text: &str,
) -> Result<ImportReport> {
    actor.require(Permission::WatchlistWrite)?;
    let rows = parse_csv(csv_text).map_err(Error::Invalid)?;
    let now = p.clock.now();
    let label = actor.label();
    let mut ch = Change::begin_at(p, actor, now).await?;
    let list = store::get_in_tx(ch.tx(), watchlist_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("There is no watchlist {watchlist_id}.")))?;
    let mut report = ImportReport::default();
    for (data_type, value, note) in &rows {
        if store::insert_entry(ch.tx(), watchlist_id, data_type, value, note, &label, now).await? {
            report.added += 1;
        } else {
            report.already_listed += 1;
        }
    }
    store::add_to_count(ch.tx(), watchlist_id, report.added as i64, now).await?;
    let event = NewAuditEvent {
        action: "watchlist.imported",
        object_type: "watchlist",
        object_id: Some(watchlist_id.to_string()),
        detail: json!({ "name": list.name, "rows": rows.len(), "added": report.added,
            "already_listed": report.already_listed }),
    };
    ch.audit(event).await?;
    ch.commit().await?;
    Ok(report)
}

/// Checked (type, value, note) rows, or the first bad row's line and what is wrong with it.
fn parse_csv(text: &str) -> std::result::Result<Vec<(String, String, String)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let record = record.map_err(|e| format!("Line {line}: not readable as CSV ({e})."))?;
        let field = |n: usize| record.get(n).unwrap_or("").to_owned();
        if line == 1 && field(0).eq_ignore_ascii_case("type") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if out.len() == MAX_IMPORT_ROWS {
            return Err(format!(
                "At most {MAX_IMPORT_ROWS} rows per import; split the file."
            ));
        }
        let input = ObservableInput {
            kind: field(0),
            value: field(1),
            tags: Vec::new(),
        };
        let checked = check_observables(&[input])
            .map_err(|e| format!("Line {line}: {}", e.trim_start_matches("observables[0]: ")))?;
        let note = optional("note", &field(2), 1000).map_err(|e| format!("Line {line}: {e}"))?;
        let o = checked
            .into_iter()
            .next()
            .ok_or_else(|| format!("Line {line}: no value."))?;
        out.push((o.kind.as_str().to_owned(), o.value, note));
    }
    if out.is_empty() {
        return Err("The file has no rows: give one `type,value[,note]` per line.".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_rows_are_checked_refanged_and_errors_name_the_line() {
        let rows =
            parse_csv("type,value,note\nip, 203.0.113.7 ,C2\ndomain,evil[.]example\n").unwrap();
        assert_eq!(
            rows,
            [
                ("ip".into(), "203.0.113.7".into(), "C2".into()),
                ("domain".into(), "evil.example".into(), String::new())
            ]
        );
        let err = parse_csv("ip,203.0.113.7\nip,999.1.1.1\n").unwrap_err();
        assert!(err.starts_with("Line 2:"), "{err}");
        assert!(parse_csv("\n").is_err());
    }
}
