//! Correcting a mistyped delivery (issue 14 item 10): a manager sets what a
//! receipt really brought in (0 removes the line), with a reason. The
//! ledger is append-only, so the correction is one compensating `adjust`
//! row (reason `receipt_correction`, the person's words in its note) that
//! carries the receipt's id and, for a delivery against an order, its
//! order line, whose received quantity follows (and the order's status:
//! partly received again, or received). Audited with the old and new
//! quantities and the reason.
//!
//! Refusals write nothing: a quantity the lot's stock at the receipt's
//! location cannot give back (some of it was used or moved since) is a
//! message at the quantity field saying how low it can go; so is more
//! than the order line allows.

use crate::db::{
    self, DbConn,
    ledger::{AppendError, LedgerEntry, StockAt},
    models::NewLedgerRow,
};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::quantity::fmt_qty;
use crate::domain::vocab::{LedgerKind, Unit};
use crate::error::{Problems, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};

use super::scope;

/// The ledger reason of a correction row.
pub const REASON: &str = "receipt_correction";

/// A correction as typed.
#[derive(Debug, Clone, Default)]
pub struct CorrectionDraft {
    /// What the delivery really brought, in the product's unit.
    pub quantity: Option<String>,
    pub reason: Option<String>,
}

/// What a correction did.
#[derive(Debug, Clone)]
pub struct Corrected {
    pub receipt_id: i64,
    pub lot_number: String,
    pub unit: String,
    /// Thousandths, before and after.
    pub old: i64,
    pub new: i64,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Corrects receipt `id` to the quantity typed.
pub fn correct(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &CorrectionDraft,
) -> ServiceResult<Corrected> {
    actor.require(Action::CorrectReceipt)?;
    db::write_tx(conn, |conn| {
        let missing = || format!("no receipt with id {id}");
        let receipt =
            db::receiving::by_id(conn, id)?.ok_or_else(|| ServiceError::not_found(missing()))?;
        scope::hide_unless(actor, Action::CorrectReceipt, receipt.site_id, missing)?;
        let ids = db::receiving::ledger_ids(conn, &[id])?;
        let rows = db::ledger::by_ids(conn, &ids)?;
        let Some(first) = rows.iter().find(|e| e.row.kind == LedgerKind::Receive) else {
            return Err(ServiceError::not_found(missing()));
        };
        let current: i64 = rows.iter().map(|e| e.row.delta).sum();
        let unit = first.unit;
        let ValidCorrection { new, reason } = validate(d, unit, current)?;
        let delta = new - current;
        let row = &first.row;
        let at = StockAt {
            site_id: row.site_id,
            location_id: row.location_id,
            product_id: row.product_id,
            lot_id: row.lot_id,
        };
        let correction = NewLedgerRow::new(LedgerKind::Adjust, at, delta, actor.user_id)
            .reason(REASON)
            .note(reason.clone())
            .receipt(id)
            .order(row.purchase_order_id, row.purchase_order_line_id);
        append_correction(conn, &correction, first, current)?;
        if let (Some(order_id), Some(line_id)) = (row.purchase_order_id, row.purchase_order_line_id)
        {
            follow_order(conn, order_id, line_id, delta)?;
        }
        audit::record(
            conn,
            &actor.into(),
            "correct",
            "receipt",
            Some(id),
            &format!(
                "corrected receipt {id} (lot {}) from {} to {} {}",
                first.lot_number,
                fmt_qty(current),
                fmt_qty(new),
                first.unit
            ),
            &Changes::new()
                .field("quantity", fmt_qty(current), fmt_qty(new))
                .set("reason", reason),
        )?;
        Ok(Corrected {
            receipt_id: id,
            lot_number: first.lot_number.clone(),
            unit: first.unit.code().to_string(),
            old: current,
            new,
        })
    })
}

/// A correction that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCorrection {
    /// What the delivery really brought, thousandths.
    pub new: i64,
    pub reason: String,
}

