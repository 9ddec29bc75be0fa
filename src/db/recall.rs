//! Recall: which treatment sessions took stock from given lots. Sessions are
//! found through their ledger rows (`ledger.session_id`), so every session
//! that moved stock of the lot is found, voided ones included.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{ledger, treatment_sessions, users};

/// One `consume` ledger row of a session, with the session's details.
#[derive(Debug, Clone, Queryable)]
pub struct SessionUse {
    pub ledger_id: i64,
    pub lot_id: i64,
    /// Negative: what the session took.
    pub delta: i64,
    pub session_id: i64,
    pub performed_at: NaiveDateTime,
    pub client_ref: String,
    pub voided_at: Option<NaiveDateTime>,
    pub void_reason: Option<String>,
    pub practitioner: String,
    pub site_id: i64,
}

/// Every `consume` row of these lots that belongs to a session, newest
/// session first. Bounded by what the lots held (a lot family rarely
/// has more than a few hundred uses). `site_id`: sessions of that site only.
pub fn consumption_of_lots(
    conn: &mut DbConn,
    lot_ids: &[i64],
    site_id: Option<i64>,
) -> QueryResult<Vec<SessionUse>> {
    if lot_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = ledger::table
        .inner_join(treatment_sessions::table.inner_join(users::table))
        .filter(ledger::lot_id.eq_any(lot_ids.to_vec()))
        .filter(ledger::kind.eq("consume"))
        .into_boxed();
    if let Some(site) = site_id {
        q = q.filter(treatment_sessions::site_id.eq(site));
    }
    q.select((
        ledger::id,
        ledger::lot_id,
        ledger::delta,
        treatment_sessions::id,
        treatment_sessions::performed_at,
        treatment_sessions::client_ref,
        treatment_sessions::voided_at,
        treatment_sessions::void_reason,
        users::username,
        treatment_sessions::site_id,
    ))
    .order((treatment_sessions::performed_at.desc(), ledger::id.desc()))
    .load(conn)
}
