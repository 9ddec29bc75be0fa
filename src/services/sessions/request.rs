//! A session request as typed (form or JSON, every field text) and its
//! normalised form. The normalised request is what the idempotency hash
//! covers: the same request typed twice hashes the same (codes sorted,
//! whitespace trimmed, client reference upper-cased, numbers parsed), and a
//! request that leaves the time out hashes the same on every retry.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::domain::clock::SiteClock;
use crate::domain::session_facts;
use crate::domain::vocab::{Addon, Indication, SideEffect};
use crate::domain::{NeedleLength, Quantity};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};

/// Most lines one session may have.
pub const MAX_LINES: usize = 40;
/// How far in the future `performed_at` may be (clock skew between devices).
pub const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// One line as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineDraft {
    pub product_id: Option<String>,
    pub quantity: Option<String>,
    /// A lot chosen by the practitioner instead of FEFO.
    pub lot_id: Option<String>,
    /// "New tube opened": the line opens a container of the product (from
    /// the named sealed lot, else FEFO) and takes its quantity from it.
    pub open_new: bool,
}

/// A session as typed. `lines: None` means "the protocol's lines".
#[derive(Debug, Clone, Default)]
pub struct SessionDraft {
    pub site: Option<String>,
    pub client_ref: Option<String>,
    pub needle_length_mm: Option<String>,
    pub indication: Option<String>,
    pub protocol_id: Option<String>,
    /// RFC 3339 or `YYYY-MM-DDTHH:MM` (UTC); empty means now.
    pub performed_at: Option<String>,
    pub lines: Option<Vec<LineDraft>>,
    pub addons: Vec<String>,
    pub side_effects: Vec<String>,
    pub side_effect_other: Option<String>,
    pub notes: Option<String>,
    /// Treatment areas: each an area id, code or name (`services::areas::resolve`).
    pub areas: Vec<String>,
    /// Whole minutes, 1–480.
    pub duration_minutes: Option<String>,
    /// When the topical anaesthetic went on: a time like `performed_at`,
    /// or `HH:MM` on the session's day at the site.
    pub anaesthetic_applied_at: Option<String>,
    /// How long it stayed on, whole minutes 0–1440.
    pub anaesthetic_contact_minutes: Option<String>,
    /// "I have checked these warnings": the form's tick box carries the
    /// codes of the warnings seen (`session_warnings::signature`), the API
    /// `true`. Not part of the fingerprint (a retry is the same session).
    pub confirm_warnings: Option<String>,
    /// The form: a session with warnings that are not confirmed is not
    /// saved (`warnings_unconfirmed`); the API never asks.
    pub ask_confirmation: bool,
}

/// A line after parsing; the unit and the product are checked later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalLine {
    pub product_id: i64,
    /// Thousandths, > 0.
    pub quantity: i64,
    pub lot_id: Option<i64>,
    /// Opens a new container for this line (`LineDraft::open_new`).
    pub open_new: bool,
}

/// The request after parsing every field (no database needed).
#[derive(Debug, Clone)]
pub struct NormalRequest {
    pub site: Option<String>,
    pub client_ref: String,
    pub needle: i32,
    pub indication: Option<Indication>,
    pub protocol_id: Option<i64>,
    pub performed_at: Option<NaiveDateTime>,
    pub lines: Option<Vec<NormalLine>>,
    pub addons: Vec<Addon>,
    pub side_effects: Vec<SideEffect>,
    pub side_effect_other: Option<String>,
    pub notes: Option<String>,
    /// Areas as typed (trimmed, sorted, no duplicates); resolved in the transaction.
    pub areas: Vec<String>,
    pub duration_minutes: Option<i32>,
    pub anaesthetic_applied_at: Option<NaiveDateTime>,
    pub anaesthetic_contact_minutes: Option<i32>,
    pub confirm_warnings: Option<String>,
    pub ask_confirmation: bool,
}

pub(crate) fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The field name of a line's field in error messages: `lines[2].quantity`.
pub fn line_field(index: usize, field: &str) -> String {
    format!("lines[{index}].{field}")
}

