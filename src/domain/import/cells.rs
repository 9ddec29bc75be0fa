//! Forgiving cells: what people type in spreadsheets, turned into the text
//! the catalogue's validation reads (`2,5` → `2.5`, `0,5 mm` → `0.5`,
//! `Pen cartridge` → `cartridge`, `03/2027` → `2027-03-31`). These only
//! normalise; whether a value is acceptable is decided by the same
//! validation the forms and the API use. Cells that look like spreadsheet
//! formulas are refused, and the leading `'` our own exports put before
//! them is taken off again.

use chrono::{Datelike, NaiveDate};

/// How to read `NN/NN/YYYY` dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DateOrder {
    /// `DD/MM/YYYY` (most of the world)
    DayFirst,
    /// `MM/DD/YYYY` (the United States)
    MonthFirst,
}

impl DateOrder {
    pub fn parse(s: &str) -> Option<DateOrder> {
        match s.trim().to_ascii_uppercase().as_str() {
            "DD/MM/YYYY" | "DMY" | "DAY_FIRST" | "DAY-FIRST" => Some(DateOrder::DayFirst),
            "MM/DD/YYYY" | "MDY" | "MONTH_FIRST" | "MONTH-FIRST" => Some(DateOrder::MonthFirst),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DateOrder::DayFirst => "DD/MM/YYYY",
            DateOrder::MonthFirst => "MM/DD/YYYY",
        }
    }
}

/// Splits `a/b/c` (or with `.`/`-` between) into three numbers when the last has 4 digits.
fn three_parts(s: &str) -> Option<(u32, u32, i32)> {
    let parts: Vec<&str> = s.split(['/', '.', '-']).map(str::trim).collect();
    match parts.as_slice() {
        [a, b, y] if y.len() == 4 && a.len() <= 2 && b.len() <= 2 => {
            Some((a.parse().ok()?, b.parse().ok()?, y.parse().ok()?))
        }
        _ => None,
    }
}

/// Which order the `NN/NN/YYYY` dates of a file must be in: `Ok(None)` when
/// no date needs one; an error naming an example when they could be read
/// both ways (or are mixed), so that the person chooses.
pub fn date_order_of<'a>(
    values: impl IntoIterator<Item = (u64, &'a str)>,
) -> Result<Option<DateOrder>, String> {
    let (mut day_first, mut month_first, mut either) = (None, None, None);
    for (line, v) in values {
        let Some((a, b, _)) = three_parts(v) else {
            continue;
        };
        if a > 12 && b <= 12 {
            day_first.get_or_insert((line, v));
        } else if b > 12 && a <= 12 {
            month_first.get_or_insert((line, v));
        } else if a != b && a <= 12 && b <= 12 {
            either.get_or_insert((line, v));
        }
    }
    match (day_first, month_first, either) {
        (Some(d), Some(m), _) => Err(format!(
            "the dates mix DD/MM/YYYY (line {}: {}) and MM/DD/YYYY (line {}: {}); choose the date format",
            d.0, d.1, m.0, m.1
        )),
        (Some(_), None, _) => Ok(Some(DateOrder::DayFirst)),
        (None, Some(_), _) => Ok(Some(DateOrder::MonthFirst)),
        (None, None, Some((line, v))) => Err(format!(
            "dates such as {v} (line {line}) can be read as DD/MM/YYYY or MM/DD/YYYY; choose the date format"
        )),
        (None, None, None) => Ok(None),
    }
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

/// Reads a date: `YYYY-MM-DD`, `DD/MM/YYYY` or `MM/DD/YYYY` (per `order`;
/// `.` and `-` work as separators too), `MM/YYYY` or `YYYY-MM` (the last day
/// of that month, as expiry dates printed without a day mean).
pub fn date(s: &str, order: Option<DateOrder>) -> Result<NaiveDate, String> {
    let t = s.trim();
    let not_a_date = || format!("{t} is not a date");
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d);
    }
    let parts: Vec<&str> = t.split(['/', '.', '-']).map(str::trim).collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "{t} is not a date (use YYYY-MM-DD, DD/MM/YYYY or MM/YYYY)"
        ));
    }
    let num = |p: &str| p.parse::<u32>().map_err(|_| not_a_date());
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            let y = i32::try_from(num(y)?).map_err(|_| not_a_date())?;
            NaiveDate::from_ymd_opt(y, num(m)?, num(d)?).ok_or_else(not_a_date)
        }
        [a, b, y] if y.len() == 4 => {
            let (a, b) = (num(a)?, num(b)?);
            let y = i32::try_from(num(y)?).map_err(|_| not_a_date())?;
            let (d, m) = match order {
                Some(DateOrder::MonthFirst) => (b, a),
                Some(DateOrder::DayFirst) => (a, b),
                None if a == b || a > 12 => (a, b),
                None => {
                    return Err(format!(
                        "{t} can be read as DD/MM/YYYY or MM/DD/YYYY; choose the date format"
                    ));
                }
            };
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| match order {
                Some(o) => format!("{t} is not a date ({})", o.label()),
                None => not_a_date(),
            })
        }
        [m, y] if y.len() == 4 && m.len() <= 2 => {
            let y = i32::try_from(num(y)?).map_err(|_| not_a_date())?;
            last_day_of_month(y, num(m)?).ok_or_else(not_a_date)
        }
        [y, m] if y.len() == 4 && m.len() <= 2 => {
            let y = i32::try_from(num(y)?).map_err(|_| not_a_date())?;
            last_day_of_month(y, num(m)?).ok_or_else(not_a_date)
        }
        _ => Err(format!(
            "{t} is not a date (use YYYY-MM-DD, DD/MM/YYYY or MM/YYYY)"
        )),
    }
}

