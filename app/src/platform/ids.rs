//! Identifiers people read: case numbers of the form `CF-<year>-<six digits>`.

use super::{Result, Tx, clock::Millis};
use crate::on_tx;

/// Formats a case number: `CF-2026-000123`. Numbers past 999999 simply grow wider.
pub fn case_number(year: i32, n: i64) -> String {
    format!("CF-{year}-{n:06}")
}

/// The UTC calendar year of `at`.
pub fn year_of(at: Millis) -> i32 {
    time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000)).map_or(1970, |t| t.year())
}

/// Takes the next number for `year` inside `tx`: the counter row stays locked until the
/// transaction ends, so concurrent openings get distinct, consecutive numbers, and a rolled-back
/// opening gives its number back.
pub async fn next_case_number(tx: &mut Tx, year: i32, now: Millis) -> Result<String> {
    let (n,): (i64,) = on_tx!(tx, |c| {
        sqlx::query_as(
            "insert into case_number_counter (year, last_number, created_at, updated_at) values ($1, 1, $2, $2)
             on conflict (year) do update set last_number = case_number_counter.last_number + 1,
                 updated_at = excluded.updated_at
             returning last_number",
        )
        .bind(i64::from(year))
        .bind(now)
        .fetch_one(c)
        .await
    })?;
    Ok(case_number(year, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_are_zero_padded_to_six_digits() {
        assert_eq!(case_number(2026, 123), "CF-2026-000123");
        assert_eq!(case_number(2026, 1_234_567), "CF-2026-1234567");
    }

    #[test]
    fn the_year_is_the_utc_year() {
        // 2026-12-31T23:59:59.999Z and one millisecond later.
        assert_eq!(year_of(1_798_761_599_999), 2026);
        assert_eq!(year_of(1_798_761_600_000), 2027);
    }
}
