//! Reading an import file into rows: the size limit, the encoding (UTF-8
//! with or without a BOM; anything else is refused with a message saying how
//! to save it), the separator (comma, semicolon or tab, from the header
//! row), the header (every required column present, none twice), and rows
//! keyed by canonical column name with their line numbers in the file.

use std::collections::HashMap;
use std::fmt;

use super::kinds::{Column, ImportKind, column_for};

/// The largest file accepted (a 500-product, 5,000-lot clinic is well under 1 MB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// Why a whole file cannot be read; nothing is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    Empty,
    TooLarge {
        bytes: usize,
    },
    NotUtf8 {
        line: usize,
        detail: String,
    },
    NoRows,
    MissingColumns {
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    DuplicateColumn {
        column: &'static str,
        first: usize,
        second: usize,
    },
    Csv {
        line: u64,
        detail: String,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SAVE_AS: &str = "save it from your spreadsheet as \"CSV UTF-8\" and try again";
        match self {
            FileError::Empty => {
                f.write_str("the file is empty: it needs a header row and at least one row")
            }
            FileError::TooLarge { bytes } => write!(
                f,
                "the file is {:.1} MB; the largest accepted is {} MB — split it into smaller files",
                *bytes as f64 / (1024.0 * 1024.0),
                MAX_BYTES / (1024 * 1024)
            ),
            FileError::NotUtf8 { line, detail } => {
                write!(
                    f,
                    "line {line}: the file is not UTF-8 text ({detail}); {SAVE_AS}"
                )
            }
            FileError::NoRows => f.write_str("the file has a header row but no rows to import"),
            FileError::MissingColumns { missing, found } => write!(
                f,
                "missing column{}: {} (the header row has: {})",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if found.is_empty() {
                    "nothing".to_string()
                } else {
                    found.join(", ")
                }
            ),
            FileError::DuplicateColumn {
                column,
                first,
                second,
            } => write!(
                f,
                "line 1: columns {first} and {second} are both read as {column}; keep one"
            ),
            FileError::Csv { line, detail } => write!(f, "line {line}: {detail}"),
        }
    }
}

impl std::error::Error for FileError {}

/// One data row: its line in the file and its cells by canonical column name
/// (only columns the header has; cells trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: HashMap<&'static str, String>,
}

impl Row {
    /// The cell, trimmed; None when the column is absent or the cell empty.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.cells
            .get(column)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The cell as given: `None` when the file has no such column, `Some("")`
    /// for an empty cell (which clears an optional field).
    pub fn given(&self, column: &str) -> Option<String> {
        self.cells.get(column).map(|s| s.trim().to_string())
    }
}

/// A file read into rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub kind: ImportKind,
    pub rows: Vec<Row>,
    /// Canonical names of the columns the header has.
    pub columns: Vec<&'static str>,
    /// Header cells that matched no column (ignored).
    pub ignored: Vec<String>,
    pub separator: char,
}

impl Table {
    pub fn has(&self, column: &str) -> bool {
        self.columns.contains(&column)
    }
}

/// Decodes the bytes as UTF-8 (a BOM is dropped). UTF-16 and other
/// encodings are refused with the line of the first bad byte.
fn decode(bytes: &[u8]) -> Result<&str, FileError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::NotUtf8 {
            line: 1,
            detail: "it is UTF-16 (\"Unicode text\")".into(),
        });
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| {
        let at = e.valid_up_to();
        let line = body[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let byte = body.get(at).copied().unwrap_or(0);
        FileError::NotUtf8 {
            line,
            detail: format!(
                "byte 0x{byte:02X} is not UTF-8; it looks like Windows-1252 or Latin-1"
            ),
        }
    })
}

/// The separator the header row uses: the most frequent of `;`, `,` and TAB
/// outside quotes (comma when none).
fn sniff_separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(c) = counts.iter_mut().find(|(s, _)| *s == b) {
            c.1 += 1;
        }
    }
    counts
        .iter()
        .max_by_key(|(s, n)| (*n, *s == b','))
        .map(|(s, _)| *s)
        .unwrap_or(b',')
}

