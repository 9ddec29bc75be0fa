//! Consumption arranged the way sessions leave it in the database, for the
//! report tests: a `treatment_sessions` row, its `session_lines` and
//! `consume` ledger rows dated at `performed_at` (taken FEFO from `main`),
//! voiding (sets `voided_at`, appends compensating `void` rows dated at the
//! session's time), waste write-offs (`adjust` rows) and expired stock
//! (which the receiving rules refuse to create). Balances always move through
//! `db::ledger::append`, so `assert_ledger_consistent` holds.
//! (Method names carry a `usage_` prefix to stay clear of other areas' fixtures.)
#![allow(dead_code)]

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::fixtures::fixture_actor;
use crate::support::TestApp;
use clinic_stock::db::schema::{balances, ledger, lots, session_lines, treatment_sessions};
use clinic_stock::db::{self, models::NewLedgerRow, models::Product};
use clinic_stock::domain::Quantity;

/// `n` days ago at `hour`:00 UTC.
pub fn at_days_ago(n: i64, hour: u32) -> NaiveDateTime {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(n))
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// What a fixture session looks like.
#[derive(Clone)]
pub struct UsageSession<'a> {
    pub performed_at: NaiveDateTime,
    pub lines: Vec<(&'a Product, &'a str)>,
    pub needle: i32,
    pub protocol_id: Option<i64>,
    pub indication: Option<&'a str>,
    pub practitioner_id: Option<i64>,
}

impl<'a> UsageSession<'a> {
    pub fn new(performed_at: NaiveDateTime, lines: &[(&'a Product, &'a str)]) -> Self {
        UsageSession {
            performed_at,
            lines: lines.to_vec(),
            needle: 150,
            protocol_id: None,
            indication: None,
            practitioner_id: None,
        }
    }
    pub fn needle(mut self, n: i32) -> Self {
        self.needle = n;
        self
    }
    pub fn protocol(mut self, id: i64) -> Self {
        self.protocol_id = Some(id);
        self
    }
    pub fn indication(mut self, i: &'a str) -> Self {
        self.indication = Some(i);
        self
    }
    pub fn by(mut self, user_id: i64) -> Self {
        self.practitioner_id = Some(user_id);
        self
    }
}

/// (lot, location, product, site, delta, occurred_at, session line) of a consume row.
type ConsumeRow = (i64, i64, i64, i64, i64, NaiveDateTime, Option<i64>);

fn main_store(c: &mut db::DbConn) -> (i64, i64) {
    let site = db::sites::by_code(c, "main").unwrap().unwrap();
    let loc = db::sites::location_by_code(c, site.id, "store")
        .unwrap()
        .unwrap();
    (site.id, loc.id)
}

