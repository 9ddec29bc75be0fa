//! Needle length in hundredths of a millimetre (1.5 mm is 150), 0.10–3.00 mm.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NeedleLength(pub i32);

pub const MIN_HUNDREDTHS: i32 = 10;
pub const MAX_HUNDREDTHS: i32 = 300;

impl NeedleLength {
    /// Parses "1.5", "0.25", "2" (mm); at most 2 decimals, 0.1–3.0 mm.
    pub fn parse(text: &str) -> Result<NeedleLength, String> {
        let t = text.trim().trim_end_matches("mm").trim();
        if t.is_empty() {
            return Err("enter a needle length in mm".into());
        }
        let (i, f) = t.split_once('.').unwrap_or((t, ""));
        if (i.is_empty() && f.is_empty())
            || !i.bytes().all(|b| b.is_ascii_digit())
            || !f.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("needle length must be a number of millimetres, e.g. 1.5".into());
        }
        let f = f.trim_end_matches('0');
        if f.len() > 2 {
            return Err("needle length has at most 2 decimals".into());
        }
        if i.trim_start_matches('0').len() > 2 {
            return Err("needle length must be between 0.1 and 3.0 mm".into());
        }
        let whole: i32 = if i.is_empty() {
            0
        } else {
            i.parse()
                .map_err(|_| "needle length is not a number".to_string())?
        };
        let frac: i32 = match f.len() {
            0 => 0,
            1 => f.parse::<i32>().map_err(|_| "not a number".to_string())? * 10,
            _ => f.parse::<i32>().map_err(|_| "not a number".to_string())?,
        };
        NeedleLength::from_hundredths(whole * 100 + frac)
    }

    pub fn from_hundredths(h: i32) -> Result<NeedleLength, String> {
        if !(MIN_HUNDREDTHS..=MAX_HUNDREDTHS).contains(&h) {
            return Err("needle length must be between 0.1 and 3.0 mm".into());
        }
        Ok(NeedleLength(h))
    }

    pub fn from_json(n: &serde_json::Number) -> Result<NeedleLength, String> {
        let s = n.to_string();
        if s.contains(['e', 'E', '-']) {
            return Err("needle length must be between 0.1 and 3.0 mm".into());
        }
        NeedleLength::parse(&s)
    }

    pub fn hundredths(self) -> i32 {
        self.0
    }

    pub fn to_json(self) -> serde_json::Value {
        fmt_needle(self.0)
            .parse::<serde_json::Number>()
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Display for NeedleLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&fmt_needle(self.0))
    }
}

/// "1.5", "0.25", "2" from hundredths.
pub fn fmt_needle(h: i32) -> String {
    let whole = h / 100;
    let frac = h % 100;
    if frac == 0 {
        format!("{whole}")
    } else if frac % 10 == 0 {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses() {
        assert_eq!(NeedleLength::parse("1.5").unwrap(), NeedleLength(150));
        assert_eq!(NeedleLength::parse("0.25").unwrap(), NeedleLength(25));
        assert_eq!(NeedleLength::parse("2 mm").unwrap(), NeedleLength(200));
        assert!(NeedleLength::parse("0.05").is_err());
        assert!(NeedleLength::parse("3.5").is_err());
        assert!(NeedleLength::parse("1.255").is_err());
        assert!(NeedleLength::parse("x").is_err());
    }

    proptest! {
        #[test]
        fn roundtrip(h in 10i32..=300) {
            let n = NeedleLength(h);
            prop_assert_eq!(NeedleLength::parse(&n.to_string()).unwrap(), n);
        }
    }
}
