//! Stock counts of one location: the count sheet (optionally blind), booking
//! the differences, and the discrepancy summary.
//!
//! The rule when stock moves while a sheet is out: a counted quantity is what
//! is on the shelf when the count is submitted, so each line books
//! `counted − balance at submit time` (read inside the booking transaction).
//! Sessions logged between printing and submitting are therefore not undone.
//! The sheet carries the ledger position it was drawn at; lines of the
//! location that moved since are reported so the manager can re-check them.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::adjustments::{parse_note, unit_of};
use crate::db::{
    self, DbConn,
    ledger::{AppendError, StockAt},
    models::{Location, Lot, NewLedgerRow, Product, Site},
};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::fefo::is_expired;
use crate::domain::vocab::{AdjustReason, LedgerKind};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};

/// A location in the count overview.
#[derive(Debug, Clone)]
pub struct CountLocation {
    pub location: Location,
    pub site_code: String,
    pub lots_on_hand: i64,
    pub last_counted: Option<NaiveDateTime>,
}

/// Every location (of the sites the actor counts at) with how many lots it
/// holds and when it was last counted.
pub fn overview(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<CountLocation>> {
    let site = super::scope::list_site_id(conn, actor, Action::CountStock, None)?;
    Ok(db::read_tx(conn, |conn| {
        let sites = db::sites::list(conn)?;
        let lots: HashMap<i64, i64> = db::counts::lots_per_location(conn)?.into_iter().collect();
        let last: HashMap<i64, Option<NaiveDateTime>> =
            db::counts::last_per_location(conn)?.into_iter().collect();
        Ok(db::sites::locations(conn, site)?
            .into_iter()
            .map(|l| CountLocation {
                site_code: sites
                    .iter()
                    .find(|s| s.id == l.site_id)
                    .map(|s| s.code.clone())
                    .unwrap_or_default(),
                lots_on_hand: lots.get(&l.id).copied().unwrap_or(0),
                last_counted: last.get(&l.id).copied().flatten(),
                location: l,
            })
            .collect())
    })?)
}

/// One line of a count sheet: a lot expected at the location.
#[derive(Debug, Clone)]
pub struct SheetLine {
    pub lot: Lot,
    pub product: Product,
    pub expected: i64,
    pub expired: bool,
}

#[derive(Debug, Clone)]
pub struct CountSheet {
    pub location: Location,
    pub site: Site,
    pub lines: Vec<SheetLine>,
    /// The ledger position the sheet was drawn at.
    pub sheet_at: i64,
}

/// A location the actor counts at (another site's: 404) and its site.
fn location_and_site(
    conn: &mut DbConn,
    actor: &Actor,
    location_id: i64,
) -> ServiceResult<(Location, Site)> {
    super::scope::location(conn, actor, Action::CountStock, location_id)
}

/// The lots with stock at a location, by product then use-by (expired as
/// of today at the location's site).
pub fn sheet(conn: &mut DbConn, actor: &Actor, location_id: i64) -> ServiceResult<CountSheet> {
    let (_, site) = location_and_site(conn, actor, location_id)?;
    let today = site.today();
    db::read_tx(conn, |conn| {
        let sheet_at = db::ledger::max_id(conn)?;
        let on_hand = db::lots::on_hand_at_location(conn, location_id)?;
        let mut ids: Vec<i64> = on_hand.iter().map(|h| h.lot.product_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &ids)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut lines: Vec<SheetLine> = on_hand
            .into_iter()
            .filter_map(|h| {
                let product = products.get(&h.lot.product_id)?.clone();
                Some(SheetLine {
                    expired: is_expired(h.lot.use_by, today),
                    expected: h.quantity,
                    lot: h.lot,
                    product,
                })
            })
            .collect();
        lines.sort_by(|a, b| {
            (&a.product.name, a.lot.use_by, a.lot.id).cmp(&(
                &b.product.name,
                b.lot.use_by,
                b.lot.id,
            ))
        });
        Ok((sheet_at, lines))
    })
    .map_err(ServiceError::from)
    .and_then(|(sheet_at, lines)| {
        let (location, site) = location_and_site(conn, actor, location_id)?;
        Ok(CountSheet {
            location,
            site,
            lines,
            sheet_at,
        })
    })
}

/// A submitted count: (lot id, counted text) per line; empty text means the
/// line was not counted and is left alone.
#[derive(Debug, Clone, Default)]
pub struct CountDraft {
    pub location_id: i64,
    pub blind: bool,
    pub lines: Vec<(String, String)>,
    pub sheet_at: Option<String>,
    pub note: Option<String>,
}

/// The form field of a line's counted quantity.
pub fn field_name(lot_id: i64) -> String {
    format!("count_{lot_id}")
}

#[derive(Debug, Clone)]
pub struct CountOutcome {
    pub count_id: i64,
    pub lines_counted: i32,
    pub discrepancies: i32,
    /// Ledger rows at the location booked by others since the sheet was drawn.
    pub moved_meanwhile: i64,
}

/// Books `count` rows (reason `count`) for the lines whose counted quantity
/// differs from the balance at submit time, and records the count.
pub fn submit(conn: &mut DbConn, actor: &Actor, d: &CountDraft) -> ServiceResult<CountOutcome> {
    actor.require(Action::CountStock)?;
    db::write_tx(conn, |conn| {
        let (location, _site) = location_and_site(conn, actor, d.location_id)?;
        let mut p = Problems::new();
        let note = parse_note(&mut p, &d.note);
        let mut counted: Vec<(Lot, i64)> = Vec::new();
        for (lot_text, qty_text) in &d.lines {
            let qty_text = qty_text.trim();
            if qty_text.is_empty() {
                continue;
            }
            let lot = match lot_text.trim().parse::<i64>() {
                Ok(id) => db::lots::by_id(conn, id)?,
                Err(_) => None,
            };
            let Some(lot) = lot else {
                p.add("lines", format!("no lot with id {lot_text}"));
                continue;
            };
            let field = field_name(lot.id);
            let Some(product) = db::catalog::product_by_id(conn, lot.product_id)? else {
                continue;
            };
            if counted.iter().any(|(l, _)| l.id == lot.id) {
                p.add(&field, "counted twice");
                continue;
            }
            if let Some(q) = p.take(
                &field,
                Quantity::parse_non_negative(qty_text, unit_of(&product)),
            ) {
                counted.push((lot, q.0));
            }
        }
        if p.is_empty() && counted.is_empty() {
            p.add("lines", "enter at least one counted quantity");
        }
        p.finish()?;
        let count_id = db::counts::insert(conn, location.id, actor.user_id, d.blind)?;
        let mut discrepancies = 0;
        for (lot, quantity) in &counted {
            if book_count_line(conn, actor, count_id, lot, &location, *quantity, &note)? {
                discrepancies += 1;
            }
        }
        let lines_counted = i32::try_from(counted.len()).unwrap_or(i32::MAX);
        db::counts::set_totals(conn, count_id, lines_counted, discrepancies)?;
        let moved_meanwhile = match d.sheet_at.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => match t.parse::<i64>() {
                Ok(at) => db::counts::moves_since(conn, location.id, at)?,
                Err(_) => 0,
            },
            _ => 0,
        };
        Ok(CountOutcome {
            count_id,
            lines_counted,
            discrepancies,
            moved_meanwhile,
        })
    })
}

