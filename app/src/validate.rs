//! Field rules shared by every input that people or tools send: required and optional text,
//! tags. Messages name the field so an integrator or analyst can fix the right thing.

const MAX_TAGS: usize = 50;

/// A non-empty, trimmed text of at most `max` characters without control characters.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("`{field}` is required."));
    }
    optional(field, v, max)
}

/// Like [`required`], but empty is allowed.
pub fn optional(field: &str, value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(format!("`{field}` is longer than {max} characters."));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(format!("`{field}` contains control characters."));
    }
    Ok(v.to_owned())
}

/// Checks tags: at most 50, each 1–100 characters; duplicates dropped.
pub fn check_tags(tags: &[String]) -> Result<Vec<String>, String> {
    if tags.len() > MAX_TAGS {
        return Err(format!("At most {MAX_TAGS} tags."));
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = required("tags[]", t, 100)?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

/// Tags as stored: a JSON array of strings.
pub fn tags_to_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

/// Tags read back from their stored JSON; anything unreadable reads as no tags.
pub fn tags_from_json(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

/// Splits a comma-separated form field ("T1566, T1059") into its trimmed, non-empty parts.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// When something happened, as typed: RFC 3339 with an offset (`2026-11-21T09:30:00+01:00`)
/// or local wall-clock time (`2026-11-21T09:30`, seconds optional) in the zone `utc_offset_minutes`
/// east of UTC. Empty gives `None` (now). Returns Unix milliseconds.
pub fn parse_when(field: &str, s: &str, utc_offset_minutes: i32) -> Result<Option<i64>, String> {
    use time::{
        OffsetDateTime, PrimitiveDateTime, UtcOffset, format_description::well_known::Rfc3339,
        macros::format_description,
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "`{field}` must be a date and time like 2026-11-21T09:30 (local) or 2026-11-21T08:30:00Z, not \u{201c}{s}\u{201d}."
        )
    };
    let at = match OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => t,
        Err(_) => {
            let local = PrimitiveDateTime::parse(
                s,
                format_description!("[year]-[month]-[day]T[hour]:[minute]"),
            )
            .or_else(|_| {
                PrimitiveDateTime::parse(
                    s,
                    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
                )
            })
            .map_err(|_| bad())?;
            let offset = UtcOffset::from_whole_seconds(utc_offset_minutes.saturating_mul(60))
                .map_err(|_| {
                    format!("Time zone offset {utc_offset_minutes} minutes is out of range.")
                })?;
            local.assume_offset(offset)
        }
    };
    let millis = at.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(millis).map(Some).map_err(|_| bad())
}

/// TLP or PAP: 0 (white/clear) to 4 (red), as TheHive numbers them.
pub fn check_level(field: &str, n: i64) -> Result<i64, String> {
    if (0..=4).contains(&n) {
        Ok(n)
    } else {
        Err(format!("`{field}` must be 0 to 4, not {n}."))
    }
}

/// A size as people read it: `1.5 GiB`.
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_analysts_zone() {
        // 09:30 at UTC+01:00 is 08:30 UTC.
        let local = parse_when("occurred_at", "2026-11-21T09:30", 60)
            .unwrap()
            .unwrap();
        let utc = parse_when("occurred_at", "2026-11-21T08:30:00Z", 0)
            .unwrap()
            .unwrap();
        assert_eq!(local, utc);
        let west = parse_when("occurred_at", "2026-11-21T03:30:00-05:00", 999)
            .unwrap()
            .unwrap();
        assert_eq!(west, utc, "an explicit offset wins over the form's zone");
        assert_eq!(parse_when("occurred_at", " ", 0).unwrap(), None);
        let err = parse_when("occurred_at", "yesterday", 0).unwrap_err();
        assert!(err.contains("yesterday"), "{err}");
    }

    #[test]
    fn lists_split_on_commas() {
        assert_eq!(split_list(" T1566, ,T1059 "), ["T1566", "T1059"]);
    }
}
