//! Receiving a delivery against a purchase order: per order line a lot, an
//! expiry (typed, or from a GS1 scan as on the receive page) and a quantity.
//! Each received line goes through the ordinary receiving rules
//! (`receiving::receive_in_tx`), so its receipt and `receive` ledger row link
//! to the order and the order line; the line's received quantity grows and
//! the order moves to "partly received" or "received" by itself.
//!
//! Decisions: one delivery is one transaction (any refusal writes nothing);
//! receiving more than is still open on a line is refused (409
//! `exceeds_open_quantity`: receive the surplus on the Receive page, not
//! against the order); drafts, cancelled and received orders refuse
//! receipts (409 `order_not_open`); a scanned GTIN must be the line's product.

use crate::db::{self, DbConn};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::quantity::fmt_qty;
use crate::domain::reorder::on_order_codes;
use crate::error::{ErrorCode, FieldError, ServiceError, ServiceResult};

use super::{OrderLineView, OrderView, load, load_seen};
use crate::services::receiving::{self, ReceiveDraft, Received};

/// One order line's part of a delivery, as typed.
#[derive(Debug, Clone, Default)]
pub struct ReceiveLineDraft {
    /// The order line (or, for API convenience, `product_id` when the
    /// product is on the order once).
    pub line_id: Option<String>,
    pub product_id: Option<String>,
    pub gs1: Option<String>,
    pub lot: Option<String>,
    pub expiry: Option<String>,
    pub quantity: Option<String>,
    /// `units` (default) or `packs`.
    pub quantity_in: Option<String>,
}

