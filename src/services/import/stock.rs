//! Importing opening stock (`sku,lot,expiry,quantity,location`, optionally
//! `site`): each row is checked with the receiving rules
//! (`receiving::validate_receipt`) and becomes one `receive` ledger row with
//! reason `opening` (no receipt: nothing was delivered), so balances move
//! only with ledger rows and `clinic-stock check` holds. A lot already at
//! that location is skipped: unchanged when the opening quantity matches,
//! reported and not applied when it differs. Lots past their expiry are
//! brought in as they are on the shelf (expired, to be written off) with a
//! note, instead of being refused as an expired delivery would be.
//! A manager tied to a site brings stock into that site only.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{CellProblems, FirstSeen, ImportOptions, RowReport, RowStatus, start_row, unescaped};
use crate::db::{
    self, DbConn,
    ledger::{OPENING, StockAt},
    models::{NewLedgerRow, Product, Site},
};
use crate::domain::access::Actor;
use crate::domain::import::cells::{self, DateOrder};
use crate::domain::import::{Row, Table};
use crate::domain::quantity::fmt_qty;
use crate::domain::vocab::LedgerKind;
use crate::error::{ServiceError, ServiceResult};
use crate::services::receiving::{self, Lookups, ReceiptPlan, ReceiveDraft};

/// The receiving form's field names as the import's columns.
fn column(field: &str) -> String {
    match field {
        "product_id" | "gtin" => "sku",
        other => other,
    }
    .to_string()
}

pub fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    table: &Table,
    opts: &ImportOptions,
    order: Option<DateOrder>,
    formulas: &CellProblems,
) -> ServiceResult<Vec<RowReport>> {
    let default_site = crate::services::sites::resolve_site(conn, actor, opts.site.as_deref())?;
    let own_site = own_site(conn, actor)?;
    let mut products: HashMap<String, Option<Product>> = HashMap::new();
    let mut seen = FirstSeen::default();
    let mut run = Run {
        actor,
        order,
        lookups: Lookups::for_run(),
    };
    let mut out = Vec::with_capacity(table.rows.len());
    for raw in &table.rows {
        let row = unescaped(raw);
        let sku = row.get("sku").unwrap_or("").to_string();
        let lot = row.get("lot").unwrap_or("").to_string();
        let site = row.get("site").unwrap_or(&default_site.code).to_string();
        let location = row.get("location").unwrap_or("").to_string();
        let at = if location.is_empty() {
            String::new()
        } else {
            format!(" at {location}")
        };
        let mut report = start_row(&row, format!("{sku} lot {lot}{at}"), formulas);
        let key = format!("{site}\u{1f}{location}\u{1f}{sku}\u{1f}{lot}");
        let earlier = seen.earlier(&key, row.line);
        let duplicate = earlier.is_some();
        if let Some(l) = earlier {
            report.error(
                "lot",
                format!("lot {lot} of {sku}{at} appears twice (also line {l})"),
            );
        }
        if !duplicate {
            let product = match products.get(&sku) {
                Some(p) => p.clone(),
                None => {
                    let p = db::catalog::product_by_sku(conn, &sku)?;
                    products.insert(sku.clone(), p.clone());
                    p
                }
            };
            match product {
                Some(_) if own_site.as_ref().is_some_and(|own| own.code != site) => {
                    let own = own_site.as_ref().map(|s| s.code.as_str()).unwrap_or("");
                    report.error(
                        "site",
                        format!("you bring stock into your own site ({own}) only, not {site}"),
                    );
                }
                Some(p) => apply_row(conn, &mut run, &row, &p, &site, &mut report)?,
                None if sku.is_empty() => report.error("sku", "enter the SKU"),
                None => report.error(
                    "sku",
                    format!("no product with SKU {sku}; import the products first"),
                ),
            }
        }
        out.push(report);
    }
    Ok(out)
}

/// The one site a manager tied to a site may bring stock into (None: any).
fn own_site(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Option<Site>> {
    match actor.bound_site() {
        Some(id) => Ok(db::sites::by_id(conn, id)?),
        None => Ok(None),
    }
}

/// What every row of one file shares.
struct Run<'a> {
    actor: &'a Actor,
    order: Option<DateOrder>,
    lookups: Lookups,
}

