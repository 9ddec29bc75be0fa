//! GS1 barcodes on medical consumables: parsing what a keyboard-wedge
//! scanner or the camera reads from a GS1-128, GS1 DataMatrix, GS1 QR, GS1
//! DataBar or EAN/UPC symbol (or what a person types in the bracketed
//! human-readable form, or a GS1 Digital Link URI from a 2D code) into
//! [`Gs1Data`], formatting it back, and GTIN check digits. Pure functions,
//! no I/O.
//!
//! Accepted input: surrounding whitespace (incl. CR/LF) is trimmed; a
//! symbology identifier (`]d2`, `]C1`, `]Q3`, `]e0`; `]Q1`/`]d1` for a
//! Digital Link; `]E0`, `]E4`, `]I1` for a plain GTIN) is stripped; FNC1 as
//! ASCII 29 (GS), or a configured substitute character, may lead and
//! separates fields. Every application identifier of the GS1 table
//! (`ai_table`) is read and checked against its format; the ones the stock
//! system uses are stored in their own fields ((01)/(02) GTIN, (10) lot,
//! (21) serial, (11), (13), (15), (17) dates with day 00, (7003) expiry date
//! and time, (30) and (37) counts, (310n)–(369n) measures, (240)), the rest
//! are kept as they were read. A bare 8-, 12-, 13- or 14-digit GTIN (an
//! EAN/UPC or ITF-14 barcode) is read as the GTIN. A scan with neither a
//! GTIN, a lot, a serial nor an expiry date is refused. Every refusal says
//! why; positions in messages are 1-based character positions in the input.

mod ai_table;
mod ais;
mod digital_link;
mod elements;
mod format;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use std::fmt;

pub use ais::gs1_check_digit;
pub use format::{format_element_string, format_human, gtin_check_digit_valid, normalize_gtin};

/// ASCII 29, group separator: how scanners transmit FNC1.
pub const GS: char = '\u{1d}';

/// A variable measure (310n)–(369n): six digits, `n` of them decimals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// The four-digit AI, e.g. `3103` (net weight in kg, 3 decimals).
    pub ai: String,
    /// The six digits as printed.
    pub digits: String,
}

impl Measure {
    /// What is measured, in which unit (the GS1 table's name).
    pub fn name(&self) -> &'static str {
        ais::lookup(&self.ai).map_or("measure", |a| a.name)
    }

    /// The value with its decimal point: `3103` + `001250` → `1.250`.
    pub fn decimal(&self) -> String {
        let decimals = ais::lookup(&self.ai)
            .and_then(|a| a.measure_decimals())
            .unwrap_or(0) as usize;
        let split = self.digits.len().saturating_sub(decimals);
        let (int, frac) = self.digits.split_at(split);
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        if frac.is_empty() {
            int.to_string()
        } else {
            format!("{int}.{frac}")
        }
    }
}

/// The data a scan carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gs1Data {
    /// AI (01): 14 digits, check digit verified. Falls back to AI (02) if (01) is absent.
    pub gtin: Option<String>,
    /// AI (17): YYMMDD; DD = 00 means the last day of that month. Without
    /// (17), the date of (7003).
    pub expiry: Option<NaiveDate>,
    /// AI (10): 1 to 20 characters of GS1 character set 82.
    pub lot: Option<String>,
    /// AI (21): 1 to 20 characters of GS1 character set 82.
    pub serial: Option<String>,
    /// AI (15): same rules as (17).
    pub best_before: Option<NaiveDate>,
    /// AI (11): YYMMDD; DD = 00 means the first day of that month (the spec
    /// only says the day is unknown; the start of the month is the safe reading).
    pub production_date: Option<NaiveDate>,
    /// AI (13), packaging date: same rules as (11).
    pub packaging_date: Option<NaiveDate>,
    /// AI (7003), expiry date and time (YYMMDDhhmm, local time of the label).
    pub expiry_time: Option<NaiveDateTime>,
    /// AI (37): count of trade items in a logistic unit.
    pub count: Option<u64>,
    /// AI (30): variable count of items.
    pub variable_count: Option<u64>,
    /// AI (240): additional product identification.
    pub additional_id: Option<String>,
    /// AIs (310n)–(369n), in the order read.
    pub measures: Vec<Measure>,
    /// Every other AI as (AI, value), in the order read.
    pub other: Vec<(String, String)>,
}

/// A human-readable description of what is wrong with a scan, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Error {
    pub message: String,
}

impl Gs1Error {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for Gs1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Gs1Error {}

/// `bail!("…", args)`: return a formatted [`Gs1Error`].
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::domain::gs1::Gs1Error::new(format!($($arg)*)))
    };
}
use bail;

/// Parse a scan, using the current UTC year for the GS1 century rule.
///
/// `substitute_separator`: a character some scanners send instead of FNC1
/// (e.g. '|' or '~'); `None` means only ASCII 29 separates fields.
pub fn parse(input: &str, substitute_separator: Option<char>) -> Result<Gs1Data, Gs1Error> {
    let year = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).year();
    parse_with_year(input, substitute_separator, year)
}

/// What kind of symbol a symbology identifier announces.
#[derive(PartialEq, Eq)]
enum Symbol {
    /// GS1-128, GS1 DataMatrix, GS1 QR, GS1 DataBar, or none given.
    Gs1,
    /// A plain QR code or Data Matrix: only a Digital Link URI is GS1 data.
    Plain,
    /// EAN/UPC or ITF-14: a bare GTIN.
    Gtin,
}

