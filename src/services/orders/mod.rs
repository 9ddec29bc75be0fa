//! Purchase orders: draft (by hand or from the reorder report, one per
//! supplier) → sent (a date and an e-mail text to copy) → partly received →
//! received, or cancelled. Lines are whole packs with a pack cost; lines can
//! be edited while the order is a draft. Submodules: `drafts` (creating
//! and editing drafts), `from_reorder` (drafting from the reorder report), `lifecycle`
//! (sending, cancelling, the e-mail text), `email` (e-mailing an order to
//! its supplier: the checks before and the record after), `receive`
//! (receiving against an order), `save_send` (the order page's "Mark as
//! sent", which saves the lines edited on the page first).
//!
//! Decisions: an empty draft may exist (lines are added on its page) but
//! cannot be sent; a product may appear once per order; cancelling is allowed
//! from draft, sent and partly received (what was received stays received,
//! the rest stops counting as on order).

pub mod drafts;
pub mod email;
pub mod from_reorder;
pub mod lifecycle;
pub mod receive;
pub mod save_send;
pub mod scan;

use std::collections::HashMap;

use crate::db::models::{Product, PurchaseOrder, PurchaseOrderLine, Site, Supplier};
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::domain::clock::SiteClock;
use crate::domain::reorder::{counts_as_on_order, open_quantity};
use crate::domain::vocab::OrderStatus;
use crate::error::{ServiceError, ServiceResult};

pub use drafts::{LineDraft, OrderDraft, api_line_field, create, replace_lines};
pub use from_reorder::{
    Pick, ReorderDrafts, Skipped, drafts_from_reorder, drafts_from_reorder_new_only,
};
pub use lifecycle::{SendDraft, cancel, email_text, send};
pub use save_send::{SaveAndSend, SendOutcome, save_and_send};

/// Most packs on one line.
pub const MAX_PACKS: i64 = 100_000;

/// An order line with its product.
#[derive(Debug, Clone)]
pub struct OrderLineView {
    pub line: PurchaseOrderLine,
    pub product: Product,
}

impl OrderLineView {
    /// packs × pack size (thousandths).
    pub fn ordered(&self) -> i64 {
        self.line.packs.saturating_mul(self.line.pack_size)
    }

    /// Still to come (thousandths, never negative).
    pub fn open(&self) -> i64 {
        crate::domain::reorder::open_quantity(
            self.line.packs,
            self.line.pack_size,
            self.line.received_quantity,
        )
    }

    pub fn cost_cents(&self) -> i64 {
        self.line.packs.saturating_mul(self.line.pack_cost_cents)
    }
}

/// An order with everything its page shows.
#[derive(Debug, Clone)]
pub struct OrderView {
    pub order: PurchaseOrder,
    pub status: OrderStatus,
    pub supplier: Supplier,
    pub site: Site,
    /// Who created it: their display name, else their login.
    pub created_by: String,
    pub lines: Vec<OrderLineView>,
}

impl OrderView {
    pub fn number(&self) -> String {
        order_number(self.order.id)
    }

    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .map(OrderLineView::cost_cents)
            .fold(0, i64::saturating_add)
    }

    pub fn is_draft(&self) -> bool {
        self.status == OrderStatus::Draft
    }

    /// Sent or partly received: stock may be received against it.
    pub fn is_open(&self) -> bool {
        matches!(self.status, OrderStatus::Sent | OrderStatus::Partial)
    }

    pub fn can_cancel(&self) -> bool {
        self.is_draft() || self.is_open()
    }
}

/// `PO-000123`.
pub fn order_number(id: i64) -> String {
    format!("PO-{id:06}")
}

pub fn status_of(order: &PurchaseOrder) -> OrderStatus {
    order.status
}

/// Loads an order with its lines, supplier and site (404 when unknown).
pub fn load(conn: &mut DbConn, id: i64) -> ServiceResult<OrderView> {
    let order = db::orders::by_id(conn, id)?
        .ok_or_else(|| ServiceError::not_found(format!("no purchase order {id}")))?;
    let lines = db::orders::lines_of(conn, id)?;
    let ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let supplier = db::catalog::supplier_by_id(conn, order.supplier_id)?
        .ok_or_else(|| ServiceError::Internal("order without supplier".into()))?;
    let site = db::sites::by_id(conn, order.site_id)?
        .ok_or_else(|| ServiceError::Internal("order without site".into()))?;
    let created_by = db::users::by_id(conn, order.created_by)?
        .map(|u| u.shown_name().to_string())
        .unwrap_or_default();
    let lines = lines
        .into_iter()
        .filter_map(|line| {
            products
                .get(&line.product_id)
                .cloned()
                .map(|product| OrderLineView { line, product })
        })
        .collect();
    Ok(OrderView {
        status: status_of(&order),
        order,
        supplier,
        site,
        created_by,
        lines,
    })
}

