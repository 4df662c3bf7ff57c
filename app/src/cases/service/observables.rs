//! A case's observables: adding them (by hand or from an e-mail), reading them, and the cases
//! that share them.

use serde_json::json;

use super::{MAX_LISTED, ensure_open, to_observable};
use crate::cases::{
    CaseObservable, CaseStatus, EventKind, RelatedCase,
    store::{self, NewCaseObservable},
};
use crate::{
    journal::{Change, Happened, case_event},
    observables::Observable,
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    validate::{check_level, check_tags, optional, tags_from_json, tags_to_json},
};

/// Adds observables to a case; values it already has are only marked as seen again. Returns the
/// observables as stored (new and existing). `from_event` names the timeline entry they were
/// picked from, if any.
#[allow(clippy::too_many_arguments)]
pub async fn add_observables(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    items: &[Observable],
    description: &str,
    ioc: bool,
    tlp: Option<i64>,
    from_event: Option<i64>,
) -> Result<Vec<CaseObservable>> {
    actor.require(Permission::CaseEdit)?;
    if items.is_empty() {
        return Err(Error::invalid("Give at least one observable."));
    }
    let description = optional("message", description, 10_000).map_err(Error::Invalid)?;
    let tlp = tlp
        .map(|n| check_level("tlp", n))
        .transpose()
        .map_err(Error::Invalid)?;
    let now = p.clock.now();
    let label = actor.label();
    let (mut ch, case) = Change::on_case_at(p, actor, now, case_id).await?;
    ensure_open(&case)?;
    let mut added = Vec::new();
    for o in items {
        let n = NewCaseObservable {
            observable: o,
            description: &description,
            ioc,
            tlp: tlp.unwrap_or(case.tlp),
            alert_id: None,
        };
        let inserted = store::insert_observable(ch.tx(), case_id, &n, &label, now).await?;
        if let Some((id, watchlist)) = inserted {
            let summary = match &watchlist {
                Some(lists) => format!(
                    "Observable added: {} {} \u{2014} on watchlist {lists}",
                    o.kind.as_str(),
                    o.value
                ),
                None => format!("Observable added: {} {}", o.kind.as_str(), o.value),
            };
            ch.record(
                case_id,
                Happened {
                    kind: EventKind::ObservableAdded,
                    at: now,
                    summary: &summary,
                    detail: json!({
                        "case_observable_id": id,
                        "type": o.kind.as_str(),
                        "value": o.value,
                        "ioc": ioc,
                        "watchlist": watchlist,
                        "from_event": from_event,
                    }),
                },
            )
            .await?;
            added.push(json!({ "id": id, "type": o.kind.as_str(), "value": o.value,
                "watchlist": watchlist }));
        }
    }
    let detail = json!({ "added": added, "already_present": items.len() - added.len() });
    ch.audit(case_event("case.observables_added", case_id, detail))
        .await?;
    ch.commit().await?;
    let wanted: Vec<(&str, &str)> = items
        .iter()
        .map(|o| (o.kind.as_str(), o.value.as_str()))
        .collect();
    Ok(observables(p, actor, case_id)
        .await?
        .into_iter()
        .filter(|o| wanted.contains(&(o.data_type.as_str(), o.value.as_str())))
        .collect())
}

/// What an edit of an observable may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct ObservablePatch {
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub ioc: Option<bool>,
    pub tlp: Option<i64>,
}

