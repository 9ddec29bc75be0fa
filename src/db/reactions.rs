//! What reaction signals read (issue 15, part 2): the sessions of a window
//! (not voided) with their side effects, the side effects of their
//! follow-ups, and which lots each session took stock from (its `consume`
//! ledger rows, an opened container counted as its sealed lot).
//!
//! The window is on `performed_at`; a session's `consume` rows carry the
//! same time (`occurred_at`), so the ledger side is read from
//! `ledger_site_kind_time` (one site) or `ledger_product_time` (one product).
//! For one site both sides are read from covering indexes alone
//! (migration `2026-12-01-121500_reaction_indexes`): the sessions from
//! `treatment_sessions_report` (which carries their side effects and id), the
//! lots from `ledger_site_kind_time` (which carries session and lot); which
//! sessions are voided and which lots are opened containers is settled from
//! those small sets, not by joins per row.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamp};

use super::DbConn;
use super::schema::{follow_ups, ledger, lots, products, treatment_sessions};
use super::vocab_sql::CodeList;
use crate::domain::vocab::SideEffect;

/// Which sessions: one site or every site, `[start, end)`, and optionally
/// only those that used a product.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub site_id: Option<i64>,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    pub product_id: Option<i64>,
}

/// A session of the window and what it is grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SessionFacts {
    pub id: i64,
    pub protocol_id: Option<i64>,
    pub needle_length: i32,
    /// The side effects recorded at the session.
    pub side_effects: CodeList<SideEffect>,
    pub performed_at: NaiveDateTime,
}

/// One lot a session took stock from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionLot {
    pub session_id: i64,
    /// The sealed lot (an opened container's parent).
    pub lot_id: i64,
    pub product_id: i64,
}

/// `query` (treatment sessions, or a join with them) boxed and narrowed to
/// the window's sessions: not voided, performed in `[start, end)`, at the
/// site if one is given, and with a product only those whose `consume` rows
/// took it. A macro, as the two queries it serves have different types.
macro_rules! in_window {
    ($query:expr, $w:expr) => {{
        let w: &Window = $w;
        let mut q = $query
            .filter(treatment_sessions::performed_at.ge(w.start))
            .filter(treatment_sessions::performed_at.lt(w.end))
            .filter(treatment_sessions::voided_at.is_null())
            .into_boxed();
        if let Some(site) = w.site_id {
            q = q.filter(treatment_sessions::site_id.eq(site));
        }
        if let Some(product) = w.product_id {
            q = q.filter(
                treatment_sessions::id.nullable().eq_any(
                    ledger::table
                        .filter(ledger::product_id.eq(product))
                        .filter(ledger::kind.eq("consume"))
                        .filter(ledger::occurred_at.ge(w.start))
                        .filter(ledger::occurred_at.lt(w.end))
                        .select(ledger::session_id),
                ),
            );
        }
        q
    }};
}

/// Sessions (not voided) of the window; with a product, those whose
/// `consume` rows took that product.
pub fn sessions(conn: &mut DbConn, w: &Window) -> QueryResult<Vec<SessionFacts>> {
    let q = in_window!(treatment_sessions::table, w);
    q.select((
        treatment_sessions::id,
        treatment_sessions::protocol_id,
        treatment_sessions::needle_length,
        treatment_sessions::side_effects,
        treatment_sessions::performed_at,
    ))
    .load(conn)
}

/// (session, comma-separated effect codes) of the follow-ups of the
/// window's sessions.
pub fn follow_up_effects(
    conn: &mut DbConn,
    w: &Window,
) -> QueryResult<Vec<(i64, CodeList<SideEffect>)>> {
    let q = in_window!(follow_ups::table.inner_join(treatment_sessions::table), w);
    q.select((follow_ups::session_id, follow_ups::side_effects))
        .load(conn)
}

/// The lots the window's sessions took stock from, one row per (session,
/// sealed lot), voided sessions' too (the caller keeps the sessions
/// [`sessions`] read). With a site and no product the `consume` rows are
/// one range of the covering index `ledger_site_kind_time (site_id, kind,
/// occurred_at, product_id, delta, session_id, lot_id)`; an opened
/// container's parent is looked up for the few lots of the window.
pub fn session_lots(conn: &mut DbConn, w: &Window) -> QueryResult<Vec<SessionLot>> {
    let hint = match (&*conn, w.site_id, w.product_id) {
        // Left to itself SQLite may prefer `ledger_product_time` and read
        // the table row by row.
        (DbConn::Sqlite(_), Some(_), None) => " INDEXED BY ledger_site_kind_time",
        _ => "",
    };
    let base = sql::<(Nullable<BigInt>, BigInt, BigInt)>(&format!(
        "SELECT session_id, lot_id, product_id FROM ledger{hint} \
         WHERE kind = 'consume' AND occurred_at >= "
    ))
    .bind::<Timestamp, _>(w.start)
    .sql(" AND occurred_at < ")
    .bind::<Timestamp, _>(w.end);
    type Row = (Option<i64>, i64, i64);
    let rows: Vec<Row> = match (w.site_id, w.product_id) {
        (Some(site), Some(product)) => base
            .sql(" AND site_id = ")
            .bind::<BigInt, _>(site)
            .sql(" AND product_id = ")
            .bind::<BigInt, _>(product)
            .load(conn)?,
        (Some(site), None) => base
            .sql(" AND site_id = ")
            .bind::<BigInt, _>(site)
            .load(conn)?,
        (None, Some(product)) => base
            .sql(" AND product_id = ")
            .bind::<BigInt, _>(product)
            .load(conn)?,
        (None, None) => base.load(conn)?,
    };
    let mut out: Vec<SessionLot> = rows
        .into_iter()
        .filter_map(|(session, lot_id, product_id)| {
            Some(SessionLot {
                session_id: session?,
                lot_id,
                product_id,
            })
        })
        .collect();
    out.sort_unstable_by_key(|l| l.lot_id);
    let mut ids: Vec<i64> = out.iter().map(|l| l.lot_id).collect();
    ids.dedup();
    let mut parent: HashMap<i64, i64> = HashMap::new();
    for chunk in ids.chunks(500) {
        parent.extend(
            lots::table
                .filter(lots::id.eq_any(chunk))
                .filter(lots::parent_lot_id.is_not_null())
                .select((lots::id, lots::parent_lot_id.assume_not_null()))
                .load::<(i64, i64)>(conn)?,
        );
    }
    for l in &mut out {
        if let Some(p) = parent.get(&l.lot_id) {
            l.lot_id = *p;
        }
    }
    out.sort_unstable_by_key(|l| (l.session_id, l.lot_id, l.product_id));
    out.dedup();
    Ok(out)
}

/// A lot as the reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct LotName {
    pub lot_id: i64,
    pub lot_number: String,
    pub expiry: chrono::NaiveDate,
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
}

/// Lot number, expiry and product of some lots.
pub fn lot_names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<LotName>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            lots::table
                .inner_join(products::table)
                .filter(lots::id.eq_any(chunk.to_vec()))
                .select((
                    lots::id,
                    lots::lot_number,
                    lots::expiry,
                    products::id,
                    products::sku,
                    products::name,
                ))
                .load::<LotName>(conn)?,
        );
    }
    Ok(out)
}
