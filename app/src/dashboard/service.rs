//! Dashboard use cases: bringing the daily aggregates up to date (a background job), building
//! the charts of a period from them, and one chart's CSV (an audited export).

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::StreamExt as _;

use super::{
    Bucket, Chart, ChartId, ChartKind, ChartRow, DAY_MS, Dashboard, MAX_ROWS, Period, PeriodQuery,
    Series, Unit, date_of,
    store::{self, AlertStatsRow, CaseStatsRow},
};
use crate::{
    alerts::Severity,
    audit::service::record_read,
    cases::CaseStatus,
    exports::{csv::SafeCsv, service::Export},
    fields::{FieldType, service as fields},
    platform::{Actor, Error, Platform, Result},
    roles::Permission,
    tiers::service as tiers,
};

/// Rows changed this long before the last refresh are looked at again: a transaction that
/// stamped its rows before the refresh but committed after it is still counted.
const OVERLAP_MS: i64 = 5 * 60_000;

/// What a refresh recounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    pub case_days: usize,
    pub alert_days: usize,
}

/// Recounts the aggregates of every day whose cases, clocks or alerts changed since the last
/// refresh. The first run counts every day. Run by a background job; derived data, so not
/// audited.
pub async fn refresh(p: &Platform) -> Result<Refreshed> {
    let now = p.clock.now();
    let mut tx = p.db.begin().await?;
    let since = (store::claim_refresh(&mut tx, now).await? - OVERLAP_MS).max(0);
    let case_days = store::changed_case_days(&mut tx, since).await?;
    for &day in &case_days {
        store::recount_case_day(&mut tx, day).await?;
    }
    let alert_days = store::changed_alert_days(&mut tx, since).await?;
    for &day in &alert_days {
        store::recount_alert_day(&mut tx, day).await?;
    }
    store::finish_refresh(&mut tx, now).await?;
    tx.commit().await?;
    Ok(Refreshed {
        case_days: case_days.len(),
        alert_days: alert_days.len(),
    })
}

/// Every chart for the period (managers and auditors).
pub async fn dashboard(p: &Platform, actor: &Actor, q: &PeriodQuery) -> Result<Dashboard> {
    actor.require(Permission::DashboardRead)?;
    let period = Period::resolve(q, p.clock.now()).map_err(Error::invalid)?;
    let detail = serde_json::json!({ "view": "dashboard", "period": q });
    crate::audit::service::record_auditor_view(p, actor, "dashboard", None, detail).await?;
    let mut inputs = Inputs::new(p, actor, period, q.by.clone());
    let mut charts = Vec::with_capacity(ChartId::ALL.len() + 1);
    for id in ChartId::ALL {
        charts.push(inputs.chart(id).await?);
    }
    if q.by.as_deref().is_some_and(|b| !b.trim().is_empty()) {
        charts.push(inputs.chart(ChartId::ByField).await?);
    }
    let breakdowns = fields::definitions(p, actor)
        .await?
        .into_iter()
        .filter(|d| d.on_cases && !d.retired && d.field_type == FieldType::Enum)
        .map(|d| (d.name, d.label))
        .collect();
    Ok(Dashboard {
        period,
        bucket: period.bucket(),
        refreshed_at: store::refreshed_at(&p.db).await?,
        charts,
        breakdowns,
    })
}

