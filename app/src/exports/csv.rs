//! CSV that a spreadsheet opens safely: every cell of every CSV Casefile writes passes through
//! [`cell`] here, whoever built the row, so no column can be forgotten.

use serde::Serialize;

use crate::platform::{Error, Result};

/// A spreadsheet runs a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return as
/// a formula (CSV injection), and titles, tags, observables, actions and addresses come from
/// outside; such a cell gets a leading apostrophe. A plain number (`-5`, `+3.2`) is left as it
/// is: no spreadsheet runs it, and figures must stay figures.
pub fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if risky && text.parse::<f64>().is_err() {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

fn csv_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("csv: {e}"))
}

/// A CSV document being written; every field goes through [`cell`].
pub struct SafeCsv {
    out: csv::Writer<Vec<u8>>,
}

impl Default for SafeCsv {
    fn default() -> Self {
        Self {
            out: csv::Writer::from_writer(Vec::new()),
        }
    }
}

impl SafeCsv {
    pub fn write_record<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.out
            .write_record(fields.into_iter().map(|f| cell(f.as_ref()).into_owned()))
            .map_err(csv_error)
    }

    /// Writes rows of any serializable shape (structs give a header row when `header`): each
    /// row is laid out by csv's serializer, then written field by field through [`cell`].
    pub fn serialize_rows<R: Serialize>(
        &mut self,
        rows: impl IntoIterator<Item = R>,
        header: bool,
    ) -> Result<()> {
        let mut laid_out = csv::WriterBuilder::new()
            .has_headers(header)
            .from_writer(Vec::new());
        for r in rows {
            laid_out.serialize(r).map_err(csv_error)?;
        }
        let bytes = laid_out.into_inner().map_err(csv_error)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice());
        for record in reader.records() {
            self.write_record(record.map_err(csv_error)?.iter())?;
        }
        Ok(())
    }

    pub fn into_bytes(self) -> Result<Vec<u8>> {
        self.out.into_inner().map_err(csv_error)
    }
}

/// One page of rows as CSV bytes, with a header row when `header`.
pub fn rows_to_csv<R: Serialize>(
    rows: impl IntoIterator<Item = R>,
    header: bool,
) -> Result<Vec<u8>> {
    let mut w = SafeCsv::default();
    w.serialize_rows(rows, header)?;
    w.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_disarmed_in_every_field_and_numbers_kept() {
        #[derive(Serialize)]
        struct Row<'a> {
            title: &'a str,
            tag: &'a str,
            count: i64,
            delta: f64,
        }
        let bytes = rows_to_csv(
            [Row {
                title: "=cmd|' /C calc'!A0",
                tag: "@SUM(1)",
                count: -5,
                delta: -0.5,
            }],
            true,
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "title,tag,count,delta\n'=cmd|' /C calc'!A0,'@SUM(1),-5,-0.5\n"
        );
        let tuples = rows_to_csv([("+1+1", 7, "203.0.113.7")], false).unwrap();
        assert_eq!(String::from_utf8(tuples).unwrap(), "'+1+1,7,203.0.113.7\n");
        assert_eq!(cell("-1+cmd"), "'-1+cmd");
        assert_eq!(cell("\t=1"), "'\t=1");
        assert_eq!(cell("-"), "'-");
        assert_eq!(cell("plain"), "plain");
    }
}
