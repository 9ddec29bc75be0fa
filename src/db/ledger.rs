//! Appending to the ledger (and moving the balance with it), reading it back
//! with filters, and the invariant check of `clinic-stock check`.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::models::{LedgerRow, Lot, NewLedgerRow};
use super::schema::{balances, ledger, locations, lots, products, users};
use super::{DbConn, now};
use crate::domain::vocab::{LedgerKind, Unit};

/// Where a ledger row moves stock: one lot (of its product) at one location
/// (of its site).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockAt {
    pub site_id: i64,
    pub location_id: i64,
    pub product_id: i64,
    pub lot_id: i64,
}

impl StockAt {
    /// `lot` (and its product) at a location of a site.
    pub fn of_lot(lot: &Lot, location_id: i64, site_id: i64) -> StockAt {
        StockAt {
            site_id,
            location_id,
            product_id: lot.product_id,
            lot_id: lot.id,
        }
    }
}

/// Building a ledger row (issue 12.4): the five things every row has, then
/// only the links and texts that this row carries, instead of a 17-field
/// literal. `NewLedgerRow::new(LedgerKind::Consume, at, -2, user_id)
/// .occurred_at(performed_at).session(id, Some(line_id))`.
impl NewLedgerRow {
    /// A row of `kind` moving `delta` (base units, signed) at `at`, by
    /// `user_id`, happening and written now, linked to nothing.
    pub fn new(kind: LedgerKind, at: StockAt, delta: i64, user_id: i64) -> NewLedgerRow {
        let ts = now();
        NewLedgerRow {
            lot_id: at.lot_id,
            location_id: at.location_id,
            product_id: at.product_id,
            site_id: at.site_id,
            delta,
            kind,
            reason: None,
            note: None,
            user_id,
            occurred_at: ts,
            created_at: ts,
            session_id: None,
            session_line_id: None,
            receipt_id: None,
            purchase_order_id: None,
            purchase_order_line_id: None,
            stock_count_id: None,
        }
    }

    /// When it happened, if not now (a backdated receipt, a session).
    pub fn occurred_at(mut self, at: NaiveDateTime) -> Self {
        self.occurred_at = at;
        self
    }

    /// When it was written, if the transaction fixed that time already.
    pub fn created_at(mut self, at: NaiveDateTime) -> Self {
        self.created_at = at;
        self
    }

    pub fn reason<'a>(mut self, reason: impl Into<Option<&'a str>>) -> Self {
        self.reason = reason.into().map(str::to_string);
        self
    }

    pub fn note(mut self, note: impl Into<Option<String>>) -> Self {
        self.note = note.into();
        self
    }

    /// The session (and its line) this row belongs to.
    pub fn session(mut self, session_id: i64, line_id: Option<i64>) -> Self {
        self.session_id = Some(session_id);
        self.session_line_id = line_id;
        self
    }

    pub fn receipt(mut self, receipt_id: i64) -> Self {
        self.receipt_id = Some(receipt_id);
        self
    }

    /// The purchase order (and its line) a receipt row delivers.
    pub fn order(mut self, order_id: Option<i64>, line_id: Option<i64>) -> Self {
        self.purchase_order_id = order_id;
        self.purchase_order_line_id = line_id;
        self
    }

    pub fn stock_count(mut self, count_id: i64) -> Self {
        self.stock_count_id = Some(count_id);
        self
    }
}