/// Maps header cells to columns: (column index → column), ignored cells.
fn map_header(
    kind: ImportKind,
    header: &csv::StringRecord,
) -> Result<(Vec<Option<&'static Column>>, Vec<String>), FileError> {
    let mut mapped: Vec<Option<&'static Column>> = Vec::new();
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let c = column_for(kind, h);
        if let Some(col) = c
            && let Some(first) = mapped
                .iter()
                .position(|m| m.is_some_and(|m| m.name == col.name))
        {
            return Err(FileError::DuplicateColumn {
                column: col.name,
                first: first + 1,
                second: i + 1,
            });
        }
        if c.is_none() && !h.trim().is_empty() {
            ignored.push(h.trim().to_string());
        }
        mapped.push(c);
    }
    let missing: Vec<&'static str> = kind
        .columns()
        .iter()
        .filter(|c| c.required && !mapped.iter().any(|m| m.is_some_and(|m| m.name == c.name)))
        .map(|c| c.name)
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns {
            missing,
            found: header
                .iter()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .collect(),
        });
    }
    Ok((mapped, ignored))
}

/// Reads a whole file of one kind. Rows whose cells are all empty are skipped.
pub fn read_table(kind: ImportKind, bytes: &[u8]) -> Result<Table, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge { bytes: bytes.len() });
    }
    let text = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    let separator = sniff_separator(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(csv_error(&e)),
        None => return Err(FileError::Empty),
    };
    let (mapped, ignored) = map_header(kind, &header)?;
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let mut cells = HashMap::new();
        for (i, col) in mapped.iter().enumerate() {
            if let Some(col) = col {
                cells.insert(col.name, record.get(i).unwrap_or("").trim().to_string());
            }
        }
        rows.push(Row { line, cells });
    }
    if rows.is_empty() {
        return Err(FileError::NoRows);
    }
    Ok(Table {
        kind,
        rows,
        columns: mapped.iter().flatten().map(|c| c.name).collect(),
        ignored,
        separator: separator as char,
    })
}

fn csv_error(e: &csv::Error) -> FileError {
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    FileError::Csv {
        line,
        detail: format!("the row cannot be read as CSV ({})", e.kind_summary()),
    }
}

trait KindSummary {
    fn kind_summary(&self) -> String;
}

impl KindSummary for csv::Error {
    fn kind_summary(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
            csv::ErrorKind::UnequalLengths { .. } => "a different number of cells".into(),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolons_bom_synonyms_and_line_numbers() {
        let file = "\u{feff}Item code;Lot number;Use by;Qty;Colour\nRL-15;L1;31/12/2027;4;red\n\n;;;;\nRL-20;\"L;2\";2027-01-01;1,5;\n";
        let t = read_table(ImportKind::Stock, file.as_bytes()).unwrap();
        assert_eq!(t.separator, ';');
        assert_eq!(t.columns, vec!["sku", "lot", "expiry", "quantity"]);
        assert_eq!(t.ignored, vec!["Colour"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 5);
        assert_eq!(t.rows[1].get("lot"), Some("L;2"));
        assert_eq!(t.rows[1].get("quantity"), Some("1,5"));
        assert_eq!(t.rows[0].get("location"), None);
    }

    #[test]
    fn refuses_what_it_cannot_read_with_a_reason() {
        assert_eq!(read_table(ImportKind::Stock, b""), Err(FileError::Empty));
        assert_eq!(
            read_table(ImportKind::Stock, b" \n\n"),
            Err(FileError::Empty)
        );
        assert_eq!(
            read_table(ImportKind::Stock, b"sku,lot,expiry,quantity\n"),
            Err(FileError::NoRows)
        );
        let e = read_table(ImportKind::Stock, b"sku,lot,quantity\nA,1,2\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("missing column: expiry (the header row has: sku, lot, quantity)"),
            "{e}"
        );
        let e = read_table(ImportKind::Suppliers, b"name\nCaf\xe9 Supplies\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 2: the file is not UTF-8 text (byte 0xE9"),
            "{e}"
        );
        let e = read_table(ImportKind::Suppliers, &[0xFF, 0xFE, b'n', 0]).unwrap_err();
        assert!(e.to_string().contains("UTF-16"), "{e}");
        let e = read_table(ImportKind::Stock, b"sku,SKU,lot,expiry,quantity\n").unwrap_err();
        assert_eq!(
            e,
            FileError::DuplicateColumn {
                column: "sku",
                first: 1,
                second: 2
            }
        );
        let big = vec![b'a'; MAX_BYTES + 1];
        assert!(matches!(
            read_table(ImportKind::Stock, &big),
            Err(FileError::TooLarge { .. })
        ));
    }
}