/// Edits one observable of an open case (TheHive's observable PATCH): its description, tags,
/// IOC flag and TLP. The value and type stay as recorded.
pub async fn update_observable(
    p: &Platform,
    actor: &Actor,
    observable_id: i64,
    patch: ObservablePatch,
) -> Result<CaseObservable> {
    actor.require(Permission::CaseEdit)?;
    let mut ch = Change::begin(p, actor).await?;
    let now = ch.now();
    let missing = || Error::not_found(format!("There is no observable {observable_id}."));
    let case_id = store::observable_in_tx(ch.tx(), observable_id)
        .await?
        .ok_or_else(missing)?
        .case_id;
    let case = ch.lock_case(case_id).await?;
    ensure_open(&case)?;
    // Read again under the case's lock, so the edit applies to the latest row.
    let before = store::observable_in_tx(ch.tx(), observable_id)
        .await?
        .ok_or_else(missing)?;
    let description = match &patch.description {
        Some(d) => optional("message", d, 10_000).map_err(Error::Invalid)?,
        None => before.description.clone(),
    };
    let tags = match &patch.tags {
        Some(t) => check_tags(t).map_err(Error::Invalid)?,
        None => tags_from_json(&before.tags),
    };
    let tlp = check_level("tlp", patch.tlp.unwrap_or(before.tlp)).map_err(Error::Invalid)?;
    let ioc = patch.ioc.unwrap_or(before.ioc != 0);
    let tags_json = tags_to_json(&tags);
    let edit = store::ObservableEdit {
        description: &description,
        tags: &tags_json,
        ioc,
        tlp,
    };
    store::update_observable(ch.tx(), observable_id, &edit, now).await?;
    let body = format!("{} {description} {}", before.value, tags.join(" "));
    crate::journal::search::index(ch.tx(), case_id, "observable", observable_id, &body).await?;
    let detail = json!({
        "case_observable_id": observable_id, "type": before.data_type, "value": before.value,
        "before": { "ioc": before.ioc != 0, "tlp": before.tlp, "tags": tags_from_json(&before.tags),
            "description_chars": before.description.chars().count() },
        "after": { "ioc": ioc, "tlp": tlp, "tags": tags, "description_chars": description.chars().count() },
    });
    ch.record(
        case_id,
        Happened {
            kind: EventKind::CaseUpdated,
            at: now,
            summary: &format!(
                "Observable edited: {} {}{}",
                before.data_type,
                before.value.chars().take(200).collect::<String>(),
                if ioc { " (IOC)" } else { "" }
            ),
            detail: detail.clone(),
        },
    )
    .await?;
    ch.audit(case_event("case.observable_updated", case_id, detail))
        .await?;
    let after = store::observable_in_tx(ch.tx(), observable_id)
        .await?
        .ok_or_else(missing)?;
    ch.commit().await?;
    Ok(to_observable(after))
}

/// A case's observables (at most [`MAX_LISTED`]).
pub async fn observables(p: &Platform, actor: &Actor, case_id: i64) -> Result<Vec<CaseObservable>> {
    actor.require(Permission::CaseRead)?;
    Ok(store::observables(&p.db, case_id, MAX_LISTED)
        .await?
        .into_iter()
        .map(to_observable)
        .collect())
}

/// Most related cases shown.
const RELATED_SHOWN: i64 = 20;

/// Cases sharing observables with this one, most shared first.
pub async fn related(p: &Platform, actor: &Actor, case_id: i64) -> Result<Vec<RelatedCase>> {
    actor.require(Permission::CaseRead)?;
    store::related(&p.db, case_id, RELATED_SHOWN)
        .await?
        .into_iter()
        .map(|r| {
            Ok(RelatedCase {
                status: CaseStatus::parse(&r.status).map_err(Error::Internal)?,
                case_id: r.case_id,
                number: r.number,
                title: r.title,
                shared: r.shared,
            })
        })
        .collect()
}

/// What importing an e-mail added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmlImport {
    pub found: usize,
    pub skipped: usize,
}

/// Reads a raw e-mail (`.eml`) and adds its observables (sender, reply-to, return-path,
/// received hops, URLs, attachment names and hashes) to the case.
pub async fn import_eml(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    raw: &[u8],
) -> Result<EmlImport> {
    actor.require(Permission::CaseEdit)?;
    crate::cases::check_eml_size(raw.len()).map_err(Error::Invalid)?;
    let found = crate::observables::eml::observables_from_eml(raw).ok_or_else(|| {
        Error::invalid(
            "That is not an e-mail message: paste the whole .eml source, headers included.",
        )
    })?;
    if found.observables.is_empty() {
        return Err(Error::invalid(
            "The message holds no observables Casefile recognises.",
        ));
    }
    let description = format!("From the e-mail \u{201c}{}\u{201d}", found.subject);
    let description: String = description.chars().take(1000).collect();
    add_observables(
        p,
        actor,
        case_id,
        &found.observables,
        &description,
        false,
        None,
        None,
    )
    .await?;
    Ok(EmlImport {
        found: found.observables.len(),
        skipped: found.skipped,
    })
}
