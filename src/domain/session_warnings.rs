//! The warnings a practitioner confirms before a session is saved
//! (DOMAIN.md "Warnings a practitioner confirms", issue 15 part 4). Saving
//! stays possible: a warning never blocks. Pure: the caller gathers the
//! facts (protocol range, the indication's usual range, the lines with
//! their products' limits, the anaesthetic contact time).

use super::needle::fmt_needle;
use super::quantity::fmt_qty;
use super::vocab::Category;

/// A warning: a stable code (API, tests, the confirmation) and a message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    pub code: String,
    pub message: String,
}

impl Warning {
    pub fn new(code: &str, message: impl Into<String>) -> Warning {
        Warning {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// A needle range: name of what carries it, and its bounds in hundredths of a mm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub name: String,
    pub min: i32,
    pub max: i32,
}

/// One line of the session as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    pub product_id: i64,
    pub name: String,
    pub category: Option<Category>,
    pub unit: String,
    /// Thousandths of the unit.
    pub quantity: i64,
    pub max_per_session: Option<i64>,
    pub max_contact_minutes: Option<i32>,
}

/// Everything the warnings are computed from.
#[derive(Debug, Clone, Default)]
pub struct SessionFacts {
    /// Hundredths of a mm; `None` when not typed yet (form preview).
    pub needle: Option<i32>,
    /// The chosen protocol's range.
    pub protocol: Option<Range>,
    /// The indication's usual range (used when no protocol is chosen).
    pub indication: Option<Range>,
    pub lines: Vec<LineFacts>,
    pub contact_minutes: Option<i32>,
    /// Judge the presence of a needle device and an SPF line (false while
    /// a form has no line yet).
    pub judge_presence: bool,
}

/// The warnings, in a fixed order: needle range (protocol, else
/// indication), per-product maximum, contact time, needle devices, SPF.
pub fn warnings(f: &SessionFacts) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Some(n) = f.needle {
        match (&f.protocol, &f.indication) {
            (Some(p), _) if n < p.min || n > p.max => out.push(Warning::new(
                "needle_outside_protocol",
                format!(
                    "needle {} mm is outside the range of protocol {} ({}–{} mm)",
                    fmt_needle(n),
                    p.name,
                    fmt_needle(p.min),
                    fmt_needle(p.max)
                ),
            )),
            (None, Some(i)) if n < i.min || n > i.max => out.push(Warning::new(
                "needle_outside_indication",
                format!(
                    "needle {} mm is outside the usual range for {} ({}–{} mm)",
                    fmt_needle(n),
                    i.name.to_lowercase(),
                    fmt_needle(i.min),
                    fmt_needle(i.max)
                ),
            )),
            _ => {}
        }
    }
    let mut seen: Vec<i64> = Vec::new();
    for l in &f.lines {
        if seen.contains(&l.product_id) {
            continue;
        }
        seen.push(l.product_id);
        let Some(max) = l.max_per_session else {
            continue;
        };
        let total: i64 = f
            .lines
            .iter()
            .filter(|o| o.product_id == l.product_id)
            .map(|o| o.quantity)
            .sum();
        if total > max {
            out.push(Warning::new(
                "above_max_per_session",
                format!(
                    "{}: {} {} is above the maximum of {} {} per session",
                    l.name,
                    fmt_qty(total),
                    l.unit,
                    fmt_qty(max),
                    l.unit
                ),
            ));
        }
    }
    if let Some(contact) = f.contact_minutes {
        let mut seen: Vec<i64> = Vec::new();
        for l in &f.lines {
            if seen.contains(&l.product_id) {
                continue;
            }
            seen.push(l.product_id);
            if let Some(max) = l.max_contact_minutes
                && contact > max
            {
                out.push(Warning::new(
                    "anaesthetic_contact_over_max",
                    format!(
                        "{}: contact time {contact} min is above its maximum of {max} min",
                        l.name
                    ),
                ));
            }
        }
    }
    if f.judge_presence {
        let devices: i64 = f
            .lines
            .iter()
            .filter(|l| l.category.is_some_and(Category::has_needle))
            .map(|l| l.quantity)
            .sum();
        if devices == 0 {
            out.push(Warning::new(
                "no_needle_device",
                "no roller or pen cartridge on this session",
            ));
        } else if devices > 1000 {
            out.push(Warning::new(
                "several_needle_devices",
                format!(
                    "{} rollers or pen cartridges on this session (one is usual)",
                    fmt_qty(devices)
                ),
            ));
        }
        if !f.lines.iter().any(|l| l.category == Some(Category::Spf)) {
            out.push(Warning::new(
                "no_spf",
                "no SPF line: SPF is applied straight after treatment",
            ));
        }
    }
    out
}

