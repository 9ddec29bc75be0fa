//! GS1 element strings on medical consumables: parsing what a keyboard-wedge
//! barcode scanner types for a GS1-128, GS1 DataMatrix, GS1 QR or GS1 DataBar
//! symbol (or what a person types in the bracketed human-readable form) into
//! [`Gs1Data`], formatting it back, and GTIN check digits. Pure functions, no I/O.
//!
//! Accepted input: surrounding whitespace (incl. CR/LF) is trimmed; a symbology
//! identifier `]d2`, `]C1`, `]Q3` or `]e0` is stripped; FNC1 as ASCII 29 (GS), or
//! a configured substitute character, may lead and separates fields. Known AIs:
//! (00) SSCC, (30) count, (240), (241) are validated and ignored; (01), (02),
//! (10), (11), (15), (17), (21) are stored. Anything else is an error.
//! Positions in error messages are 1-based character positions in the input.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// ASCII 29, group separator: how scanners transmit FNC1.
pub const GS: char = '\u{1d}';

/// The data a scan carries that the stock system cares about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Gs1Data {
    /// AI (01): 14 digits, check digit verified. Falls back to AI (02) if (01) is absent.
    pub gtin: Option<String>,
    /// AI (17): YYMMDD; DD = 00 means the last day of that month.
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
        return Err(Gs1Error::new(format!($($arg)*)))
    };
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Len {
    Fixed(usize),
    Var(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Digits,
    Text,
    Date,
}

struct Ai {
    code: &'static str,
    name: &'static str,
    len: Len,
    kind: Kind,
}

const fn ai(code: &'static str, name: &'static str, len: Len, kind: Kind) -> Ai {
    Ai {
        code,
        name,
        len,
        kind,
    }
}

const AIS: &[Ai] = &[
    ai("00", "SSCC", Len::Fixed(18), Kind::Digits),
    ai("01", "GTIN", Len::Fixed(14), Kind::Digits),
    ai("02", "contained GTIN", Len::Fixed(14), Kind::Digits),
    ai("10", "lot", Len::Var(20), Kind::Text),
    ai("11", "production date", Len::Fixed(6), Kind::Date),
    ai("15", "best before date", Len::Fixed(6), Kind::Date),
    ai("17", "expiry date", Len::Fixed(6), Kind::Date),
    ai("21", "serial", Len::Var(20), Kind::Text),
    ai("30", "count", Len::Var(8), Kind::Digits),
    ai("240", "additional product id", Len::Var(30), Kind::Text),
    ai("241", "customer part number", Len::Var(30), Kind::Text),
];

fn lookup(code: &str) -> Option<&'static Ai> {
    AIS.iter().find(|a| a.code == code)
}

/// Length of an AI judged by its first two digits (for naming unknown AIs).
fn ai_len(prefix: &str) -> usize {
    match prefix {
        "23" | "24" | "25" | "40" | "41" | "42" | "71" => 3,
        "31" | "32" | "33" | "34" | "35" | "36" | "39" | "43" | "70" | "72" | "80" | "81"
        | "82" => 4,
        _ => 2,
    }
}

/// GS1 character set 82, the characters allowed in lot and serial values.
const CSET82_PUNCT: &str = "!\"%&'()*+,-./:;<=>?_";

fn is_cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || CSET82_PUNCT.contains(c)
}

struct Element {
    ai: &'static Ai,
    value: String,
    /// 0-based char index of the AI (its '(' in bracketed form) and of the value.
    ai_at: usize,
    value_at: usize,
}

