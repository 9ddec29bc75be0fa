//! `clinic-stock demo --large`: a benchmark-size clinic with three years of
//! history — 500 products, 5,000 lots, 1,000,000 ledger rows (receipts and
//! the consume lines of ~340,000 treatment sessions, 1% of them voided with
//! compensating `void` rows) — written with multi-row inserts in one
//! transaction; balances are summed in memory and written last.

use std::time::Instant;

use chrono::{Duration, NaiveDateTime};

use super::large_history::{History, received, simulate};
use super::large_plan::{self as plan, PlanLot, PlanProduct, PlanSession};
use super::rng::Rng;
use super::{DemoUsers, extra_practitioners, gtin};
use crate::db::bulk::{self, *};
use crate::db::{
    self, DbConn,
    models::{Location, Site},
};
use crate::domain::vocab::{AdjustReason, Category, LedgerKind};
use crate::error::{ServiceError, ServiceResult};
use crate::services::bootstrap::{DEFAULT_LOCATION, DEFAULT_SITE};

pub const DEFAULT_LEDGER_ROWS: u64 = 1_000_000;
const PRODUCTS: usize = 500;
const MAX_LOTS: usize = 5_000;
const SUPPLIERS: [(&str, i32); 6] = [
    ("NeedlePoint Medical", 10),
    ("Pen Systems Europe", 14),
    ("RollerWorks", 21),
    ("PharmaDerm", 7),
    ("SkinScience Labs", 14),
    ("CleanCare Disposables", 5),
];
const MORE_PRACTITIONERS: [&str; 6] = ["mia", "noah", "lena", "omar", "ivy", "theo"];
const VOID_REASONS: [&str; 3] = [
    "logged for the wrong client",
    "session cancelled before treatment",
    "entered twice",
];

/// The plan (pure, seeded): products, expected use, lots, then the history
/// simulated twice — a first run measures rows per session and write-offs,
/// the second is sized from it to land on `target` ledger rows.
fn plan_history(
    target: usize,
    practitioners: usize,
    now: NaiveDateTime,
) -> (Vec<PlanProduct>, History) {
    let lots_total = (target / 4 / PRODUCTS * PRODUCTS).clamp(PRODUCTS, MAX_LOTS);
    let per_product = lots_total / PRODUCTS;
    let start = now - Duration::days(plan::SPAN_DAYS);

    // The plan: products, expected use, lots, sessions.
    let mut rng = Rng::new(1_000_003);
    let mut products = plan::products(&mut rng);
    let groups = plan::groups(&products);
    let est_sessions = (target - lots_total) * 100 / 290;
    let mut expected = vec![0i64; products.len()];
    let mut tally = Rng::new(77);
    for _ in 0..est_sessions {
        for (p, q) in plan::choose_lines(&mut tally, &products, &groups) {
            expected[p] += q;
        }
    }
    let lots = plan::lots(&mut rng, &mut products, &expected, per_product, start);
    // A first run measures rows per session and write-offs; the second is
    // sized from it to land on the number of rows asked for.
    let trial = simulate(
        5,
        &products,
        &groups,
        &lots,
        (start, now),
        est_sessions,
        None,
        practitioners,
    );
    let lines: usize = trial
        .sessions
        .iter()
        .map(|s| s.lines.len() * if s.void_at.is_some() { 2 } else { 1 })
        .sum();
    let per_session = lines as f64 / trial.sessions.len().max(1) as f64;
    let room = target.saturating_sub(lots_total + trial.write_offs.len());
    let count = (room as f64 / per_session.max(1.0) * 1.002) as usize;
    let history = simulate(
        5,
        &products,
        &groups,
        &lots,
        (start, now),
        count,
        Some(target),
        practitioners,
    );
    (products, history)
}