/// A client reference is a pseudonymous code (e.g. `C-1042`), never a name:
/// 2–32 letters, digits or `-_.`, at least one digit, no spaces (it goes
/// into URLs such as `/clients/C-1042` as it is).
pub fn parse_client_ref(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("enter the client's code".into());
    }
    if t.chars().any(char::is_whitespace) {
        return Err("a client code has no spaces (use the code, e.g. C-1042, never a name)".into());
    }
    if t.chars().count() > 32 || t.chars().count() < 2 {
        return Err("a client code has 2–32 characters".into());
    }
    if !t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err("a client code uses letters, digits and - _ . only".into());
    }
    if !t.chars().any(|c| c.is_ascii_digit()) {
        return Err("a client code contains digits (e.g. C-1042); never type a name".into());
    }
    Ok(t.to_ascii_uppercase())
}

fn parse_id(p: &mut Problems, field: &str, v: Option<&str>) -> Option<i64> {
    let t = v?;
    match t.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            p.add(field, "not a valid id");
            None
        }
    }
}

fn parse_codes<T: Copy + Ord>(
    p: &mut Problems,
    field: &str,
    values: &[String],
    parse: impl Fn(&str) -> Option<T>,
    choices: String,
) -> Vec<T> {
    let mut out = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match parse(v) {
            Some(c) => out.push(c),
            None => p.add(field, format!("unknown value '{v}' (one of {choices})")),
        }
    }
    out.sort();
    out.dedup();
    out
}

fn bounded_text(p: &mut Problems, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    let t = text(v)?;
    if t.chars().count() > max {
        p.add(field, format!("at most {max} characters"));
        return None;
    }
    Some(t.to_string())
}

/// Parses every field; all problems at once (422), nothing read or written.
/// A `performed_at` without an offset is a time on the site's `clock`.
pub fn normalise(
    d: &SessionDraft,
    now: NaiveDateTime,
    clock: &SiteClock,
) -> ServiceResult<NormalRequest> {
    let mut p = Problems::new();
    let client_ref = match text(&d.client_ref) {
        Some(t) => p.take("client_ref", parse_client_ref(t)),
        None => {
            p.add("client_ref", "enter the client's code (never a name)");
            None
        }
    };
    let needle = match text(&d.needle_length_mm) {
        Some(t) => p
            .take("needle_length_mm", NeedleLength::parse(t))
            .map(|n| n.0),
        None => {
            p.add("needle_length_mm", "enter the needle length in mm");
            None
        }
    };
    let indication = match text(&d.indication) {
        Some(t) => {
            let v = Indication::parse(t);
            if v.is_none() {
                p.add(
                    "indication",
                    format!("unknown indication (one of {})", Indication::choices()),
                );
            }
            v
        }
        None => None,
    };
    let protocol_id = parse_id(&mut p, "protocol_id", text(&d.protocol_id));
    let performed_at = match text(&d.performed_at) {
        Some(t) => match clock.parse_time(t) {
            Ok(ts) if ts > now + chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES) => {
                p.add("performed_at", "cannot be in the future");
                None
            }
            Ok(ts) => Some(chrono::SubsecRound::trunc_subsecs(ts, 6)),
            Err(e) => {
                p.add("performed_at", e);
                None
            }
        },
        None => None,
    };
    let lines = d.lines.as_ref().map(|lines| {
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let product = match text(&l.product_id) {
                Some(t) => parse_id(&mut p, &line_field(i, "product_id"), Some(t)),
                None => {
                    p.add(&line_field(i, "product_id"), "choose a product");
                    None
                }
            };
            let quantity = match text(&l.quantity) {
                Some(t) => match Quantity::parse_signed(t) {
                    Ok(q) if q.0 > 0 => Some(q.0),
                    Ok(_) => {
                        p.add(&line_field(i, "quantity"), "must be more than zero");
                        None
                    }
                    Err(e) => {
                        p.add(&line_field(i, "quantity"), e.to_string());
                        None
                    }
                },
                None => {
                    p.add(&line_field(i, "quantity"), "enter the quantity used");
                    None
                }
            };
            let lot_id = parse_id(&mut p, &line_field(i, "lot_id"), text(&l.lot_id));
            if let (Some(product_id), Some(quantity)) = (product, quantity) {
                out.push(NormalLine {
                    product_id,
                    quantity,
                    lot_id,
                    open_new: l.open_new,
                });
            }
        }
        out
    });
    match &lines {
        Some(l) if l.is_empty() && p.is_empty() => {
            p.add("lines", "add at least one line (product and quantity)")
        }
        Some(l) if l.len() > MAX_LINES => {
            p.add("lines", format!("at most {MAX_LINES} lines per session"))
        }
        None if protocol_id.is_none() && text(&d.protocol_id).is_none() => p.add(
            "lines",
            "give the lines used, or a protocol whose lines apply",
        ),
        _ => {}
    }
    let addons = parse_codes(&mut p, "addons", &d.addons, Addon::parse, Addon::choices());
    let mut side_effects = parse_codes(
        &mut p,
        "side_effects",
        &d.side_effects,
        SideEffect::parse,
        SideEffect::choices(),
    );
    let side_effect_other = bounded_text(&mut p, "side_effect_other", &d.side_effect_other, 200);
    if side_effect_other.is_some() && !side_effects.contains(&SideEffect::Other) {
        side_effects.push(SideEffect::Other);
        side_effects.sort();
    }
    let notes = bounded_text(&mut p, "notes", &d.notes, 2000);
    let site = text(&d.site).map(str::to_string);
    let mut areas: Vec<String> = d
        .areas
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    areas.sort();
    areas.dedup();
    if areas.len() > 20 {
        p.add("areas", "at most 20 areas per session");
    }
    let duration_minutes = text(&d.duration_minutes)
        .and_then(|t| p.take("duration_minutes", session_facts::parse_duration(t)));
    let anaesthetic_contact_minutes = text(&d.anaesthetic_contact_minutes).and_then(|t| {
        p.take(
            "anaesthetic_contact_minutes",
            session_facts::parse_contact_minutes(t),
        )
    });
    let anaesthetic_applied_at = text(&d.anaesthetic_applied_at).and_then(|t| {
        let at = performed_at.unwrap_or(now);
        p.take("anaesthetic_applied_at", applied_at(t, at, now, clock))
    });
    p.finish()?;
    let (Some(client_ref), Some(needle)) = (client_ref, needle) else {
        return Err(ServiceError::Internal("validated values missing".into()));
    };
    Ok(NormalRequest {
        site,
        client_ref,
        needle,
        indication,
        protocol_id,
        performed_at,
        lines,
        addons,
        side_effects,
        side_effect_other,
        notes,
        areas,
        duration_minutes,
        anaesthetic_applied_at,
        anaesthetic_contact_minutes,
        confirm_warnings: text(&d.confirm_warnings).map(str::to_string),
        ask_confirmation: d.ask_confirmation,
    })
}

