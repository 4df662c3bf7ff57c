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

/// TLP or PAP: 0 (white/clear) to 4 (red), as TheHive numbers them.
pub fn check_level(field: &str, n: i64) -> Result<i64, String> {
    if (0..=4).contains(&n) {
        Ok(n)
    } else {
        Err(format!("`{field}` must be 0 to 4, not {n}."))
    }
}
