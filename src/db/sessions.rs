//! Treatment sessions, their lines, the ledger rows they caused, and the
//! filtered session list (by site, time, practitioner, indication, client
//! reference, lot, void state).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::models::{SessionLine, TreatmentSession};
use super::schema::{
    ledger, locations, lots, protocols, session_lines, sites, treatment_sessions, users,
};
use super::vocab_sql::CodeList;
use super::{DbConn, MultiBackend, now};
use crate::domain::vocab::{Addon, Indication, LedgerKind, SideEffect};

/// A session row to insert.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub site_id: i64,
    pub practitioner_id: i64,
    pub client_ref: String,
    pub performed_at: NaiveDateTime,
    pub indication: Option<Indication>,
    pub needle_length: i32,
    pub protocol_id: Option<i64>,
    pub addons: String,
    pub side_effects: String,
    pub side_effect_other: Option<String>,
    pub notes: Option<String>,
    pub warnings: String,
    pub idempotency_key: String,
    pub request_hash: String,
    pub duration_minutes: Option<i32>,
    pub anaesthetic_applied_at: Option<NaiveDateTime>,
    pub anaesthetic_contact_minutes: Option<i32>,
}

impl NewSession {
    /// The row as stored once `insert` gave it its id and `created_at`.
    /// The add-ons and side effects are given typed (the row holds them
    /// joined).
    pub fn stored(
        self,
        id: i64,
        created_at: NaiveDateTime,
        addons: CodeList<Addon>,
        side_effects: CodeList<SideEffect>,
    ) -> crate::db::models::TreatmentSession {
        crate::db::models::TreatmentSession {
            id,
            site_id: self.site_id,
            practitioner_id: self.practitioner_id,
            client_ref: self.client_ref,
            performed_at: self.performed_at,
            indication: self.indication,
            needle_length: self.needle_length,
            protocol_id: self.protocol_id,
            addons,
            side_effects,
            side_effect_other: self.side_effect_other,
            notes: self.notes,
            warnings: self.warnings,
            idempotency_key: self.idempotency_key,
            request_hash: self.request_hash,
            voided_at: None,
            voided_by: None,
            void_reason: None,
            created_at,
            duration_minutes: self.duration_minutes,
            anaesthetic_applied_at: self.anaesthetic_applied_at,
            anaesthetic_contact_minutes: self.anaesthetic_contact_minutes,
        }
    }
}

/// Inserts a session; its id and the `created_at` the database gave it.
pub fn insert(conn: &mut DbConn, s: &NewSession) -> QueryResult<(i64, NaiveDateTime)> {
    super::stock_version::touch_day(conn, s.site_id, s.performed_at)?;
    diesel::insert_into(treatment_sessions::table)
        .values((
            treatment_sessions::site_id.eq(s.site_id),
            treatment_sessions::practitioner_id.eq(s.practitioner_id),
            treatment_sessions::client_ref.eq(&s.client_ref),
            treatment_sessions::performed_at.eq(s.performed_at),
            treatment_sessions::indication.eq(&s.indication),
            treatment_sessions::needle_length.eq(s.needle_length),
            treatment_sessions::protocol_id.eq(s.protocol_id),
            treatment_sessions::addons.eq(&s.addons),
            treatment_sessions::side_effects.eq(&s.side_effects),
            treatment_sessions::side_effect_other.eq(&s.side_effect_other),
            treatment_sessions::notes.eq(&s.notes),
            treatment_sessions::warnings.eq(&s.warnings),
            treatment_sessions::idempotency_key.eq(&s.idempotency_key),
            treatment_sessions::request_hash.eq(&s.request_hash),
            treatment_sessions::created_at.eq(now()),
            treatment_sessions::duration_minutes.eq(s.duration_minutes),
            treatment_sessions::anaesthetic_applied_at.eq(s.anaesthetic_applied_at),
            treatment_sessions::anaesthetic_contact_minutes.eq(s.anaesthetic_contact_minutes),
        ))
        .returning((treatment_sessions::id, treatment_sessions::created_at))
        .get_result(conn)
}

/// One line of a session; it carries the session's site and time (never
/// changed) for the usage report's index (`session_lines_window`).
pub fn insert_line(
    conn: &mut DbConn,
    session: (i64, i64, NaiveDateTime),
    product_id: i64,
    quantity: i64,
    named_lot_id: Option<i64>,
    position: i32,
) -> QueryResult<i64> {
    let (session_id, site_id, performed_at) = session;
    diesel::insert_into(session_lines::table)
        .values((
            session_lines::session_id.eq(session_id),
            session_lines::site_id.eq(site_id),
            session_lines::performed_at.eq(performed_at),
            session_lines::product_id.eq(product_id),
            session_lines::quantity.eq(quantity),
            session_lines::named_lot_id.eq(named_lot_id),
            session_lines::position.eq(position),
        ))
        .returning(session_lines::id)
        .get_result(conn)
}

