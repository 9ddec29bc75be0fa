//! Draft orders: created by hand (one supplier, lines in packs), and their
//! lines replaced while still a draft. Drafting from the reorder report is
//! `from_reorder`.

use super::{MAX_PACKS, OrderView, load, load_seen, text};
use crate::db::models::Product;
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::domain::quantity::{MAX_MONEY_CENTS, parse_money};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit;
use crate::services::reorder::pack_cost_cents;

/// One line as typed.
#[derive(Debug, Clone, Default)]
pub struct LineDraft {
    pub product_id: Option<String>,
    pub packs: Option<String>,
    /// Whole cents per pack (API).
    pub pack_cost_cents: Option<String>,
    /// Money text per pack ("12.50", forms).
    pub pack_cost: Option<String>,
}

/// A new order as typed.
#[derive(Debug, Clone, Default)]
pub struct OrderDraft {
    pub site: Option<String>,
    pub supplier_id: Option<String>,
    pub note: Option<String>,
    pub lines: Vec<LineDraft>,
}

/// A validated line.
#[derive(Debug, Clone)]
pub(super) struct LineSpec {
    product: Product,
    packs: i64,
    pack_cost_cents: i64,
}

pub(super) fn parse_packs(t: &str) -> Result<i64, String> {
    match t.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_PACKS).contains(&n) => Ok(n),
        _ => Err(format!("a whole number of packs from 1 to {MAX_PACKS}")),
    }
}

/// Validates lines; `field(i, name)` names the field of line `i` in errors.
pub(super) fn validate_lines(
    conn: &mut DbConn,
    lines: &[LineDraft],
    p: &mut Problems,
    field: &dyn Fn(usize, &str) -> String,
) -> ServiceResult<Vec<LineSpec>> {
    let mut out: Vec<LineSpec> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let product = match text(&l.product_id).map(str::parse::<i64>) {
            Some(Ok(id)) => match db::catalog::product_by_id(conn, id)? {
                Some(prod) => Some(prod),
                None => {
                    p.add(&field(i, "product_id"), format!("no product with id {id}"));
                    None
                }
            },
            Some(Err(_)) => {
                p.add(&field(i, "product_id"), "a product id");
                None
            }
            None => {
                p.add(&field(i, "product_id"), "choose a product");
                None
            }
        };
        let packs = match text(&l.packs) {
            Some(t) => p.take(&field(i, "packs"), parse_packs(t)),
            None => {
                p.add(&field(i, "packs"), "enter the number of packs");
                None
            }
        };
        let cost = match (text(&l.pack_cost_cents), text(&l.pack_cost)) {
            (Some(c), _) => match c.parse::<i64>() {
                Ok(v) if (0..=MAX_MONEY_CENTS).contains(&v) => Some(Some(v)),
                _ => {
                    p.add(
                        &field(i, "pack_cost_cents"),
                        format!("a whole number of cents from 0 to {MAX_MONEY_CENTS}"),
                    );
                    None
                }
            },
            (None, Some(m)) => p.take(&field(i, "pack_cost"), parse_money(m)).map(Some),
            (None, None) => Some(None),
        };
        if let (Some(product), Some(packs), Some(cost)) = (product, packs, cost) {
            if out.iter().any(|o| o.product.id == product.id) {
                p.add(
                    &field(i, "product_id"),
                    format!("{} is already on this order", product.name),
                );
                continue;
            }
            out.push(LineSpec {
                pack_cost_cents: cost
                    .unwrap_or_else(|| pack_cost_cents(product.pack_size, product.unit_cost_cents)),
                product,
                packs,
            });
        }
    }
    Ok(out)
}

pub(super) fn api_field(i: usize, name: &str) -> String {
    format!("lines[{i}].{name}")
}