/// Loads the large clinic; returns the summary line.
pub fn load(conn: &mut DbConn, users: &DemoUsers, ledger_rows: u64) -> ServiceResult<String> {
    if !(2_000..=50_000_000).contains(&ledger_rows) {
        return Err(ServiceError::invalid(
            "ledger_rows",
            "between 2,000 and 50,000,000 ledger rows",
        ));
    }
    let started = Instant::now();
    let mut practitioners = users.practitioners.clone();
    practitioners.extend(extra_practitioners(conn, &MORE_PRACTITIONERS)?);
    let now = db::now();
    let (products, history) = plan_history(ledger_rows as usize, practitioners.len(), now);
    let written = db::write_tx(conn, |conn| {
        bulk::prepare(conn)?;
        let indexes = bulk::suspend_indexes(conn)?;
        let written = write(conn, users, &practitioners, &products, &history, now)?;
        bulk::restore_indexes(conn, &indexes)?;
        db::stock_version::touch(conn, db::stock_version::EVERY_SITE)?;
        // Counter first, then the usage digests (`db::stock_version`).
        db::stock_version::bump(conn, db::stock_version::EVERY_SITE)?;
        db::usage_days::clear(conn)?;
        Ok::<_, ServiceError>(written)
    })?;
    bulk::reset_sequences(conn)?;
    bulk::analyze(conn)?;
    let voided = history
        .sessions
        .iter()
        .filter(|s| s.void_at.is_some())
        .count();
    Ok(format!(
        "Large demo loaded in {:.1} s: {} products, {} lots, {} ledger rows \
         ({} treatment sessions over {} years, {voided} voided; {} expired lots written off), {} users.",
        started.elapsed().as_secs_f64(),
        products.len(),
        history.lots.len(),
        written,
        history.sessions.len(),
        plan::SPAN_DAYS / 365,
        history.write_offs.len(),
        practitioners.len() + 2,
    ))
}

/// Writes the planned clinic with multi-row inserts; the ledger rows written.
fn write(
    conn: &mut DbConn,
    users: &DemoUsers,
    practitioners: &[i64],
    products: &[PlanProduct],
    history: &History,
    now: NaiveDateTime,
) -> ServiceResult<usize> {
    let (site, store) = prepare_site(conn)?;
    let at = Place {
        ids: bulk::next_ids(conn)?,
        site_id: site.id,
        store_id: store.id,
        lots: &history.lots,
    };
    write_catalog(conn, &at, users, products, now)?;
    let (balance, ledger_rows) = write_history(conn, &at, (users, practitioners), history, now)?;
    write_balances(conn, &at, &balance, now)?;
    Ok(ledger_rows)
}

/// The default site and its store; the treatment room and the clinic's
/// name are added.
fn prepare_site(conn: &mut DbConn) -> ServiceResult<(Site, Location)> {
    let site = db::sites::by_code(conn, DEFAULT_SITE)?
        .ok_or_else(|| ServiceError::Internal("site main is missing".into()))?;
    let store = db::sites::location_by_code(conn, site.id, DEFAULT_LOCATION)?
        .ok_or_else(|| ServiceError::Internal("location store is missing".into()))?;
    if db::sites::location_by_code(conn, site.id, super::clinic::ROOM)?.is_none() {
        db::sites::insert_location(conn, site.id, super::clinic::ROOM, "Treatment room 1", 1)?;
    }
    db::settings::set(conn, "clinic_name", "Benchmark clinic")?;
    Ok((site, store))
}

/// The ids and the place every bulk row of the benchmark clinic refers to:
/// everything is received into the store of the default site.
#[derive(Clone, Copy)]
struct Place<'a> {
    ids: NextIds,
    site_id: i64,
    store_id: i64,
    lots: &'a [PlanLot],
}

impl Place<'_> {
    fn product_id(&self, i: usize) -> i64 {
        self.ids.product + i as i64
    }

    fn lot_id(&self, i: usize) -> i64 {
        self.ids.lot + i as i64
    }

    /// A ledger row of planned lot `lot` at the store, linked to nothing.
    fn ledger(
        &self,
        lot: usize,
        delta: i64,
        kind: LedgerKind,
        user: i64,
        at: NaiveDateTime,
    ) -> LedgerBulkRow {
        LedgerBulkRow {
            lot_id: self.lot_id(lot),
            location_id: self.store_id,
            product_id: self.product_id(self.lots[lot].product),
            site_id: self.site_id,
            delta,
            kind: kind.code(),
            reason: None,
            user_id: user,
            occurred_at: at,
            created_at: at,
            session_id: None,
            session_line_id: None,
            receipt_id: None,
        }
    }
}