/// Books the difference of one counted line; true when there was one.
fn book_count_line(
    conn: &mut DbConn,
    actor: &Actor,
    count_id: i64,
    lot: &Lot,
    location: &Location,
    counted: i64,
    note: &Option<String>,
) -> ServiceResult<bool> {
    // Two tries: on PostgreSQL a session may take stock between reading the
    // balance and the conditional decrement; then count against what is left.
    let mut current = db::balances::quantity_at(conn, lot.id, location.id)?;
    for _ in 0..2 {
        let delta = counted - current;
        if delta == 0 {
            return Ok(false);
        }
        let at = StockAt::of_lot(lot, location.id, location.site_id);
        let row = NewLedgerRow::new(LedgerKind::Count, at, delta, actor.user_id)
            .reason(AdjustReason::Count.code())
            .note(match note {
                Some(n) => format!(
                    "counted {}, expected {}: {n}",
                    Quantity(counted),
                    Quantity(current)
                ),
                None => format!(
                    "counted {}, expected {}",
                    Quantity(counted),
                    Quantity(current)
                ),
            })
            .stock_count(count_id);
        match db::ledger::append(conn, &row) {
            Ok(_) => return Ok(true),
            Err(AppendError::Insufficient { available }) => current = available,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServiceError::conflict(
        ErrorCode::StockMoving,
        "stock at this location is changing right now; submit the count again",
    ))
}

/// One line of the discrepancy summary.
#[derive(Debug, Clone)]
pub struct ResultLine {
    pub lot: Lot,
    pub product: Product,
    pub expected: i64,
    pub counted: i64,
    pub difference: i64,
}

#[derive(Debug, Clone)]
pub struct CountResult {
    pub count: db::counts::StockCount,
    pub location: Location,
    pub site: Site,
    pub username: String,
    /// Lines that differed (lines that matched booked nothing).
    pub lines: Vec<ResultLine>,
    /// The count's ledger rows, oldest first.
    pub rows: Vec<crate::db::ledger::LedgerEntry>,
}

/// The discrepancy summary of a count, rebuilt from its ledger rows: the
/// counted quantity is the balance right after the row, the expected one
/// that minus the row's delta.
pub fn result(conn: &mut DbConn, actor: &Actor, count_id: i64) -> ServiceResult<CountResult> {
    let not_found = || ServiceError::not_found(format!("no stock count {count_id}"));
    let count = db::counts::by_id(conn, count_id)?.ok_or_else(not_found)?;
    let (location, site) = match location_and_site(conn, actor, count.location_id) {
        Err(ServiceError::NotFound(_)) => return Err(not_found()),
        other => other?,
    };
    let username = db::users::by_id(conn, count.user_id)?
        .map(|u| u.username)
        .unwrap_or_default();
    let ids = db::counts::ledger_ids(conn, count_id)?;
    let mut entries = db::ledger::by_ids(conn, &ids)?;
    let mut pids: Vec<i64> = entries.iter().map(|e| e.row.product_id).collect();
    pids.sort_unstable();
    pids.dedup();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &pids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut lines = Vec::new();
    for e in entries.iter().rev() {
        let counted = db::counts::balance_after(conn, e.row.lot_id, e.row.location_id, e.row.id)?;
        let (Some(lot), Some(product)) = (
            db::lots::by_id(conn, e.row.lot_id)?,
            products.get(&e.row.product_id),
        ) else {
            continue;
        };
        lines.push(ResultLine {
            lot,
            product: product.clone(),
            expected: counted - e.row.delta,
            counted,
            difference: e.row.delta,
        });
    }
    entries.reverse();
    Ok(CountResult {
        count,
        location,
        site,
        username,
        lines,
        rows: entries,
    })
}

/// The lines of a sheet a search box finds (issue 14 item 10): a GS1 scan
/// (the parser `/receive` uses) finds the lines of its GTIN, narrowed to its
/// lot when one of them has it; typed text finds lines whose product name,
/// SKU, lot number or GTIN contains it (case-insensitive). Returns lot ids,
/// in sheet order; nothing when `q` is blank.
pub fn find(conn: &mut DbConn, lines: &[SheetLine], q: &str) -> ServiceResult<Vec<i64>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let looks_like_scan = q.starts_with("(01)")
        || q.starts_with("(02)")
        || q.starts_with(']')
        || (q.starts_with("01")
            && q.chars().count() >= 16
            && q.chars().take(16).all(|c| c.is_ascii_digit()));
    let scan = if looks_like_scan {
        super::receiving::parse_scan(conn, q).ok()
    } else {
        None
    };
    if let Some(gtin) = scan.as_ref().and_then(|s| s.gtin.clone()) {
        let of_gtin: Vec<&SheetLine> = lines
            .iter()
            .filter(|l| l.product.gtin.as_deref() == Some(gtin.as_str()))
            .collect();
        let lot = scan.as_ref().and_then(|s| s.lot.clone());
        let of_lot: Vec<i64> = of_gtin
            .iter()
            .filter(|l| Some(&l.lot.lot_number) == lot.as_ref())
            .map(|l| l.lot.id)
            .collect();
        return Ok(if of_lot.is_empty() {
            of_gtin.iter().map(|l| l.lot.id).collect()
        } else {
            of_lot
        });
    }
    let needle = q.to_lowercase();
    Ok(lines
        .iter()
        .filter(|l| {
            [
                l.product.name.as_str(),
                l.product.sku.as_str(),
                l.lot.lot_number.as_str(),
                l.product.gtin.as_deref().unwrap_or(""),
            ]
            .iter()
            .any(|t| t.to_lowercase().contains(&needle))
        })
        .map(|l| l.lot.id)
        .collect())
}