pub(super) fn insert_lines(
    conn: &mut DbConn,
    order_id: i64,
    lines: &[LineSpec],
) -> ServiceResult<()> {
    for l in lines {
        db::orders::insert_line(
            conn,
            order_id,
            l.product.id,
            l.packs,
            l.product.pack_size,
            l.pack_cost_cents,
        )?;
    }
    Ok(())
}

fn clean_note(note: &Option<String>, p: &mut Problems) -> Option<String> {
    let n = text(note)?;
    if n.chars().count() > 2000 {
        p.add("note", "up to 2000 characters");
    }
    Some(n.to_string())
}

/// Creates a draft order for one supplier.
pub fn create(conn: &mut DbConn, actor: &Actor, d: &OrderDraft) -> ServiceResult<OrderView> {
    actor.require(Action::ManageOrders)?;
    db::write_tx(conn, |conn| {
        let mut p = Problems::new();
        let site =
            crate::services::scope::one_site(conn, actor, Action::ManageOrders, text(&d.site))?;
        let supplier = match text(&d.supplier_id).map(str::parse::<i64>) {
            Some(Ok(id)) => db::catalog::supplier_by_id(conn, id)?.or_else(|| {
                p.add("supplier_id", format!("no supplier with id {id}"));
                None
            }),
            _ => {
                p.add("supplier_id", "choose a supplier");
                None
            }
        };
        let note = clean_note(&d.note, &mut p);
        let lines = validate_lines(conn, &d.lines, &mut p, &api_field)?;
        p.finish()?;
        let Some(supplier) = supplier else {
            return Err(ServiceError::Internal("validated supplier missing".into()));
        };
        let id =
            db::orders::insert_order(conn, site.id, supplier.id, actor.user_id, note.as_deref())?;
        insert_lines(conn, id, &lines)?;
        let view = load(conn, id)?;
        audit::order_changed(conn, actor, "create", None, &view)?;
        Ok(view)
    })
}

pub(super) fn not_draft(view: &OrderView) -> ServiceError {
    ServiceError::conflict(
        ErrorCode::OrderNotDraft,
        format!(
            "{} is {}; only a draft can be changed",
            view.number(),
            view.status.label().to_lowercase()
        ),
    )
}

/// Replaces the lines (and note) of a draft. `field` names line fields in
/// errors; `None` lines (not sent at all) are refused once the order is
/// known to be the actor's to see.
pub fn replace_lines(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    note: &Option<String>,
    lines: Option<&[LineDraft]>,
    field: &dyn Fn(usize, &str) -> String,
) -> ServiceResult<OrderView> {
    actor.require(Action::ManageOrders)?;
    db::write_tx(conn, |conn| {
        let view = load_seen(conn, actor, id)?;
        let Some(lines) = lines else {
            return Err(ServiceError::invalid("lines", "give the order's lines"));
        };
        replace_lines_of(conn, actor, view, note, lines, field)
    })
}

/// Inside a write transaction: replaces the lines and note of the draft
/// `view` (the order as it was) and returns it as it is now.
pub(super) fn replace_lines_of(
    conn: &mut DbConn,
    actor: &Actor,
    view: OrderView,
    note: &Option<String>,
    lines: &[LineDraft],
    field: &dyn Fn(usize, &str) -> String,
) -> ServiceResult<OrderView> {
    if !view.is_draft() {
        return Err(not_draft(&view));
    }
    let id = view.order.id;
    let mut p = Problems::new();
    let note = clean_note(note, &mut p);
    let specs = validate_lines(conn, lines, &mut p, field)?;
    p.finish()?;
    db::orders::delete_lines(conn, id)?;
    insert_lines(conn, id, &specs)?;
    db::orders::set_note(conn, id, note.as_deref())?;
    let after = load(conn, id)?;
    audit::order_changed(conn, actor, "lines", Some(&view), &after)?;
    Ok(after)
}

/// `lines[i].name` (the API's field names).
pub fn api_line_field(i: usize, name: &str) -> String {
    api_field(i, name)
}
