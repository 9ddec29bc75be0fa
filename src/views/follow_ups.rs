//! Follow-ups on the session page (the list and the form) and in a
//! client's history (count and worst severity per session).

use super::sessions::{Check, Choice, side_effect_checks};
use crate::domain::vocab::{Severity, SideEffect};
use crate::error::FieldError;
use crate::services::sessions::FollowUpView;

/// A follow-up as the session page lists it.
#[derive(Debug, Clone)]
pub struct ShownFollowUp {
    pub id: i64,
    pub observed_on: String,
    pub effects: String,
    pub severity: String,
    /// The severity code (`mild`…), for styling and tests.
    pub severity_code: String,
    pub note: String,
    pub recorded_by: String,
}

/// "Redness, other: rash".
pub fn effects_text(f: &FollowUpView) -> String {
    let mut out: Vec<String> = f
        .side_effects
        .iter()
        .filter(|e| **e != SideEffect::Other)
        .map(|e| e.label().to_string())
        .collect();
    if f.side_effects.contains(&SideEffect::Other) {
        match &f.side_effect_other {
            Some(o) => out.push(format!("other: {o}")),
            None => out.push("other".into()),
        }
    }
    out.join(", ")
}

impl ShownFollowUp {
    pub fn from_view(f: &FollowUpView) -> ShownFollowUp {
        ShownFollowUp {
            id: f.id,
            observed_on: f.observed_on.to_string(),
            effects: effects_text(f),
            severity: f.severity.map(|s| s.label()).unwrap_or("—").to_string(),
            severity_code: f.severity.map(|s| s.code()).unwrap_or("").to_string(),
            note: f.note.clone().unwrap_or_default(),
            recorded_by: f.recorded_by_name.clone(),
        }
    }
}

/// The follow-up form as typed, with its field errors.
#[derive(Debug, Clone)]
pub struct FollowUpForm {
    pub observed_on: String,
    /// The session's day and the site's today (the date field's bounds).
    pub min: String,
    pub max: String,
    pub effects: Vec<Check>,
    pub other: String,
    pub severities: Vec<Choice>,
    pub note: String,
    pub errors: super::form::FieldErrors,
}

impl FollowUpForm {
    /// The form as typed (or empty: `observed_on` defaults to `max`).
    pub fn new(
        min: String,
        max: String,
        typed: Option<(&FollowUpTyped, Vec<FieldError>)>,
    ) -> FollowUpForm {
        let empty = FollowUpTyped::default();
        let (t, errors) = match typed {
            Some((t, e)) => (t, e),
            None => (&empty, Vec::new()),
        };
        FollowUpForm {
            observed_on: if typed_is_blank(t) {
                max.clone()
            } else {
                t.observed_on.clone()
            },
            min,
            max,
            effects: side_effect_checks(&t.side_effects),
            other: t.side_effect_other.clone(),
            severities: Severity::ALL
                .iter()
                .map(|s| Choice::new(s.code(), s.label(), &t.severity))
                .collect(),
            note: t.note.clone(),
            errors: errors.into(),
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

fn typed_is_blank(t: &FollowUpTyped) -> bool {
    t.observed_on.is_empty()
        && t.side_effects.is_empty()
        && t.severity.is_empty()
        && t.note.is_empty()
        && t.side_effect_other.is_empty()
}

/// The follow-up form's fields as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FollowUpTyped {
    #[serde(default)]
    pub observed_on: String,
    #[serde(default)]
    pub side_effects: Vec<String>,
    #[serde(default)]
    pub side_effect_other: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub note: String,
}

/// A session's follow-ups in one line of a client's history.
#[derive(Debug, Clone, Default)]
pub struct FollowUpSummary {
    pub count: usize,
    /// The worst severity's label, empty when there are none.
    pub worst: String,
    pub worst_code: String,
    /// Every effect seen, for the title.
    pub effects: String,
}

impl FollowUpSummary {
    pub fn of(follow_ups: &[&FollowUpView]) -> FollowUpSummary {
        let worst = follow_ups.iter().filter_map(|f| f.severity).max();
        let mut effects: Vec<String> = Vec::new();
        for f in follow_ups {
            let t = effects_text(f);
            if !effects.contains(&t) {
                effects.push(t);
            }
        }
        FollowUpSummary {
            count: follow_ups.len(),
            worst: worst.map(|s| s.label().to_lowercase()).unwrap_or_default(),
            worst_code: worst.map(|s| s.code()).unwrap_or("").to_string(),
            effects: effects.join("; "),
        }
    }
}
