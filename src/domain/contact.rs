//! Contact details as typed: e-mail addresses, phone numbers, display
//! names and postal addresses, checked before they are stored and printed
//! on after-care sheets and orders or used to send mail.

/// Checks an e-mail address (`name@clinic.example`): one `@`, a local part
/// of visible ASCII without spaces or angle brackets, a domain of at least
/// two dot-separated labels of letters, digits and hyphens. Returns it
/// trimmed.
pub fn parse_email(s: &str) -> Result<String, String> {
    let s = s.trim();
    let bad = || format!("{s} is not an e-mail address (name@clinic.example)");
    if s.is_empty() || s.len() > 254 {
        return Err(bad());
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Err(bad());
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"@<>()[]\\,;:\"".contains(&b));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if local_ok && domain_ok {
        Ok(s.to_string())
    } else {
        Err(bad())
    }
}

/// Checks a phone number as people write it: digits with spaces, `+`,
/// `-`, `.`, `/` and brackets, 6–20 digits.
pub fn parse_phone(s: &str) -> Result<String, String> {
    let s = s.trim();
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let chars_ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || " +-./()".contains(c));
    if chars_ok && (6..=20).contains(&digits) && s.len() <= 40 {
        Ok(s.to_string())
    } else {
        Err("a phone number: digits, spaces and + - ( ), e.g. +64 9 555 0142".into())
    }
}

/// A single line of text (a name): no control characters, 1–`max` characters.
pub fn parse_line(s: &str, max: usize) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(format!("up to {max} characters on one line"));
    }
    Ok(s.to_string())
}

/// A postal address: up to 4 lines and 300 characters, no other control
/// characters; lines trimmed, blank lines dropped, joined with `\n`.
pub fn parse_address(s: &str) -> Result<String, String> {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let joined = lines.join("\n");
    if lines.len() > 4
        || joined.chars().count() > 300
        || lines.iter().any(|l| l.chars().any(char::is_control))
    {
        return Err("up to 4 lines and 300 characters".into());
    }
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            parse_email(" pia@clinic.example ").unwrap(),
            "pia@clinic.example"
        );
        assert!(parse_email("orders+nz@sub.example.co.nz").is_ok());
        for bad in [
            "",
            "pia",
            "pia@",
            "@clinic.example",
            "pia@clinic",
            "pia@@clinic.example",
            "pia @clinic.example",
            "pia@clinic..example",
            "pia@-clinic.example",
            "<pia@clinic.example>",
            "pia@clinic.example\r\nBcc: x@y.z",
        ] {
            assert!(parse_email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn phones_names_addresses() {
        assert!(parse_phone("+64 9 555 0142").is_ok());
        assert!(parse_phone("(020) 7946-0958").is_ok());
        assert!(parse_phone("call us").is_err());
        assert!(parse_phone("123").is_err());
        assert_eq!(parse_line(" Pia Novak ", 80).unwrap(), "Pia Novak");
        assert!(parse_line("Pia\nNovak", 80).is_err());
        assert!(parse_line("", 80).is_err());
        assert_eq!(
            parse_address("12 Queen St\r\n\r\nAuckland 1010 ").unwrap(),
            "12 Queen St\nAuckland 1010"
        );
        assert!(parse_address("a\nb\nc\nd\ne").is_err());
    }
}