/// One chart's data as CSV; recorded on the audit log as an export. Reads only what that chart
/// needs.
pub async fn chart_csv(
    p: &Platform,
    actor: &Actor,
    q: &PeriodQuery,
    id: ChartId,
) -> Result<Export> {
    actor.require(Permission::DashboardRead)?;
    let period = Period::resolve(q, p.clock.now()).map_err(Error::invalid)?;
    let chart = Inputs::new(p, actor, period, q.by.clone())
        .chart(id)
        .await?;
    let mut w = SafeCsv::default();
    let mut header = vec![chart.label.clone()];
    header.extend(chart.series.iter().map(Series::heading));
    w.write_record(&header)?;
    for row in &chart.rows {
        let mut cells = vec![row.label.clone()];
        cells.extend(
            chart
                .series
                .iter()
                .zip(&row.values)
                .map(|(s, v)| s.csv_value(*v)),
        );
        w.write_record(&cells)?;
    }
    let body = w.into_bytes()?;
    let (from, to) = (date_of(period.first), date_of(period.last));
    let file_name = format!("casefile-{}-{from}-to-{to}.csv", id.slug());
    let detail = serde_json::json!({
        "chart": id.slug(), "from": from, "to": to, "rows": chart.rows.len(),
    });
    record_read(p, actor, "dashboard.exported", "dashboard", None, detail).await?;
    Ok(Export {
        file_name,
        content_type: "text/csv; charset=utf-8",
        body: futures::stream::once(async move { Ok(Bytes::from(body)) }).boxed(),
    })
}

/// What the charts are drawn from, each read once and only when a chart asks for it.
struct Inputs<'a> {
    p: &'a Platform,
    actor: &'a Actor,
    period: Period,
    /// The custom field of the breakdown chart.
    by: Option<String>,
    open: Option<Vec<OpenRow>>,
    cases: Option<Vec<CaseStatsRow>>,
}

impl<'a> Inputs<'a> {
    fn new(p: &'a Platform, actor: &'a Actor, period: Period, by: Option<String>) -> Self {
        Self {
            p,
            actor,
            period,
            by,
            open: None,
            cases: None,
        }
    }

    /// Open cases and mean time to resolve per option of the enum field `by`.
    async fn by_field(&self) -> Result<Chart> {
        let name = self.by.as_deref().map(str::trim).unwrap_or_default();
        let def = fields::definitions(self.p, self.actor)
            .await?
            .into_iter()
            .find(|d| d.name == name && d.on_cases)
            .filter(|d| d.field_type == FieldType::Enum)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "`by` names an enum custom field on cases; \u{201c}{name}\u{201d} is not one."
                ))
            })?;
        let (from, to) = (self.period.first * DAY_MS, (self.period.last + 1) * DAY_MS);
        let counted = store::by_field(&self.p.db, def.field_id, from, to).await?;
        let labels = def.options.iter().map(|o| Some(o.clone())).chain([None]);
        let rows = labels
            .map(|key| {
                let (open, resolved, ms) = counted
                    .iter()
                    .find(|r| r.0 == key)
                    .map_or((0, 0, 0), |r| (r.1, r.2, r.3));
                ChartRow {
                    label: key.unwrap_or_else(|| "(not set)".into()),
                    values: vec![count(open), count(resolved), mean(ms, resolved)],
                }
            })
            .collect();
        Ok(Chart {
            id: ChartId::ByField,
            title: format!("Cases by {}", def.label),
            note: format!(
                "Open cases now, and cases resolved in the period with their mean time to resolve, per {}.",
                def.label
            ),
            label: def.label,
            kind: ChartKind::Bars,
            series: vec![
                Series::new("Open", Unit::Count, true),
                Series::new("Resolved", Unit::Count, false),
                Series::new("Mean time to resolve", Unit::Duration, false),
            ],
            rows,
        })
    }

    async fn open(&mut self) -> Result<&[OpenRow]> {
        if self.open.is_none() {
            self.open = Some(store::open_cases(&self.p.db).await?);
        }
        Ok(self.open.as_deref().unwrap_or_default())
    }

    async fn cases(&mut self) -> Result<&[CaseStatsRow]> {
        if self.cases.is_none() {
            let (first, last) = (self.period.first, self.period.last);
            self.cases = Some(store::case_stats(&self.p.db, first, last).await?);
        }
        Ok(self.cases.as_deref().unwrap_or_default())
    }

    async fn chart(&mut self, id: ChartId) -> Result<Chart> {
        let (db, first, last) = (&self.p.db, self.period.first, self.period.last);
        let limit = MAX_ROWS as i64;
        Ok(match id {
            ChartId::OpenByStatus => open_by_status(self.open().await?),
            ChartId::OpenBySeverity => open_by_severity(self.open().await?),
            ChartId::OpenByTier => open_by_tier(self.open().await?),
            ChartId::ResponseBySeverity | ChartId::ResponseByTier => {
                response(id, self.cases().await?)
            }
            ChartId::SlaCompliance => sla_compliance(self.cases().await?),
            ChartId::AlertsBySource => {
                alerts_by_source(&store::alerts_by_source(db, first, last, limit).await?)
            }
            ChartId::FalsePositivesByRule => {
                false_positives_by_rule(&store::alerts_by_rule(db, first, last, limit).await?)
            }
            ChartId::Workload => workload_chart(&tiers::workload(self.p, self.actor).await?),
            ChartId::Trend => {
                let days = store::alerts_by_day(db, first, last).await?;
                let period = self.period;
                trend(period, self.cases().await?, &days)
            }
            ChartId::ByField => self.by_field().await?,
        })
    }
}

