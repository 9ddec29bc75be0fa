//! Purchase orders: draft (by hand or from the reorder report, one per
//! supplier) → sent (a date and an e-mail text to copy) → partly received →
//! received, or cancelled. Lines are whole packs with a pack cost; lines can
//! be edited while the order is a draft. Receiving against an order lives in
//! `order_receipts`.
//!
//! Decisions: an empty draft may exist (lines are added on its page) but
//! cannot be sent; a product may appear once per order; cancelling is allowed
//! from draft, sent and partly received (what was received stays received,
//! the rest stops counting as on order).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};

use crate::auth::Actor;
use crate::db::models::{Product, PurchaseOrder, PurchaseOrderLine, Site, Supplier};
use crate::db::{self, DbConn};
use crate::domain::quantity::{fmt_money, fmt_qty, parse_money};
use crate::domain::vocab::{OrderStatus, Role};
use crate::error::{Problems, ServiceError, ServiceResult};

use super::reorder::{self, ReorderQuery, pack_cost_cents};

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
        (self.ordered() - self.line.received_quantity).max(0)
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
    pub created_by: String,
    pub lines: Vec<OrderLineView>,
}

impl OrderView {
    pub fn number(&self) -> String {
        order_number(self.order.id)
    }

    pub fn total_cents(&self) -> i64 {
        self.lines.iter().map(OrderLineView::cost_cents).sum()
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
    OrderStatus::parse(&order.status).unwrap_or(OrderStatus::Draft)
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
        .map(|u| u.username)
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

/// Reads one order (manager).
pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<OrderView> {
    actor.require(Role::Manager)?;
    db::read_tx(conn, |conn| Ok(load(conn, id)))?
}

/// One row of the order list.
#[derive(Debug, Clone)]
pub struct OrderSummary {
    pub order: PurchaseOrder,
    pub status: OrderStatus,
    pub supplier_name: String,
    pub site_code: String,
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
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    q: &OrderListQuery,
    limit: i64,
    offset: i64,
) -> ServiceResult<(Vec<OrderSummary>, i64)> {
    actor.require(Role::Manager)?;
    let mut filter = db::orders::OrderFilter::default();
    if let Some(code) = text(&q.site) {
        filter.site_id = Some(super::sites::resolve_site(conn, actor, Some(code))?.id);
    }
    if let Some(s) = text(&q.status) {
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "open" => filter.statuses.extend(["sent".into(), "partial".into()]),
                other => match OrderStatus::parse(other) {
                    Some(st) => filter.statuses.push(st.code().into()),
                    None => {
                        return Err(ServiceError::invalid(
                            "status",
                            format!("one of open, {}", OrderStatus::choices()),
                        ));
                    }
                },
            }
        }
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
        let sites: HashMap<i64, String> = db::sites::list(conn)?
            .into_iter()
            .map(|s| (s.id, s.code))
            .collect();
        let items = orders
            .into_iter()
            .map(|order| {
                let ls = lines.remove(&order.id).unwrap_or_default();
                OrderSummary {
                    status: status_of(&order),
                    supplier_name: suppliers
                        .get(&order.supplier_id)
                        .cloned()
                        .unwrap_or_default(),
                    site_code: sites.get(&order.site_id).cloned().unwrap_or_default(),
                    lines: ls.len(),
                    total_cents: ls.iter().map(|l| l.packs * l.pack_cost_cents).sum(),
                    open_lines: ls
                        .iter()
                        .filter(|l| l.received_quantity < l.packs * l.pack_size)
                        .count(),
                    order,
                }
            })
            .collect();
        Ok((items, total))
    })
    .map_err(Into::into)
}

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
struct LineSpec {
    product: Product,
    packs: i64,
    pack_cost_cents: i64,
}

fn parse_packs(t: &str) -> Result<i64, String> {
    match t.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_PACKS).contains(&n) => Ok(n),
        _ => Err(format!("a whole number of packs from 1 to {MAX_PACKS}")),
    }
}

