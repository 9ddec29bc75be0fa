//! Installation settings with their defaults: clinic name, currency, the
//! "expiring soon" window, reorder safety and cover days, the substitute
//! GS1 separator some scanners send instead of FNC1.

use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::{Problems, ServiceResult};
use crate::services::audit::{self, Changes};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub clinic_name: String,
    pub currency: String,
    pub expiring_window_days: i64,
    pub safety_days: i64,
    pub cover_days: i64,
    /// A character typed by the scanner in place of FNC1 (e.g. `|`), if any.
    pub gs1_separator: Option<char>,
    /// A login session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A login session ends this many hours after login, whatever happens.
    pub session_max_hours: i64,
}

/// Defaults for the login session lifetimes (issue 10).
pub const SESSION_IDLE_MINUTES: i64 = 30;
pub const SESSION_MAX_HOURS: i64 = 12;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clinic_name: "Our clinic".into(),
            currency: "EUR".into(),
            expiring_window_days: 60,
            safety_days: 14,
            cover_days: 30,
            gs1_separator: None,
            session_idle_minutes: SESSION_IDLE_MINUTES,
            session_max_hours: SESSION_MAX_HOURS,
        }
    }
}

pub fn load(conn: &mut DbConn) -> ServiceResult<Settings> {
    let mut s = Settings::default();
    for (k, v) in db::settings::all(conn)? {
        match k.as_str() {
            "clinic_name" => s.clinic_name = v,
            "currency" => s.currency = v,
            "expiring_window_days" => {
                s.expiring_window_days = v.parse().unwrap_or(s.expiring_window_days)
            }
            "safety_days" => s.safety_days = v.parse().unwrap_or(s.safety_days),
            "cover_days" => s.cover_days = v.parse().unwrap_or(s.cover_days),
            "gs1_separator" => s.gs1_separator = v.chars().next(),
            "session_idle_minutes" => {
                s.session_idle_minutes = v.parse().unwrap_or(s.session_idle_minutes)
            }
            "session_max_hours" => s.session_max_hours = v.parse().unwrap_or(s.session_max_hours),
            _ => {}
        }
    }
    Ok(s)
}

/// Settings as typed in the settings form.
#[derive(Debug, Clone, Default)]
pub struct SettingsDraft {
    pub clinic_name: String,
    pub currency: String,
    pub expiring_window_days: String,
    pub safety_days: String,
    pub cover_days: String,
    pub gs1_separator: String,
    /// Empty: the default.
    pub session_idle_minutes: String,
    /// Empty: the default.
    pub session_max_hours: String,
}

pub fn save(conn: &mut DbConn, actor: &Actor, d: &SettingsDraft) -> ServiceResult<Settings> {
    actor.require(Action::ManageSettings)?;
    let v = validate(d)?;
    db::write_tx(conn, |conn| {
        let before = load(conn)?;
        write(conn, &v)?;
        let after = load(conn)?;
        audit_change(conn, actor, &before, &after)?;
        Ok(after)
    })
}

/// Settings that passed every check, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSettings {
    pub clinic_name: String,
    pub currency: String,
    pub expiring_window_days: i64,
    pub safety_days: i64,
    pub cover_days: i64,
    /// Empty: the default separator (the stored value is removed).
    pub gs1_separator: String,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
}

/// Checks the form (pure): every problem at its field, or the values to store.
pub fn validate(d: &SettingsDraft) -> ServiceResult<ValidSettings> {
    let mut p = Problems::new();
    let name = d.clinic_name.trim().to_string();
    if name.is_empty() || name.len() > 120 {
        p.add(
            "clinic_name",
            "enter the clinic name (up to 120 characters)",
        );
    }
    let currency = d.currency.trim().to_uppercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
        p.add("currency", "a three-letter code such as EUR, GBP or USD");
    }
    let window = days(&mut p, "expiring_window_days", &d.expiring_window_days, 730);
    let safety = days(&mut p, "safety_days", &d.safety_days, 365);
    let cover = days(&mut p, "cover_days", &d.cover_days, 365);
    let sep = d.gs1_separator.trim();
    if sep.chars().count() > 1 || sep.chars().any(|c| c.is_ascii_alphanumeric()) {
        p.add(
            "gs1_separator",
            "one character that cannot appear in a barcode value, e.g. | or ~",
        );
    }
    let idle = bounded(
        &mut p,
        "session_idle_minutes",
        &d.session_idle_minutes,
        (SESSION_IDLE_MINUTES, 24 * 60),
        "minutes",
    );
    let max_hours = bounded(
        &mut p,
        "session_max_hours",
        &d.session_max_hours,
        (SESSION_MAX_HOURS, 30 * 24),
        "hours",
    );
    p.finish()?;
    Ok(ValidSettings {
        clinic_name: name,
        currency,
        expiring_window_days: window,
        safety_days: safety,
        cover_days: cover,
        gs1_separator: sep.to_string(),
        session_idle_minutes: idle,
        session_max_hours: max_hours,
    })
}