/// Suppliers, products, the lots and their receipts.
fn write_catalog(
    conn: &mut DbConn,
    at: &Place,
    users: &DemoUsers,
    products: &[PlanProduct],
    now: NaiveDateTime,
) -> ServiceResult<()> {
    let ids = at.ids;
    let created = now - Duration::days(plan::SPAN_DAYS + 60);
    let suppliers: Vec<SupplierRow> = SUPPLIERS
        .iter()
        .enumerate()
        .map(|(i, (name, lead))| SupplierRow {
            id: ids.supplier + i as i64,
            name: (*name).to_string(),
            email: Some(format!("orders@supplier{}.example", i + 1)),
            lead_time_days: Some(*lead),
            created_at: created,
        })
        .collect();
    insert_suppliers(conn, &suppliers)?;
    let mut rng = Rng::new(99);
    let product_rows: Vec<ProductRow> = products
        .iter()
        .enumerate()
        .map(|(i, p)| product_row(&mut rng, ids, i, p, created))
        .collect();
    insert_products(conn, &product_rows)?;
    let lot_rows: Vec<LotRow> = at
        .lots
        .iter()
        .enumerate()
        .map(|(i, l)| LotRow {
            id: at.lot_id(i),
            product_id: at.product_id(l.product),
            lot_number: l.number.clone(),
            expiry: l.expiry,
            container: 0,
            use_by: l.expiry,
            quarantined: false,
            created_at: l.received_at,
            first_received_at: Some(l.received_at),
        })
        .collect();
    insert_lots(conn, &lot_rows)?;
    let receipt_rows: Vec<ReceiptRow> = at
        .lots
        .iter()
        .enumerate()
        .map(|(i, l)| ReceiptRow {
            id: ids.receipt + i as i64,
            site_id: at.site_id,
            location_id: at.store_id,
            user_id: users.manager,
            unit_cost_cents: Some(products[l.product].cost_cents),
            received_at: l.received_at,
            created_at: l.received_at,
        })
        .collect();
    insert_receipts(conn, &receipt_rows)?;
    Ok(())
}

/// The ledger in time order (deliveries, sessions and write-offs merged),
/// with the sessions and their lines; the balance of each planned lot and
/// the number of ledger rows written.
fn write_history(
    conn: &mut DbConn,
    at: &Place,
    (users, practitioners): (&DemoUsers, &[i64]),
    history: &History,
    now: NaiveDateTime,
) -> ServiceResult<(Vec<i64>, usize)> {
    let lots = at.lots;
    let receive: Vec<i64> = lots.iter().map(received).collect();
    let mut order: Vec<usize> = (0..lots.len()).collect();
    order.sort_by_key(|i| (lots[*i].received_at, *i));
    let mut receipts = order.into_iter().peekable();
    let mut write_offs = history.write_offs.iter().peekable();
    let mut balance = vec![0i64; lots.len()];
    let mut out = Writer::default();
    let mut line_id = at.ids.session_line;
    // Deliveries and write-offs up to a time.
    let mut before = |until: NaiveDateTime, balance: &mut [i64], out: &mut Writer| {
        loop {
            let r = receipts.peek().map(|i| lots[*i].received_at);
            let w = write_offs.peek().map(|w| w.at);
            match (r, w) {
                (Some(r), w) if r <= until && w.is_none_or(|w| r <= w) => {
                    let Some(i) = receipts.next() else { break };
                    balance[i] += receive[i];
                    out.ledger.push(LedgerBulkRow {
                        receipt_id: Some(at.ids.receipt + i as i64),
                        ..at.ledger(i, receive[i], LedgerKind::Receive, users.manager, r)
                    });
                }
                (_, Some(w)) if w <= until => {
                    let Some(wo) = write_offs.next() else { break };
                    balance[wo.lot] -= wo.quantity;
                    out.ledger.push(LedgerBulkRow {
                        reason: Some(AdjustReason::Expired.code()),
                        ..at.ledger(wo.lot, -wo.quantity, LedgerKind::Adjust, users.manager, w)
                    });
                }
                _ => break,
            }
        }
    };
    for (si, s) in history.sessions.iter().enumerate() {
        before(s.at, &mut balance, &mut out);
        let practitioner = practitioners
            .get(s.practitioner)
            .copied()
            .unwrap_or(users.manager);
        let who = (practitioner, users.manager);
        push_session(&mut out, &mut balance, at, who, (si, s), &mut line_id);
        if out.ledger.len() >= 20 * BATCH {
            out.flush(conn)?;
        }
    }
    before(now + Duration::days(1), &mut balance, &mut out);
    out.flush(conn)?;
    Ok((balance, out.ledger_rows))
}