/// [`load`] for an actor: another site's order is hidden (404).
pub fn load_seen(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<OrderView> {
    let view = load(conn, id)?;
    crate::services::scope::hide_unless(actor, Action::ManageOrders, view.order.site_id, || {
        format!("no purchase order {id}")
    })?;
    Ok(view)
}

/// Reads one order (manager).
pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<OrderView> {
    actor.require(Action::ManageOrders)?;
    db::read_tx(conn, |conn| Ok(load_seen(conn, actor, id)))?
}

/// One row of the order list.
#[derive(Debug, Clone)]
pub struct OrderSummary {
    pub order: PurchaseOrder,
    pub status: OrderStatus,
    pub supplier_name: String,
    pub site_code: String,
    /// The order's site clock (its dates are that site's days).
    pub clock: SiteClock,
    pub lines: usize,
    pub total_cents: i64,
    /// Lines with something still to come.
    pub open_lines: usize,
}

/// List filters as typed.
#[derive(Debug, Clone, Default)]
pub struct OrderListQuery {
    pub site: Option<String>,
    pub status: Option<String>,
    pub supplier_id: Option<String>,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A page of orders, newest first, and the total matching.
/// The statuses a list filter names (pure): comma-separated codes, `open`
/// standing for every status that counts as on order.
pub fn parse_status_filter(s: &str) -> ServiceResult<Vec<String>> {
    let mut statuses = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "open" => statuses.extend(
                OrderStatus::ALL
                    .iter()
                    .map(|st| st.code())
                    .filter(|code| counts_as_on_order(code))
                    .map(String::from),
            ),
            other => match OrderStatus::parse(other) {
                Some(st) => statuses.push(st.code().into()),
                None => {
                    return Err(ServiceError::invalid(
                        "status",
                        format!("one of open, {}", OrderStatus::choices()),
                    ));
                }
            },
        }
    }
    Ok(statuses)
}

/// One line of the order list (pure): the order with its supplier, site,
/// line count, total and lines still open.
fn summary(
    order: PurchaseOrder,
    lines: &[PurchaseOrderLine],
    suppliers: &HashMap<i64, String>,
    sites: &HashMap<i64, (String, SiteClock)>,
) -> OrderSummary {
    OrderSummary {
        status: status_of(&order),
        supplier_name: suppliers
            .get(&order.supplier_id)
            .cloned()
            .unwrap_or_default(),
        site_code: sites
            .get(&order.site_id)
            .map(|s| s.0.clone())
            .unwrap_or_default(),
        clock: sites.get(&order.site_id).map(|s| s.1).unwrap_or_default(),
        lines: lines.len(),
        total_cents: lines
            .iter()
            .map(|l| l.packs.saturating_mul(l.pack_cost_cents))
            .fold(0, i64::saturating_add),
        open_lines: lines
            .iter()
            .filter(|l| open_quantity(l.packs, l.pack_size, l.received_quantity) > 0)
            .count(),
        order,
    }
}

pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    q: &OrderListQuery,
    limit: i64,
    offset: i64,
) -> ServiceResult<(Vec<OrderSummary>, i64)> {
    actor.require(Action::ManageOrders)?;
    let mut filter = db::orders::OrderFilter {
        site_id: crate::services::scope::list_site_id(
            conn,
            actor,
            Action::ManageOrders,
            text(&q.site),
        )?,
        ..db::orders::OrderFilter::default()
    };
    if let Some(s) = text(&q.status) {
        filter.statuses = parse_status_filter(s)?;
    }
    if let Some(s) = text(&q.supplier_id) {
        filter.supplier_id = Some(
            s.parse()
                .map_err(|_| ServiceError::invalid("supplier_id", "a supplier id"))?,
        );
    }
    db::read_tx(conn, |conn| {
        let total = db::orders::count(conn, &filter)?;
        let orders = db::orders::page(conn, &filter, limit, offset)?;
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let mut lines: HashMap<i64, Vec<PurchaseOrderLine>> = HashMap::new();
        for l in db::orders::lines_of_orders(conn, &ids)? {
            lines.entry(l.purchase_order_id).or_default().push(l);
        }
        let suppliers: HashMap<i64, String> = db::catalog::suppliers(conn)?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let sites: HashMap<i64, (String, SiteClock)> = db::sites::list(conn)?
            .into_iter()
            .map(|s| (s.id, (s.code.clone(), s.clock())))
            .collect();
        let items = orders
            .into_iter()
            .map(|order| {
                let ls = lines.remove(&order.id).unwrap_or_default();
                summary(order, &ls, &suppliers, &sites)
            })
            .collect();
        Ok((items, total))
    })
    .map_err(Into::into)
}

pub fn deliveries(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Vec<db::orders::OrderReceipt>> {
    actor.require(Action::ManageOrders)?;
    Ok(db::orders::receipts_of(conn, id)?)
}

#[cfg(test)]
mod status_filter_tests {
    use super::*;

    #[test]
    fn open_stands_for_the_statuses_on_order() {
        assert_eq!(parse_status_filter("open").unwrap(), ["sent", "partial"]);
        assert_eq!(
            parse_status_filter(" draft, ,received").unwrap(),
            ["draft", "received"]
        );
        assert!(matches!(
            parse_status_filter("draft,lost"),
            Err(ServiceError::Invalid { .. })
        ));
    }
}
