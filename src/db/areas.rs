//! Treatment areas (an admin list) and the areas each session names.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{session_areas, treatment_areas, treatment_sessions};
use super::{DbConn, now};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = treatment_areas)]
pub struct TreatmentArea {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

/// Every area, retired ones included, in list order.
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<TreatmentArea>> {
    treatment_areas::table
        .select(TreatmentArea::as_select())
        .order((treatment_areas::position, treatment_areas::id))
        .load(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<TreatmentArea>> {
    treatment_areas::table
        .find(id)
        .select(TreatmentArea::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, code: &str, name: &str) -> QueryResult<i64> {
    let last: Option<i32> = treatment_areas::table
        .select(diesel::dsl::max(treatment_areas::position))
        .first(conn)?;
    diesel::insert_into(treatment_areas::table)
        .values((
            treatment_areas::code.eq(code),
            treatment_areas::name.eq(name),
            treatment_areas::position.eq(last.unwrap_or(0) + 1),
            treatment_areas::active.eq(true),
            treatment_areas::created_at.eq(now()),
        ))
        .returning(treatment_areas::id)
        .get_result(conn)
}

pub fn rename(conn: &mut DbConn, id: i64, name: &str) -> QueryResult<usize> {
    diesel::update(treatment_areas::table.find(id))
        .set(treatment_areas::name.eq(name))
        .execute(conn)
}

pub fn set_active(conn: &mut DbConn, id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(treatment_areas::table.find(id))
        .set(treatment_areas::active.eq(active))
        .execute(conn)
}

/// Stores the areas of a new session.
pub fn set_for_session(conn: &mut DbConn, session_id: i64, area_ids: &[i64]) -> QueryResult<()> {
    for a in area_ids {
        diesel::insert_into(session_areas::table)
            .values((
                session_areas::session_id.eq(session_id),
                session_areas::area_id.eq(*a),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (session id, area) for some sessions, in list order.
pub fn of_sessions(
    conn: &mut DbConn,
    session_ids: &[i64],
) -> QueryResult<Vec<(i64, TreatmentArea)>> {
    if session_ids.is_empty() {
        return Ok(Vec::new());
    }
    session_areas::table
        .inner_join(treatment_areas::table)
        .filter(session_areas::session_id.eq_any(session_ids.to_vec()))
        .select((session_areas::session_id, TreatmentArea::as_select()))
        .order((
            session_areas::session_id,
            treatment_areas::position,
            treatment_areas::id,
        ))
        .load(conn)
}

/// (performed at, area) for each area each session (not voided) of a site
/// performed in `[from, to)` named: the usage digests bucket them by day.
pub fn session_area_times(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(NaiveDateTime, i64)>> {
    session_areas::table
        .inner_join(treatment_sessions::table)
        .filter(treatment_sessions::site_id.eq(site_id))
        .filter(treatment_sessions::performed_at.ge(from))
        .filter(treatment_sessions::performed_at.lt(to))
        .filter(treatment_sessions::voided_at.is_null())
        .select((treatment_sessions::performed_at, session_areas::area_id))
        .load(conn)
}