fn severity_label(level: i64) -> String {
    let s = Severity::from_level(level).map_or("unknown", Severity::as_str);
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn count(n: i64) -> Option<f64> {
    Some(n as f64)
}

fn mean(total: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| total as f64 / n as f64)
}

fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

fn open_chart(id: ChartId, title: &str, label: &str, rows: Vec<(String, i64)>) -> Chart {
    Chart {
        id,
        title: title.into(),
        note: "Cases open now, whatever the period.".into(),
        label: label.into(),
        kind: ChartKind::Bars,
        series: vec![Series::new("Open cases", Unit::Count, true)],
        rows: rows
            .into_iter()
            .map(|(label, n)| ChartRow {
                label,
                values: vec![count(n)],
            })
            .collect(),
    }
}

type OpenRow = (String, i64, i64, i64);

fn open_by_status(open: &[OpenRow]) -> Chart {
    let rows = CaseStatus::ALL
        .into_iter()
        .filter(|s| *s != CaseStatus::Closed)
        .map(|s| {
            let n = open.iter().filter(|r| r.0 == s.as_str()).map(|r| r.3).sum();
            (s.label().to_owned(), n)
        })
        .collect();
    open_chart(
        ChartId::OpenByStatus,
        "Open cases by status",
        "Status",
        rows,
    )
}

fn open_by_severity(open: &[OpenRow]) -> Chart {
    let rows = (1..=5)
        .rev()
        .map(|level| {
            let n = open.iter().filter(|r| r.1 == level).map(|r| r.3).sum();
            (severity_label(level), n)
        })
        .collect();
    open_chart(
        ChartId::OpenBySeverity,
        "Open cases by severity",
        "Severity",
        rows,
    )
}

fn open_by_tier(open: &[OpenRow]) -> Chart {
    let rows = (1..=3)
        .map(|tier| {
            let n = open.iter().filter(|r| r.2 == tier).map(|r| r.3).sum();
            (format!("Tier {tier}"), n)
        })
        .collect();
    open_chart(ChartId::OpenByTier, "Open cases by tier", "Tier", rows)
}

/// Sums of the case aggregates over some grouping.
#[derive(Default, Clone, Copy)]
struct CaseSums {
    opened: i64,
    acknowledged: i64,
    acknowledge_ms: i64,
    contained: i64,
    contain_ms: i64,
    resolved: i64,
    resolve_ms: i64,
    sla_met: i64,
    sla_breached: i64,
}

