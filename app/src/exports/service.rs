//! Export use cases. Each checks the right, records the export on the audit log, reads the
//! first page (so bad filters are a 400, not a broken download), then streams the rest page
//! by page through the same keyset-paged service calls the pages use.

use std::future::Future;

use bytes::Bytes;
use futures::{StreamExt as _, stream::BoxStream};
use serde::Serialize;
use serde_json::json;
use tokio::io::AsyncWrite;

use super::{BUNDLE_FORMAT, MANIFEST, MANIFEST_SIGNATURE, Manifest, ManifestAudit, bundle::Bundle};
use crate::{
    alerts::{QueueFilter, service as alerts},
    audit::{
        AuditEntry, AuditFilter,
        service::{self as audit, record_read},
        store::Bounds,
    },
    cases::{CaseFilter, TimelineFilter, service as cases},
    components::iso_utc,
    evidence::service as evidence,
    fields::{FieldValue, Target, service as fields},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
};

/// A download: its name, type and body.
pub struct Export {
    pub file_name: String,
    pub content_type: &'static str,
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

/// Rows fetched per page while streaming.
const EXPORT_PAGE: i64 = 1000;

/// Fetches the first page now and the rest as the body is read. `fetch(cursor)` returns a
/// page's bytes and the cursor of the next page (`None`: that was the last).
async fn paged<C, F, Fut>(
    mut fetch: F,
    first: C,
) -> Result<BoxStream<'static, std::io::Result<Bytes>>>
where
    C: Send + 'static,
    F: FnMut(C) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<u8>, Option<C>)>> + Send + 'static,
{
    let (bytes, next) = fetch(first).await?;
    let rest = futures::stream::try_unfold((next, fetch), |(cursor, mut fetch)| async move {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        match fetch(cursor).await {
            Ok((bytes, next)) => Ok(Some((Bytes::from(bytes), (next, fetch)))),
            Err(e) => {
                tracing::error!(error = %e, "export stopped part-way");
                Err(std::io::Error::other(
                    "the export failed part-way; see the server log",
                ))
            }
        }
    });
    Ok(futures::stream::once(async move { Ok(Bytes::from(bytes)) })
        .chain(rest)
        .boxed())
}

/// One page of rows as CSV, every cell escaped ([`super::csv`]).
fn csv_page<R: Serialize>(rows: impl IntoIterator<Item = R>, header: bool) -> Result<Vec<u8>> {
    super::csv::rows_to_csv(rows, header)
}

/// The custom fields a CSV of `target` has a column for, in their order: every field on
/// that record kind, retired ones too (their values are kept).
async fn field_columns(p: &Platform, actor: &Actor, target: Target) -> Result<Vec<String>> {
    Ok(fields::definitions(p, actor)
        .await?
        .into_iter()
        .filter(|d| d.applies_to(target))
        .map(|d| d.name)
        .collect())
}

fn header(fixed: &[&str], columns: &[String]) -> Vec<String> {
    fixed
        .iter()
        .map(|c| (*c).to_owned())
        .chain(columns.iter().cloned())
        .collect()
}

