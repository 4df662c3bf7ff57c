//! The manager dashboard: the chosen period, the charts' data (a label column and numeric
//! series, the same shape for the SVG and the CSV download), and the pure rules for turning
//! days into periods and buckets.

pub mod api;
pub mod charts;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

pub(crate) const DAY_MS: i64 = 86_400_000;
/// The period when none is chosen: the last 30 days, today included.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest period: three years of daily aggregates.
pub const MAX_DAYS: i64 = 1_096;
/// Rows a chart over free-form labels (sources, rules) lists: the largest first.
pub const MAX_ROWS: usize = 25;

/// The period as the page and CSV links carry it: `YYYY-MM-DD`, both ends included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// The last so many days up to `to` (or today), when `from` is not given.
    #[serde(default)]
    pub days: Option<String>,
    /// An enum custom field on cases to break open cases and time to resolve down by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl PeriodQuery {
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// Whole UTC days `first..=last` (days since 1970-01-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub first: i64,
    pub last: i64,
}

impl Period {
    /// The chosen period, or the last [`DEFAULT_DAYS`] days up to `now`; a message if a date is
    /// bad, the period runs backwards or is longer than [`MAX_DAYS`].
    pub fn resolve(q: &PeriodQuery, now: i64) -> Result<Self, String> {
        let today = now.div_euclid(DAY_MS);
        let day = |v: &Option<String>, which: &str| -> Result<Option<i64>, String> {
            let Some(text) = v.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
                return Ok(None);
            };
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let date = time::Date::parse(text, &format).map_err(|_| {
                format!("The {which} date \u{201c}{text}\u{201d} is not a date like 2026-11-22.")
            })?;
            Ok(Some(
                date.midnight()
                    .assume_utc()
                    .unix_timestamp()
                    .div_euclid(86_400),
            ))
        };
        let last = day(&q.to, "to")?.unwrap_or(today);
        let days = match q.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => DEFAULT_DAYS,
            Some(d) => d
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_DAYS).contains(n))
                .ok_or_else(|| {
                    format!(
                        "Choose a number of days from 1 to {MAX_DAYS}, not \u{201c}{d}\u{201d}."
                    )
                })?,
        };
        let first = day(&q.from, "from")?.unwrap_or(last - (days - 1));
        if first > last {
            return Err("The period ends before it starts.".into());
        }
        if last - first + 1 > MAX_DAYS {
            return Err(format!(
                "Choose a period of at most {MAX_DAYS} days (three years)."
            ));
        }
        Ok(Self { first, last })
    }

    pub fn days(self) -> i64 {
        self.last - self.first + 1
    }

    /// `[start, end)` in epoch milliseconds.
    pub fn millis(self) -> (i64, i64) {
        (self.first * DAY_MS, (self.last + 1) * DAY_MS)
    }

    /// Trend buckets: days up to two months, weeks (from Monday) up to a year, else months.
    pub fn bucket(self) -> Bucket {
        match self.days() {
            days if days <= 62 => Bucket::Day,
            days if days <= 366 => Bucket::Week,
            _ => Bucket::Month,
        }
    }

    pub fn query(self) -> PeriodQuery {
        PeriodQuery {
            from: Some(date_of(self.first)),
            to: Some(date_of(self.last)),
            days: None,
            by: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

impl Bucket {
    /// The first day of the bucket holding `day`.
    pub fn start(self, day: i64) -> i64 {
        match self {
            Bucket::Day => day,
            // 1970-01-01 was a Thursday: day 4 is the first Monday.
            Bucket::Week => day - (day - 4).rem_euclid(7),
            Bucket::Month => {
                let d = to_date(day);
                day - i64::from(d.day()) + 1
            }
        }
    }

    /// The first day of the next bucket.
    pub fn next(self, start: i64) -> i64 {
        match self {
            Bucket::Day => start + 1,
            Bucket::Week => start + 7,
            Bucket::Month => {
                let d = to_date(start);
                start + i64::from(d.month().length(d.year()))
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }
}

fn to_date(day: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(day * 86_400)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

/// `YYYY-MM-DD` of a day number.
pub fn date_of(day: i64) -> String {
    let d = to_date(day);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The dashboard's charts, each with a stable id for its CSV link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChartId {
    OpenByStatus,
    OpenBySeverity,
    OpenByTier,
    ResponseBySeverity,
    ResponseByTier,
    SlaCompliance,
    AlertsBySource,
    FalsePositivesByRule,
    Workload,
    Trend,
    /// Open cases and time to resolve per option of an enum custom field (`by`); drawn only
    /// when asked for.
    ByField,
}

impl ChartId {
    pub const ALL: [ChartId; 10] = [
        Self::OpenByStatus,
        Self::OpenBySeverity,
        Self::OpenByTier,
        Self::ResponseBySeverity,
        Self::ResponseByTier,
        Self::SlaCompliance,
        Self::AlertsBySource,
        Self::FalsePositivesByRule,
        Self::Workload,
        Self::Trend,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::OpenByStatus => "open-by-status",
            Self::OpenBySeverity => "open-by-severity",
            Self::OpenByTier => "open-by-tier",
            Self::ResponseBySeverity => "response-by-severity",
            Self::ResponseByTier => "response-by-tier",
            Self::SlaCompliance => "sla-compliance",
            Self::AlertsBySource => "alerts-by-source",
            Self::FalsePositivesByRule => "false-positives-by-rule",
            Self::Workload => "workload",
            Self::Trend => "trend",
            Self::ByField => "by-field",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .chain([Self::ByField])
            .find(|c| c.slug() == s)
            .ok_or_else(|| format!("There is no dashboard chart called \u{201c}{s}\u{201d}."))
    }
}

/// How a series' numbers read: counts, durations (milliseconds) or percentages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    Count,
    Duration,
    Percent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub name: String,
    pub unit: Unit,
    /// Drawn in the chart; every series is in the CSV.
    pub plotted: bool,
}

impl Series {
    pub fn new(name: &str, unit: Unit, plotted: bool) -> Self {
        Self {
            name: name.to_owned(),
            unit,
            plotted,
        }
    }

    /// The CSV column heading: the name with its unit.
    pub fn heading(&self) -> String {
        match self.unit {
            Unit::Count => self.name.clone(),
            Unit::Duration => format!("{} (minutes)", self.name),
            Unit::Percent => format!("{} (%)", self.name),
        }
    }

    /// A value for the CSV: durations in minutes, percentages as plain numbers, nothing empty.
    pub fn csv_value(&self, v: Option<f64>) -> String {
        match (v, self.unit) {
            (None, _) => String::new(),
            (Some(v), Unit::Count) => format!("{v:.0}"),
            (Some(v), Unit::Duration) => format!("{:.1}", v / 60_000.0),
            (Some(v), Unit::Percent) => format!("{v:.1}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartRow {
    pub label: String,
    /// One per series; `None` where there is nothing to measure (a mean of no cases).
    pub values: Vec<Option<f64>>,
}

/// Horizontal bars per label, or columns along time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChartKind {
    Bars,
    Columns,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub id: ChartId,
    pub title: String,
    /// What the figures count, in a sentence under the title.
    pub note: String,
    /// The heading of the label column.
    pub label: String,
    pub kind: ChartKind,
    pub series: Vec<Series>,
    pub rows: Vec<ChartRow>,
}

/// A value for people: `1h 05m`, `42`, `97.5%`, or an en dash for nothing.
pub fn format_value(v: Option<f64>, unit: Unit) -> String {
    let Some(v) = v else {
        return "\u{2013}".into();
    };
    match unit {
        Unit::Count => format!("{v:.0}"),
        Unit::Percent => format!("{v:.1}%"),
        Unit::Duration => {
            let minutes = (v / 60_000.0).round() as i64;
            if minutes < 60 {
                format!("{minutes}m")
            } else if minutes < 1440 {
                format!("{}h {:02}m", minutes / 60, minutes % 60)
            } else {
                format!("{}d {:02}h", minutes / 1440, minutes % 1440 / 60)
            }
        }
    }
}

/// Everything the dashboard page shows for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub period: Period,
    pub bucket: Bucket,
    /// When the aggregates were last brought up to date (epoch ms; 0: never).
    pub refreshed_at: i64,
    pub charts: Vec<Chart>,
    /// The enum custom fields on cases the charts can be broken down by: (name, label).
    pub breakdowns: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_22_2026: i64 = 20_779;

    fn q(from: &str, to: &str) -> PeriodQuery {
        PeriodQuery {
            from: Some(from.into()),
            to: Some(to.into()),
            days: None,
            by: None,
        }
    }

    #[test]
    fn periods_are_whole_utc_days_and_default_to_thirty() {
        assert_eq!(date_of(NOV_22_2026), "2026-11-22");
        let now = NOV_22_2026 * DAY_MS + 3_600_000;
        let p = Period::resolve(&PeriodQuery::default(), now).unwrap();
        assert_eq!(
            (p.first, p.last, p.days()),
            (NOV_22_2026 - 29, NOV_22_2026, 30)
        );
        let p = Period::resolve(&q("2026-11-01", "2026-11-22"), now).unwrap();
        assert_eq!(
            p.millis(),
            ((NOV_22_2026 - 21) * DAY_MS, (NOV_22_2026 + 1) * DAY_MS)
        );
        assert_eq!(p.query(), q("2026-11-01", "2026-11-22"));
        let week = PeriodQuery {
            days: Some("7".into()),
            ..Default::default()
        };
        let p = Period::resolve(&week, now).unwrap();
        assert_eq!((p.first, p.last), (NOV_22_2026 - 6, NOV_22_2026));
    }

    #[test]
    fn bad_periods_are_refused_with_a_reason() {
        let now = NOV_22_2026 * DAY_MS;
        let e = Period::resolve(&q("2026-13-01", "2026-11-22"), now).unwrap_err();
        assert!(e.contains("2026-13-01"), "{e}");
        let e = Period::resolve(&q("2026-11-22", "2026-11-01"), now).unwrap_err();
        assert!(e.contains("ends before"), "{e}");
        let e = Period::resolve(&q("2020-01-01", "2026-11-01"), now).unwrap_err();
        assert!(e.contains("1096"), "{e}");
        let e = Period::resolve(
            &PeriodQuery {
                days: Some("0".into()),
                ..Default::default()
            },
            now,
        )
        .unwrap_err();
        assert!(e.contains("\u{201c}0\u{201d}"), "{e}");
    }

    #[test]
    fn buckets_start_on_days_mondays_and_firsts_of_month() {
        let p = |a, b| Period::resolve(&q(a, b), 0).unwrap();
        assert_eq!(p("2026-11-01", "2026-12-31").bucket(), Bucket::Day);
        assert_eq!(p("2026-01-01", "2026-12-31").bucket(), Bucket::Week);
        assert_eq!(p("2024-01-01", "2026-12-31").bucket(), Bucket::Month);
        // 2026-11-22 is a Sunday; its week began on Monday the 16th.
        assert_eq!(date_of(Bucket::Week.start(NOV_22_2026)), "2026-11-16");
        assert_eq!(date_of(Bucket::Week.next(NOV_22_2026 - 6)), "2026-11-23");
        assert_eq!(date_of(Bucket::Month.start(NOV_22_2026)), "2026-11-01");
        assert_eq!(date_of(Bucket::Month.next(NOV_22_2026 - 21)), "2026-12-01");
    }

    #[test]
    fn values_read_in_their_units() {
        let mtta = Series::new("MTTA", Unit::Duration, true);
        assert_eq!(
            (
                mtta.heading().as_str(),
                mtta.csv_value(Some(90_000.0)).as_str()
            ),
            ("MTTA (minutes)", "1.5")
        );
        let rate = Series::new("Rate", Unit::Percent, true);
        assert_eq!(
            (rate.heading().as_str(), rate.csv_value(None).as_str()),
            ("Rate (%)", "")
        );
        assert_eq!(format_value(Some(3_900_000.0), Unit::Duration), "1h 05m");
        assert_eq!(
            format_value(Some(2.0 * DAY_MS as f64), Unit::Duration),
            "2d 00h"
        );
        assert_eq!(format_value(None, Unit::Percent), "\u{2013}");
    }
}
