//! The indications' usual needle ranges (an admin list, issue 15 part 4)
//! and who confirmed a session's warnings.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{indication_ranges, session_warning_checks, users};
use super::{DbConn, now};
use crate::domain::vocab::Indication;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = indication_ranges)]
pub struct IndicationRange {
    pub id: i64,
    pub indication: Indication,
    /// Hundredths of a mm.
    pub needle_min: i32,
    pub needle_max: i32,
    pub updated_at: NaiveDateTime,
}

/// Every range.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<IndicationRange>> {
    indication_ranges::table
        .select(IndicationRange::as_select())
        .order(indication_ranges::id)
        .load(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<IndicationRange>> {
    indication_ranges::table
        .find(id)
        .select(IndicationRange::as_select())
        .first(conn)
        .optional()
}

pub fn by_indication(conn: &mut DbConn, code: Indication) -> QueryResult<Option<IndicationRange>> {
    indication_ranges::table
        .filter(indication_ranges::indication.eq(code))
        .select(IndicationRange::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, code: Indication, min: i32, max: i32) -> QueryResult<i64> {
    diesel::insert_into(indication_ranges::table)
        .values((
            indication_ranges::indication.eq(code),
            indication_ranges::needle_min.eq(min),
            indication_ranges::needle_max.eq(max),
            indication_ranges::updated_at.eq(now()),
        ))
        .returning(indication_ranges::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, min: i32, max: i32) -> QueryResult<usize> {
    diesel::update(indication_ranges::table.find(id))
        .set((
            indication_ranges::needle_min.eq(min),
            indication_ranges::needle_max.eq(max),
            indication_ranges::updated_at.eq(now()),
        ))
        .execute(conn)
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(indication_ranges::table.find(id)).execute(conn)
}

/// Who confirmed a session's warnings, when, and the codes covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningCheck {
    pub user_id: i64,
    pub username: String,
    pub display_name: Option<String>,
    pub checked_at: NaiveDateTime,
    pub codes: String,
}

impl WarningCheck {
    /// The display name, else the login.
    pub fn shown(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.username)
    }
}

/// Records that `user_id` confirmed the session's warnings (`codes`).
pub fn insert_check(
    conn: &mut DbConn,
    session_id: i64,
    user_id: i64,
    at: NaiveDateTime,
    codes: &str,
) -> QueryResult<usize> {
    diesel::insert_into(session_warning_checks::table)
        .values((
            session_warning_checks::session_id.eq(session_id),
            session_warning_checks::checked_by.eq(user_id),
            session_warning_checks::checked_at.eq(at),
            session_warning_checks::codes.eq(codes),
        ))
        .execute(conn)
}

pub fn check_of(conn: &mut DbConn, session_id: i64) -> QueryResult<Option<WarningCheck>> {
    let row: Option<(i64, String, Option<String>, NaiveDateTime, String)> =
        session_warning_checks::table
            .inner_join(users::table)
            .filter(session_warning_checks::session_id.eq(session_id))
            .select((
                users::id,
                users::username,
                users::display_name,
                session_warning_checks::checked_at,
                session_warning_checks::codes,
            ))
            .first(conn)
            .optional()?;
    Ok(row.map(
        |(user_id, username, display_name, checked_at, codes)| WarningCheck {
            user_id,
            username,
            display_name,
            checked_at,
            codes,
        },
    ))
}

/// (session id, who checked, when) for some sessions (the export).
pub fn checks_of(
    conn: &mut DbConn,
    session_ids: &[i64],
) -> QueryResult<Vec<(i64, i64, NaiveDateTime)>> {
    if session_ids.is_empty() {
        return Ok(Vec::new());
    }
    session_warning_checks::table
        .filter(session_warning_checks::session_id.eq_any(session_ids.to_vec()))
        .select((
            session_warning_checks::session_id,
            session_warning_checks::checked_by,
            session_warning_checks::checked_at,
        ))
        .load(conn)
}