/// A record's custom field cells, one per column (empty when it has no value).
fn field_cells(columns: &[String], values: Option<&Vec<FieldValue>>) -> Vec<String> {
    columns
        .iter()
        .map(|name| {
            values
                .and_then(|vs| vs.iter().find(|v| v.name == *name))
                .map(|v| match &v.value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        })
        .collect()
}

/// The audit log, filtered, as JSON lines or CSV.
pub async fn audit_log(
    p: &Platform,
    actor: &Actor,
    filter: &AuditFilter,
    csv: bool,
) -> Result<Export> {
    let bounds = audit::start_export(p, actor, filter, if csv { "csv" } else { "jsonl" }).await?;
    let p = p.clone();
    let bounds = std::sync::Arc::new(bounds);
    let body = paged(
        move |(after, first): (i64, bool)| {
            let (p, bounds) = (p.clone(), bounds.clone());
            async move {
                let rows = audit::export_page(&p, &bounds, after, EXPORT_PAGE).await?;
                let next = (rows.len() as i64 == EXPORT_PAGE)
                    .then(|| (rows.last().map_or(after, |e| e.seq), false));
                let bytes = if csv {
                    csv_page(rows.iter().map(AuditRow::from), first)?
                } else {
                    jsonl(&rows)?
                };
                Ok((bytes, next))
            }
        },
        (0, true),
    )
    .await?;
    let (name, content_type) = match csv {
        true => ("casefile-audit.csv", "text/csv; charset=utf-8"),
        false => ("casefile-audit.jsonl", "application/x-ndjson"),
    };
    Ok(Export {
        file_name: name.into(),
        content_type,
        body,
    })
}

fn jsonl(rows: &[AuditEntry]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for r in rows {
        serde_json::to_writer(&mut out, r).map_err(|e| Error::internal(e.to_string()))?;
        out.push(b'\n');
    }
    Ok(out)
}

#[derive(Serialize)]
struct AuditRow<'a> {
    seq: i64,
    occurred_at: String,
    actor: &'a str,
    actor_ip: &'a str,
    action: &'a str,
    object_type: &'a str,
    object_id: &'a str,
    detail: &'a str,
    prev_hash: &'a str,
    hash: &'a str,
}

impl<'a> From<&'a AuditEntry> for AuditRow<'a> {
    fn from(e: &'a AuditEntry) -> Self {
        Self {
            seq: e.seq,
            occurred_at: iso_utc(e.occurred_at),
            actor: &e.actor_label,
            actor_ip: e.actor_ip.as_deref().unwrap_or(""),
            action: &e.action,
            object_type: &e.object_type,
            object_id: e.object_id.as_deref().unwrap_or(""),
            detail: &e.detail,
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        }
    }
}

/// The case list with the list page's filters, as CSV.
pub async fn cases_csv(p: &Platform, actor: &Actor, filter: CaseFilter) -> Result<Export> {
    actor.require(Permission::CaseRead)?;
    // Checks the filter before anything is recorded.
    cases::list_page(p, actor, &filter, None).await?;
    record_read(
        p,
        actor,
        "cases.exported",
        "case_list",
        None,
        json!({ "filter": filter, "format": "csv" }),
    )
    .await?;
    let columns = field_columns(p, actor, Target::Case).await?;
    let (p, actor) = (p.clone(), actor.clone());
    let body = paged(
        move |(cursor, first): (Option<String>, bool)| {
            let (p, actor, filter, columns) =
                (p.clone(), actor.clone(), filter.clone(), columns.clone());
            async move {
                let page = cases::list_page(&p, &actor, &filter, cursor.as_deref()).await?;
                let ids: Vec<i64> = page.cases.iter().map(|c| c.case_id).collect();
                let values = fields::values_of(&p, Target::Case, &ids).await?;
                let mut rows: Vec<Vec<String>> = Vec::with_capacity(page.cases.len() + 1);
                if first {
                    rows.push(header(
                        &[
                            "number",
                            "title",
                            "severity",
                            "status",
                            "tier",
                            "assignee",
                            "opened_at",
                            "updated_at",
                        ],
                        &columns,
                    ));
                }
                rows.extend(page.cases.iter().map(|c| {
                    let mut row = vec![
                        c.number.clone(),
                        c.title.clone(),
                        c.severity.as_str().to_owned(),
                        c.status.as_str().to_owned(),
                        c.tier.to_string(),
                        c.assignee.clone().unwrap_or_default(),
                        iso_utc(c.opened_at),
                        iso_utc(c.updated_at),
                    ];
                    row.extend(field_cells(&columns, values.get(&c.case_id)));
                    row
                }));
                let bytes = csv_page(rows, false)?;
                Ok((bytes, page.next.map(|n| (Some(n), false))))
            }
        },
        (None, true),
    )
    .await?;
    Ok(Export {
        file_name: "casefile-cases.csv".into(),
        content_type: "text/csv; charset=utf-8",
        body,
    })
}