/// A delivery as typed.
#[derive(Debug, Clone, Default)]
pub struct OrderReceiptDraft {
    pub location: Option<String>,
    pub received_at: Option<String>,
    pub note: Option<String>,
    pub lines: Vec<ReceiveLineDraft>,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn not_open(view: &OrderView) -> ServiceError {
    let why = if view.is_draft() {
        "it is still a draft: send it first".to_string()
    } else {
        format!("it is {}", view.status.label().to_lowercase())
    };
    ServiceError::conflict(
        ErrorCode::OrderNotOpen,
        format!("nothing can be received against {}: {why}", view.number()),
    )
}

/// Receives a delivery against order `id`. `field(i, name)` names the
/// fields of delivery line `i` in errors. Returns the order afterwards and
/// what was received.
/// Why a scanned code is not the line's product (its GTIN, or the product
/// that has it), if it is not.
fn scan_mismatch(
    conn: &mut DbConn,
    line: &OrderLineView,
    scan: &str,
) -> ServiceResult<Option<String>> {
    let data = receiving::parse_scan(conn, scan)?;
    let Some(scanned) = &data.gtin else {
        return Ok(None);
    };
    let other = match &line.product.gtin {
        Some(own) => (own != scanned).then(|| format!("its GTIN is {own}")),
        None => db::catalog::product_by_gtin(conn, scanned)?
            .filter(|p| p.id != line.product.id)
            .map(|p| format!("it is {}", p.name)),
    };
    Ok(other.map(|why| {
        format!(
            "this barcode (GTIN {scanned}) is not {}: {why}",
            line.product.name
        )
    }))
}

/// The cost of one unit (thousandth-exact, rounded half up) from the order
/// line's pack cost (pure); None without a pack size.
fn unit_cost_cents(pack_cost_cents: i64, pack_size: i64) -> Option<i64> {
    if pack_size > 0 {
        i64::try_from(
            (i128::from(pack_cost_cents) * 1000 + i128::from(pack_size / 2))
                / i128::from(pack_size),
        )
        .ok()
    } else {
        None
    }
}

/// The ordinary receipt one delivery line stands for (pure): the line's
/// product at the order's site, at the order line's unit cost.
fn line_draft(
    view: &OrderView,
    d: &OrderReceiptDraft,
    l: &ReceiveLineDraft,
    line: &OrderLineView,
) -> ReceiveDraft {
    let unit_cost = unit_cost_cents(line.line.pack_cost_cents, line.line.pack_size);
    ReceiveDraft {
        site: Some(view.site.code.clone()),
        location: d.location.clone(),
        product_id: Some(line.product.id.to_string()),
        gtin: None,
        gs1: l.gs1.clone(),
        lot: l.lot.clone(),
        expiry: l.expiry.clone(),
        quantity: l.quantity.clone(),
        quantity_in: l.quantity_in.clone(),
        unit_cost_cents: unit_cost.map(|c| c.to_string()),
        unit_cost: None,
        received_at: d.received_at.clone(),
        note: text(&d.note)
            .map(str::to_string)
            .or_else(|| Some(format!("against {}", view.number()))),
    }
}

/// Books receipt `r` on its order line; more than is still open is refused
/// (409 `exceeds_open_quantity`, naming the line's `field`).
fn add_received(
    conn: &mut DbConn,
    view: &OrderView,
    line: &OrderLineView,
    r: &Received,
    field: &str,
) -> ServiceResult<()> {
    if db::orders::add_received(conn, line.line.id, r.quantity)? == 1 {
        return Ok(());
    }
    let open = db::orders::open_quantity(conn, line.line.id)?;
    let mut details = serde_json::Map::new();
    details.insert("line_id".into(), line.line.id.into());
    details.insert("open".into(), Quantity(open).to_json());
    details.insert("requested".into(), Quantity(r.quantity).to_json());
    details.insert("field".into(), field.into());
    Err(ServiceError::Conflict {
        code: ErrorCode::ExceedsOpenQuantity,
        message: format!(
            "{}: only {} {} still open on {}, not {}; receive any surplus on the Receive page",
            line.product.name,
            fmt_qty(open),
            line.product.unit,
            view.number(),
            fmt_qty(r.quantity)
        ),
        details,
    })
}

/// Moves the order to "received" when no line is open any more, else to
/// "partly received".
fn close_if_complete(conn: &mut DbConn, id: i64) -> ServiceResult<()> {
    let after = load(conn, id)?;
    let complete = after.lines.iter().all(|l| l.open() == 0);
    let (to, closed) = if complete {
        ("received", true)
    } else {
        ("partial", false)
    };
    if db::orders::move_status(conn, id, &on_order_codes(), to, closed)? != 1 {
        return Err(not_open(&after));
    }
    Ok(())
}

pub fn receive(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &OrderReceiptDraft,
    field: &dyn Fn(usize, &str) -> String,
) -> ServiceResult<(OrderView, Vec<Received>)> {
    actor.require(Action::ManageOrders)?;
    db::write_tx(conn, |conn| {
        let view = load_seen(conn, actor, id)?;
        if !view.is_open() {
            return Err(not_open(&view));
        }
        let mut errors: Vec<FieldError> = Vec::new();
        let mut code = ErrorCode::ValidationFailed;
        let mut received = Vec::new();
        let mut any = false;
        for (i, l) in d.lines.iter().enumerate() {
            if text(&l.quantity).is_none() {
                continue;
            }
            any = true;
            let Some(line) = find_line(&view, l) else {
                errors.push(FieldError {
                    field: field(i, "line_id"),
                    message: "not a line of this order".into(),
                });
                continue;
            };
            if let Some(scan) = text(&l.gs1)
                && let Some(message) =
                    scan_mismatch(conn, line, scan).map_err(|e| prefix(e, i, field))?
            {
                errors.push(FieldError {
                    field: field(i, "gs1"),
                    message,
                });
                continue;
            }
            let draft = line_draft(&view, d, l, line);
            match receiving::receive_in_tx(conn, actor, &draft, Some((view.order.id, line.line.id)))
            {
                Ok(r) => {
                    add_received(conn, &view, line, &r, &field(i, "quantity"))?;
                    received.push(r);
                }
                Err(ServiceError::Invalid {
                    code: c,
                    errors: es,
                }) => {
                    if errors.is_empty() {
                        code = c;
                    }
                    errors.extend(es.into_iter().map(|e| FieldError {
                        field: field(i, &e.field),
                        message: e.message,
                    }));
                }
                Err(e) => return Err(prefix(e, i, field)),
            }
        }
        if !any {
            errors.push(FieldError {
                field: field(0, "quantity"),
                message: "enter the quantity received on at least one line".into(),
            });
        }
        if !errors.is_empty() {
            if errors.len() > 1 {
                code = ErrorCode::ValidationFailed;
            }
            return Err(ServiceError::Invalid { code, errors });
        }
        close_if_complete(conn, id)?;
        let after = load(conn, id)?;
        crate::services::audit::order_changed(conn, actor, "receive", Some(&view), &after)?;
        Ok((after, received))
    })
}

fn find_line<'a>(view: &'a OrderView, l: &ReceiveLineDraft) -> Option<&'a OrderLineView> {
    if let Some(id) = text(&l.line_id).and_then(|t| t.parse::<i64>().ok()) {
        return view.lines.iter().find(|x| x.line.id == id);
    }
    let pid = text(&l.product_id).and_then(|t| t.parse::<i64>().ok())?;
    let mut matching = view.lines.iter().filter(|x| x.product.id == pid);
    let first = matching.next()?;
    matching.next().is_none().then_some(first)
}

/// Names the field of a single-field error after its delivery line.
fn prefix(e: ServiceError, i: usize, field: &dyn Fn(usize, &str) -> String) -> ServiceError {
    match e {
        ServiceError::Invalid { code, errors } => ServiceError::Invalid {
            code,
            errors: errors
                .into_iter()
                .map(|f| FieldError {
                    field: field(i, &f.field),
                    message: f.message,
                })
                .collect(),
        },
        other => other,
    }
}

#[cfg(test)]
mod unit_cost_tests {
    use super::unit_cost_cents;

    #[test]
    fn a_units_cost_is_the_pack_cost_shared_rounded_half_up() {
        // 10 each for 25.00: 2.50 a unit.
        assert_eq!(unit_cost_cents(2_500, 10_000), Some(250));
        // 3 each for 1.00: 0.333… → 33 cents; 2 for 0.01 → 0.005 → 1 cent.
        assert_eq!(unit_cost_cents(100, 3_000), Some(33));
        assert_eq!(unit_cost_cents(1, 2_000), Some(1));
        assert_eq!(unit_cost_cents(100, 0), None);
    }
}
