//! What input from outside may contain.
//!
//! Text: every form field, JSON string (and key) and query parameter is
//! checked against [`control_character`] before a handler reads it
//! (`routes::input`): no control characters at all —
//! PostgreSQL refuses NUL in text, and the others are never typed by a
//! person but confuse logs, CSV files and terminals — except tab and line
//! breaks in multi-line fields (notes, e-mail text) and the GS1 group
//! separator (ASCII 29, FNC1 as a keyboard-wedge scanner types it) in scan
//! fields.
//!
//! Dates: every date and time typed or sent is between [`FIRST_DAY`] and
//! [`LAST_DAY`] ([`check_day`], [`check_time`]): nothing in a clinic's stock
//! happens outside 1900–2200, and far dates only make reports loop over
//! centuries or reach the databases' limits.

use chrono::{NaiveDate, NaiveDateTime};

/// The first day accepted from input.
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// The last day accepted from input.
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// The message for a date outside the accepted range.
pub const DATE_RANGE_MESSAGE: &str = "a date between 1900-01-01 and 2200-12-31";

/// The day itself when it is within 1900–2200.
pub fn check_day(d: NaiveDate) -> Result<NaiveDate, String> {
    if (FIRST_DAY..=LAST_DAY).contains(&d) {
        Ok(d)
    } else {
        Err(DATE_RANGE_MESSAGE.to_string())
    }
}

/// The time itself when its day is within 1900–2200.
pub fn check_time(t: NaiveDateTime) -> Result<NaiveDateTime, String> {
    check_day(t.date()).map(|_| t)
}

/// Fields whose text may span lines (their base name, see [`base_name`]).
pub const MULTI_LINE_FIELDS: &[&str] = &[
    "note",
    "notes",
    "email_text",
    "reason",
    "void_reason",
    "side_effect_other",
    "address",
];

/// ASCII 29, the GS1 group separator (FNC1).
pub const GS1_SEPARATOR: char = '\u{1d}';

/// The name a field's rule is looked up by: the last part of a JSON path
/// (`lines[2].note` → `note`), without a per-line numeric suffix
/// (`gs1_17` → `gs1`, `note_3` → `note`).
pub fn base_name(field: &str) -> &str {
    let last = field.rsplit('.').next().unwrap_or(field);
    let last = last.split('[').next().unwrap_or(last);
    match last.rsplit_once('_') {
        Some((base, n))
            if !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => last,
    }
}

/// The first control character `value` may not contain in `field`, if any.
pub fn control_character(field: &str, value: &str) -> Option<char> {
    let base = base_name(field);
    let multi_line = MULTI_LINE_FIELDS.contains(&base);
    let scan = base == "gs1";
    value.chars().find(|&c| {
        c.is_control()
            && !(multi_line && matches!(c, '\t' | '\n' | '\r'))
            && !(scan && c == GS1_SEPARATOR)
    })
}

/// The message shown at a field that contains a control character.
pub fn control_character_message(c: char) -> String {
    format!(
        "must not contain control characters (found U+{:04X})",
        u32::from(c)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        assert_eq!(base_name("lines[2].note"), "note");
        assert_eq!(base_name("gs1_17"), "gs1");
        assert_eq!(base_name("gs1_separator"), "gs1_separator");
        assert_eq!(base_name("lines[0]"), "lines");
        assert_eq!(base_name("_1"), "_1");
        assert_eq!(base_name("name"), "name");
    }

    #[test]
    fn control_characters_by_field() {
        assert_eq!(control_character("name", "a\0b"), Some('\0'));
        assert_eq!(control_character("name", "a\tb"), Some('\t'));
        assert_eq!(control_character("name", "ok é ✓"), None);
        assert_eq!(control_character("note", "a\tb\r\nc"), None);
        assert_eq!(control_character("lines[1].note", "a\u{7}"), Some('\u{7}'));
        assert_eq!(control_character("note", "a\0"), Some('\0'));
        assert_eq!(
            control_character("gs1", "0109506000134352\u{1d}10ABC"),
            None
        );
        assert_eq!(control_character("gs1_4", "01\u{1d}"), None);
        assert_eq!(control_character("gs1", "01\n"), Some('\n'));
        assert_eq!(control_character("lot", "A\u{1d}"), Some('\u{1d}'));
        assert_eq!(control_character("name", "x\u{85}"), Some('\u{85}'));
        assert_eq!(control_character("name", "x\u{7f}"), Some('\u{7f}'));
    }

    #[test]
    fn days_between_1900_and_2200() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(check_day(d("1900-01-01")).is_ok());
        assert!(check_day(d("2200-12-31")).is_ok());
        assert!(check_day(d("1899-12-31")).is_err());
        assert!(check_day(d("2201-01-01")).is_err());
        assert!(check_day(d("0001-01-01")).is_err());
        assert!(check_time(d("9999-01-01").and_hms_opt(0, 0, 0).unwrap()).is_err());
    }
}