/// The codes of some warnings as the form's tick box carries them:
/// sorted, without repeats, comma-separated.
pub fn signature(w: &[Warning]) -> String {
    let mut codes: Vec<&str> = w.iter().map(|w| w.code.as_str()).collect();
    codes.sort();
    codes.dedup();
    codes.join(",")
}

/// Whether a confirmation covers these warnings: `all` (or `true`, the
/// API's) covers any; else every warning's code must be among the
/// confirmed codes (what the practitioner saw when they ticked).
pub fn confirmed(confirmation: Option<&str>, w: &[Warning]) -> bool {
    let Some(c) = confirmation.map(str::trim).filter(|c| !c.is_empty()) else {
        return false;
    };
    if c == "all" || c == "true" {
        return true;
    }
    let seen: Vec<&str> = c.split(',').map(str::trim).collect();
    w.iter().all(|w| seen.contains(&w.code.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64, category: Category, quantity: i64) -> LineFacts {
        LineFacts {
            product_id: id,
            name: format!("P{id}"),
            category: Some(category),
            unit: "each".into(),
            quantity,
            max_per_session: None,
            max_contact_minutes: None,
        }
    }

    fn codes(f: &SessionFacts) -> Vec<String> {
        warnings(f).into_iter().map(|w| w.code).collect()
    }

    fn good() -> SessionFacts {
        SessionFacts {
            needle: Some(150),
            lines: vec![
                line(1, Category::Roller, 1000),
                line(2, Category::Spf, 1000),
            ],
            judge_presence: true,
            ..SessionFacts::default()
        }
    }

    #[test]
    fn a_usual_session_has_no_warning() {
        assert!(warnings(&good()).is_empty());
    }

    #[test]
    fn needle_devices_none_or_several() {
        let mut f = good();
        f.lines.retain(|l| l.category == Some(Category::Spf));
        assert_eq!(codes(&f), vec!["no_needle_device"]);
        let mut f = good();
        f.lines.push(line(3, Category::Cartridge, 1000));
        assert_eq!(codes(&f), vec!["several_needle_devices"]);
        let mut f = good();
        f.lines[0].quantity = 2000;
        assert_eq!(codes(&f), vec!["several_needle_devices"]);
        // A form with no line yet is not judged.
        let f = SessionFacts::default();
        assert!(warnings(&f).is_empty());
    }

    #[test]
    fn no_spf_line() {
        let mut f = good();
        f.lines.retain(|l| l.category != Some(Category::Spf));
        assert_eq!(codes(&f), vec!["no_spf"]);
    }

    #[test]
    fn indication_range_only_without_protocol() {
        let range = |name: &str, min, max| Range {
            name: name.into(),
            min,
            max,
        };
        let mut f = good();
        f.needle = Some(150);
        f.indication = Some(range("Fine lines / wrinkles", 50, 100));
        let w = warnings(&f);
        assert_eq!(w[0].code, "needle_outside_indication");
        assert!(w[0].message.contains("0.5–1 mm"), "{}", w[0].message);
        f.needle = Some(100);
        assert!(warnings(&f).is_empty(), "the bounds are inside");
        f.needle = Some(150);
        f.protocol = Some(range("Acne", 100, 200));
        assert!(warnings(&f).is_empty(), "a protocol's range wins");
        f.needle = Some(250);
        assert_eq!(codes(&f), vec!["needle_outside_protocol"]);
    }

    #[test]
    fn limits_per_product() {
        let mut f = good();
        let mut lido = line(5, Category::Anesthetic, 3000);
        lido.max_per_session = Some(5000);
        lido.max_contact_minutes = Some(45);
        f.lines.push(lido.clone());
        f.lines.push(LineFacts {
            quantity: 3000,
            ..lido
        });
        f.contact_minutes = Some(45);
        assert_eq!(codes(&f), vec!["above_max_per_session"], "6 g in two lines");
        f.contact_minutes = Some(46);
        let w = warnings(&f);
        assert_eq!(
            codes(&f),
            vec!["above_max_per_session", "anaesthetic_contact_over_max"]
        );
        assert!(w[1].message.contains("46 min") && w[1].message.contains("45 min"));
    }

    #[test]
    fn confirmation_covers_what_was_seen() {
        let mut f = good();
        f.lines.clear();
        f.lines.push(line(1, Category::Roller, 2000));
        let w = warnings(&f);
        assert_eq!(signature(&w), "no_spf,several_needle_devices");
        assert!(confirmed(Some("no_spf,several_needle_devices"), &w));
        assert!(confirmed(Some("all"), &w));
        assert!(confirmed(Some("true"), &w));
        assert!(!confirmed(Some("no_spf"), &w), "a new warning was not seen");
        assert!(!confirmed(None, &w));
        assert!(!confirmed(Some(""), &w));
        assert!(!confirmed(None, &[]) && confirmed(Some("x"), &[]));
    }
}
