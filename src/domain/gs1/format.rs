//! Writing [`Gs1Data`] back as an element string or in the bracketed
//! human-readable form, and GTIN check digits and normalisation.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use super::ais::{self, gs1_check_digit};
use super::{GS, Gs1Data, Gs1Error, bail};

fn yymmdd(d: NaiveDate) -> String {
    format!(
        "{:02}{:02}{:02}",
        d.year().rem_euclid(100),
        d.month(),
        d.day()
    )
}

fn yymmddhhmm(t: NaiveDateTime) -> String {
    format!("{}{:02}{:02}", yymmdd(t.date()), t.hour(), t.minute())
}

/// Whether an FNC1 must follow the AI's value when another element comes next.
fn needs_fnc1(code: &str) -> bool {
    ais::lookup(code).is_none_or(|a| a.fnc1)
}

/// (AI, value) pairs in output order: the predefined-length AIs first (no
/// FNC1 needed after them), then the variable-length ones.
pub(super) fn elements_of(d: &Gs1Data) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |code: &str, value: String| out.push((code.to_string(), value));
    if let Some(g) = &d.gtin {
        push("01", g.clone());
    }
    for (code, date) in [
        ("11", d.production_date),
        ("13", d.packaging_date),
        ("15", d.best_before),
        ("17", d.expiry),
    ] {
        if let Some(date) = date {
            push(code, yymmdd(date));
        }
    }
    for m in &d.measures {
        push(&m.ai, m.digits.clone());
    }
    if let Some(t) = d.expiry_time {
        push("7003", yymmddhhmm(t));
    }
    for (code, v) in [("10", &d.lot), ("21", &d.serial), ("240", &d.additional_id)] {
        if let Some(v) = v {
            push(code, v.clone());
        }
    }
    for (code, n) in [("30", d.variable_count), ("37", d.count)] {
        if let Some(n) = n {
            push(code, n.to_string());
        }
    }
    for (code, v) in &d.other {
        push(code, v.clone());
    }
    // Stable: keeps the order above within each group.
    out.sort_by_key(|(code, _)| needs_fnc1(code));
    out
}

/// Unbracketed element string: the predefined-length AIs first, then the
/// others with a GS after each one that is not last. No leading FNC1.
/// Dates are written as YYMMDD, so only years within the century window
/// round-trip.
pub fn format_element_string(data: &Gs1Data) -> String {
    let elements = elements_of(data);
    let mut out = String::new();
    for (k, (code, value)) in elements.iter().enumerate() {
        out.push_str(code);
        out.push_str(value);
        if needs_fnc1(code) && k + 1 < elements.len() {
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
