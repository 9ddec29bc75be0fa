//! Follow-ups of sessions (side effects noticed after them): appending one
//! and reading those of some sessions with who recorded them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::models::FollowUp;
use super::schema::{follow_ups, users};
use crate::domain::vocab::Severity;

/// A follow-up row to insert.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    pub session_id: i64,
    pub observed_on: NaiveDate,
    pub side_effects: String,
    pub side_effect_other: Option<String>,
    pub severity: Severity,
    pub note: Option<String>,
    pub user_id: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, f: &NewFollowUp) -> QueryResult<i64> {
    // The usage report counts follow-up side effects on the session's day.
    super::sessions::touch_session_day(conn, f.session_id)?;
    diesel::insert_into(follow_ups::table)
        .values((
            follow_ups::session_id.eq(f.session_id),
            follow_ups::observed_on.eq(f.observed_on),
            follow_ups::side_effects.eq(&f.side_effects),
            follow_ups::side_effect_other.eq(&f.side_effect_other),
            follow_ups::severity.eq(&f.severity),
            follow_ups::note.eq(&f.note),
            follow_ups::user_id.eq(f.user_id),
            follow_ups::created_at.eq(f.created_at),
        ))
        .returning(follow_ups::id)
        .get_result(conn)
}

/// A follow-up with the login and display name of who recorded it.
#[derive(Debug, Clone)]
pub struct FollowUpRow {
    pub follow_up: FollowUp,
    pub username: String,
    pub display_name: Option<String>,
}

impl FollowUpRow {
    /// "Pia Novak", else the login.
    pub fn recorded_by_shown(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.username)
    }
}

/// The follow-ups of some sessions, oldest observation first.
pub fn of_sessions(conn: &mut DbConn, session_ids: &[i64]) -> QueryResult<Vec<FollowUpRow>> {
    if session_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(FollowUp, String, Option<String>)> = follow_ups::table
        .inner_join(users::table)
        .filter(follow_ups::session_id.eq_any(session_ids.to_vec()))
        .order((
            follow_ups::session_id,
            follow_ups::observed_on,
            follow_ups::id,
        ))
        .select((FollowUp::as_select(), users::username, users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(follow_up, username, display_name)| FollowUpRow {
            follow_up,
            username,
            display_name,
        })
        .collect())
}

/// Up to `limit` follow-ups after `after_id`, by id, with who recorded them
/// (the export).
pub fn after(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<FollowUpRow>> {
    let rows: Vec<(FollowUp, String, Option<String>)> = follow_ups::table
        .inner_join(users::table)
        .filter(follow_ups::id.gt(after_id))
        .order(follow_ups::id)
        .limit(limit)
        .select((FollowUp::as_select(), users::username, users::display_name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(follow_up, username, display_name)| FollowUpRow {
            follow_up,
            username,
            display_name,
        })
        .collect())
}
