//! Audit rows of purchase orders: created (by hand or from the reorder
//! report), lines changed, sent, cancelled, received against.

use chrono::NaiveDateTime;

use super::{Changes, Who, record};
use crate::db::DbConn;
use crate::domain::Quantity;
use crate::domain::access::Actor;
use crate::domain::quantity::fmt_money;
use crate::error::ServiceResult;
use crate::services::orders::OrderView;

fn time(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(super::read::utc)
}

/// An order's fields as (field, text) for comparing two versions.
fn fields(v: &OrderView) -> Vec<(&'static str, Option<String>)> {
    let lines = v
        .lines
        .iter()
        .map(|l| {
            format!(
                "{} {} packs at {}, received {}",
                l.product.sku,
                l.line.packs,
                fmt_money(l.line.pack_cost_cents),
                Quantity(l.line.received_quantity)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        ("status", Some(v.order.status.code().to_string())),
        ("supplier", Some(v.supplier.name.clone())),
        ("site", Some(v.site.code.clone())),
        ("note", v.order.note.clone()),
        ("sent_at", time(v.order.sent_at)),
        ("sent_to", v.order.sent_to.clone()),
        ("closed_at", time(v.order.closed_at)),
        ("lines", Some(lines).filter(|l| !l.is_empty())),
        ("total", Some(fmt_money(v.total_cents()))),
    ]
}

/// Records `action` on an order: its fields before (None: created) and after.
pub fn order_changed(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    before: Option<&OrderView>,
    after: &OrderView,
) -> ServiceResult<()> {
    let old = before.map(fields).unwrap_or_default();
    let changes = fields(after)
        .into_iter()
        .fold(Changes::new(), |c, (field, new)| {
            let was = old
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, v)| v.clone());
            c.field(field, was, new)
        });
    let number = after.number();
    let summary = match action {
        "create" => format!("created {number} for {}", after.supplier.name),
        "lines" => format!("changed the lines of {number}"),
        "send" => format!("sent {number} to {}", after.supplier.name),
        "email" => format!(
            "e-mailed {number} to {} <{}>",
            after.supplier.name,
            after.order.sent_to.as_deref().unwrap_or("")
        ),
        "cancel" => format!("cancelled {number}"),
        "receive" => format!("received against {number}"),
        other => format!("{other} {number}"),
    };
    record(
        conn,
        &Who::of(actor).at_site(after.site.id),
        action,
        "order",
        Some(after.order.id),
        &summary,
        &changes,
    )
}
