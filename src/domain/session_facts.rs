//! The facts of a session besides what it used (issue 15 part 3): how long
//! it took, when the topical anaesthetic went on and how long it stayed, and
//! the treatment areas (an admin list whose names are checked here). Pure
//! parsing with the messages a form shows at the field.

/// Shortest and longest session a form accepts, in minutes (10–60 is usual).
pub const MIN_DURATION_MINUTES: i64 = 1;
pub const MAX_DURATION_MINUTES: i64 = 480;
/// Longest anaesthetic contact time, in minutes (a day).
pub const MAX_CONTACT_MINUTES: i64 = 1440;
/// Longest name of a treatment area.
pub const MAX_AREA_NAME: usize = 40;

fn whole_minutes(text: &str) -> Result<i64, String> {
    let t = text.trim().trim_end_matches("min").trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.starts_with('-') && t[1..].bytes().all(|b| b.is_ascii_digit()) && t.len() > 1 {
        return Err("cannot be negative".into());
    }
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a whole number of minutes".into());
    }
    // More than 9 digits is out of range anyway.
    if t.trim_start_matches('0').len() > 9 {
        return Ok(i64::MAX);
    }
    t.parse::<i64>()
        .map_err(|_| "a whole number of minutes".to_string())
}

/// A session's duration: 1–480 whole minutes.
pub fn parse_duration(text: &str) -> Result<i32, String> {
    match whole_minutes(text)? {
        n if n < MIN_DURATION_MINUTES => Err("at least 1 minute".into()),
        n if n > MAX_DURATION_MINUTES => Err(format!(
            "at most {MAX_DURATION_MINUTES} minutes (8 hours); 10–60 is usual"
        )),
        n => Ok(n as i32),
    }
}

/// How long the anaesthetic stayed on: 0–1440 whole minutes.
pub fn parse_contact_minutes(text: &str) -> Result<i32, String> {
    match whole_minutes(text) {
        Err(e) if e.contains("negative") => Err("a contact time cannot be negative".into()),
        Err(e) => Err(e),
        Ok(n) if n > MAX_CONTACT_MINUTES => Err(format!(
            "a contact time is at most a day ({MAX_CONTACT_MINUTES} minutes)"
        )),
        Ok(n) => Ok(n as i32),
    }
}

/// Folds the accented Latin letters of area names to ASCII ("Décolletage"
/// → "Decolletage"); other characters are kept.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// The stable code of an area from its first name: lower-case ASCII
/// letters and digits, other runs turned into `_` ("Upper arms" →
/// `upper_arms`, "Décolletage" → `decolletage`). The code never changes
/// when the area is renamed; the API accepts it.
pub fn area_code(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().to_lowercase().chars().map(fold) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// The same area name whatever the case or accents ("décolletage" is
/// "Decolletage").
pub fn same_area_name(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String { s.trim().to_lowercase().chars().map(fold).collect() };
    key(a) == key(b)
}

/// An area's name as typed by an admin: 1–40 characters, with a letter.
pub fn parse_area_name(text: &str) -> Result<String, String> {
    let t: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return Err("enter the area's name".into());
    }
    if t.chars().count() > MAX_AREA_NAME {
        return Err(format!("at most {MAX_AREA_NAME} characters"));
    }
    if !t.chars().any(char::is_alphabetic) || area_code(&t).is_empty() {
        return Err("a name with letters, e.g. Upper arms".into());
    }
    if t.chars().any(|c| c.is_control() || c == ',') {
        return Err("no commas or control characters".into());
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30").unwrap(), 30);
        assert_eq!(parse_duration(" 45 min").unwrap(), 45);
        assert_eq!(parse_duration("480").unwrap(), 480);
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("481").is_err());
        assert!(parse_duration("-5").is_err());
        assert!(parse_duration("1.5").is_err());
        assert!(parse_duration("99999999999999999999").is_err());
        assert!(parse_duration("x").is_err());
    }

    #[test]
    fn contact_times() {
        assert_eq!(parse_contact_minutes("0").unwrap(), 0);
        assert_eq!(parse_contact_minutes("1440").unwrap(), 1440);
        assert!(parse_contact_minutes("1441").unwrap_err().contains("a day"));
        assert!(
            parse_contact_minutes("-1")
                .unwrap_err()
                .contains("negative")
        );
        assert!(parse_contact_minutes("ten").is_err());
    }

    #[test]
    fn area_names_and_codes() {
        assert_eq!(area_code("Décolletage"), "decolletage");
        assert_eq!(area_code(" Upper  arms "), "upper_arms");
        assert!(same_area_name("décolletage", "Decolletage"));
        assert!(!same_area_name("Face", "Neck"));
        assert_eq!(parse_area_name("  Upper   arms ").unwrap(), "Upper arms");
        assert!(parse_area_name("").is_err());
        assert!(parse_area_name("123").is_err());
        assert!(parse_area_name("a,b").is_err());
        assert!(parse_area_name(&"x".repeat(41)).is_err());
    }
}