/// Checks a correction of a receipt that now stands at `current` (pure).
pub fn validate(d: &CorrectionDraft, unit: Unit, current: i64) -> ServiceResult<ValidCorrection> {
    let mut p = Problems::new();
    let new = match text(&d.quantity) {
        None => {
            p.add(
                "quantity",
                "enter what the delivery really brought (0 removes the line)",
            );
            None
        }
        Some(t) => p.take(
            "quantity",
            Quantity::parse_non_negative(t, unit).map(|q| q.0),
        ),
    };
    if new == Some(current) {
        p.add(
            "quantity",
            format!(
                "the receipt already says {}: enter the right quantity",
                fmt_qty(current)
            ),
        );
    }
    let reason = match text(&d.reason) {
        None => {
            p.add("reason", "say why the delivery is corrected");
            None
        }
        Some(r) if r.chars().count() > 500 => {
            p.add("reason", "at most 500 characters");
            None
        }
        Some(r) => Some(r.to_string()),
    };
    p.finish()?;
    let (Some(new), Some(reason)) = (new, reason) else {
        return Err(ServiceError::Internal("validated values missing".into()));
    };
    Ok(ValidCorrection { new, reason })
}

/// Appends the correction row; taking away more than is left at the
/// receipt's location is a field problem naming what is left.
fn append_correction(
    conn: &mut DbConn,
    correction: &NewLedgerRow,
    first: &LedgerEntry,
    current: i64,
) -> ServiceResult<()> {
    match db::ledger::append(conn, correction) {
        Ok(_) => Ok(()),
        Err(AppendError::Insufficient { available }) => Err(ServiceError::invalid(
            "quantity",
            format!(
                "only {} {} of lot {} are left at {} (the rest was used or moved): the receipt can go down to {} at most",
                fmt_qty(available),
                first.unit,
                first.lot_number,
                first.location_code,
                fmt_qty(current - available)
            ),
        )),
        Err(AppendError::Db(e)) => Err(e.into()),
    }
}

/// The order line's received quantity follows the correction; the order is
/// "received" when nothing is open any more, else "partly received".
fn follow_order(conn: &mut DbConn, order_id: i64, line_id: i64, delta: i64) -> ServiceResult<()> {
    if db::orders::add_received(conn, line_id, delta)? != 1 {
        let open = db::orders::open_quantity(conn, line_id)?;
        return Err(ServiceError::invalid(
            "quantity",
            format!(
                "that is more than was ordered: only {} more can be booked against {}; receive any surplus on the Receive page",
                fmt_qty(open),
                super::orders::order_number(order_id)
            ),
        ));
    }
    let lines = db::orders::lines_of(conn, order_id)?;
    let complete = lines.iter().all(|l| {
        crate::domain::reorder::open_quantity(l.packs, l.pack_size, l.received_quantity) == 0
    });
    let (to, closed) = if complete {
        ("received", true)
    } else {
        ("partial", false)
    };
    db::orders::move_status(conn, order_id, &["partial", "received"], to, closed)?;
    Ok(())
}

#[cfg(test)]
mod validate_tests {
    use super::*;

    fn draft(quantity: &str, reason: &str) -> CorrectionDraft {
        CorrectionDraft {
            quantity: Some(quantity.into()),
            reason: Some(reason.into()),
        }
    }

    fn fields(r: ServiceResult<ValidCorrection>) -> Vec<String> {
        match r {
            Err(ServiceError::Invalid { errors, .. }) => {
                errors.into_iter().map(|f| f.field).collect()
            }
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn a_correction_is_read_in_the_products_unit() {
        let v = validate(&draft(" 8 ", " short delivery "), Unit::Each, 10_000).unwrap();
        assert_eq!(v.new, 8_000);
        assert_eq!(v.reason, "short delivery");
        let v = validate(&draft("0", "never came"), Unit::Each, 10_000).unwrap();
        assert_eq!(v.new, 0);
    }

    #[test]
    fn the_same_quantity_a_missing_reason_and_bad_text_are_refused() {
        assert_eq!(
            fields(validate(&draft("10", "x"), Unit::Each, 10_000)),
            ["quantity"]
        );
        assert_eq!(
            fields(validate(&draft("", " "), Unit::Each, 10_000)),
            ["quantity", "reason"]
        );
        assert_eq!(
            fields(validate(&draft("-1", &"y".repeat(501)), Unit::Each, 10_000)),
            ["quantity", "reason"]
        );
    }
}