/// Parse a scan, using the current UTC year for the GS1 century rule.
///
/// `substitute_separator`: a character some scanners send instead of FNC1
/// (e.g. '|' or '~'); `None` means only ASCII 29 separates fields.
///
/// The bracketed form `(01)…(17)…(10)…` may have whitespace between elements;
/// parentheses inside values are not supported there, since a '(' always starts
/// the next element.
pub fn parse(input: &str, substitute_separator: Option<char>) -> Result<Gs1Data, Gs1Error> {
    let year = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).year();
    parse_with_year(input, substitute_separator, year)
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
    if chars.get(start) == Some(&']') {
        let id: String = chars.iter().skip(start + 1).take(2).collect();
        if !["d2", "C1", "Q3", "e0"].contains(&id.as_str()) {
            bail!("unsupported symbology identifier ]{id} (not a GS1 barcode?)");
        }
        start += 3;
    }
    let is_sep = |c: char| c == GS || Some(c) == substitute_separator;
    let text = chars.get(start..end).unwrap_or(&[]);
    if text.iter().all(|&c| is_sep(c)) {
        return Err(Gs1Error::new("empty scan"));
    }
    let elements = if text.iter().find(|&&c| !is_sep(c)) == Some(&'(') {
        split_bracketed(&chars, start, end, &is_sep)?
    } else {
        split_raw(&chars, start, end, &is_sep)?
    };
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
        check_value(&e)?;
        let date = || parse_date(&e, current_year);
        match e.ai.code {
            "01" => data.gtin = Some(e.value),
            "02" => contained = Some(e.value),
            "10" => data.lot = Some(e.value),
            "21" => data.serial = Some(e.value),
            "11" => data.production_date = Some(date()?),
            "15" => data.best_before = Some(date()?),
            "17" => data.expiry = Some(date()?),
            _ => {}
        }
    }
    if data.gtin.is_none() {
        data.gtin = contained;
    }
    Ok(data)
}

fn split_raw(
    chars: &[char],
    mut i: usize,
    end: usize,
    is_sep: &dyn Fn(char) -> bool,
) -> Result<Vec<Element>, Gs1Error> {
    let at = |i: usize| chars.get(i).copied().filter(|_| i < end);
    let mut out = Vec::new();
    while let Some(c) = at(i) {
        if is_sep(c) {
            i += 1;
            continue;
        }
        let ai_at = i;
        let code_of = |n: usize| -> String { (i..i + n).map_while(at).collect() };
        let Some(ai) = lookup(&code_of(2)).or_else(|| lookup(&code_of(3))) else {
            if !c.is_ascii_digit() {
                bail!(
                    "expected an application identifier at position {}, found {c:?}",
                    i + 1
                );
            }
            let prefix = code_of(2);
            let code: String = code_of(ai_len(&prefix))
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            bail!(
                "unknown application identifier ({code}) at position {}",
                i + 1
            );
        };
        i += ai.code.len();
        let value_at = i;
        let mut value = String::new();
        while let Some(c) = at(i).filter(|&c| !is_sep(c)) {
            if matches!(ai.len, Len::Fixed(n) if i - value_at >= n) {
                break;
            }
            value.push(c);
            i += 1;
        }
        if let Len::Fixed(n) = ai.len {
            let found = i - value_at;
            if found < n {
                bail!(
                    "{} ({}) at position {} is truncated: needs {n} characters, found {found}",
                    ai.name,
                    ai.code,
                    ai_at + 1
                );
            }
        }
        out.push(Element {
            ai,
            value,
            ai_at,
            value_at,
        });
    }
    Ok(out)
}

fn split_bracketed(
    chars: &[char],
    mut i: usize,
    end: usize,
    is_sep: &dyn Fn(char) -> bool,
) -> Result<Vec<Element>, Gs1Error> {
    let at = |i: usize| chars.get(i).copied().filter(|_| i < end);
    let mut out = Vec::new();
    while let Some(c) = at(i) {
        if c.is_whitespace() || is_sep(c) {
            i += 1;
            continue;
        }
        if c != '(' {
            bail!("expected '(' at position {}, found {c:?}", i + 1);
        }
        let ai_at = i;
        i += 1;
        let code: String = (i..).map_while(at).take_while(|&c| c != ')').collect();
        i += code.chars().count();
        if at(i) != Some(')') {
            bail!("missing ')' after '(' at position {}", ai_at + 1);
        }
        i += 1;
        let ai = lookup(&code).ok_or_else(|| {
            Gs1Error::new(format!(
                "unknown application identifier ({code}) at position {}",
                ai_at + 1
            ))
        })?;
        let value_at = i;
        let raw: String = (i..).map_while(at).take_while(|&c| c != '(').collect();
        i += raw.chars().count();
        let value = raw.trim_end_matches(|c: char| c.is_whitespace() || is_sep(c));
        let found = value.chars().count();
        if let Len::Fixed(n) = ai.len
            && n != found
        {
            bail!(
                "{} ({}) at position {} must be {n} characters, found {found}",
                ai.name,
                ai.code,
                ai_at + 1
            );
        }
        out.push(Element {
            ai,
            value: value.to_string(),
            ai_at,
            value_at,
        });
    }
    Ok(out)
}