impl CaseSums {
    fn add(&mut self, r: &CaseStatsRow) {
        self.opened += r.opened;
        self.acknowledged += r.acknowledged;
        self.acknowledge_ms += r.acknowledge_ms;
        self.contained += r.contained;
        self.contain_ms += r.contain_ms;
        self.resolved += r.resolved;
        self.resolve_ms += r.resolve_ms;
        self.sla_met += r.sla_met;
        self.sla_breached += r.sla_breached;
    }

    fn of<'a>(rows: impl Iterator<Item = &'a CaseStatsRow>) -> Self {
        let mut s = Self::default();
        rows.for_each(|r| s.add(r));
        s
    }
}

fn response(id: ChartId, cases: &[CaseStatsRow]) -> Chart {
    let groups: Vec<(String, CaseSums)> = if id == ChartId::ResponseBySeverity {
        (1..=5)
            .rev()
            .map(|l| {
                let sums = CaseSums::of(cases.iter().filter(|r| r.severity == l));
                (severity_label(l), sums)
            })
            .collect()
    } else {
        (1..=3)
            .map(|t| {
                let sums = CaseSums::of(cases.iter().filter(|r| r.tier == t));
                (format!("Tier {t}"), sums)
            })
            .collect()
    };
    let (title, label) = if id == ChartId::ResponseBySeverity {
        ("Response times by severity", "Severity")
    } else {
        ("Response times by tier", "Tier")
    };
    Chart {
        id,
        title: title.into(),
        note: "Cases opened in the period: mean time to acknowledge (MTTA), to contain and to \
               resolve (MTTR), each over the cases that got that far. Tier is the case's tier now."
            .into(),
        label: label.into(),
        kind: ChartKind::Bars,
        series: vec![
            Series::new("MTTA", Unit::Duration, true),
            Series::new("Time to contain", Unit::Duration, true),
            Series::new("MTTR", Unit::Duration, true),
            Series::new("Cases opened", Unit::Count, false),
            Series::new("Acknowledged", Unit::Count, false),
            Series::new("Contained", Unit::Count, false),
            Series::new("Resolved", Unit::Count, false),
        ],
        rows: groups
            .into_iter()
            .map(|(label, s)| ChartRow {
                label,
                values: vec![
                    mean(s.acknowledge_ms, s.acknowledged),
                    mean(s.contain_ms, s.contained),
                    mean(s.resolve_ms, s.resolved),
                    count(s.opened),
                    count(s.acknowledged),
                    count(s.contained),
                    count(s.resolved),
                ],
            })
            .collect(),
    }
}

fn sla_compliance(cases: &[CaseStatsRow]) -> Chart {
    let mut groups: Vec<(String, CaseSums)> = (1..=5)
        .rev()
        .map(|l| {
            let sums = CaseSums::of(cases.iter().filter(|r| r.severity == l));
            (severity_label(l), sums)
        })
        .collect();
    groups.push(("All".into(), CaseSums::of(cases.iter())));
    Chart {
        id: ChartId::SlaCompliance,
        title: "SLA compliance".into(),
        note: "Cases opened in the period: the share of decided SLA clocks (acknowledge, contain, \
               resolve) met in time. Clocks still running are not counted."
            .into(),
        label: "Severity".into(),
        kind: ChartKind::Bars,
        series: vec![
            Series::new("Compliance", Unit::Percent, true),
            Series::new("Met in time", Unit::Count, false),
            Series::new("Breached", Unit::Count, false),
        ],
        rows: groups
            .into_iter()
            .map(|(label, s)| ChartRow {
                label,
                values: vec![
                    percent(s.sla_met, s.sla_met + s.sla_breached),
                    count(s.sla_met),
                    count(s.sla_breached),
                ],
            })
            .collect(),
    }
}

fn triaged(r: &AlertStatsRow) -> i64 {
    r.true_positive + r.false_positive + r.benign + r.duplicate
}

