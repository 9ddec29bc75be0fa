//! Every CSV the app writes goes through [`CsvOut`], so that no export can
//! carry a spreadsheet formula (OWASP "CSV injection", API.md "CSV"): a text
//! cell that begins with `=`, `+`, `-`, `@`, TAB or CR is written with a
//! leading `'`; a numeric cell is written as it is, so numbers stay numbers
//! (and a "number" that is not a plain decimal is treated as text).
//! Used by the ledger, reorder, usage and recall exports; use it for any new
//! CSV too.

use std::borrow::Cow;
use std::io::Write;

/// One cell of a row: text (defused) or a number (kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    Number(Cow<'a, str>),
}

impl<'a> Cell<'a> {
    /// A text cell (borrowed or owned).
    pub fn text(s: impl Into<Cow<'a, str>>) -> Cell<'a> {
        Cell::Text(s.into())
    }

    /// A numeric cell from its formatted text ("12", "-3", "1.250", "" for none).
    pub fn num(s: impl Into<Cow<'a, str>>) -> Cell<'a> {
        Cell::Number(s.into())
    }

    /// A whole number.
    pub fn int(n: i64) -> Cell<'static> {
        Cell::Number(Cow::Owned(n.to_string()))
    }

    /// An optional whole number (blank when absent).
    pub fn opt_int(n: Option<i64>) -> Cell<'static> {
        Cell::Number(Cow::Owned(n.map(|n| n.to_string()).unwrap_or_default()))
    }

    /// What is written to the file.
    pub fn as_written(&self) -> Cow<'_, str> {
        match self {
            Cell::Number(s) if is_plain_number(s) => Cow::Borrowed(s.as_ref()),
            Cell::Number(s) | Cell::Text(s) => defuse(s),
        }
    }
}

/// The text as it must appear in a CSV cell: with a leading `'` when a
/// spreadsheet would otherwise start a formula with it.
pub fn defuse(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// True for an empty cell or a plain decimal: optional `-`, digits, and
/// optionally `.` and more digits.
pub fn is_plain_number(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A CSV writer that only takes [`Cell`]s.
pub struct CsvOut<W: Write> {
    inner: csv::Writer<W>,
}

impl CsvOut<Vec<u8>> {
    /// An in-memory file starting with a UTF-8 byte-order mark (so that
    /// spreadsheet programs read accents right).
    pub fn with_bom() -> CsvOut<Vec<u8>> {
        CsvOut::new(b"\xEF\xBB\xBF".to_vec())
    }

    /// An in-memory file without a byte-order mark.
    pub fn in_memory(capacity: usize) -> CsvOut<Vec<u8>> {
        CsvOut::new(Vec::with_capacity(capacity))
    }
}

impl<W: Write> CsvOut<W> {
    pub fn new(w: W) -> CsvOut<W> {
        CsvOut {
            inner: csv::Writer::from_writer(w),
        }
    }

    /// The header row (column names are text cells too).
    pub fn header<S: AsRef<str>>(&mut self, names: &[S]) -> Result<(), csv::Error> {
        self.row(names.iter().map(|n| Cell::text(n.as_ref())))
    }

    /// One row.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) -> Result<(), csv::Error> {
        for c in cells {
            self.inner.write_field(c.as_written().as_bytes())?;
        }
        self.inner.write_record(std::iter::empty::<&[u8]>())
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, csv::Error> {
        self.inner
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(cells: Vec<Cell<'_>>) -> String {
        let mut w = CsvOut::in_memory(64);
        w.row(cells).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn formula_starters_get_a_quote() {
        for s in ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defuse(s), format!("'{s}"), "{s:?}");
        }
        for s in ["", "plain", "1=1", " =x", "'already", "2026-01-01"] {
            assert_eq!(defuse(s), s, "{s:?}");
        }
    }

    #[test]
    fn numbers_stay_numbers_and_fake_numbers_are_text() {
        assert_eq!(
            written(vec![Cell::num("-3"), Cell::num("1.250")]),
            "-3,1.250\n"
        );
        assert_eq!(written(vec![Cell::int(-7), Cell::opt_int(None)]), "-7,\n");
        assert_eq!(
            written(vec![Cell::num("-1+2"), Cell::num("-")]),
            "'-1+2,'-\n"
        );
        assert_eq!(
            written(vec![Cell::num("1."), Cell::num("-.5")]),
            "1.,'-.5\n"
        );
    }

    #[test]
    fn text_is_quoted_by_csv_rules_after_defusing() {
        assert_eq!(
            written(vec![
                Cell::text("=HYPERLINK(\"x\",\"y\")"),
                Cell::text("a,b")
            ]),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",\"a,b\"\n"
        );
    }
}