fn apply_row(
    conn: &mut DbConn,
    run: &mut Run,
    row: &Row,
    product: &Product,
    site: &str,
    report: &mut RowReport,
) -> ServiceResult<()> {
    let (actor, order, lookups) = (run.actor, run.order, &mut run.lookups);
    let expiry = row.get("expiry").map(|t| cells::date(t, order));
    let draft = receive_draft(row, product, site, &expiry);
    let mut plan = match receiving::validate_receipt_with(conn, actor, &draft, lookups) {
        Ok(plan) => plan,
        Err(e) => {
            report.refused(e, column)?;
            // The date's own message replaces the form's "enter the expiry date".
            if let Some(Err(msg)) = expiry {
                report.errors.retain(|f| f.field != "expiry");
                report.error("expiry", msg);
            }
            return Ok(());
        }
    };
    if let Err(e) = plan.find_lot_with(conn, lookups) {
        return report.refused(e, column);
    }
    if report.is_error() {
        return Ok(());
    }
    report.key = format!(
        "{} lot {} at {}",
        product.sku, plan.lot_number, plan.location.code
    );
    let note = match receiving::check_not_expired(&plan) {
        Ok(()) => String::new(),
        Err(ServiceError::Invalid { .. }) => format!(
            "expired on {}: it comes in as expired stock, to be written off",
            plan.expiry
        ),
        Err(e) => return Err(e),
    };
    if already_there(conn, &plan, product, report)? {
        return Ok(());
    }
    let lot_id = write_opening(conn, actor, &mut plan)?;
    lookups.remember_lot(plan.product.id, &plan.lot_number, lot_id, plan.expiry);
    report.status = RowStatus::New;
    report.link = Some(format!("/lots/{lot_id}"));
    report.detail = if note.is_empty() {
        format!(
            "{} {} of {}, expiry {}",
            fmt_qty(plan.quantity),
            product.unit,
            product.name,
            plan.expiry
        )
    } else {
        note
    };
    Ok(())
}

/// The receipt form a stock row stands for (pure): the row's cells, the
/// date read in the file's date order (`expiry`), as opening stock.
fn receive_draft(
    row: &Row,
    product: &Product,
    site: &str,
    expiry: &Option<Result<NaiveDate, String>>,
) -> ReceiveDraft {
    ReceiveDraft {
        site: Some(site.to_string()),
        location: row.given("location"),
        product_id: Some(product.id.to_string()),
        lot: row.given("lot"),
        expiry: match expiry {
            Some(Ok(d)) => Some(cells::iso(*d)),
            _ => None,
        },
        quantity: row.given("quantity").map(|q| cells::decimal(&q)),
        note: Some("opening stock".into()),
        ..ReceiveDraft::default()
    }
}

/// Whether the lot is already at the location (an import run again): then
/// the row is unchanged (same opening quantity) or not applied, and says so.
fn already_there(
    conn: &mut DbConn,
    plan: &ReceiptPlan,
    product: &Product,
    report: &mut RowReport,
) -> ServiceResult<bool> {
    let Some(lot_id) = plan.existing_lot else {
        return Ok(false);
    };
    report.link = Some(format!("/lots/{lot_id}"));
    let (opening, rows) = db::ledger::opening_at(conn, lot_id, plan.location.id)?;
    match opening {
        Some(q) if q == plan.quantity => Ok(true),
        Some(q) => {
            report.status = RowStatus::NotApplied;
            report.detail = format!(
                "already imported with {} {}; the file says {} — not applied (stock changes only through receipts, counts and adjustments)",
                fmt_qty(q),
                product.unit,
                fmt_qty(plan.quantity)
            );
            Ok(true)
        }
        None if rows > 0 => {
            report.status = RowStatus::NotApplied;
            report.detail = format!(
                "lot {} is already recorded at {} — not applied",
                plan.lot_number, plan.location.code
            );
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The lot (when new) and its opening `receive` row.
fn write_opening(conn: &mut DbConn, actor: &Actor, plan: &mut ReceiptPlan) -> ServiceResult<i64> {
    let lot_id = match plan.existing_lot {
        Some(id) => id,
        None => {
            let id = db::lots::insert(conn, plan.product.id, &plan.lot_number, plan.expiry)?;
            plan.existing_lot = Some(id);
            id
        }
    };
    let at = StockAt {
        site_id: plan.site.id,
        location_id: plan.location.id,
        product_id: plan.product.id,
        lot_id,
    };
    let row = NewLedgerRow::new(LedgerKind::Receive, at, plan.quantity, actor.user_id)
        .reason(OPENING)
        .note(plan.note.clone());
    db::ledger::append(conn, &row)?;
    Ok(lot_id)
}