fn alerts_by_source(rows: &[AlertStatsRow]) -> Chart {
    Chart {
        id: ChartId::AlertsBySource,
        title: "Alert volume by source".into(),
        note: format!("Alerts that arrived in the period; the {MAX_ROWS} busiest sources."),
        label: "Source".into(),
        kind: ChartKind::Bars,
        series: vec![
            Series::new("Alerts", Unit::Count, true),
            Series::new("Triaged", Unit::Count, false),
        ],
        rows: rows
            .iter()
            .map(|r| ChartRow {
                label: r.key.clone(),
                values: vec![count(r.received), count(triaged(r))],
            })
            .collect(),
    }
}

fn false_positives_by_rule(rows: &[AlertStatsRow]) -> Chart {
    Chart {
        id: ChartId::FalsePositivesByRule,
        title: "False-positive rate by detection rule".into(),
        note: format!(
            "Alerts that arrived in the period and have a verdict; the {MAX_ROWS} rules with \
             the most false positives."
        ),
        label: "Rule".into(),
        kind: ChartKind::Bars,
        series: vec![
            Series::new("False-positive rate", Unit::Percent, true),
            Series::new("False positives", Unit::Count, true),
            Series::new("With a verdict", Unit::Count, false),
            Series::new("Alerts", Unit::Count, false),
        ],
        rows: rows
            .iter()
            .map(|r| ChartRow {
                label: r.key.clone(),
                values: vec![
                    percent(r.false_positive, triaged(r)),
                    count(r.false_positive),
                    count(triaged(r)),
                    count(r.received),
                ],
            })
            .collect(),
    }
}

fn workload_chart(rows: &[crate::tiers::WorkloadRow]) -> Chart {
    Chart {
        id: ChartId::Workload,
        title: "Workload per analyst".into(),
        note: "Open work held now, whatever the period.".into(),
        label: "Analyst".into(),
        kind: ChartKind::Bars,
        series: vec![
            Series::new("Open cases", Unit::Count, true),
            Series::new("Open tasks", Unit::Count, true),
            Series::new("Open alerts", Unit::Count, true),
            Series::new("Overdue tasks", Unit::Count, false),
        ],
        rows: rows
            .iter()
            .map(|r| ChartRow {
                label: format!("{} (T{})", r.display_name, r.tier),
                values: vec![
                    count(r.open_cases),
                    count(r.open_tasks),
                    count(r.open_alerts),
                    count(r.overdue_tasks),
                ],
            })
            .collect(),
    }
}

fn trend(period: Period, cases: &[CaseStatsRow], days: &[(i64, AlertStatsRow)]) -> Chart {
    let bucket = period.bucket();
    #[derive(Default)]
    struct Acc {
        alerts: i64,
        fp: i64,
        triaged: i64,
        cases: i64,
    }
    let mut acc: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut start = bucket.start(period.first);
    while start <= period.last {
        acc.insert(start, Acc::default());
        start = bucket.next(start);
    }
    for (day, r) in days {
        let a = acc.entry(bucket.start(*day)).or_default();
        a.alerts += r.received;
        a.fp += r.false_positive;
        a.triaged += triaged(r);
    }
    for r in cases {
        acc.entry(bucket.start(r.day)).or_default().cases += r.opened;
    }
    let label = match bucket {
        Bucket::Day => "Day",
        Bucket::Week => "Week from",
        Bucket::Month => "Month from",
    };
    Chart {
        id: ChartId::Trend,
        title: "Trends".into(),
        note: format!("Per {} (UTC).", bucket.name()),
        label: label.into(),
        kind: ChartKind::Columns,
        series: vec![
            Series::new("Alerts received", Unit::Count, true),
            Series::new("Cases opened", Unit::Count, true),
            Series::new("False-positive rate", Unit::Percent, true),
        ],
        rows: acc
            .into_iter()
            .map(|(start, a)| ChartRow {
                label: date_of(start),
                values: vec![count(a.alerts), count(a.cases), percent(a.fp, a.triaged)],
            })
            .collect(),
    }
}