/// The date as the validation reads it (`YYYY-MM-DD`).
pub fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// A number with a decimal comma reads as one with a point (`2,5` → `2.5`);
/// spaces between digit groups go (`1 000` → `1000`). Anything else is left
/// for the validation to judge.
pub fn decimal(s: &str) -> String {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    if t.matches(',').count() == 1 && !t.contains('.') {
        t.replace(',', ".")
    } else {
        t
    }
}

/// Money in the major unit: a currency sign or code around it is dropped,
/// then as [`decimal`] (`€ 3,50` → `3.50`).
pub fn money(s: &str) -> String {
    let t = s.trim();
    let t = t.trim_matches(|c: char| matches!(c, '€' | '$' | '£' | '¥' | '₹') || c.is_whitespace());
    let upper = t.to_ascii_uppercase();
    let t = ["EUR", "USD", "GBP", "CHF", "AUD", "NZD", "CAD"]
        .iter()
        .find_map(|code| {
            upper
                .strip_prefix(code)
                .map(|_| &t[code.len()..])
                .or_else(|| upper.strip_suffix(code).map(|_| &t[..t.len() - code.len()]))
        })
        .unwrap_or(t);
    decimal(t)
}

/// A needle length in mm: `0,5`, `0.5 mm`, `1.5mm` → `0.5`, `1.5`.
pub fn needle(s: &str) -> String {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix("mm").unwrap_or(&t);
    decimal(t)
}

/// A vocabulary value by code or label, any case (`Pen cartridge` →
/// `cartridge`); unknown text is returned as typed for the validation to refuse.
pub fn vocab<T: Copy>(
    s: &str,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
    extra: &[(&str, &'static str)],
) -> String {
    let t = s.trim();
    let norm = |x: &str| x.trim().to_lowercase().replace(['-', '_', '/'], " ");
    let n = norm(t);
    all.iter()
        .find(|v| norm(code(**v)) == n || norm(label(**v)) == n)
        .map(|v| code(*v).to_string())
        .or_else(|| {
            extra
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, c)| (*c).to_string())
        })
        .unwrap_or_else(|| t.to_string())
}

/// Yes/no cells: `yes`, `true`, `1`, `active` … and `no`, `false`, `0`,
/// `archived`, `inactive` …
pub fn yes_no(s: &str) -> Result<bool, String> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "active" | "x" => Ok(true),
        "no" | "n" | "false" | "0" | "archived" | "inactive" => Ok(false),
        other => Err(format!("{other} is not yes or no")),
    }
}