/// A whole number of days from 0 to `max` (0 and a problem otherwise).
fn days(p: &mut Problems, field: &str, v: &str, max: i64) -> i64 {
    match v.trim().parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => n,
        _ => {
            p.add(field, format!("a whole number of days from 0 to {max}"));
            0
        }
    }
}

/// A whole number from 1 to `max`; empty is the default.
fn bounded(p: &mut Problems, field: &str, v: &str, (default, max): (i64, i64), unit: &str) -> i64 {
    if v.trim().is_empty() {
        return default;
    }
    match v.trim().parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => n,
        _ => {
            p.add(field, format!("a whole number of {unit} from 1 to {max}"));
            default
        }
    }
}

/// Stores validated settings (inside the caller's transaction).
fn write(conn: &mut DbConn, v: &ValidSettings) -> ServiceResult<()> {
    let idle = v.session_idle_minutes.to_string();
    db::settings::set(conn, "session_idle_minutes", &idle)?;
    let max_hours = v.session_max_hours.to_string();
    db::settings::set(conn, "session_max_hours", &max_hours)?;
    db::settings::set(conn, "clinic_name", &v.clinic_name)?;
    db::settings::set(conn, "currency", &v.currency)?;
    let window = v.expiring_window_days.to_string();
    db::settings::set(conn, "expiring_window_days", &window)?;
    db::settings::set(conn, "safety_days", &v.safety_days.to_string())?;
    db::settings::set(conn, "cover_days", &v.cover_days.to_string())?;
    if v.gs1_separator.is_empty() {
        db::settings::delete(conn, "gs1_separator")?;
    } else {
        db::settings::set(conn, "gs1_separator", &v.gs1_separator)?;
    }
    Ok(())
}

/// The audit row of a settings change (none when nothing changed).
fn audit_change(
    conn: &mut DbConn,
    actor: &Actor,
    before: &Settings,
    after: &Settings,
) -> ServiceResult<()> {
    let sep = |s: &Settings| s.gs1_separator.map(|c| c.to_string());
    let changes = Changes::new()
        .field(
            "clinic_name",
            before.clinic_name.as_str(),
            after.clinic_name.as_str(),
        )
        .field(
            "currency",
            before.currency.as_str(),
            after.currency.as_str(),
        )
        .field(
            "expiring_window_days",
            before.expiring_window_days,
            after.expiring_window_days,
        )
        .field("safety_days", before.safety_days, after.safety_days)
        .field("cover_days", before.cover_days, after.cover_days)
        .field("gs1_separator", sep(before), sep(after))
        .field(
            "session_idle_minutes",
            before.session_idle_minutes,
            after.session_idle_minutes,
        )
        .field(
            "session_max_hours",
            before.session_max_hours,
            after.session_max_hours,
        );
    if changes.is_empty() {
        return Ok(());
    }
    audit::record(
        conn,
        &actor.into(),
        "update",
        "settings",
        None,
        "changed the settings",
        &changes,
    )
}

#[cfg(test)]
mod validate_tests {
    use super::*;
    use crate::error::ServiceError;

    fn draft() -> SettingsDraft {
        SettingsDraft {
            clinic_name: " Lumen Skin ".into(),
            currency: "nzd".into(),
            expiring_window_days: "60".into(),
            safety_days: "7".into(),
            cover_days: "30".into(),
            gs1_separator: " | ".into(),
            session_idle_minutes: String::new(),
            session_max_hours: "12".into(),
        }
    }

    fn fields(e: ServiceError) -> Vec<String> {
        match e {
            ServiceError::Invalid { errors, .. } => errors.into_iter().map(|f| f.field).collect(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn a_good_form_becomes_typed_values() {
        let v = validate(&draft()).unwrap();
        assert_eq!(v.clinic_name, "Lumen Skin");
        assert_eq!(v.currency, "NZD");
        assert_eq!(
            (v.expiring_window_days, v.safety_days, v.cover_days),
            (60, 7, 30)
        );
        assert_eq!(v.gs1_separator, "|");
        assert_eq!(v.session_idle_minutes, SESSION_IDLE_MINUTES);
        assert_eq!(v.session_max_hours, 12);
    }

    #[test]
    fn every_bad_field_is_named() {
        let d = SettingsDraft {
            clinic_name: "  ".into(),
            currency: "EU1".into(),
            expiring_window_days: "731".into(),
            safety_days: "-1".into(),
            cover_days: "x".into(),
            gs1_separator: "a".into(),
            session_idle_minutes: "0".into(),
            session_max_hours: "721".into(),
        };
        assert_eq!(
            fields(validate(&d).unwrap_err()),
            [
                "clinic_name",
                "currency",
                "expiring_window_days",
                "safety_days",
                "cover_days",
                "gs1_separator",
                "session_idle_minutes",
                "session_max_hours"
            ]
        );
    }
}