/// When the anaesthetic went on: `HH:MM` on the session's day at the site,
/// or a full time; not in the future and within a day of the session.
fn applied_at(
    t: &str,
    session: NaiveDateTime,
    now: NaiveDateTime,
    clock: &SiteClock,
) -> Result<NaiveDateTime, String> {
    let at = match chrono::NaiveTime::parse_from_str(t, "%H:%M") {
        Ok(hm) => {
            let day = clock.local_date(session);
            clock.parse_time(&format!("{day}T{}", hm.format("%H:%M")))?
        }
        Err(_) => clock.parse_time(t)?,
    };
    if at > now + chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        return Err("cannot be in the future".into());
    }
    if (at - session).num_minutes().abs() > 24 * 60 {
        return Err("must be within a day of the session's time".into());
    }
    Ok(chrono::SubsecRound::trunc_subsecs(at, 0))
}

/// Checks the idempotency key: 8–200 visible ASCII characters.
pub fn parse_key(key: &str) -> ServiceResult<String> {
    let k = key.trim();
    if k.len() < 8 || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServiceError::invalid_code(
            ErrorCode::InvalidIdempotencyKey,
            "idempotency_key",
            "Idempotency-Key must be 8–200 visible ASCII characters (e.g. a UUID)",
        ));
    }
    Ok(k.to_string())
}