/// Length limits, character set and check digits of one element.
fn check_value(e: &Element) -> Result<(), Gs1Error> {
    let (name, code) = (e.ai.name, e.ai.code);
    if let Len::Var(max) = e.ai.len {
        let n = e.value.chars().count();
        if n == 0 {
            bail!("{name} ({code}) at position {} is empty", e.ai_at + 1);
        }
        if n > max {
            bail!(
                "{name} ({code}) is longer than {max} characters ({n} at position {}; missing separator?)",
                e.ai_at + 1
            );
        }
    }
    for (k, c) in e.value.chars().enumerate() {
        let ok = match e.ai.kind {
            Kind::Digits | Kind::Date => c.is_ascii_digit(),
            Kind::Text => is_cset82(c),
        };
        if !ok {
            let what = if e.ai.kind == Kind::Text {
                "illegal character"
            } else {
                "non-digit"
            };
            bail!(
                "{name} ({code}) contains {what} {c:?} at position {}",
                e.value_at + k + 1
            );
        }
    }
    if matches!(code, "01" | "02") {
        let body = e.value.get(..13).unwrap_or("");
        let given = e.value.get(13..).unwrap_or("");
        if let Some(expected) = gs1_check_digit(body)
            && given != expected.to_string()
        {
            bail!("{name} check digit is {given}, expected {expected}");
        }
    }
    Ok(())
}

fn parse_date(e: &Element, current_year: i32) -> Result<NaiveDate, Gs1Error> {
    let v = &e.value;
    let num = |r: std::ops::Range<usize>| v.get(r).and_then(|s| s.parse::<u32>().ok());
    let bad = |why: String| {
        Gs1Error::new(format!(
            "{} ({}) {v} at position {}: {why}",
            e.ai.name,
            e.ai.code,
            e.ai_at + 1
        ))
    };
    let (Some(yy), Some(mm), Some(dd)) = (num(0..2), num(2..4), num(4..6)) else {
        return Err(bad("not a YYMMDD date".into()));
    };
    let year = full_year(yy as i32, current_year);
    if !(1..=12).contains(&mm) {
        return Err(bad(format!("month {mm:02} is not valid")));
    }
    let date = match dd {
        0 if e.ai.code == "11" => NaiveDate::from_ymd_opt(year, mm, 1),
        0 => (28..=31)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(year, mm, d)),
        _ => NaiveDate::from_ymd_opt(year, mm, dd),
    };
    date.ok_or_else(|| bad(format!("day {dd:02} is not valid for {year}-{mm:02}")))
}

/// GS1 General Specifications 7.12: the century of a two-digit year.
fn full_year(yy: i32, current_year: i32) -> i32 {
    let century = current_year.div_euclid(100) * 100;
    match yy - current_year.rem_euclid(100) {
        51.. => century - 100 + yy,
        ..=-50 => century + 100 + yy,
        _ => century + yy,
    }
}

fn yymmdd(d: NaiveDate) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        d.month(),
        d.day()
    )
}

/// (AI, value) pairs in output order: fixed-length AIs first, then (10), (21).
fn elements_of(d: &Gs1Data) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(g) = &d.gtin {
        out.push(("01", g.clone()));
    }
    for (code, date) in [
        ("11", d.production_date),
        ("15", d.best_before),
        ("17", d.expiry),
    ] {
        if let Some(date) = date {
            out.push((code, yymmdd(date)));
        }
    }
    for (code, v) in [("10", &d.lot), ("21", &d.serial)] {
        if let Some(v) = v {
            out.push((code, v.clone()));
        }
    }
    out
}

/// Unbracketed element string: GS after each variable-length field that is not
/// last; fixed-length AIs (01, 11, 15, 17) first, then (10), (21). No leading FNC1.
/// Dates are written as YYMMDD, so only years within the century window round-trip.
pub fn format_element_string(data: &Gs1Data) -> String {
    let elements = elements_of(data);
    let mut out = String::new();
    for (k, (code, value)) in elements.iter().enumerate() {
        out.push_str(code);
        out.push_str(value);
        if matches!(*code, "10" | "21") && k + 1 < elements.len() {
            out.push(GS);
        }
    }
    out
}