/// [`parse`] with the reference year for the GS1 General Specifications 7.12
/// century rule given: a two-digit year 51–99 years ahead of `current_year`
/// belongs to the previous century, 50–99 years behind to the next one.
pub fn parse_with_year(
    input: &str,
    substitute_separator: Option<char>,
    current_year: i32,
) -> Result<Gs1Data, Gs1Error> {
    let chars: Vec<char> = input.chars().collect();
    let mut start = chars.iter().position(|c| !c.is_whitespace()).unwrap_or(0);
    let end = chars
        .iter()
        .rposition(|c| !c.is_whitespace())
        .map_or(0, |i| i + 1);
    let mut symbol = Symbol::Gs1;
    if chars.get(start) == Some(&']') {
        let id: String = chars.iter().skip(start + 1).take(2).collect();
        symbol = match id.as_str() {
            "d2" | "C1" | "Q3" | "e0" => Symbol::Gs1,
            "Q1" | "d1" => Symbol::Plain,
            "E0" | "E4" | "I1" => Symbol::Gtin,
            _ => bail!("unsupported symbology identifier ]{id} (not a GS1 barcode?)"),
        };
        start += 3;
    }
    let is_sep = |c: char| c == GS || Some(c) == substitute_separator;
    let text = chars.get(start..end).unwrap_or(&[]);
    if text.iter().all(|&c| is_sep(c)) {
        return Err(Gs1Error::new("empty scan"));
    }
    let body: String = text.iter().collect();
    if symbol == Symbol::Gtin {
        return bare_gtin(&body).ok_or_else(|| {
            Gs1Error::new(format!(
                "an EAN/UPC or ITF-14 barcode carries a GTIN of 8, 12, 13 or 14 digits with a valid check digit, not {body:?}"
            ))
        });
    }
    let parsed = if digital_link::is_uri(&body) {
        digital_link::split(&body, start)
    } else if symbol == Symbol::Plain {
        bail!("not a GS1 barcode: a plain QR code or Data Matrix that is not a GS1 Digital Link")
    } else if text.iter().find(|&&c| !is_sep(c)) == Some(&'(') {
        elements::split_bracketed(&chars, start, end, &is_sep)
    } else {
        elements::split_raw(&chars, start, end, &is_sep)
    }
    .and_then(|elements| interpret(elements, current_year));
    match parsed {
        Ok(data) if useful(&data) => Ok(data),
        // A plain EAN/UPC or ITF-14 number read without its symbology identifier.
        other => match (bare_gtin(&body), other) {
            (Some(gtin), _) => Ok(gtin),
            (None, Ok(data)) => Err(Gs1Error::new(format!(
                "this GS1 scan has no GTIN, lot, serial number or expiry date (it carries {})",
                carried(&data)
            ))),
            (None, Err(e)) => Err(e),
        },
    }
}

/// A scan is useful to the stock system when it names the product, the lot,
/// the item or the expiry.
fn useful(d: &Gs1Data) -> bool {
    d.gtin.is_some() || d.lot.is_some() || d.serial.is_some() || d.expiry.is_some()
}

/// "SSCC (00), count of trade items (37)" for the refusal of a useless scan.
fn carried(d: &Gs1Data) -> String {
    let names: Vec<String> = format::elements_of(d)
        .iter()
        .map(|(code, _)| {
            let name = ais::lookup(code).map_or("?", |a| a.name);
            format!("{name} ({code})")
        })
        .collect();
    names.join(", ")
}

/// An 8-, 12-, 13- or 14-digit GTIN with a valid check digit, alone.
fn bare_gtin(body: &str) -> Option<Gs1Data> {
    if !matches!(body.len(), 8 | 12 | 13 | 14) || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    normalize_gtin(body).ok().map(|gtin| Gs1Data {
        gtin: Some(gtin),
        ..Gs1Data::default()
    })
}

/// Checks every element and stores its value in [`Gs1Data`].
fn interpret(elements: Vec<elements::Element>, current_year: i32) -> Result<Gs1Data, Gs1Error> {
    let mut data = Gs1Data::default();
    let mut contained = None;
    let mut seen: Vec<&str> = Vec::new();
    for e in elements {
        if seen.contains(&e.ai.code) {
            bail!(
                "application identifier ({}) appears twice (again at position {})",
                e.ai.code,
                e.ai_at + 1
            );
        }
        seen.push(e.ai.code);
        elements::check_value(&e)?;
        let bad = |why: String| {
            Gs1Error::new(format!(
                "{} ({}) {} at position {}: {why}",
                e.ai.name,
                e.ai.code,
                e.value,
                e.ai_at + 1
            ))
        };
        let date = ais::date(&e.ai, &e.value, current_year).map_err(bad)?;
        let number = || e.value.parse::<u64>().ok();
        match e.ai.code {
            "01" => data.gtin = Some(e.value),
            "02" => contained = Some(e.value),
            "10" => data.lot = Some(e.value),
            "21" => data.serial = Some(e.value),
            "11" => data.production_date = date,
            "13" => data.packaging_date = date,
            "15" => data.best_before = date,
            "17" => data.expiry = date,
            "7003" => {
                data.expiry_time = Some(ais::date_time(&e.value, current_year).map_err(bad)?);
            }
            "30" => data.variable_count = number(),
            "37" => data.count = number(),
            "240" => data.additional_id = Some(e.value),
            _ if e.ai.measure_decimals().is_some() => data.measures.push(Measure {
                ai: e.ai.code.to_string(),
                digits: e.value,
            }),
            code => data.other.push((code.to_string(), e.value)),
        }
    }
    if data.gtin.is_none() {
        data.gtin = contained;
    }
    if data.expiry.is_none() {
        data.expiry = data.expiry_time.map(|t| t.date());
    }
    Ok(data)
}

#[cfg(test)]
mod tests;
