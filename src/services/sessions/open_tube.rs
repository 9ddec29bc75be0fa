//! A session line that opens a new tube ("new tube opened" ticked on the
//! form, `open_new: true` in the API). Inside the session's transaction a
//! container of the product is opened from the first usable sealed lot
//! (FEFO, or the sealed lot the line names) exactly as the lot page opens
//! one (`transfers::open_in_tx`: two `transfer` rows, reason `opened`, here
//! linked to the session line), then the line's quantity is taken from that
//! container alone. A retry with the same idempotency key replays the
//! session and opens nothing. Voiding the session gives the quantity back
//! to the container; the opening stays (a tube once opened is open).

use super::allocate::{CheckedLine, SiteStock};
use super::record::{Ctx, consume_line};
use super::request::line_field;
use super::view::{AllocationView, OpenedView};
use crate::db::{self, DbConn};
use crate::domain::Quantity;
use crate::domain::access::{Action, Scope};
use crate::domain::quantity::fmt_qty;
use crate::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::transfers::{OpenAt, open_in_tx};

/// Takes one line's stock: FEFO (or from its named lot) as always, or,
/// when it opens a new tube, from the tube it opens.
pub(super) fn take_line(
    conn: &mut DbConn,
    ctx: &Ctx<'_>,
    stock: &mut SiteStock,
    line: &CheckedLine,
    line_id: i64,
    total: i64,
) -> ServiceResult<(Vec<AllocationView>, Option<OpenedView>)> {
    if !line.open_new {
        let taken = consume_line(conn, ctx, stock, line, line_id, total)?;
        return Ok((taken, None));
    }
    let opened = open_for_line(conn, ctx, stock, line, line_id)?;
    if line.quantity > opened.quantity {
        return Err(more_than_a_tube(line, &opened));
    }
    let tube = db::lots::by_id(conn, opened.lot_id)?
        .ok_or_else(|| ServiceError::Internal("opened lot vanished".into()))?;
    let from_tube = CheckedLine {
        named_lot: Some(tube),
        ..line.clone()
    };
    let taken = consume_line(conn, ctx, stock, &from_tube, line_id, line.quantity)?;
    Ok((taken, Some(opened)))
}

/// Opens a container for the line from the first usable sealed position
/// and reads the product's stock again (the container is a new position).
fn open_for_line(
    conn: &mut DbConn,
    ctx: &Ctx<'_>,
    stock: &mut SiteStock,
    line: &CheckedLine,
    line_id: i64,
) -> ServiceResult<OpenedView> {
    if !ctx
        .actor
        .may(Action::OpenContainer, Scope::Site(ctx.site_id))
    {
        return Err(ServiceError::Forbidden(
            "you may not record opening a tube at this site".into(),
        ));
    }
    let named = line.named_lot.as_ref().map(|l| l.id);
    let (lot_id, location_id) = stock
        .first_sealed(line.product.id, named)
        .ok_or_else(|| nothing_sealed(line))?;
    let location = db::sites::location_by_id(conn, location_id)?
        .ok_or_else(|| ServiceError::Internal("a position outside the stock read".into()))?;
    let lot = db::lots::by_id(conn, lot_id)?
        .ok_or_else(|| ServiceError::Internal("a lot outside the stock read".into()))?;
    let at = OpenAt {
        lot: &lot,
        product: &line.product,
        location: &location,
        today: ctx.day,
        opened_at: ctx.performed_at,
        dated: (ctx.performed_at, ctx.now),
        session: Some((ctx.session_id, line_id)),
    };
    let (o, _) = open_in_tx(conn, ctx.actor, &at)?;
    stock.reload(conn, line.product.id)?;
    Ok(OpenedView {
        lot_id: o.lot_id,
        lot: o.lot_number,
        container: o.container,
        location: location.code,
        quantity: o.quantity,
        use_by: o.use_by,
    })
}

/// 409 when no usable sealed stock is left to open a tube from.
fn nothing_sealed(line: &CheckedLine) -> ServiceError {
    let what = match &line.named_lot {
        Some(l) => format!("{} (lot {})", line.product.name, l.lot_number),
        None => line.product.name.clone(),
    };
    conflict(
        line,
        "open_new",
        format!("no sealed {what} left here to open a new tube from"),
        0,
    )
}

/// 409 when the line asks more than the tube it opened holds.
fn more_than_a_tube(line: &CheckedLine, opened: &OpenedView) -> ServiceError {
    let unit = &line.product.unit;
    conflict(
        line,
        "quantity",
        format!(
            "the new tube of {} (lot {}) holds {} {unit}, the line asks {} {unit}: put the rest on another line",
            line.product.name,
            opened.lot,
            fmt_qty(opened.quantity),
            fmt_qty(line.quantity)
        ),
        opened.quantity,
    )
}

fn conflict(line: &CheckedLine, field: &str, message: String, available: i64) -> ServiceError {
    let mut details = serde_json::Map::new();
    details.insert("product_id".into(), line.product.id.into());
    details.insert("requested".into(), Quantity(line.quantity).to_json());
    details.insert("available".into(), Quantity(available).to_json());
    details.insert("field".into(), line_field(line.index, field).into());
    ServiceError::Conflict {
        code: ErrorCode::InsufficientStock,
        message,
        details,
    }
}