/// Why an append was refused.
#[derive(Debug)]
pub enum AppendError {
    /// The decrement would take the balance below zero; `available` is what is there.
    Insufficient {
        available: i64,
    },
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for AppendError {
    fn from(e: diesel::result::Error) -> Self {
        AppendError::Db(e)
    }
}

/// Appends one ledger row and moves the (lot, location) balance by its delta,
/// in the caller's transaction. A decrement is a conditional UPDATE that only
/// succeeds while enough stock is there, so concurrent writers cannot
/// overdraw a balance.
pub fn append(conn: &mut DbConn, row: &NewLedgerRow) -> Result<i64, AppendError> {
    let ts = now();
    super::stock_version::touch_day(conn, row.site_id, row.occurred_at)?;
    if row.delta < 0 {
        let take = -row.delta;
        let changed = diesel::update(
            balances::table
                .filter(balances::lot_id.eq(row.lot_id))
                .filter(balances::location_id.eq(row.location_id))
                .filter(balances::quantity.ge(take)),
        )
        .set((
            balances::quantity.eq(balances::quantity - take),
            balances::updated_at.eq(ts),
        ))
        .execute(conn)?;
        if changed != 1 {
            let available = super::balances::quantity_at(conn, row.lot_id, row.location_id)?;
            return Err(AppendError::Insufficient { available });
        }
    } else {
        increment_balance(conn, row, ts)?;
    }
    let id = diesel::insert_into(ledger::table)
        .values(row)
        .returning(ledger::id)
        .get_result::<i64>(conn)?;
    if row.kind == LedgerKind::Receive {
        note_receipt_time(conn, row.lot_id, row.occurred_at)?;
    }
    Ok(id)
}

/// Keeps `lots.first_received_at` the earliest receipt time of the lot (FEFO
/// ties go to the lot received first, which may have been entered later).
fn note_receipt_time(conn: &mut DbConn, lot_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        lots::table.filter(lots::id.eq(lot_id)).filter(
            lots::first_received_at
                .is_null()
                .or(lots::first_received_at.gt(at)),
        ),
    )
    .set(lots::first_received_at.eq(at))
    .execute(conn)
}

fn increment_balance(conn: &mut DbConn, row: &NewLedgerRow, ts: NaiveDateTime) -> QueryResult<()> {
    let bump = |conn: &mut DbConn| {
        diesel::update(
            balances::table
                .filter(balances::lot_id.eq(row.lot_id))
                .filter(balances::location_id.eq(row.location_id)),
        )
        .set((
            balances::quantity.eq(balances::quantity + row.delta),
            balances::updated_at.eq(ts),
        ))
        .execute(conn)
    };
    if bump(conn)? == 1 {
        return Ok(());
    }
    let values = (
        balances::lot_id.eq(row.lot_id),
        balances::location_id.eq(row.location_id),
        balances::product_id.eq(row.product_id),
        balances::site_id.eq(row.site_id),
        balances::quantity.eq(row.delta),
        balances::updated_at.eq(ts),
    );
    match conn {
        // Under BEGIN IMMEDIATE nobody else can insert the row meanwhile.
        DbConn::Sqlite(c) => {
            diesel::insert_into(balances::table)
                .values(values)
                .execute(c)?;
        }
        // Another transaction may create the same balance row at the same time:
        // let the first insert win and add to it.
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => {
            let inserted = diesel::insert_into(balances::table)
                .values(values)
                .on_conflict_do_nothing()
                .execute(c)?;
            if inserted == 0 {
                bump(conn)?;
            }
        }
    }
    Ok(())
}

/// Filters for reading the ledger (ledger page, CSV export, API).
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub site_id: Option<i64>,
    /// Any of these sites. Listing every site changes nothing in what
    /// matches, but lets SQLite use the (site, kind, time) and (site, time)
    /// indexes for kind and date filters.
    pub site_ids: Option<Vec<i64>>,
    pub product_id: Option<i64>,
    pub lot_id: Option<i64>,
    /// Any of these lots (a lot and its opened containers).
    pub lot_ids: Option<Vec<i64>>,
    pub location_id: Option<i64>,
    pub kind: Option<LedgerKind>,
    pub user_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub session_id: Option<i64>,
}

/// A ledger row with the names a person reads.
#[derive(Debug, Clone, Queryable)]
pub struct LedgerEntry {
    pub row: LedgerRow,
    pub lot_number: String,
    pub expiry: chrono::NaiveDate,
    pub location_code: String,
    pub sku: String,
    pub product_name: String,
    pub unit: Unit,
    pub username: String,
}

