//! One application identifier and its rules: looking a code up in the GS1
//! table, reading the table's value format (`N6`, `X..20`, `N3+X..27`,
//! `N13[+X..17]`), and checking a value against it — character sets,
//! lengths, check digits and dates.

use chrono::{NaiveDate, NaiveDateTime};

use super::ai_table::AI_TABLE;

/// An application identifier from the GS1 table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ai {
    pub code: &'static str,
    pub name: &'static str,
    /// The value format as the GS1 General Specifications write it.
    pub format: &'static str,
    /// An FNC1 must follow the value when another element comes after it
    /// (false for the predefined-length AIs such as (01) and (17)).
    pub fnc1: bool,
}

/// The AI with exactly this code.
pub fn lookup(code: &str) -> Option<Ai> {
    AI_TABLE
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|&(code, name, format, fnc1)| Ai {
            code,
            name,
            format,
            fnc1,
        })
}

/// The AI that `digits` starts with (AIs are prefix-free: at most one of
/// the 2-, 3- and 4-digit prefixes is an AI).
pub fn lookup_prefix(digits: &str) -> Option<Ai> {
    (2..=4).filter_map(|n| digits.get(..n)).find_map(lookup)
}

/// Characters allowed in one component of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// `N`: digits.
    Digits,
    /// `X`: GS1 character set 82.
    Cset82,
    /// `Y`: GS1 character set 39.
    Cset39,
    /// `Z`: GS1 character set 64 (base64url).
    Cset64,
    /// A literal `-`.
    Minus,
}

impl Charset {
    fn allows(self, c: char) -> bool {
        match self {
            Charset::Digits => c.is_ascii_digit(),
            Charset::Cset82 => c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c),
            Charset::Cset39 => c.is_ascii_digit() || c.is_ascii_uppercase() || "#-/".contains(c),
            Charset::Cset64 => c.is_ascii_alphanumeric() || "-_=".contains(c),
            Charset::Minus => c == '-',
        }
    }
}

/// One component of a value format: `min..=max` characters of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Component {
    set: Charset,
    min: usize,
    max: usize,
}

/// Reads a format such as `N3+X..27`, `N13[+X..17]`, `N6+[-]` or
/// `N18+[N1..N2]` into components (an optional one has `min` 0).
fn components(format: &str) -> Vec<Component> {
    let normalised = format.replace("[+", "+[");
    let mut out = Vec::new();
    for token in normalised.split('+') {
        let optional = token.starts_with('[');
        let token = token.trim_matches(|c| c == '[' || c == ']');
        let mut chars = token.chars();
        let set = match chars.next() {
            Some('N') => Charset::Digits,
            Some('X') => Charset::Cset82,
            Some('Y') => Charset::Cset39,
            Some('Z') => Charset::Cset64,
            _ => Charset::Minus,
        };
        let rest: String = chars.collect();
        let number = |s: &str| {
            s.trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .parse::<usize>()
                .unwrap_or(1)
        };
        let (min, max) = match rest.split_once("..") {
            Some(("", hi)) => (1, number(hi)),
            Some((lo, hi)) => (number(lo), number(hi)),
            None if set == Charset::Minus => (1, 1),
            None => (number(&rest), number(&rest)),
        };
        out.push(Component {
            set,
            min: if optional { 0 } else { min },
            max,
        });
    }
    out
}

impl Ai {
    /// The value's length when every component is fixed (the value ends by
    /// itself, no FNC1 needed to find its end).
    pub fn fixed_len(&self) -> Option<usize> {
        let comps = components(self.format);
        comps
            .iter()
            .all(|c| c.min == c.max)
            .then(|| comps.iter().map(|c| c.max).sum())
    }

    /// The longest value allowed.
    pub fn max_len(&self) -> usize {
        components(self.format).iter().map(|c| c.max).sum()
    }

    /// A measure (310n–369n): six digits with `n` decimals.
    pub fn measure_decimals(&self) -> Option<u32> {
        let b = self.code.as_bytes();
        let is_measure = b.len() == 4 && b[0] == b'3' && (b'1'..=b'6').contains(&b[1]);
        is_measure.then(|| u32::from(b[3] - b'0'))
    }

    fn is_date(&self) -> bool {
        matches!(self.code, "11" | "12" | "13" | "15" | "16" | "17")
    }
}

/// Why a value does not fit its AI's format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    Empty,
    /// `at` is the 0-based character offset in the value.
    BadChar {
        at: usize,
        c: char,
        digits_only: bool,
    },
    TooShort {
        min: usize,
        found: usize,
    },
    TooLong {
        max: usize,
        found: usize,
    },
}

/// Checks a value against the AI's format, character by character.
pub fn check_format(ai: &Ai, value: &str) -> Result<(), ValueError> {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return Err(ValueError::Empty);
    }
    let comps = components(ai.format);
    let mut pos = 0;
    for comp in &comps {
        let taken = chars
            .iter()
            .skip(pos)
            .take(comp.max)
            .take_while(|&&c| comp.set.allows(c))
            .count();
        if taken < comp.min {
            return Err(match chars.get(pos + taken) {
                Some(&c) => ValueError::BadChar {
                    at: pos + taken,
                    c,
                    digits_only: comp.set == Charset::Digits,
                },
                None => ValueError::TooShort {
                    min: comps.iter().map(|c| c.min).sum(),
                    found: chars.len(),
                },
            });
        }
        pos += taken;
    }
    match chars.get(pos) {
        None => Ok(()),
        Some(_) if pos >= ai.max_len() => Err(ValueError::TooLong {
            max: ai.max_len(),
            found: chars.len(),
        }),
        Some(&c) => {
            let digits_only = comps.last().is_some_and(|comp| comp.set == Charset::Digits);
            Err(ValueError::BadChar {
                at: pos,
                c,
                digits_only,
            })
        }
    }
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