/// Validates lines; `field(i, name)` names the field of line `i` in errors.
fn validate_lines(
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
                Ok(v) if v >= 0 => Some(Some(v)),
                _ => {
                    p.add(
                        &field(i, "pack_cost_cents"),
                        "a whole number of cents, 0 or more",
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

fn api_field(i: usize, name: &str) -> String {
    format!("lines[{i}].{name}")
}

fn insert_lines(conn: &mut DbConn, order_id: i64, lines: &[LineSpec]) -> ServiceResult<()> {
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
    actor.require(Role::Manager)?;
    db::write_tx(conn, |conn| {
        let mut p = Problems::new();
        let site = super::sites::resolve_site(conn, actor, text(&d.site))?;
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
        load(conn, id)
    })
}

fn not_draft(view: &OrderView) -> ServiceError {
    ServiceError::conflict(
        "order_not_draft",
        format!(
            "{} is {}; only a draft can be changed",
            view.number(),
            view.status.label().to_lowercase()
        ),
    )
}

/// Replaces the lines (and note) of a draft. `field` names line fields in errors.
pub fn replace_lines(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    note: &Option<String>,
    lines: &[LineDraft],
    field: &dyn Fn(usize, &str) -> String,
) -> ServiceResult<OrderView> {
    actor.require(Role::Manager)?;
    db::write_tx(conn, |conn| {
        let view = load(conn, id)?;
        if !view.is_draft() {
            return Err(not_draft(&view));
        }
        let mut p = Problems::new();
        let note = clean_note(note, &mut p);
        let specs = validate_lines(conn, lines, &mut p, field)?;
        p.finish()?;
        db::orders::delete_lines(conn, id)?;
        insert_lines(conn, id, &specs)?;
        db::orders::set_note(conn, id, note.as_deref())?;
        load(conn, id)
    })
}

/// `lines[i].name` (the API's field names).
pub fn api_line_field(i: usize, name: &str) -> String {
    api_field(i, name)
}

/// Sending: a date (default today) and the e-mail text (default generated).
#[derive(Debug, Clone, Default)]
pub struct SendDraft {
    /// `YYYY-MM-DD`
    pub sent_on: Option<String>,
    pub email_text: Option<String>,
}

/// Marks a draft as sent.
pub fn send(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &SendDraft,
    now: NaiveDateTime,
) -> ServiceResult<OrderView> {
    actor.require(Role::Manager)?;
    let mut p = Problems::new();
    let sent_on = match text(&d.sent_on) {
        Some(t) => match super::receiving::parse_date(t) {
            Ok(day) if day > now.date() => {
                p.add("sent_on", "cannot be in the future");
                None
            }
            Ok(day) => Some(day),
            Err(e) => {
                p.add("sent_on", e);
                None
            }
        },
        None => Some(now.date()),
    };
    if text(&d.email_text).is_some_and(|t| t.chars().count() > 20_000) {
        p.add("email_text", "up to 20,000 characters");
    }
    p.finish()?;
    let sent_on = sent_on.unwrap_or(now.date());
    let sent_at = if sent_on == now.date() {
        now
    } else {
        sent_on.and_hms_opt(12, 0, 0).unwrap_or(now)
    };
    db::write_tx(conn, |conn| {
        let view = load(conn, id)?;
        if !view.is_draft() {
            return Err(not_draft(&view));
        }
        if view.lines.is_empty() {
            return Err(ServiceError::conflict(
                "order_empty",
                format!("{} has no lines; add what to order first", view.number()),
            ));
        }
        let email = match text(&d.email_text) {
            Some(t) => t.to_string(),
            None => {
                let settings = super::settings::load(conn)?;
                email_text(
                    &view,
                    &settings.clinic_name,
                    &settings.currency,
                    &actor.username,
                )
            }
        };
        if db::orders::mark_sent(conn, id, sent_at, &email)? != 1 {
            return Err(not_draft(&view));
        }
        load(conn, id)
    })
}

/// Cancels a draft, sent or partly received order.
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    reason: &Option<String>,
) -> ServiceResult<OrderView> {
    actor.require(Role::Manager)?;
    db::write_tx(conn, |conn| {
        let view = load(conn, id)?;
        if !view.can_cancel() {
            return Err(ServiceError::conflict(
                "order_closed",
                format!(
                    "{} is already {}",
                    view.number(),
                    view.status.label().to_lowercase()
                ),
            ));
        }
        let changed =
            db::orders::move_status(conn, id, &["draft", "sent", "partial"], "cancelled", true)?;
        if changed != 1 {
            return Err(ServiceError::conflict(
                "order_closed",
                format!("{} changed meanwhile; reload it", view.number()),
            ));
        }
        if let Some(r) = text(reason) {
            let note = match &view.order.note {
                Some(n) => format!("{n}\nCancelled: {r}"),
                None => format!("Cancelled: {r}"),
            };
            db::orders::set_note(conn, id, Some(&note))?;
        }
        load(conn, id)
    })
}

/// The e-mail a manager copies into their mail program.
pub fn email_text(view: &OrderView, clinic: &str, currency: &str, sender: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Subject: Purchase order {} from {clinic}\n\n",
        view.number()
    ));
    s.push_str(&format!("Dear {},\n\n", view.supplier.name));
    s.push_str(&format!(
        "please deliver the following to {clinic} ({}):\n\n",
        view.site.name
    ));
    for l in &view.lines {
        let gtin = l
            .product
            .gtin
            .as_deref()
            .map(|g| format!(", GTIN {g}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "- {} × pack of {} {} — {} {}{gtin} — {} {currency} per pack\n",
            l.line.packs,
            fmt_qty(l.line.pack_size),
            l.product.unit,
            l.product.sku,
            l.product.name,
            fmt_money(l.line.pack_cost_cents),
        ));
    }
    s.push_str(&format!(
        "\nOrder total: {} {currency}\n\n",
        fmt_money(view.total_cents())
    ));
    s.push_str(
        "Please confirm the delivery date, and put lot numbers and expiry dates on the delivery note.\n\n",
    );
    s.push_str(&format!("Kind regards,\n{sender}\n{clinic}\n"));
    s
}

