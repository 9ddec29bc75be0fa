//! Quantities in thousandths of a product's unit (2.5 g is 2500), parsed
//! from decimal text without ever passing through binary floating point.

use std::fmt;

use super::vocab::Unit;

/// A quantity in thousandths of the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Quantity(pub i64);

/// Largest quantity accepted from input (one billion units).
const MAX_THOUSANDTHS: i64 = 1_000_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityError {
    Empty,
    NotANumber,
    TooManyDecimals,
    TooLarge,
    Negative,
    Zero,
    NotWhole,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityError::Empty => "enter a quantity",
            QuantityError::NotANumber => "not a number",
            QuantityError::TooManyDecimals => "at most 3 decimals",
            QuantityError::TooLarge => "too large",
            QuantityError::Negative => "must not be negative",
            QuantityError::Zero => "must be more than zero",
            QuantityError::NotWhole => "must be a whole number for items counted each",
        })
    }
}

impl std::error::Error for QuantityError {}

impl Quantity {
    pub fn zero() -> Quantity {
        Quantity(0)
    }

    pub fn thousandths(self) -> i64 {
        self.0
    }

    /// Parses a signed decimal ("2.5", "-1", "0.125"), at most 3 decimals.
    pub fn parse_signed(text: &str) -> Result<Quantity, QuantityError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(QuantityError::Empty);
        }
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((i, f)) => (i, f),
            None => (digits, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(QuantityError::NotANumber);
        }
        if !int_part.bytes().all(|b| b.is_ascii_digit())
            || !frac_part.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(QuantityError::NotANumber);
        }
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > 3 {
            return Err(QuantityError::TooManyDecimals);
        }
        let int_trimmed = int_part.trim_start_matches('0');
        if int_trimmed.len() > 10 {
            return Err(QuantityError::TooLarge);
        }
        let whole: i64 = if int_trimmed.is_empty() {
            0
        } else {
            int_trimmed.parse().map_err(|_| QuantityError::TooLarge)?
        };
        let mut frac: i64 = 0;
        for (i, b) in frac_trimmed.bytes().enumerate() {
            let d = i64::from(b - b'0');
            frac += d * [100, 10, 1].get(i).copied().unwrap_or(0);
        }
        let value = whole
            .checked_mul(1000)
            .and_then(|w| w.checked_add(frac))
            .ok_or(QuantityError::TooLarge)?;
        if value > MAX_THOUSANDTHS {
            return Err(QuantityError::TooLarge);
        }
        Ok(Quantity(if negative { -value } else { value }))
    }

    /// Parses a quantity that must be more than zero, whole for `each`.
    pub fn parse_positive(text: &str, unit: Unit) -> Result<Quantity, QuantityError> {
        let q = Quantity::parse_signed(text)?;
        if q.0 < 0 {
            return Err(QuantityError::Negative);
        }
        if q.0 == 0 {
            return Err(QuantityError::Zero);
        }
        q.check_unit(unit)?;
        Ok(q)
    }

    /// Parses a quantity that may be zero (a count), whole for `each`.
    pub fn parse_non_negative(text: &str, unit: Unit) -> Result<Quantity, QuantityError> {
        let q = Quantity::parse_signed(text)?;
        if q.0 < 0 {
            return Err(QuantityError::Negative);
        }
        q.check_unit(unit)?;
        Ok(q)
    }

    /// Parses a JSON number via its shortest decimal text (serde_json prints
    /// floats as the shortest string that reads back the same), so 2.5 stays 2.5.
    pub fn from_json(n: &serde_json::Number) -> Result<Quantity, QuantityError> {
        let s = n.to_string();
        if s.contains(['e', 'E']) {
            return Err(QuantityError::TooLarge);
        }
        Quantity::parse_signed(&s)
    }

    /// Whole units required for `each`.
    pub fn check_unit(self, unit: Unit) -> Result<(), QuantityError> {
        if unit == Unit::Each && self.0 % 1000 != 0 {
            return Err(QuantityError::NotWhole);
        }
        Ok(())
    }

    /// As a JSON number (exact for every value with at most 3 decimals).
    pub fn to_json(self) -> serde_json::Value {
        let s = self.to_string();
        match s.parse::<serde_json::Number>() {
            Ok(n) => serde_json::Value::Number(n),
            Err(_) => serde_json::Value::String(s),
        }
    }
}