impl TestApp {
    /// Records a session (lines in the product's unit) and returns its id.
    pub async fn usage_session(&self, s: UsageSession<'_>) -> i64 {
        let lines: Vec<(i64, i64)> = s
            .lines
            .iter()
            .map(|(p, q)| (p.id, Quantity::parse_signed(q).unwrap().0))
            .collect();
        let (performed_at, needle, protocol_id, indication, practitioner) = (
            s.performed_at,
            s.needle,
            s.protocol_id,
            s.indication.map(str::to_string),
            s.practitioner_id,
        );
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            db::write_tx(c, |c| -> Result<i64, diesel::result::Error> {
                let (site_id, _) = main_store(c);
                let key = clinic_stock::auth::random_token();
                let id: i64 = diesel::insert_into(treatment_sessions::table)
                    .values((
                        treatment_sessions::site_id.eq(site_id),
                        treatment_sessions::practitioner_id
                            .eq(practitioner.unwrap_or(actor.user_id)),
                        treatment_sessions::client_ref.eq("C-TEST"),
                        treatment_sessions::performed_at.eq(performed_at),
                        treatment_sessions::indication.eq(indication.clone()),
                        treatment_sessions::needle_length.eq(needle),
                        treatment_sessions::protocol_id.eq(protocol_id),
                        treatment_sessions::idempotency_key.eq(&key),
                        treatment_sessions::request_hash.eq(&key),
                        treatment_sessions::created_at.eq(db::now()),
                    ))
                    .returning(treatment_sessions::id)
                    .get_result(c)?;
                for (pos, (product_id, qty)) in lines.iter().enumerate() {
                    let line_id: i64 = diesel::insert_into(session_lines::table)
                        .values((
                            session_lines::session_id.eq(id),
                            session_lines::product_id.eq(product_id),
                            session_lines::quantity.eq(qty),
                            session_lines::position.eq(pos as i32),
                        ))
                        .returning(session_lines::id)
                        .get_result(c)?;
                    // FEFO over positive balances of lots usable on the session day.
                    let positions: Vec<(i64, i64, i64)> = balances::table
                        .inner_join(lots::table)
                        .filter(balances::site_id.eq(site_id))
                        .filter(balances::product_id.eq(product_id))
                        .filter(balances::quantity.gt(0))
                        .filter(lots::quarantined.eq(false))
                        .filter(lots::use_by.ge(performed_at.date()))
                        .order((lots::use_by, lots::id))
                        .select((balances::lot_id, balances::location_id, balances::quantity))
                        .load(c)?;
                    let mut left = *qty;
                    for (lot_id, location_id, on_hand) in positions {
                        if left == 0 {
                            break;
                        }
                        let take = left.min(on_hand);
                        left -= take;
                        db::ledger::append(
                            c,
                            &row(
                                lot_id,
                                location_id,
                                *product_id,
                                site_id,
                                -take,
                                "consume",
                                None,
                                actor.user_id,
                                performed_at,
                                Some(id),
                                Some(line_id),
                            ),
                        )
                        .unwrap();
                    }
                    assert_eq!(
                        left, 0,
                        "fixture session: not enough usable stock of product {product_id}"
                    );
                }
                Ok(id)
            })
            .unwrap()
        })
        .await
    }

    /// Voids a fixture session: `voided_at` now, `void` rows dated at the session's time.
    pub async fn usage_void(&self, session_id: i64) {
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            db::write_tx(c, |c| -> Result<(), diesel::result::Error> {
                diesel::update(treatment_sessions::table.find(session_id))
                    .set((
                        treatment_sessions::voided_at.eq(Some(db::now())),
                        treatment_sessions::voided_by.eq(Some(actor.user_id)),
                        treatment_sessions::void_reason.eq(Some("wrong client")),
                    ))
                    .execute(c)?;
                let rows: Vec<ConsumeRow> = ledger::table
                    .filter(ledger::session_id.eq(session_id))
                    .filter(ledger::kind.eq("consume"))
                    .select((
                        ledger::lot_id,
                        ledger::location_id,
                        ledger::product_id,
                        ledger::site_id,
                        ledger::delta,
                        ledger::occurred_at,
                        ledger::session_line_id,
                    ))
                    .load(c)?;
                for (lot, loc, product, site, delta, at, line) in rows {
                    db::ledger::append(
                        c,
                        &row(
                            lot,
                            loc,
                            product,
                            site,
                            -delta,
                            "void",
                            Some("wrong client"),
                            actor.user_id,
                            at,
                            Some(session_id),
                            line,
                        ),
                    )
                    .unwrap();
                }
                Ok(())
            })
            .unwrap()
        })
        .await
    }

    /// Puts stock of a lot expiring on `expiry` (may be past) into `main/store`,
    /// bypassing the receiving rules.
    pub async fn usage_lot(&self, p: &Product, lot: &str, expiry: NaiveDate, qty: &str) -> i64 {
        let (pid, lot, q) = (
            p.id,
            lot.to_string(),
            Quantity::parse_signed(qty).unwrap().0,
        );
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            db::write_tx(c, |c| -> Result<i64, diesel::result::Error> {
                let (site_id, loc) = main_store(c);
                let lot_id = db::lots::insert(c, pid, &lot, expiry)?;
                db::ledger::append(
                    c,
                    &row(
                        lot_id,
                        loc,
                        pid,
                        site_id,
                        q,
                        "receive",
                        None,
                        actor.user_id,
                        db::now(),
                        None,
                        None,
                    ),
                )
                .unwrap();
                Ok(lot_id)
            })
            .unwrap()
        })
        .await
    }

    /// Writes stock of a lot off (`adjust`, reason expired / damaged / waste / …) at a time.
    pub async fn usage_write_off(&self, lot_id: i64, qty: &str, reason: &str, at: NaiveDateTime) {
        let (q, reason) = (Quantity::parse_signed(qty).unwrap().0, reason.to_string());
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            db::write_tx(c, |c| -> Result<(), diesel::result::Error> {
                let (site_id, loc) = main_store(c);
                let lot = db::lots::by_id(c, lot_id)?.unwrap();
                db::ledger::append(
                    c,
                    &row(
                        lot_id,
                        loc,
                        lot.product_id,
                        site_id,
                        -q,
                        "adjust",
                        Some(&reason),
                        actor.user_id,
                        at,
                        None,
                        None,
                    ),
                )
                .unwrap();
                Ok(())
            })
            .unwrap()
        })
        .await
    }

    /// Quarantines a lot.
    pub async fn usage_quarantine(&self, lot_id: i64) {
        self.with_conn(move |c| db::lots::set_quarantined(c, lot_id, true).unwrap())
            .await;
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    lot_id: i64,
    location_id: i64,
    product_id: i64,
    site_id: i64,
    delta: i64,
    kind: &str,
    reason: Option<&str>,
    user_id: i64,
    occurred_at: NaiveDateTime,
    session_id: Option<i64>,
    session_line_id: Option<i64>,
) -> NewLedgerRow {
    NewLedgerRow {
        lot_id,
        location_id,
        product_id,
        site_id,
        delta,
        kind: kind.into(),
        reason: reason.map(str::to_string),
        note: None,
        user_id,
        occurred_at,
        created_at: db::now(),
        session_id,
        session_line_id,
        receipt_id: None,
        purchase_order_id: None,
        purchase_order_line_id: None,
        stock_count_id: None,
    }
}