/// For AIs whose value ends in a mod-10 check digit (SSCC, GTINs, GLNs):
/// `(given, expected)` when they differ.
pub fn check_digit_mismatch(ai: &Ai, value: &str) -> Option<(String, u32)> {
    let n = match ai.code {
        "00" => 18,
        "01" | "02" | "03" => 14,
        "410" | "411" | "412" | "413" | "414" | "415" | "416" | "417" => 13,
        _ => return None,
    };
    let body = value.get(..n - 1)?;
    let given = value.get(n - 1..n)?;
    let expected = gs1_check_digit(body)?;
    (given != expected.to_string()).then(|| (given.to_string(), expected))
}

/// GS1 General Specifications 7.12: the century of a two-digit year.
pub fn full_year(yy: i32, current_year: i32) -> i32 {
    let century = current_year.div_euclid(100) * 100;
    match yy - current_year.rem_euclid(100) {
        51.. => century - 100 + yy,
        ..=-50 => century + 100 + yy,
        _ => century + yy,
    }
}

/// A YYMMDD date of (11)–(17). Day 00 means the month only: the last day
/// for the best-before, sell-by and expiry dates (15), (16), (17), the
/// first for the others (the safe reading of a production date).
pub fn date(ai: &Ai, value: &str, current_year: i32) -> Result<Option<NaiveDate>, String> {
    if !ai.is_date() {
        return Ok(None);
    }
    let (year, mm, dd) = yymmdd(value, current_year)?;
    let day = match dd {
        0 if matches!(ai.code, "15" | "16" | "17") => (28..=31)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(year, mm, d)),
        0 => NaiveDate::from_ymd_opt(year, mm, 1),
        _ => NaiveDate::from_ymd_opt(year, mm, dd),
    };
    day.map(Some)
        .ok_or_else(|| format!("day {dd:02} is not valid for {year}-{mm:02}"))
}

/// The YYMMDDhhmm of (7003), expiry date and time (no day 00 here).
pub fn date_time(value: &str, current_year: i32) -> Result<NaiveDateTime, String> {
    let (year, mm, dd) = yymmdd(value, current_year)?;
    let num = |r: std::ops::Range<usize>| value.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(hh), Some(mi)) = (num(6..8), num(8..10)) else {
        return Err("not a YYMMDDhhmm date and time".into());
    };
    let day = NaiveDate::from_ymd_opt(year, mm, dd)
        .ok_or_else(|| format!("day {dd:02} is not valid for {year}-{mm:02}"))?;
    if hh > 23 || mi > 59 {
        return Err(format!("time {hh:02}:{mi:02} is not valid"));
    }
    day.and_hms_opt(hh, mi, 0)
        .ok_or_else(|| format!("time {hh:02}:{mi:02} is not valid"))
}

fn yymmdd(value: &str, current_year: i32) -> Result<(i32, u32, u32), String> {
    let num = |r: std::ops::Range<usize>| value.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(yy), Some(mm), Some(dd)) = (num(0..2), num(2..4), num(4..6)) else {
        return Err("not a YYMMDD date".into());
    };
    if !(1..=12).contains(&mm) {
        return Err(format!("month {mm:02} is not valid"));
    }
    Ok((full_year(yy as i32, current_year), mm, dd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_in_the_table_reads() {
        for &(code, _, format, _) in AI_TABLE {
            let comps = components(format);
            assert!(!comps.is_empty(), "{code} {format}");
            assert!(
                comps.iter().all(|c| c.max >= 1 && c.min <= c.max),
                "{code} {format}: {comps:?}"
            );
            let ai = lookup(code).unwrap();
            assert_eq!(
                lookup_prefix(&format!("{code}123456")),
                Some(ai),
                "{code} is prefix-free"
            );
        }
        assert_eq!(lookup("3106"), None);
        assert_eq!(lookup("3105").unwrap().measure_decimals(), Some(5));
        assert_eq!(lookup("37").unwrap().fixed_len(), None);
        assert_eq!(lookup("7003").unwrap().fixed_len(), Some(10));
        assert_eq!(lookup("253").unwrap().max_len(), 30);
    }

    #[test]
    fn compound_formats() {
        let gdti = lookup("253").unwrap();
        assert_eq!(check_format(&gdti, "1234567890128"), Ok(()));
        assert_eq!(check_format(&gdti, "1234567890128AB-7"), Ok(()));
        assert!(matches!(
            check_format(&gdti, "12345678901"),
            Err(ValueError::TooShort { .. })
        ));
        let temp = lookup("4331").unwrap();
        assert_eq!(check_format(&temp, "001250-"), Ok(()));
        assert_eq!(check_format(&temp, "001250"), Ok(()));
        let post = lookup("421").unwrap();
        assert_eq!(check_format(&post, "528NL-1234"), Ok(()));
        assert!(matches!(
            check_format(&post, "52"),
            Err(ValueError::TooShort { .. })
        ));
        let count = lookup("37").unwrap();
        assert_eq!(
            check_format(&count, "123456789"),
            Err(ValueError::TooLong { max: 8, found: 9 })
        );
        assert_eq!(
            check_format(&count, "12a"),
            Err(ValueError::BadChar {
                at: 2,
                c: 'a',
                digits_only: true
            })
        );
    }
}