/// The fingerprint of a request: SHA-256 over its canonical JSON, with the
/// user who sent it (the same key from another user is another request).
pub fn fingerprint(r: &NormalRequest, user_id: i64) -> String {
    let canonical = serde_json::json!({
        "user": user_id,
        "site": r.site,
        "client_ref": r.client_ref,
        "needle": r.needle,
        "indication": r.indication.map(|i| i.code()),
        "protocol_id": r.protocol_id,
        "performed_at": r.performed_at.map(|t| t.and_utc().timestamp_micros()),
        "lines": r.lines.as_ref().map(|ls| ls.iter().map(line_print).collect::<Vec<_>>()),
        "addons": r.addons.iter().map(|a| a.code()).collect::<Vec<_>>(),
        "side_effects": r.side_effects.iter().map(|a| a.code()).collect::<Vec<_>>(),
        "side_effect_other": r.side_effect_other,
        "notes": r.notes,
        "areas": r.areas,
        "duration_minutes": r.duration_minutes,
        "anaesthetic_applied_at": r.anaesthetic_applied_at.map(|t| t.and_utc().timestamp()),
        "anaesthetic_contact_minutes": r.anaesthetic_contact_minutes,
    });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// One line in the fingerprint. "New tube opened" is added only when
/// ticked, so requests without it hash as they did before it existed.
fn line_print(l: &NormalLine) -> serde_json::Value {
    if l.open_new {
        serde_json::json!([l.product_id, l.quantity, l.lot_id, "open_new"])
    } else {
        serde_json::json!([l.product_id, l.quantity, l.lot_id])
    }
}

/// Codes as stored: comma-separated.
pub fn join_codes<T: Copy>(values: &[T], code: impl Fn(T) -> &'static str) -> String {
    values
        .iter()
        .map(|v| code(*v))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SessionDraft {
        SessionDraft {
            client_ref: Some(" c-1042 ".into()),
            needle_length_mm: Some("1.5".into()),
            lines: Some(vec![LineDraft {
                product_id: Some("3".into()),
                quantity: Some("1".into()),
                lot_id: None,
                open_new: false,
            }]),
            side_effects: vec!["redness".into(), "bleeding".into()],
            ..SessionDraft::default()
        }
    }

    #[test]
    fn same_request_same_hash_whatever_the_spelling() {
        let now = crate::db::now();
        let a = normalise(&draft(), now, &SiteClock::utc()).unwrap();
        let mut d2 = draft();
        d2.client_ref = Some("C-1042".into());
        d2.needle_length_mm = Some("1.50".into());
        d2.side_effects = vec!["bleeding".into(), "redness".into(), "redness".into()];
        d2.lines = Some(vec![LineDraft {
            product_id: Some("3".into()),
            quantity: Some("1.000".into()),
            lot_id: Some(String::new()),
            open_new: false,
        }]);
        let b = normalise(&d2, now, &SiteClock::utc()).unwrap();
        assert_eq!(fingerprint(&a, 1), fingerprint(&b, 1));
        assert_ne!(fingerprint(&a, 1), fingerprint(&a, 2), "other user");
        let mut d4 = draft();
        d4.confirm_warnings = Some("true".into());
        d4.ask_confirmation = true;
        let c = normalise(&d4, now, &SiteClock::utc()).unwrap();
        assert_eq!(c.confirm_warnings.as_deref(), Some("true"));
        assert_eq!(
            fingerprint(&a, 1),
            fingerprint(&c, 1),
            "a retry that confirms"
        );
        let mut d3 = draft();
        d3.lines.as_mut().unwrap()[0].quantity = Some("2".into());
        assert_ne!(
            fingerprint(&a, 1),
            fingerprint(&normalise(&d3, now, &SiteClock::utc()).unwrap(), 1)
        );
        let mut d5 = draft();
        d5.lines.as_mut().unwrap()[0].open_new = true;
        let e = normalise(&d5, now, &SiteClock::utc()).unwrap();
        assert!(e.lines.as_ref().unwrap()[0].open_new);
        assert_ne!(fingerprint(&a, 1), fingerprint(&e, 1), "a new tube opened");
    }

    #[test]
    fn client_refs_are_codes_not_names() {
        assert_eq!(parse_client_ref("c-1042").unwrap(), "C-1042");
        assert!(parse_client_ref("Jane Doe").is_err());
        assert!(parse_client_ref("JaneDoe").is_err());
        assert!(parse_client_ref("").is_err());
    }

    #[test]
    fn refuses_future_times_and_missing_lines() {
        let now = crate::db::now();
        let mut d = draft();
        d.performed_at = Some("2999-01-01T10:00".into());
        let e = normalise(&d, now, &SiteClock::utc()).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "performed_at");
        let mut d = draft();
        d.lines = None;
        let e = normalise(&d, now, &SiteClock::utc()).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "lines");
        let mut d = draft();
        d.lines.as_mut().unwrap()[0].quantity = Some("0".into());
        let e = normalise(&d, now, &SiteClock::utc()).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "lines[0].quantity");
    }
}