impl fmt::Display for Quantity {
    /// Decimal text without trailing zeros: 2500 → "2.5", 3000 → "3".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / 1000;
        let frac = abs % 1000;
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let s = format!("{frac:03}");
            write!(f, "{sign}{whole}.{}", s.trim_end_matches('0'))
        }
    }
}

/// Formats thousandths as decimal text (helper for templates).
pub fn fmt_qty(thousandths: i64) -> String {
    Quantity(thousandths).to_string()
}

/// Formats cents as money with two decimals ("12.50").
pub fn fmt_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// The largest amount of money accepted from input, in cents (100 million
/// in the currency): a unit or pack cost. Order totals (at most
/// `MAX_PACKS` packs a line) stay far inside `i64` and are summed with
/// saturating arithmetic anyway.
pub const MAX_MONEY_CENTS: i64 = 10_000_000_000;

/// Parses money text ("12.5", "12.50") into cents; at most 2 decimals, at
/// most [`MAX_MONEY_CENTS`].
pub fn parse_money(text: &str) -> Result<i64, &'static str> {
    let t = text.trim();
    let (int_part, frac) = t.split_once('.').unwrap_or((t, ""));
    if int_part.is_empty() && frac.is_empty() {
        return Err("enter an amount");
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not an amount");
    }
    if frac.len() > 2 {
        return Err("at most 2 decimals");
    }
    if int_part.len() > 12 {
        return Err("too large");
    }
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| "too large")?
    };
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| "not an amount")? * 10,
        _ => frac.parse::<i64>().map_err(|_| "not an amount")?,
    };
    let total = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .filter(|c| *c <= MAX_MONEY_CENTS)
        .ok_or("too large")?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(Quantity::parse_signed("2.5").unwrap(), Quantity(2500));
        assert_eq!(Quantity::parse_signed("0.125").unwrap(), Quantity(125));
        assert_eq!(Quantity::parse_signed(".5").unwrap(), Quantity(500));
        assert_eq!(Quantity::parse_signed("-3").unwrap(), Quantity(-3000));
        assert_eq!(Quantity::parse_signed("1.2500").unwrap(), Quantity(1250));
        assert_eq!(
            Quantity::parse_signed("1.2345"),
            Err(QuantityError::TooManyDecimals)
        );
        assert_eq!(
            Quantity::parse_signed("abc"),
            Err(QuantityError::NotANumber)
        );
        assert_eq!(
            Quantity::parse_signed("1e3"),
            Err(QuantityError::NotANumber)
        );
        assert_eq!(Quantity::parse_signed(""), Err(QuantityError::Empty));
        assert_eq!(Quantity::parse_signed("."), Err(QuantityError::NotANumber));
    }

    #[test]
    fn each_must_be_whole() {
        assert_eq!(
            Quantity::parse_positive("1.5", Unit::Each),
            Err(QuantityError::NotWhole)
        );
        assert_eq!(
            Quantity::parse_positive("1.5", Unit::Gram).unwrap(),
            Quantity(1500)
        );
        assert_eq!(
            Quantity::parse_positive("0", Unit::Gram),
            Err(QuantityError::Zero)
        );
    }

    #[test]
    fn json_numbers_keep_their_decimals() {
        let n: serde_json::Number = serde_json::from_str("2.5").unwrap();
        assert_eq!(Quantity::from_json(&n).unwrap(), Quantity(2500));
        let n: serde_json::Number = serde_json::from_str("0.001").unwrap();
        assert_eq!(Quantity::from_json(&n).unwrap(), Quantity(1));
        let n: serde_json::Number = serde_json::from_str("1.0005").unwrap();
        assert_eq!(Quantity::from_json(&n), Err(QuantityError::TooManyDecimals));
    }

    #[test]
    fn money() {
        assert_eq!(parse_money("12.5"), Ok(1250));
        assert_eq!(parse_money("0.05"), Ok(5));
        assert!(parse_money("1.005").is_err());
        assert_eq!(fmt_money(1250), "12.50");
        assert_eq!(fmt_money(-5), "-0.05");
    }

    proptest! {
        #[test]
        fn display_then_parse_is_identity(v in -1_000_000_000_000i64..1_000_000_000_000i64) {
            let q = Quantity(v);
            prop_assert_eq!(Quantity::parse_signed(&q.to_string()).unwrap(), q);
            let j = q.to_json();
            let n = j.as_number().unwrap();
            prop_assert_eq!(Quantity::from_json(n).unwrap(), q);
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Quantity::parse_signed(&s);
        }
    }
}