/// The alert queue with the queue page's filters, as CSV.
pub async fn alerts_csv(p: &Platform, actor: &Actor, filter: QueueFilter) -> Result<Export> {
    actor.require(Permission::AlertRead)?;
    alerts::queue_page(p, actor, &filter, None).await?;
    record_read(
        p,
        actor,
        "alerts.exported",
        "alert_list",
        None,
        json!({ "filter": filter, "format": "csv" }),
    )
    .await?;
    let columns = field_columns(p, actor, Target::Alert).await?;
    let (p, actor) = (p.clone(), actor.clone());
    let body = paged(
        move |(cursor, first): (Option<String>, bool)| {
            let (p, actor, filter, columns) =
                (p.clone(), actor.clone(), filter.clone(), columns.clone());
            async move {
                let page = alerts::queue_page(&p, &actor, &filter, cursor.as_deref()).await?;
                let ids: Vec<i64> = page.alerts.iter().map(|a| a.alert_id).collect();
                let values = fields::values_of(&p, Target::Alert, &ids).await?;
                let mut rows: Vec<Vec<String>> = Vec::with_capacity(page.alerts.len() + 1);
                if first {
                    rows.push(header(
                        &[
                            "alert_id",
                            "source",
                            "rule",
                            "title",
                            "severity",
                            "status",
                            "verdict",
                            "assignee",
                            "occurrences",
                            "first_seen_at",
                            "last_seen_at",
                            "observables",
                        ],
                        &columns,
                    ));
                }
                rows.extend(page.alerts.iter().map(|a| {
                    let mut row = vec![
                        a.alert_id.to_string(),
                        a.source.clone(),
                        a.rule.clone(),
                        a.title.clone(),
                        a.severity.as_str().to_owned(),
                        a.status.as_str().to_owned(),
                        a.verdict.map(|v| v.as_str()).unwrap_or("").to_owned(),
                        a.assignee.clone().unwrap_or_default(),
                        a.occurrence_count.to_string(),
                        iso_utc(a.first_seen_at),
                        iso_utc(a.last_seen_at),
                        a.observables_preview.join(" "),
                    ];
                    row.extend(field_cells(&columns, values.get(&a.alert_id)));
                    row
                }));
                let bytes = csv_page(rows, false)?;
                Ok((bytes, page.next.map(|n| (Some(n), false))))
            }
        },
        (None, true),
    )
    .await?;
    Ok(Export {
        file_name: "casefile-alerts.csv".into(),
        content_type: "text/csv; charset=utf-8",
        body,
    })
}

/// The case's observables and indicators as a STIX 2.1 bundle.
pub async fn stix(p: &Platform, actor: &Actor, case_id: i64) -> Result<Export> {
    actor.require(Permission::CaseRead)?;
    let case = cases::get(p, actor, case_id).await?;
    let observables = cases::observables(p, actor, case_id).await?;
    let bundle = super::stix::bundle(&case, &observables);
    let bytes = serde_json::to_vec_pretty(&bundle).map_err(|e| Error::internal(e.to_string()))?;
    record_read(
        p,
        actor,
        "case.exported",
        "case",
        Some(case_id.to_string()),
        json!({ "format": "stix", "objects": bundle["objects"].as_array().map_or(0, Vec::len) }),
    )
    .await?;
    Ok(Export {
        file_name: format!("{}-stix.json", case.number),
        content_type: "application/stix+json;version=2.1",
        body: futures::stream::once(async move { Ok(Bytes::from(bytes)) }).boxed(),
    })
}

/// Buffer between the zip writer and the response: the most a bundle holds in memory besides
/// one page of rows.
const PIPE_BYTES: usize = 256 * 1024;

