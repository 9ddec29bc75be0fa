//! Follow-ups (DOMAIN.md "Follow-ups", issue 15): side effects noticed after
//! a session — the day, the effects (the session's list plus "other"), how
//! bad, a note, who — recorded as rows of their own. The session itself is
//! never edited.
//!
//! A void session takes no follow-up (409 `session_voided`): it is treated
//! as not having happened (its stock went back, it is out of the usage
//! figures), so reactions recorded against it would mislead.

use chrono::{NaiveDate, NaiveDateTime};

use super::request::text;
use crate::db::{
    self, DbConn,
    follow_ups::{FollowUpRow, NewFollowUp},
};
use crate::domain::access::{Action, Actor};
use crate::domain::input::{control_character, control_character_message};
use crate::domain::vocab::{Severity, SideEffect};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};
use crate::services::receiving::parse_date;

/// Longest note, in characters.
pub const MAX_NOTE: usize = 1000;
/// Longest "other" effect text, in characters.
pub const MAX_OTHER: usize = 200;

/// A follow-up as typed (form or JSON), every field text.
#[derive(Debug, Clone, Default)]
pub struct FollowUpDraft {
    /// `YYYY-MM-DD`, a day at the session's site.
    pub observed_on: Option<String>,
    /// `SideEffect` codes.
    pub side_effects: Vec<String>,
    pub side_effect_other: Option<String>,
    /// A `Severity` code.
    pub severity: Option<String>,
    pub note: Option<String>,
}

/// A stored follow-up as people and API clients read it.
#[derive(Debug, Clone)]
pub struct FollowUpView {
    pub id: i64,
    pub session_id: i64,
    pub observed_on: NaiveDate,
    pub side_effects: Vec<SideEffect>,
    pub side_effect_other: Option<String>,
    /// `None` only for a stored code this version does not know.
    pub severity: Option<Severity>,
    pub note: Option<String>,
    /// The login of who recorded it.
    pub recorded_by: String,
    /// Their display name, else the login.
    pub recorded_by_name: String,
    pub created_at: NaiveDateTime,
}

impl FollowUpView {
    pub fn from_row(r: &FollowUpRow) -> FollowUpView {
        let f = &r.follow_up;
        FollowUpView {
            id: f.id,
            session_id: f.session_id,
            observed_on: f.observed_on,
            side_effects: f.side_effects.0.clone(),
            side_effect_other: f.side_effect_other.clone(),
            severity: Some(f.severity),
            note: f.note.clone(),
            recorded_by: r.username.clone(),
            recorded_by_name: r.recorded_by_shown().to_string(),
            created_at: f.created_at,
        }
    }
}

/// The follow-ups of some sessions (the caller has checked it may see
/// them), oldest observation first.
pub fn of_sessions(conn: &mut DbConn, session_ids: &[i64]) -> ServiceResult<Vec<FollowUpView>> {
    Ok(db::follow_ups::of_sessions(conn, session_ids)?
        .iter()
        .map(FollowUpView::from_row)
        .collect())
}

/// A follow-up checked against its session's day and the site's today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalFollowUp {
    pub observed_on: NaiveDate,
    pub side_effects: Vec<SideEffect>,
    pub side_effect_other: Option<String>,
    pub severity: Severity,
    pub note: Option<String>,
}

fn free_text(p: &mut Problems, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    let t = text(v)?;
    if let Some(c) = control_character(field, t) {
        p.add(field, control_character_message(c));
        return None;
    }
    if t.chars().count() > max {
        p.add(field, format!("at most {max} characters"));
        return None;
    }
    Some(t.to_string())
}