fn filtered(f: &LedgerFilter) -> ledger::BoxedQuery<'static, super::MultiBackend> {
    let mut q = ledger::table.into_boxed();
    if let Some(v) = f.site_id {
        q = q.filter(ledger::site_id.eq(v));
    }
    if let Some(v) = f.site_ids.clone() {
        q = q.filter(ledger::site_id.eq_any(v));
    }
    if let Some(v) = f.product_id {
        q = q.filter(ledger::product_id.eq(v));
    }
    if let Some(v) = f.lot_id {
        q = q.filter(ledger::lot_id.eq(v));
    }
    if let Some(v) = f.lot_ids.clone() {
        q = q.filter(ledger::lot_id.eq_any(v));
    }
    if let Some(v) = f.location_id {
        q = q.filter(ledger::location_id.eq(v));
    }
    if let Some(v) = f.kind {
        q = q.filter(ledger::kind.eq(v));
    }
    if let Some(v) = f.user_id {
        q = q.filter(ledger::user_id.eq(v));
    }
    if let Some(v) = f.from {
        q = q.filter(ledger::occurred_at.ge(v));
    }
    if let Some(v) = f.to {
        q = q.filter(ledger::occurred_at.lt(v));
    }
    if let Some(v) = f.session_id {
        q = q.filter(ledger::session_id.eq(v));
    }
    q
}

/// Counts the rows matching a filter.
pub fn count(conn: &mut DbConn, f: &LedgerFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// One page of matching rows, newest first, with names joined in.
pub fn page(
    conn: &mut DbConn,
    f: &LedgerFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<LedgerEntry>> {
    let ids: Vec<i64> = filtered(f)
        .select(ledger::id)
        .order(ledger::id.desc())
        .limit(limit)
        .offset(offset)
        .load(conn)?;
    by_ids(conn, &ids)
}

/// Up to `limit` matching rows older than `before_id` (all when None),
/// newest first: keyset pages for exports that must not hold the whole
/// result in memory. Rows are never updated or deleted, so walking down the
/// ids gives every row once.
pub fn page_before(
    conn: &mut DbConn,
    f: &LedgerFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<LedgerEntry>> {
    let mut q = filtered(f).select(ledger::id);
    if let Some(b) = before_id {
        q = q.filter(ledger::id.lt(b));
    }
    let ids: Vec<i64> = q.order(ledger::id.desc()).limit(limit).load(conn)?;
    by_ids(conn, &ids)
}

/// What the ledger holds for one (lot, location): the sum of its opening
/// stock rows (`receive` with reason `opening`, None when there are none)
/// and how many rows of any kind it has.
pub fn opening_at(
    conn: &mut DbConn,
    lot_id: i64,
    location_id: i64,
) -> QueryResult<(Option<i64>, i64)> {
    let rows: Vec<(i64, String, Option<String>)> = ledger::table
        .filter(ledger::lot_id.eq(lot_id))
        .filter(ledger::location_id.eq(location_id))
        .select((ledger::delta, ledger::kind, ledger::reason))
        .load(conn)?;
    let opening: Vec<i64> = rows
        .iter()
        .filter(|(_, k, r)| k == "receive" && r.as_deref() == Some(OPENING))
        .map(|(d, _, _)| *d)
        .collect();
    let sum = (!opening.is_empty()).then(|| opening.iter().sum());
    Ok((sum, rows.len() as i64))
}

/// The reason of the `receive` rows that bring opening stock in (import).
pub const OPENING: &str = "opening";

/// The highest ledger id so far (0 when empty).
pub fn max_id(conn: &mut DbConn) -> QueryResult<i64> {
    ledger::table
        .select(diesel::dsl::max(ledger::id))
        .first::<Option<i64>>(conn)
        .map(|m| m.unwrap_or(0))
}

/// Loads entries by id, newest first.
pub fn by_ids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<LedgerEntry>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ledger::table
        .inner_join(lots::table)
        .inner_join(locations::table)
        .inner_join(products::table)
        .inner_join(users::table)
        .filter(ledger::id.eq_any(ids))
        .order(ledger::id.desc())
        .select((
            LedgerRow::as_select(),
            lots::lot_number,
            lots::expiry,
            locations::code,
            products::sku,
            products::name,
            products::unit,
            users::username,
        ))
        .load(conn)
}

/// A (lot, location) whose balance disagrees with its ledger, or is negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discrepancy {
    pub lot_id: i64,
    pub location_id: i64,
    pub balance: Option<i64>,
    pub ledger_sum: i64,
}

/// Summary of the invariant check.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub ledger_rows: i64,
    pub balances: i64,
    pub discrepancies: Vec<Discrepancy>,
    /// Usage digests compared with the tables (`services::usage::days`).
    pub usage_days: usize,
    /// (site, local day) of digests that differ from the tables.
    pub stale_usage_days: Vec<(i64, chrono::NaiveDate)>,
}