/// Rewrites the warnings once allocation has added its own.
pub fn set_warnings(conn: &mut DbConn, id: i64, warnings: &str) -> QueryResult<usize> {
    diesel::update(treatment_sessions::table.find(id))
        .set(treatment_sessions::warnings.eq(warnings))
        .execute(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<TreatmentSession>> {
    treatment_sessions::table
        .find(id)
        .select(TreatmentSession::as_select())
        .first(conn)
        .optional()
}

pub fn by_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<TreatmentSession>> {
    treatment_sessions::table
        .filter(treatment_sessions::idempotency_key.eq(key))
        .select(TreatmentSession::as_select())
        .first(conn)
        .optional()
}

/// Marks a session void unless it already is; returns the rows changed (0 or 1).
pub fn set_voided(
    conn: &mut DbConn,
    id: i64,
    by: i64,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let changed = diesel::update(
        treatment_sessions::table
            .filter(treatment_sessions::id.eq(id))
            .filter(treatment_sessions::voided_at.is_null()),
    )
    .set((
        treatment_sessions::voided_at.eq(at),
        treatment_sessions::voided_by.eq(by),
        treatment_sessions::void_reason.eq(reason),
    ))
    .execute(conn)?;
    if changed > 0 {
        touch_session_day(conn, id)?;
    }
    Ok(changed)
}

/// Notes that the usage report's figures of a session's day change
/// ([`super::stock_version::touch_day`]).
pub fn touch_session_day(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    let found: Option<(i64, NaiveDateTime)> = treatment_sessions::table
        .find(id)
        .select((
            treatment_sessions::site_id,
            treatment_sessions::performed_at,
        ))
        .first(conn)
        .optional()?;
    match found {
        Some((site, at)) => super::stock_version::touch_day(conn, site, at),
        None => Ok(()),
    }
}

/// Lines of some sessions, in position order.
pub fn lines_of(conn: &mut DbConn, session_ids: &[i64]) -> QueryResult<Vec<SessionLine>> {
    if session_ids.is_empty() {
        return Ok(Vec::new());
    }
    session_lines::table
        .filter(session_lines::session_id.eq_any(session_ids.to_vec()))
        .select(SessionLine::as_select())
        .order((
            session_lines::session_id,
            session_lines::position,
            session_lines::id,
        ))
        .load(conn)
}

/// One stock movement a session caused (a `consume` row, a `void` row
/// giving it back, or a `transfer` row of a tube a line opened), with the
/// lot and location a person reads.
#[derive(Debug, Clone, Queryable)]
pub struct Movement {
    pub ledger_id: i64,
    pub session_id: Option<i64>,
    pub session_line_id: Option<i64>,
    pub product_id: i64,
    pub lot_id: i64,
    pub location_id: i64,
    pub delta: i64,
    pub kind: LedgerKind,
    pub lot_number: String,
    pub expiry: NaiveDate,
    pub use_by: NaiveDate,
    pub location_code: String,
    /// The lot row's container (0: sealed).
    pub container: i32,
}

/// Every ledger row of some sessions, oldest first.
pub fn movements_of(conn: &mut DbConn, session_ids: &[i64]) -> QueryResult<Vec<Movement>> {
    if session_ids.is_empty() {
        return Ok(Vec::new());
    }
    ledger::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .filter(ledger::session_id.eq_any(session_ids.to_vec()))
        .select((
            ledger::id,
            ledger::session_id,
            ledger::session_line_id,
            ledger::product_id,
            ledger::lot_id,
            ledger::location_id,
            ledger::delta,
            ledger::kind,
            lots::lot_number,
            lots::expiry,
            lots::use_by,
            locations::code,
            lots::container,
        ))
        .order(ledger::id)
        .load(conn)
}

/// Filters of the session list (page and API).
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub site_id: Option<i64>,
    /// performed_at >= from
    pub from: Option<NaiveDateTime>,
    /// performed_at < to
    pub to: Option<NaiveDateTime>,
    pub practitioner_id: Option<i64>,
    pub indication: Option<Indication>,
    pub client_ref: Option<String>,
    /// Sessions that took stock from this lot (or its opened containers).
    pub lot_id: Option<i64>,
    pub voided: Option<bool>,
}

fn filtered(f: &SessionFilter) -> treatment_sessions::BoxedQuery<'static, MultiBackend> {
    let mut q = treatment_sessions::table.into_boxed();
    if let Some(v) = f.site_id {
        q = q.filter(treatment_sessions::site_id.eq(v));
    }
    if let Some(v) = f.from {
        q = q.filter(treatment_sessions::performed_at.ge(v));
    }
    if let Some(v) = f.to {
        q = q.filter(treatment_sessions::performed_at.lt(v));
    }
    if let Some(v) = f.practitioner_id {
        q = q.filter(treatment_sessions::practitioner_id.eq(v));
    }
    if let Some(v) = f.indication {
        q = q.filter(treatment_sessions::indication.eq(v));
    }
    if let Some(v) = f.client_ref.clone() {
        q = q.filter(treatment_sessions::client_ref.eq(v));
    }
    if let Some(lot) = f.lot_id {
        let family = lots::table
            .filter(lots::id.eq(lot).or(lots::parent_lot_id.eq(lot)))
            .select(lots::id);
        let used = ledger::table
            .filter(ledger::lot_id.eq_any(family))
            .filter(ledger::kind.eq("consume"))
            .select(ledger::session_id);
        q = q.filter(treatment_sessions::id.nullable().eq_any(used));
    }
    match f.voided {
        Some(true) => q = q.filter(treatment_sessions::voided_at.is_not_null()),
        Some(false) => q = q.filter(treatment_sessions::voided_at.is_null()),
        None => {}
    }
    q
}