/// A row picked on the reorder report: product and packs (None = what the
/// report suggests).
#[derive(Debug, Clone)]
pub struct Pick {
    pub product_id: i64,
    pub packs: Option<String>,
}

/// Turns picked reorder rows into one draft order per supplier. Errors name
/// the fields `packs_{product_id}` / `pick_{product_id}`.
pub fn drafts_from_reorder(
    conn: &mut DbConn,
    actor: &Actor,
    q: &ReorderQuery,
    picks: &[Pick],
    today: NaiveDate,
) -> ServiceResult<Vec<OrderView>> {
    actor.require(Role::Manager)?;
    let options = reorder::options(conn, actor, q, today)?;
    let site_code = options.site.code.clone();
    let report = reorder::report(conn, options)?;
    let mut p = Problems::new();
    if picks.is_empty() {
        p.add("pick", "tick at least one product to order");
    }
    // supplier id → lines
    let mut by_supplier: BTreeMap<i64, Vec<LineDraft>> = BTreeMap::new();
    for pick in picks {
        let Some(row) = report.rows.iter().find(|r| r.product.id == pick.product_id) else {
            p.add(
                &format!("pick_{}", pick.product_id),
                format!(
                    "product {} is not on the report (archived?)",
                    pick.product_id
                ),
            );
            continue;
        };
        let packs = match text(&pick.packs) {
            Some(t) => p
                .take(&format!("packs_{}", row.product.id), parse_packs(t))
                .unwrap_or(0),
            None if row.line.order_packs > 0 => row.line.order_packs,
            None => {
                p.add(
                    &format!("packs_{}", row.product.id),
                    format!("{} needs no order now: say how many packs", row.product.sku),
                );
                0
            }
        };
        let Some(supplier) = &row.supplier else {
            p.add(
                &format!("pick_{}", row.product.id),
                format!(
                    "{} has no supplier: set one on the product first",
                    row.product.sku
                ),
            );
            continue;
        };
        if packs > 0 {
            by_supplier.entry(supplier.id).or_default().push(LineDraft {
                product_id: Some(row.product.id.to_string()),
                packs: Some(packs.to_string()),
                pack_cost_cents: Some(row.pack_cost_cents.to_string()),
                pack_cost: None,
            });
        }
    }
    p.finish()?;
    db::write_tx(conn, |conn| {
        let mut out = Vec::new();
        for (supplier_id, lines) in &by_supplier {
            let draft = OrderDraft {
                site: Some(site_code.clone()),
                supplier_id: Some(supplier_id.to_string()),
                note: Some(format!(
                    "Drafted from the reorder report of {} ({} day window).",
                    report.options.as_of, report.options.window_days
                )),
                lines: lines.clone(),
            };
            let mut lp = Problems::new();
            let site = super::sites::resolve_site(conn, actor, Some(&site_code))?;
            let specs = validate_lines(conn, &draft.lines, &mut lp, &api_field)?;
            lp.finish()?;
            let id = db::orders::insert_order(
                conn,
                site.id,
                *supplier_id,
                actor.user_id,
                draft.note.as_deref(),
            )?;
            insert_lines(conn, id, &specs)?;
            out.push(load(conn, id)?);
        }
        Ok(out)
    })
}

/// What was received against an order so far.
pub fn deliveries(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> ServiceResult<Vec<db::orders::OrderReceipt>> {
    actor.require(Role::Manager)?;
    Ok(db::orders::receipts_of(conn, id)?)
}