/// Session `si` with its lines and their `consume` rows (and `void` rows
/// when it was voided, by `manager`); moves the planned lots' balances.
fn push_session(
    out: &mut Writer,
    balance: &mut [i64],
    at: &Place,
    (practitioner, manager): (i64, i64),
    (si, s): (usize, &PlanSession),
    line_id: &mut i64,
) {
    let session_id = at.ids.session + si as i64;
    let reason = s.void_at.map(|_| VOID_REASONS[si % VOID_REASONS.len()]);
    out.sessions.push(SessionRow {
        id: session_id,
        site_id: at.site_id,
        practitioner_id: practitioner,
        client_ref: format!("C-{:05}", s.client),
        performed_at: s.at,
        indication: Some(s.indication),
        needle_length: s.needle,
        addons: "",
        side_effects: if si % 7 == 0 { "redness" } else { "" },
        warnings: "",
        idempotency_key: format!("demo-{session_id}"),
        request_hash: "demo",
        voided_at: s.void_at,
        voided_by: s.void_at.map(|_| manager),
        void_reason: reason,
        created_at: s.at,
    });
    for (pos, (lot, q)) in s.lines.iter().enumerate() {
        out.lines.push(SessionLineRow {
            id: *line_id,
            session_id,
            product_id: at.product_id(at.lots[*lot].product),
            quantity: *q,
            position: pos as i32,
            site_id: at.site_id,
            performed_at: s.at,
        });
        balance[*lot] -= q;
        out.ledger.push(LedgerBulkRow {
            session_id: Some(session_id),
            session_line_id: Some(*line_id),
            ..at.ledger(*lot, -q, LedgerKind::Consume, practitioner, s.at)
        });
        if let Some(v) = s.void_at {
            balance[*lot] += q;
            out.ledger.push(LedgerBulkRow {
                session_id: Some(session_id),
                session_line_id: Some(*line_id),
                reason,
                ..at.ledger(*lot, *q, LedgerKind::Void, manager, v)
            });
        }
        *line_id += 1;
    }
}

/// The balances summed in memory, written last; a plan that overdrew a lot
/// is a bug.
fn write_balances(
    conn: &mut DbConn,
    at: &Place,
    balance: &[i64],
    now: NaiveDateTime,
) -> ServiceResult<()> {
    let balances: Vec<BalanceRow> = balance
        .iter()
        .enumerate()
        .map(|(i, q)| BalanceRow {
            lot_id: at.lot_id(i),
            location_id: at.store_id,
            product_id: at.product_id(at.lots[i].product),
            site_id: at.site_id,
            quantity: *q,
            updated_at: now,
        })
        .collect();
    if balances.iter().any(|b| b.quantity < 0) {
        return Err(ServiceError::Internal("the plan overdrew a lot".into()));
    }
    insert_balances(conn, &balances)?;
    Ok(())
}

/// Buffers of rows not yet written; sessions and their lines go before
/// the ledger rows that point at them.
#[derive(Default)]
struct Writer {
    sessions: Vec<SessionRow>,
    lines: Vec<SessionLineRow>,
    ledger: Vec<LedgerBulkRow>,
    ledger_rows: usize,
}

impl Writer {
    fn flush(&mut self, conn: &mut DbConn) -> ServiceResult<()> {
        insert_sessions(conn, &self.sessions)?;
        insert_session_lines(conn, &self.lines)?;
        self.ledger_rows += insert_ledger(conn, &self.ledger)?;
        self.sessions.clear();
        self.lines.clear();
        self.ledger.clear();
        Ok(())
    }
}

fn product_row(
    rng: &mut Rng,
    ids: NextIds,
    i: usize,
    p: &PlanProduct,
    created: NaiveDateTime,
) -> ProductRow {
    // About a month of use for the popular ones; slow movers one unit.
    let min_units = (p.per_use / 1000 * 30 * p.weight as i64 / 40).max(1);
    let with_levels = i.is_multiple_of(3);
    ProductRow {
        id: ids.product + i as i64,
        sku: p.sku.clone(),
        name: p.name.clone(),
        category: p.category.code(),
        unit: p.unit.code(),
        pack_size: p.pack,
        needle_length: p.needle,
        gtin: Some(gtin(4_012_345_000_000 + i as u64)),
        supplier_id: Some(ids.supplier + p.supplier as i64),
        unit_cost_cents: Some(p.cost_cents),
        lead_time_days: if rng.chance(20) {
            Some(rng.range(5, 30) as i32)
        } else {
            None
        },
        min_level: with_levels.then(|| min_units * 1000),
        max_level: with_levels.then(|| min_units * 3000),
        max_per_session: (p.category == Category::Anesthetic).then_some(5000),
        use_within_days: matches!(p.category, Category::Anesthetic | Category::Serum).then_some(28),
        active: true,
        created_at: created,
        updated_at: created,
    }
}