/// Refuses a cell that a spreadsheet would run as a formula (`=…`, `@…`,
/// `+cmd…`, `-2+3`); takes off the `'` that exports put before text
/// beginning with `=`, `+`, `-` or `@`.
pub fn not_formula(s: &str) -> Result<String, String> {
    if let Some(rest) = s.strip_prefix('\'')
        && rest.starts_with(['=', '+', '-', '@', '\t', '\r'])
    {
        return Ok(rest.to_string());
    }
    let mut chars = s.chars();
    let looks_like = match chars.next() {
        Some('=') | Some('@') => true,
        Some('+') | Some('-') => {
            let rest: String = chars.collect();
            let numeric = !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' '));
            let words = rest.starts_with(|c: char| c.is_ascii_digit() || c == ' ')
                && !rest.contains(['(', '+', '=', '*', '/', '!', '|']);
            !(numeric || words)
        }
        _ => false,
    };
    if looks_like {
        let mut shown: String = s.chars().take(30).collect();
        if s.chars().count() > 30 {
            shown.push('…');
        }
        return Err(format!(
            "{shown} looks like a spreadsheet formula; enter the value itself (or start it with ')"
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err("contains control characters".into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocab::Category;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_the_forms_people_use() {
        assert_eq!(date("2027-06-30", None), Ok(d(2027, 6, 30)));
        assert_eq!(date("31/12/2027", None), Ok(d(2027, 12, 31)));
        assert_eq!(date("31.12.2027", None), Ok(d(2027, 12, 31)));
        assert_eq!(date("03/2027", None), Ok(d(2027, 3, 31)));
        assert_eq!(date("02/2028", None), Ok(d(2028, 2, 29)));
        assert_eq!(date("2027-02", None), Ok(d(2027, 2, 28)));
        assert_eq!(date("12/2027", None), Ok(d(2027, 12, 31)));
        assert_eq!(
            date("03/04/2027", Some(DateOrder::DayFirst)),
            Ok(d(2027, 4, 3))
        );
        assert_eq!(
            date("03/04/2027", Some(DateOrder::MonthFirst)),
            Ok(d(2027, 3, 4))
        );
        assert!(
            date("03/04/2027", None)
                .unwrap_err()
                .contains("choose the date format")
        );
        assert_eq!(
            date("2026-02-30", None),
            Err("2026-02-30 is not a date".into())
        );
        assert!(date("soon", None).is_err());
        assert!(date("13/2027", None).is_err());
    }

    #[test]
    fn the_file_decides_the_date_order_or_asks() {
        let day = [(2, "25/12/2027"), (3, "03/04/2027")];
        assert_eq!(date_order_of(day), Ok(Some(DateOrder::DayFirst)));
        let month = [(2, "12/25/2027"), (3, "03/04/2027")];
        assert_eq!(date_order_of(month), Ok(Some(DateOrder::MonthFirst)));
        let unclear = [(2, "2027-01-01"), (3, "03/04/2027")];
        assert!(date_order_of(unclear).unwrap_err().contains("line 3"));
        assert_eq!(
            date_order_of([(2, "01/01/2027"), (3, "2027-05-05")]),
            Ok(None)
        );
        assert!(date_order_of([(2, "25/12/2027"), (3, "12/25/2027")]).is_err());
    }

    #[test]
    fn numbers_money_and_needles() {
        assert_eq!(decimal("2,5"), "2.5");
        assert_eq!(decimal(" 1 000 "), "1000");
        assert_eq!(decimal("1,000.5"), "1,000.5");
        assert_eq!(money("€ 3,50"), "3.50");
        assert_eq!(money("3.50 EUR"), "3.50");
        assert_eq!(money("$12"), "12");
        assert_eq!(needle("0,5"), "0.5");
        assert_eq!(needle("0.5 mm"), "0.5");
        assert_eq!(needle("1.5MM"), "1.5");
    }

    #[test]
    fn vocabulary_by_code_or_label() {
        let cat = |s| vocab(s, Category::ALL, Category::code, Category::label, &[]);
        assert_eq!(cat("Pen cartridge"), "cartridge");
        assert_eq!(cat("ROLLER"), "roller");
        assert_eq!(cat("Anaesthetic"), "anesthetic");
        assert_eq!(cat("Gadget"), "Gadget");
    }

    #[test]
    fn formulas_are_refused_and_export_escapes_undone() {
        assert!(not_formula("=HYPERLINK(\"http://x\")").is_err());
        assert!(not_formula("@SUM(A1)").is_err());
        assert!(not_formula("+cmd|' /C calc'!A0").is_err());
        assert!(not_formula("-2+3").is_err());
        assert_eq!(not_formula("'=not a formula"), Ok("=not a formula".into()));
        assert_eq!(not_formula("-20% off kit"), Ok("-20% off kit".into()));
        assert_eq!(
            not_formula("+44 20 7946 0000"),
            Ok("+44 20 7946 0000".into())
        );
        assert_eq!(not_formula("Roller 1.5"), Ok("Roller 1.5".into()));
        assert!(not_formula("a\u{7}b").is_err());
    }
}