fn effects(p: &mut Problems, codes: &[String]) -> Vec<SideEffect> {
    let mut out: Vec<SideEffect> = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match SideEffect::parse(code) {
            Some(e) if !out.contains(&e) => out.push(e),
            Some(_) => {}
            None => {
                p.add(
                    "side_effects",
                    format!(
                        "unknown side effect '{code}' (one of {})",
                        SideEffect::choices()
                    ),
                );
                return Vec::new();
            }
        }
    }
    if out.is_empty() && p.is_empty() {
        p.add("side_effects", "choose at least one side effect");
    }
    out.sort();
    out
}

/// Checks every field (all problems at once, 422): `session_day` is the
/// session's day at its site, `today` the site's today.
pub fn normalise(
    d: &FollowUpDraft,
    session_day: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<NormalFollowUp> {
    let mut p = Problems::new();
    let observed_on = match text(&d.observed_on) {
        None => {
            p.add("observed_on", "enter the day the effects were seen");
            None
        }
        Some(t) => match p.take("observed_on", parse_date(t)) {
            Some(day) if day < session_day => {
                p.add(
                    "observed_on",
                    format!("not before the session's day ({session_day})"),
                );
                None
            }
            Some(day) if day > today => {
                p.add("observed_on", format!("not after today ({today})"));
                None
            }
            day => day,
        },
    };
    let mut before = Problems::new();
    let side_effects = effects(&mut before, &d.side_effects);
    p.0.extend(before.0);
    let other = free_text(&mut p, "side_effect_other", &d.side_effect_other, MAX_OTHER);
    let side_effect_other = if side_effects.contains(&SideEffect::Other) {
        if other.is_none() && !p.0.iter().any(|e| e.field == "side_effect_other") {
            p.add("side_effect_other", "say what the other side effect was");
        }
        other
    } else {
        // Text without "other" ticked: the text says there is another effect.
        if other.is_some() {
            p.add(
                "side_effect_other",
                "tick \"Other\" too, or leave this empty",
            );
        }
        None
    };
    let severity = match text(&d.severity) {
        None => {
            p.add("severity", format!("choose {}", Severity::choices()));
            None
        }
        Some(t) => Severity::parse(t).or_else(|| {
            p.add(
                "severity",
                format!("unknown severity '{t}' (one of {})", Severity::choices()),
            );
            None
        }),
    };
    let note = free_text(&mut p, "note", &d.note, MAX_NOTE);
    p.finish()?;
    match (observed_on, severity) {
        (Some(observed_on), Some(severity)) => Ok(NormalFollowUp {
            observed_on,
            side_effects,
            side_effect_other,
            severity,
            note,
        }),
        _ => Err(ServiceError::Internal(
            "follow-up checked without a value".into(),
        )),
    }
}

/// Records a follow-up of session `session_id` (one transaction): another
/// site's session is 404, a void one 409, bad fields 422; the session row
/// is not touched. Writes an audit row.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i64,
    draft: &FollowUpDraft,
) -> ServiceResult<FollowUpView> {
    actor.require(Action::RecordFollowUp)?;
    db::write_tx(conn, |conn| {
        let hidden = || format!("no session {session_id}");
        let row = db::sessions::rows_by_ids(conn, &[session_id])?
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::not_found(hidden()))?;
        crate::services::scope::hide_unless(
            actor,
            Action::RecordFollowUp,
            row.session.site_id,
            hidden,
        )?;
        if row.session.voided_at.is_some() {
            return Err(ServiceError::conflict(
                ErrorCode::SessionVoided,
                format!("session {session_id} is void: it takes no follow-ups"),
            ));
        }
        let clock = row.clock();
        let now = db::now();
        let n = normalise(draft, row.local_date(), clock.today(now))?;
        let codes: Vec<&str> = n.side_effects.iter().map(|e| e.code()).collect();
        let id = db::follow_ups::insert(
            conn,
            &NewFollowUp {
                session_id,
                observed_on: n.observed_on,
                side_effects: codes.join(","),
                side_effect_other: n.side_effect_other.clone(),
                severity: n.severity,
                note: n.note.clone(),
                user_id: actor.user_id,
                created_at: now,
            },
        )?;
        let changes = Changes::new()
            .set("session_id", session_id)
            .set("observed_on", n.observed_on.to_string())
            .set("side_effects", codes.join(","))
            .set("side_effect_other", n.side_effect_other.clone())
            .set("severity", n.severity.code())
            .set("note", n.note.clone());
        audit::record(
            conn,
            &audit::Who::of(actor).at_site(row.session.site_id),
            "create",
            "follow_up",
            Some(id),
            &format!("recorded a follow-up of session {session_id}"),
            &changes,
        )?;
        of_sessions(conn, &[session_id])?
            .into_iter()
            .find(|f| f.id == id)
            .ok_or_else(|| ServiceError::Internal("follow-up not read back".into()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn draft(on: &str, effects: &[&str], other: &str, severity: &str) -> FollowUpDraft {
        FollowUpDraft {
            observed_on: Some(on.into()),
            side_effects: effects.iter().map(|s| s.to_string()).collect(),
            side_effect_other: Some(other.into()),
            severity: Some(severity.into()),
            note: None,
        }
    }

    fn fields(r: ServiceResult<NormalFollowUp>) -> Vec<String> {
        r.unwrap_err()
            .field_errors()
            .iter()
            .map(|e| e.field.clone())
            .collect()
    }

    #[test]
    fn the_day_lies_between_the_session_and_today() {
        let (s, t) = (day("2026-11-20"), day("2026-12-01"));
        let ok = normalise(&draft("2026-11-20", &["milia"], "", "mild"), s, t).unwrap();
        assert_eq!(ok.side_effects, vec![SideEffect::Milia]);
        assert!(normalise(&draft("2026-12-01", &["milia"], "", "mild"), s, t).is_ok());
        for on in ["2026-11-19", "2026-12-02", "soon", ""] {
            assert_eq!(
                fields(normalise(&draft(on, &["milia"], "", "mild"), s, t)),
                vec!["observed_on"],
                "{on}"
            );
        }
    }

    #[test]
    fn effects_other_and_severity_are_checked() {
        let (s, t) = (day("2026-11-20"), day("2026-12-01"));
        let f = |e: &[&str], o: &str, sev: &str| {
            fields(normalise(&draft("2026-11-21", e, o, sev), s, t))
        };
        assert_eq!(f(&[], "", "mild"), vec!["side_effects"]);
        assert_eq!(f(&["itching"], "", "mild"), vec!["side_effects"]);
        assert_eq!(f(&["other"], "", "mild"), vec!["side_effect_other"]);
        assert_eq!(f(&["milia"], "rash", "mild"), vec!["side_effect_other"]);
        assert_eq!(f(&["milia"], "", "awful"), vec!["severity"]);
        assert_eq!(f(&["milia"], "", ""), vec!["severity"]);
        let ok = normalise(
            &draft(
                "2026-11-21",
                &["other", "redness", "redness"],
                " rash ",
                "severe",
            ),
            s,
            t,
        )
        .unwrap();
        assert_eq!(
            ok.side_effects,
            vec![SideEffect::Redness, SideEffect::Other]
        );
        assert_eq!(ok.side_effect_other.as_deref(), Some("rash"));
        assert_eq!(ok.severity, Severity::Severe);
    }

    #[test]
    fn the_note_is_bounded_and_has_no_control_characters() {
        let (s, t) = (day("2026-11-20"), day("2026-12-01"));
        let mut d = draft("2026-11-21", &["milia"], "", "mild");
        d.note = Some("x".repeat(MAX_NOTE + 1));
        assert_eq!(fields(normalise(&d, s, t)), vec!["note"]);
        d.note = Some("bad\u{7}bell".into());
        assert_eq!(fields(normalise(&d, s, t)), vec!["note"]);
        d.note = Some("two\nlines".into());
        assert!(normalise(&d, s, t).is_ok());
    }
}