/// Verifies: every balance equals the sum of its ledger rows, every
/// (lot, location) with ledger rows has a balance, and none is negative.
pub fn check(conn: &mut DbConn) -> QueryResult<CheckReport> {
    let ledger_rows: i64 = ledger::table.count().get_result(conn)?;
    let balance_rows: Vec<(i64, i64, i64)> = balances::table
        .select((balances::lot_id, balances::location_id, balances::quantity))
        .order((balances::lot_id, balances::location_id))
        .load(conn)?;
    let sums: Vec<(i64, i64, i64)> = ledger::table
        .group_by((ledger::lot_id, ledger::location_id))
        .select((
            ledger::lot_id,
            ledger::location_id,
            sql::<BigInt>("CAST(SUM(ledger.delta) AS BIGINT)"),
        ))
        .order((ledger::lot_id, ledger::location_id))
        .load(conn)?;
    let mut discrepancies = Vec::new();
    let mut sums_by_key = std::collections::BTreeMap::new();
    for (lot, loc, s) in sums {
        sums_by_key.insert((lot, loc), s);
    }
    for (lot, loc, q) in &balance_rows {
        let s = sums_by_key.remove(&(*lot, *loc)).unwrap_or(0);
        if s != *q || *q < 0 {
            discrepancies.push(Discrepancy {
                lot_id: *lot,
                location_id: *loc,
                balance: Some(*q),
                ledger_sum: s,
            });
        }
    }
    for ((lot, loc), s) in sums_by_key {
        if s != 0 {
            discrepancies.push(Discrepancy {
                lot_id: lot,
                location_id: loc,
                balance: None,
                ledger_sum: s,
            });
        }
    }
    Ok(CheckReport {
        ledger_rows,
        balances: balance_rows.len() as i64,
        discrepancies,
        usage_days: 0,
        stale_usage_days: Vec::new(),
    })
}

#[cfg(test)]
mod builder_tests {
    use super::*;

    #[test]
    fn a_built_row_carries_only_what_was_set() {
        let at = StockAt {
            site_id: 1,
            location_id: 2,
            product_id: 3,
            lot_id: 4,
        };
        let when = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(9, 30, 0)
            .unwrap();
        let r = NewLedgerRow::new(LedgerKind::Consume, at, -5, 7)
            .occurred_at(when)
            .session(11, Some(12));
        assert_eq!(
            (r.site_id, r.location_id, r.product_id, r.lot_id),
            (1, 2, 3, 4)
        );
        assert_eq!((r.delta, r.kind.code(), r.user_id), (-5, "consume", 7));
        assert_eq!(r.occurred_at, when);
        assert!(r.created_at > when);
        assert_eq!((r.session_id, r.session_line_id), (Some(11), Some(12)));
        assert_eq!((r.reason, r.note, r.receipt_id), (None, None, None));
        assert_eq!(
            (
                r.purchase_order_id,
                r.purchase_order_line_id,
                r.stock_count_id
            ),
            (None, None, None)
        );

        let r = NewLedgerRow::new(LedgerKind::Adjust, at, 3, 7)
            .reason("found")
            .note("behind the fridge".to_string())
            .receipt(20)
            .order(Some(21), Some(22))
            .stock_count(23);
        assert_eq!(r.occurred_at, r.created_at);
        assert_eq!(r.reason.as_deref(), Some("found"));
        assert_eq!(r.note.as_deref(), Some("behind the fridge"));
        assert_eq!(
            (r.receipt_id, r.purchase_order_id, r.purchase_order_line_id),
            (Some(20), Some(21), Some(22))
        );
        assert_eq!(r.stock_count_id, Some(23));
    }
}
