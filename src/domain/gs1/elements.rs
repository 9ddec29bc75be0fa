//! Splitting a scan into (AI, value) elements: the raw element string a
//! scanner sends (FNC1 as ASCII 29 or a substitute character between
//! variable-length fields) and the bracketed human-readable form
//! `(01)…(17)…(10)…`; then checking each value against its AI's format.

use super::ais::{self, Ai, ValueError};
use super::{Gs1Error, bail};

/// One element of a scan. Positions are 0-based character indexes in the
/// input: of the AI (its '(' in bracketed form, its key in a Digital Link)
/// and of the value.
#[derive(Debug, Clone)]
pub(super) struct Element {
    pub ai: Ai,
    pub value: String,
    pub ai_at: usize,
    pub value_at: usize,
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

/// The element string form: AIs and values back to back, FNC1 (or the
/// substitute) after each variable-length value that is not last.
pub(super) fn split_raw(
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
        let Some(ai) = ais::lookup_prefix(&code_of(4)) else {
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
        let fixed = ai.fixed_len();
        let mut value = String::new();
        while let Some(c) = at(i).filter(|&c| !is_sep(c)) {
            if fixed.is_some_and(|n| i - value_at >= n) {
                break;
            }
            value.push(c);
            i += 1;
        }
        if let Some(n) = fixed {
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

/// The bracketed form `(01)09506000134352(17)201231(10)ABC123`; whitespace
/// and separators between elements are ignored. A '(' always starts the
/// next element, so values cannot contain '(' in this form.
pub(super) fn split_bracketed(
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
        let ai = ais::lookup(&code).ok_or_else(|| {
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
        if let Some(n) = ai.fixed_len()
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

/// Format, character set and check digit of one element.
pub(super) fn check_value(e: &Element) -> Result<(), Gs1Error> {
    let (name, code) = (e.ai.name, e.ai.code);
    match ais::check_format(&e.ai, &e.value) {
        Ok(()) => {}
        Err(ValueError::Empty) => bail!("{name} ({code}) at position {} is empty", e.ai_at + 1),
        Err(ValueError::TooLong { max, found }) => bail!(
            "{name} ({code}) is longer than {max} characters ({found} at position {}; missing separator?)",
            e.ai_at + 1
        ),
        Err(ValueError::TooShort { min, found }) => bail!(
            "{name} ({code}) at position {} is too short: needs at least {min} characters, found {found}",
            e.ai_at + 1
        ),
        Err(ValueError::BadChar { at, c, digits_only }) => {
            let what = if digits_only {
                "non-digit"
            } else {
                "illegal character"
            };
            bail!(
                "{name} ({code}) contains {what} {c:?} at position {}",
                e.value_at + at + 1
            )
        }
    }
    if let Some((given, expected)) = ais::check_digit_mismatch(&e.ai, &e.value) {
        bail!("{name} check digit is {given}, expected {expected}");
    }
    Ok(())
}