/// A case bundle: case JSON, timeline, observables, custody log, the case's audit entries,
/// optionally the evidence files, and the manifest with every file's SHA-256 and the signed
/// audit checkpoint covering the entries, signed itself as `manifest.sig`.
pub async fn case_bundle(
    p: &Platform,
    actor: &Actor,
    case_id: i64,
    with_evidence: bool,
) -> Result<Export> {
    actor.require(Permission::CaseRead)?;
    if actor.require(Permission::AuditExport).is_err() {
        actor.require(Permission::ReportGenerate)?;
    }
    let case = cases::get(p, actor, case_id).await?;
    let bundle_name = format!("{}-bundle.zip", case.number);
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = evidence::list(p, actor, case_id, after).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.evidence_id);
        items.extend(page);
    }
    let mut exported = Vec::new();
    if with_evidence {
        for item in items
            .iter()
            .filter(|i| i.disposal != "disposed" && i.intact)
        {
            exported.push(evidence::record_export(p, actor, item.evidence_id, &bundle_name).await?);
        }
    }
    record_read(p, actor, "case.exported", "case", Some(case_id.to_string()),
        json!({ "format": "bundle", "with_evidence": with_evidence, "evidence_files": exported.len() })).await?;
    // Sign the head now, so a checkpoint covers every entry the bundle holds.
    audit::checkpoint(p).await?;
    let (reader, writer) = tokio::io::duplex(PIPE_BYTES);
    let job = BundleJob {
        p: p.clone(),
        actor: actor.clone(),
        case,
        items,
        exported,
    };
    tokio::spawn(async move {
        if let Err(e) = job.write(writer).await {
            tracing::error!(error = %e, "case bundle stopped part-way");
        }
    });
    Ok(Export {
        file_name: bundle_name,
        content_type: "application/zip",
        body: tokio_util::io::ReaderStream::new(reader).boxed(),
    })
}

struct BundleJob {
    p: Platform,
    actor: Actor,
    case: crate::cases::Case,
    items: Vec<crate::evidence::EvidenceItem>,
    exported: Vec<crate::evidence::EvidenceItem>,
}