pub fn count(conn: &mut DbConn, f: &SessionFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// A session with the names a list shows.
#[derive(Debug, Clone, Queryable)]
pub struct SessionRow {
    pub session: TreatmentSession,
    pub site_code: String,
    pub practitioner: String,
    pub protocol_name: Option<String>,
    /// The site's IANA zone: the session's local day and time.
    pub site_time_zone: String,
    /// The practitioner's display name, when set.
    pub practitioner_name: Option<String>,
}

impl SessionRow {
    pub fn clock(&self) -> crate::domain::clock::SiteClock {
        crate::domain::clock::SiteClock::from_stored(&self.site_time_zone)
    }

    /// The session's day at its site.
    pub fn local_date(&self) -> NaiveDate {
        self.clock().local_date(self.session.performed_at)
    }

    /// "Pia Novak", else the login.
    pub fn practitioner_shown(&self) -> &str {
        self.practitioner_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.practitioner)
    }
}

/// One page of matching sessions, newest first.
pub fn page(
    conn: &mut DbConn,
    f: &SessionFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<SessionRow>> {
    let ids: Vec<i64> = filtered(f)
        .select(treatment_sessions::id)
        .order((
            treatment_sessions::performed_at.desc(),
            treatment_sessions::id.desc(),
        ))
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    rows_by_ids(conn, &ids)
}

/// Up to `limit` matching sessions that sort after `after` (older, or as
/// old with a lower id; from the newest when None), newest first: the API's
/// cursor pages.
pub fn page_after(
    conn: &mut DbConn,
    f: &SessionFilter,
    after: Option<crate::domain::page::SessionKey>,
    limit: i64,
) -> QueryResult<Vec<SessionRow>> {
    let mut q = filtered(f).select(treatment_sessions::id);
    if let Some(k) = after {
        q = q.filter(
            treatment_sessions::performed_at.lt(k.performed_at).or(
                treatment_sessions::performed_at
                    .eq(k.performed_at)
                    .and(treatment_sessions::id.lt(k.id)),
            ),
        );
    }
    let ids: Vec<i64> = q
        .order((
            treatment_sessions::performed_at.desc(),
            treatment_sessions::id.desc(),
        ))
        .limit(limit)
        .load(conn)?;
    rows_by_ids(conn, &ids)
}

/// Sessions by id with their names, newest first.
pub fn rows_by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<SessionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    treatment_sessions::table
        .inner_join(sites::table)
        .inner_join(users::table)
        .left_join(protocols::table)
        .filter(treatment_sessions::id.eq_any(ids.to_vec()))
        .select((
            TreatmentSession::as_select(),
            sites::code,
            users::username,
            protocols::name.nullable(),
            sites::time_zone,
            users::display_name,
        ))
        .order((
            treatment_sessions::performed_at.desc(),
            treatment_sessions::id.desc(),
        ))
        .load(conn)
}

/// Practitioners who logged sessions, for the list filter: (id, username,
/// display name). `site_id`: the people of that site (bound to it, or who
/// logged sessions there) only.
pub fn practitioners(
    conn: &mut DbConn,
    site_id: Option<i64>,
) -> QueryResult<Vec<(i64, String, Option<String>)>> {
    let mut q = users::table
        .filter(users::role.ne("admin").or(
            users::id.eq_any(treatment_sessions::table.select(treatment_sessions::practitioner_id)),
        ))
        .into_boxed();
    if let Some(site) = site_id {
        q = q.filter(
            users::site_id.eq(site).or(users::id.eq_any(
                treatment_sessions::table
                    .filter(treatment_sessions::site_id.eq(site))
                    .select(treatment_sessions::practitioner_id),
            )),
        );
    }
    q.select((users::id, users::username, users::display_name))
        .order(users::username)
        .load(conn)
}