/// Human-readable bracketed form: `(01)09506000134352(17)201231(10)ABC123`.
pub fn format_human(data: &Gs1Data) -> String {
    elements_of(data)
        .iter()
        .map(|(code, value)| format!("({code}){value}"))
        .collect()
}

/// The GS1 mod-10 check digit for `body` (the digits before the check digit),
/// or `None` if `body` is empty or not all ASCII digits.
pub fn gs1_check_digit(body: &str) -> Option<u32> {
    if body.is_empty() {
        return None;
    }
    let mut sum = 0;
    for (k, c) in body.chars().rev().enumerate() {
        let d = c.to_digit(10)?;
        sum += if k % 2 == 0 { 3 * d } else { d };
    }
    Some((10 - sum % 10) % 10)
}

/// True if `gtin14` is exactly 14 ASCII digits with a correct check digit.
pub fn gtin_check_digit_valid(gtin14: &str) -> bool {
    gtin14.len() == 14
        && gtin14.bytes().all(|b| b.is_ascii_digit())
        && gtin14.get(13..).and_then(|c| c.parse::<u32>().ok())
            == gtin14.get(..13).and_then(gs1_check_digit)
}

/// Normalise an 8/12/13/14-digit GTIN (surrounding whitespace ignored) to 14
/// digits by left-padding zeros, verifying the check digit.
pub fn normalize_gtin(s: &str) -> Result<String, Gs1Error> {
    let s = s.trim();
    if !s.chars().all(|c| c.is_ascii_digit()) {
        bail!("GTIN {s:?} must contain only digits");
    }
    if ![8, 12, 13, 14].contains(&s.len()) {
        bail!("GTIN must have 8, 12, 13 or 14 digits, found {}", s.len());
    }
    let padded = format!("{s:0>14}");
    let expected = padded.get(..13).and_then(gs1_check_digit).unwrap_or(0);
    let given = padded.get(13..).unwrap_or("");
    if given != expected.to_string() {
        bail!("GTIN check digit is {given}, expected {expected}");
    }
    Ok(padded)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn err(input: &str) -> String {
        parse_with_year(input, None, 2026).unwrap_err().message
    }

    const GTIN: &str = "09506000134352";

    #[test]
    fn spec_examples() {
        let d = parse("(01)09506000134352(17)201231(10)ABC123", None).unwrap();
        assert_eq!(d.gtin.as_deref(), Some(GTIN));
        assert_eq!(d.expiry, ymd(2020, 12, 31));
        assert_eq!(d.lot.as_deref(), Some("ABC123"));
        assert!(gtin_check_digit_valid(GTIN));

        let d = parse("]d2\u{1d}01095060001343521714123110AB-123", None).unwrap();
        assert_eq!(d.gtin.as_deref(), Some(GTIN));
        assert_eq!(d.expiry, ymd(2014, 12, 31));
        assert_eq!(d.lot.as_deref(), Some("AB-123"));

        let d = parse("]C10109506000134352\u{1d}10ABC\u{1d}21XYZ\u{1d}", None).unwrap();
        assert_eq!(d.lot.as_deref(), Some("ABC"));
        assert_eq!(d.serial.as_deref(), Some("XYZ"));
        assert_eq!(d.expiry, None);
    }

    #[test]
    fn day_00_and_century() {
        let d = parse_with_year("1724020015250200110312001", None, 2026);
        assert!(d.is_err()); // trailing "1" is not an AI
        let d = parse_with_year("172402001525020011031200", None, 2026).unwrap();
        assert_eq!(d.expiry, ymd(2024, 2, 29));
        assert_eq!(d.best_before, ymd(2025, 2, 28));
        assert_eq!(d.production_date, ymd(2003, 12, 1));
        let year = |yy: &str, now| parse_with_year(&format!("17{yy}0101"), None, now).unwrap();
        assert_eq!(year("76", 2026).expiry, ymd(2076, 1, 1));
        assert_eq!(year("77", 2026).expiry, ymd(1977, 1, 1));
        assert_eq!(year("10", 2090).expiry, ymd(2110, 1, 1));
        assert_eq!(year("40", 2090).expiry, ymd(2140, 1, 1));
        assert_eq!(year("41", 2090).expiry, ymd(2041, 1, 1));
    }

    #[test]
    fn input_forms() {
        let want = parse("(01)09506000134352(17)201231(10)ABC123", None).unwrap();
        for s in [
            "  (01)09506000134352 (17)201231 (10)ABC123 \r\n",
            "(01)09506000134352\u{1d}(17)201231|(10)ABC123|",
            "]Q3\u{1d}0109506000134352|17201231|10ABC123|",
            "|01095060001343521720123110ABC123",
            "\t]e001095060001343521720123110ABC123\r\n",
        ] {
            assert_eq!(parse(s, Some('|')), Ok(want.clone()), "{s:?}");
        }
        // Without the substitute configured '|' is just an illegal lot character.
        assert_eq!(
            parse("\u{1d}(10)A", None).unwrap().lot.as_deref(),
            Some("A")
        );
        assert!(
            parse("10ABC|21XYZ", None)
                .unwrap_err()
                .message
                .contains("'|'")
        );
        assert_eq!(
            parse("10ABC~21XYZ", Some('~')).unwrap().serial.as_deref(),
            Some("XYZ")
        );
    }

    #[test]
    fn gtin_fallback_and_ignored_ais() {
        let d = parse(
            "(00)106141411234567897(02)09506000134352(30)12(240)A-1(241)X",
            None,
        );
        assert_eq!(d.unwrap().gtin.as_deref(), Some(GTIN));
        let d = parse("0209506000134352\u{1d}0100000000000000", None).unwrap();
        assert_eq!(d.gtin.as_deref(), Some("00000000000000"));
        let d = parse("00106141411234567897240PART-7\u{1d}3010\u{1d}10L1", None).unwrap();
        assert_eq!(d.lot.as_deref(), Some("L1"));
    }

    #[test]
    fn formatting() {
        let d = Gs1Data {
            gtin: Some(GTIN.into()),
            expiry: ymd(2020, 12, 31),
            lot: Some("ABC".into()),
            serial: Some("XYZ".into()),
            best_before: None,
            production_date: ymd(2019, 1, 2),
        };
        assert_eq!(
            format_element_string(&d),
            "0109506000134352\
             11190102\
             17201231\
             10ABC\u{1d}\
             21XYZ"
        );
        assert_eq!(
            format_human(&d),
            "(01)09506000134352(11)190102(17)201231(10)ABC(21)XYZ"
        );
        let lot_only = Gs1Data {
            lot: Some("L".into()),
            ..Default::default()
        };
        assert_eq!(format_element_string(&lot_only), "10L");
        assert_eq!(format_element_string(&Gs1Data::default()), "");
    }

    #[test]
    fn gtins() {
        assert_eq!(normalize_gtin("4006381333931").unwrap(), "04006381333931");
        assert_eq!(normalize_gtin(" 036000291452").unwrap(), "00036000291452");
        assert_eq!(normalize_gtin("96385074").unwrap(), "00000096385074");
        assert_eq!(normalize_gtin(GTIN).unwrap(), GTIN);
        let e = normalize_gtin("4006381333932").unwrap_err().message;
        assert_eq!(e, "GTIN check digit is 2, expected 1");
        assert!(
            normalize_gtin("123456789")
                .unwrap_err()
                .message
                .contains("found 9")
        );
        assert!(normalize_gtin("12345a78").is_err());
        assert!(!gtin_check_digit_valid("09506000134353"));
        assert!(!gtin_check_digit_valid("0950600013435"));
        assert!(!gtin_check_digit_valid("0950600013435é"));
        assert!(!gtin_check_digit_valid("+9506000134352"));
        assert_eq!(gs1_check_digit(""), None);
    }

    #[test]
    fn errors() {
        let cases = [
            ("", "empty scan"),
            (" \r\n", "empty scan"),
            ("]d2\u{1d}", "empty scan"),
            ("0109506000134353", "GTIN check digit is 3, expected 2"),
            (
                "0209506000134353",
                "contained GTIN check digit is 3, expected 2",
            ),
            (
                "010950600013435299ABC",
                "unknown application identifier (99) at position 17",
            ),
            (
                "01095060001343523103000123",
                "unknown application identifier (3103)",
            ),
            (
                "0109506000134352249",
                "unknown application identifier (249)",
            ),
            (
                "(99)ABC",
                "unknown application identifier (99) at position 1",
            ),
            (
                "0109506000134352171412",
                "expiry date (17) at position 17 is truncated: needs 6 characters, found 4",
            ),
            (
                "01095060001343\u{1d}10A",
                "GTIN (01) at position 1 is truncated",
            ),
            (
                "(17)2012",
                "expiry date (17) at position 1 must be 6 characters, found 4",
            ),
            ("17141331", "month 13 is not valid"),
            ("17250230", "day 30 is not valid for 2025-02"),
            (
                "1700aa01",
                "expiry date (17) contains non-digit 'a' at position 5",
            ),
            (
                "10ABCDEFGHIJKLMNOPQRSTU",
                "lot (10) is longer than 20 characters",
            ),
            (
                "10ABC21XYZ0123456789ABC",
                "lot (10) is longer than 20 characters",
            ),
            (
                "10AB\u{e9}",
                "lot (10) contains illegal character '\u{e9}' at position 5",
            ),
            (
                "(10)AB CD",
                "lot (10) contains illegal character ' ' at position 7",
            ),
            (
                "10A\u{1d}21\u{1}",
                "serial (21) contains illegal character '\\u{1}'",
            ),
            (
                "10A\u{1d}10B",
                "application identifier (10) appears twice (again at position 5)",
            ),
            ("10\u{1d}21X", "lot (10) at position 1 is empty"),
            ("]d1ABC", "unsupported symbology identifier ]d1"),
            (
                "ABC",
                "expected an application identifier at position 1, found 'A'",
            ),
            ("(01", "missing ')' after '(' at position 1"),
            ("(10)A x", "illegal character ' '"),
            ("(10)A)x(21", "missing ')'"),
            ("x(10)A", "expected an application identifier"),
        ];
        for (input, want) in cases {
            let got = err(input);
            assert!(got.contains(want), "{input:?}: got {got:?}, want {want:?}");
        }
        let e = parse("", None).unwrap_err();
        assert_eq!(e.to_string(), "empty scan");
        let _: &dyn std::error::Error = &e;
    }

    const CSET82: &str =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"%&'()*+,-./:;<=>?_";
    /// Bracketed form cannot carry '(' inside values (see [`parse`]).
    const CSET82_NO_OPEN_PAREN: &str =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"%&')*+,-./:;<=>?_";

    fn value(charset: &'static str) -> impl Strategy<Value = String> {
        let cs: Vec<char> = charset.chars().collect();
        prop::collection::vec(prop::sample::select(cs), 1..=20).prop_map(String::from_iter)
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        let first = ymd(2000, 1, 1).unwrap();
        (0i64..18262).prop_map(move |n| first + chrono::Duration::days(n))
    }

    fn gtin() -> impl Strategy<Value = String> {
        prop::collection::vec(0u32..10, 13).prop_map(|ds| {
            let body: String = ds.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            let check = gs1_check_digit(&body).unwrap();
            format!("{body}{check}")
        })
    }

    fn data(charset: &'static str) -> impl Strategy<Value = Gs1Data> {
        let opt_date = || proptest::option::of(date());
        (
            proptest::option::of(gtin()),
            (opt_date(), opt_date(), opt_date()),
            proptest::option::of(value(charset)),
            proptest::option::of(value(charset)),
        )
            .prop_map(
                |(gtin, (expiry, best_before, production_date), lot, serial)| Gs1Data {
                    gtin,
                    expiry,
                    lot,
                    serial,
                    best_before,
                    production_date,
                },
            )
            .prop_filter("empty scan", |d| *d != Gs1Data::default())
    }

    proptest! {
        #[test]
        fn element_string_round_trip(d in data(CSET82)) {
            prop_assert_eq!(parse(&format_element_string(&d), None), Ok(d.clone()));
            let scanned = format!("]d2\u{1d}{}\r\n", format_element_string(&d));
            prop_assert_eq!(parse(&scanned, None), Ok(d));
        }

        #[test]
        fn human_round_trip(d in data(CSET82_NO_OPEN_PAREN)) {
            prop_assert_eq!(parse(&format_human(&d), None), Ok(d));
        }

        #[test]
        fn never_panics(s in any::<String>(), sep in proptest::option::of(any::<char>())) {
            let _ = parse(&s, sep);
        }

        #[test]
        fn never_panics_on_gs1ish(s in "[\\]dCQe0-9()\\x1d| \\r\\né]{0,50}", year in -3000i32..3000) {
            let _ = parse_with_year(&s, Some('|'), year);
            let _ = normalize_gtin(&s);
            let _ = gtin_check_digit_valid(&s);
        }
    }
}