impl BundleJob {
    async fn write<W: AsyncWrite + Unpin>(self, out: W) -> Result<()> {
        let (p, actor, case_id) = (&self.p, &self.actor, self.case.case_id);
        let mut zip = Bundle::new(out);

        let tasks = cases::tasks(p, actor, case_id).await?;
        let custom_fields = fields::case_values(p, actor, case_id).await?;
        let case_json = serde_json::to_vec_pretty(&json!({
            "case": self.case, "custom_fields": custom_fields, "tasks": tasks,
            "evidence": self.items,
        }))
        .map_err(|e| Error::internal(e.to_string()))?;
        let mut f = zip.file("case.json", true).await?;
        f.write(&case_json).await?;
        f.finish().await?;

        let mut f = zip.file("timeline.csv", true).await?;
        f.write(b"event_id,occurred_at,recorded_at,kind,summary,body,detail,techniques,tags,supersedes_event_id,superseded_by,recorded_by\n").await?;
        let mut after = None;
        loop {
            let (events, next) =
                cases::timeline(p, actor, case_id, &TimelineFilter::default(), after).await?;
            let rows = events.iter().map(|e| {
                (
                    e.event_id,
                    iso_utc(e.occurred_at),
                    iso_utc(e.recorded_at),
                    e.kind.as_str(),
                    &e.summary,
                    &e.body,
                    &e.detail,
                    e.techniques.join(" "),
                    e.tags.join(" "),
                    e.supersedes_event_id,
                    e.superseded_by,
                    &e.recorded_by,
                )
            });
            f.write(&csv_page(rows, false)?).await?;
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        f.finish().await?;

        let observables = cases::observables(p, actor, case_id).await?;
        let mut f = zip.file("observables.csv", true).await?;
        f.write(b"type,value,description,tags,ioc,tlp,alert_id,created_by,created_at\n")
            .await?;
        let rows = observables.iter().map(|o| {
            (
                o.data_type.as_str(),
                &o.value,
                &o.description,
                o.tags.join(" "),
                o.ioc,
                o.tlp,
                o.alert_id,
                o.created_by.as_str(),
                iso_utc(o.created_at),
            )
        });
        f.write(&csv_page(rows, false)?).await?;
        f.finish().await?;

        let mut f = zip.file("custody.csv", true).await?;
        f.write(b"evidence_id,file_name,sha256,action,occurred_at,from,to,reason,detail,recorded_by,recorded_from_ip,recorded_at\n").await?;
        for item in &self.items {
            let record = evidence::read_record(p, actor, item.evidence_id).await?;
            let rows = record.custody.iter().map(|c| {
                (
                    c.evidence_id,
                    &item.file_name,
                    item.sha256.as_str(),
                    c.action.as_str(),
                    iso_utc(c.occurred_at),
                    c.from_party.as_deref(),
                    c.to_party.as_deref(),
                    &c.reason,
                    &c.detail,
                    c.recorded_by.as_str(),
                    c.recorded_from_ip.as_deref(),
                    iso_utc(c.recorded_at),
                )
            });
            f.write(&csv_page(rows, false)?).await?;
        }
        f.finish().await?;

        let mut f = zip.file("audit.jsonl", true).await?;
        let mut objects = vec![("case", case_id.to_string())];
        objects.extend(
            self.items
                .iter()
                .map(|i| ("evidence", i.evidence_id.to_string())),
        );
        let (mut entries, mut last_seq) = (0u64, None::<i64>);
        for (object_type, object_id) in objects {
            let bounds = Bounds {
                object_type: Some(object_type.into()),
                object_id: Some(object_id),
                ..Bounds::default()
            };
            let mut after = 0;
            loop {
                let rows = audit::export_page(p, &bounds, after, EXPORT_PAGE).await?;
                let Some(last) = rows.last() else { break };
                after = last.seq;
                entries += rows.len() as u64;
                last_seq = last_seq.max(Some(last.seq));
                f.write(&jsonl(&rows)?).await?;
            }
        }
        f.finish().await?;

        for item in &self.exported {
            let path = format!(
                "evidence/{}-{}",
                item.evidence_id,
                safe_name(&item.file_name)
            );
            let mut content = p.locker.read(&item.sha256).await?;
            let mut f = zip.file(&path, false).await?;
            while let Some(chunk) = content.next().await {
                let chunk = chunk.map_err(|e| Error::internal(format!("reading evidence: {e}")))?;
                f.write(&chunk).await?;
            }
            let sha = f.finish().await?;
            if sha != item.sha256 {
                tracing::error!(
                    evidence_id = item.evidence_id,
                    "evidence content changed since it was hashed; the bundle shows it"
                );
            }
        }

        let checkpoint = match last_seq {
            Some(seq) => crate::audit::store::checkpoint_covering(&p.db, seq).await?,
            None => None,
        };
        let manifest = Manifest {
            format: BUNDLE_FORMAT.into(),
            case_number: self.case.number.clone(),
            exported_at: iso_utc(p.clock.now()),
            exported_by: actor.label(),
            files: zip.files.clone(),
            audit: ManifestAudit {
                entries,
                last_seq,
                checkpoint,
            },
            public_key: p.audit_key.as_ref().map(|k| k.public_hex()),
        };
        let manifest_bytes =
            serde_json::to_vec_pretty(&manifest).map_err(|e| Error::internal(e.to_string()))?;
        zip.unlisted(MANIFEST, &manifest_bytes).await?;
        if let Some(key) = &p.audit_key {
            zip.unlisted(
                MANIFEST_SIGNATURE,
                key.sign_bytes(&manifest_bytes).as_bytes(),
            )
            .await?;
        }
        zip.close().await
    }
}

/// A file name safe inside a zip on every platform: no directories, no odd characters.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    cleaned.trim_start_matches('.').chars().take(120).collect()
}
