//! The shift handover board: shifts (UTC), the prefilled summary of what happened during a
//! shift and what is still open, the outgoing analyst's written handover with free notes, and
//! the incoming analyst's acknowledgement. Past handovers stay browsable and printable.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

/// A shift: starts at a minute of the day (UTC) and lasts so many minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub shift_id: i64,
    pub name: String,
    pub start_minute: i64,
    pub duration_minutes: i64,
}

/// One occurrence of a shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftWindow {
    pub name: String,
    pub start: i64,
    pub end: i64,
}

const DAY_MS: i64 = 86_400_000;

/// The occurrence of a shift that contains `now`, if any (shifts may run past midnight).
pub fn current_shift(shifts: &[Shift], now: i64) -> Option<ShiftWindow> {
    let midnight = now - now.rem_euclid(DAY_MS);
    shifts.iter().find_map(|s| {
        [midnight - DAY_MS, midnight].into_iter().find_map(|day| {
            let start = day + s.start_minute * 60_000;
            let end = start + s.duration_minutes * 60_000;
            (start <= now && now < end).then(|| ShiftWindow {
                name: s.name.clone(),
                start,
                end,
            })
        })
    })
}

/// `HH:MM` for a minute of the day.
pub fn clock_time(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60 % 24, minute % 60)
}

/// Parses `HH:MM` into a minute of the day.
pub fn parse_clock_time(s: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "\u{201c}{}\u{201d} is not a time of day; write it as HH:MM, e.g. 06:00.",
            s.trim()
        )
    };
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// Checks a set of shifts: named, 1 to 24 hours long, not overlapping within a day.
pub fn check_shifts(shifts: &[(String, i64, i64)]) -> Result<(), String> {
    if shifts.is_empty() {
        return Err("Keep at least one shift.".into());
    }
    let mut taken = vec![None::<&str>; 1440];
    for (name, start, duration) in shifts {
        if name.trim().is_empty() {
            return Err("Every shift needs a name.".into());
        }
        if !(60..=1440).contains(duration) {
            return Err(format!("Shift {name} must last between 1 and 24 hours."));
        }
        for m in 0..*duration {
            let slot = &mut taken[((start + m) % 1440) as usize];
            if let Some(other) = slot {
                return Err(format!(
                    "Shifts {other} and {name} overlap at {}.",
                    clock_time(start + m)
                ));
            }
            *slot = Some(name);
        }
    }
    Ok(())
}

/// A case as a handover lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseLine {
    pub number: String,
    pub title: String,
    pub status: String,
    pub tier: i64,
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockLine {
    pub number: String,
    pub title: String,
    pub clock: String,
    pub due_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskLine {
    pub number: String,
    pub title: String,
    pub status: String,
    pub assignee: Option<String>,
    pub due_at: Option<i64>,
}

/// What the board prefills for a shift. Each list holds at most [`SUMMARY_LIMIT`] lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub opened: Vec<CaseLine>,
    pub escalated: Vec<CaseLine>,
    pub closed: Vec<CaseLine>,
    /// (verdict, alerts triaged with it during the shift).
    pub alerts_by_verdict: Vec<(String, i64)>,
    pub open_investigations: Vec<CaseLine>,
    pub sla_due: Vec<ClockLine>,
    pub open_tasks: Vec<TaskLine>,
}

pub const SUMMARY_LIMIT: i64 = 200;
/// Clocks running out within this many hours are listed.
pub const SLA_HORIZON_HOURS: i64 = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    pub handover_id: i64,
    pub shift_name: String,
    pub shift_start: i64,
    pub shift_end: i64,
    pub summary: Summary,
    pub notes: String,
    pub written_by: String,
    pub written_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
}

/// The board: the shift under way with its prefilled summary, handovers waiting for
/// acknowledgement, and a page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    pub shift: Option<ShiftWindow>,
    pub draft: Summary,
    pub waiting: Vec<Handover>,
    pub history: Vec<Handover>,
    pub next: Option<i64>,
    pub can_write: bool,
    pub me: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shifts() -> Vec<Shift> {
        [("Early", 360), ("Late", 840), ("Night", 1320)]
            .into_iter()
            .enumerate()
            .map(|(i, (n, s))| Shift {
                shift_id: i as i64,
                name: n.into(),
                start_minute: s,
                duration_minutes: 480,
            })
            .collect()
    }

    #[test]
    fn the_night_shift_runs_past_midnight() {
        let day = 20_000 * DAY_MS;
        let at = |h: i64| day + h * 3_600_000;
        let w = current_shift(&shifts(), at(2)).unwrap();
        assert_eq!(w.name, "Night");
        assert_eq!((w.start, w.end), (at(-2), at(6)));
        assert_eq!(current_shift(&shifts(), at(6)).unwrap().name, "Early");
        assert_eq!(current_shift(&shifts(), at(23)).unwrap().start, at(22));
    }

    #[test]
    fn shifts_may_not_overlap_and_times_read_as_hh_mm() {
        let ok: Vec<_> = shifts()
            .into_iter()
            .map(|s| (s.name, s.start_minute, s.duration_minutes))
            .collect();
        assert!(check_shifts(&ok).is_ok());
        let mut bad = ok.clone();
        bad[0].2 = 540;
        assert!(check_shifts(&bad).unwrap_err().contains("overlap at 14:00"));
        assert_eq!(parse_clock_time("06:30"), Ok(390));
        assert!(parse_clock_time("25:00").is_err());
        assert_eq!(clock_time(1320), "22:00");
    }
}
