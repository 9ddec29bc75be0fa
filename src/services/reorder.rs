//! The reorder report: for one site, every active product with every figure
//! of the reorder rule (DOMAIN.md), computed by `domain::reorder` from what
//! the database says on one snapshot.
//!
//! Decisions where DOMAIN.md is silent:
//! - "usable on hand" is today's balance of lots that are not quarantined and
//!   whose use-by date (expiry, or discard-by of an opened container) is not
//!   before `as_of`. Balances are not reconstructed for a past `as_of`: the
//!   as-of date moves the consumption window and the expiry judgement only.
//! - "on order" counts lines of **sent** and **partly received** orders, minus
//!   what has been received against them. **Drafts do not count**: nothing has
//!   been ordered yet, and counting them would hide the very order the draft
//!   is meant to become. Draft quantities are shown beside it (`in_draft`) so
//!   that nobody drafts the same order twice.
//! - consumption is the net of `consume` and `void` ledger rows dated in
//!   `[as_of − window, as_of)`; both carry the session's `performed_at`, so a
//!   session voided later (even after `as_of`) counts as never used.
//! - money: a pack costs `round(pack_size × unit_cost)`; an order line costs
//!   `packs × pack cost`. Products without a unit cost count as 0.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use crate::db::{self, DbConn, models::Product, models::Site, models::Supplier};
use crate::domain::access::{Action, Actor};
use crate::domain::reorder::{self, ReorderInput, ReorderLine, ReorderParams};
use crate::domain::vocab::OrderStatus;
use crate::error::{Problems, ServiceError, ServiceResult};

pub const DEFAULT_WINDOW_DAYS: i64 = 90;
pub const MAX_WINDOW_DAYS: i64 = 3650;

/// The report's filters as typed (page query string or API).
#[derive(Debug, Clone, Default)]
pub struct ReorderQuery {
    pub site: Option<String>,
    pub as_of: Option<String>,
    pub window: Option<String>,
}

/// The filters, parsed, with the settings that go into the rule.
#[derive(Debug, Clone)]
pub struct ReorderOptions {
    pub site: Site,
    pub as_of: NaiveDate,
    pub window_days: i64,
    pub safety_days: i64,
    pub cover_days: i64,
}

impl ReorderOptions {
    pub fn params(&self) -> ReorderParams {
        ReorderParams {
            as_of: self.as_of,
            window_days: self.window_days,
            safety_days: self.safety_days,
            cover_days: self.cover_days,
        }
    }

    /// First day of the window (inclusive).
    pub fn window_start(&self) -> NaiveDate {
        self.as_of - Duration::days(self.window_days)
    }
}

/// Where a product stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowStatus {
    /// Position at or below the min level: order now.
    Order,
    /// Within 25 % above the min level.
    Watch,
    /// Enough stock (or no use and no manual min).
    Ok,
}

impl RowStatus {
    pub fn code(self) -> &'static str {
        match self {
            RowStatus::Order => "order",
            RowStatus::Watch => "watch",
            RowStatus::Ok => "ok",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Order => "Order now",
            RowStatus::Watch => "Watch",
            RowStatus::Ok => "Enough",
        }
    }
}

/// One product's line of the report.
#[derive(Debug, Clone)]
pub struct ReorderRow {
    pub product: Product,
    pub supplier: Option<Supplier>,
    /// consumed − voided in the window (thousandths; may be negative).
    pub consumed: i64,
    pub usable: i64,
    pub on_order: i64,
    /// Ordered in draft orders (not counted in `on_order`).
    pub in_draft: i64,
    pub line: ReorderLine,
    pub status: RowStatus,
    pub pack_cost_cents: i64,
    pub order_cost_cents: i64,
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct ReorderReport {
    pub options: ReorderOptions,
    /// Sorted: supplier name (no supplier last), status, SKU.
    pub rows: Vec<ReorderRow>,
}

/// `round(pack_size × unit_cost)`: pack size in thousandths, cost in cents per unit.
pub fn pack_cost_cents(pack_size: i64, unit_cost_cents: Option<i64>) -> i64 {
    let cost = i128::from(unit_cost_cents.unwrap_or(0).max(0));
    let v = (i128::from(pack_size.max(0)) * cost + 500) / 1000;
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses the filters; defaults: the actor's site (else `main`), today at
/// that site, 90 days.
pub fn options(
    conn: &mut DbConn,
    actor: &Actor,
    q: &ReorderQuery,
) -> ServiceResult<ReorderOptions> {
    actor.require(Action::ViewReports)?;
    let mut p = Problems::new();
    let as_of = text(&q.as_of).map(|t| p.take("as_of", super::receiving::parse_date(t)));
    let window = match text(&q.window) {
        Some(t) => match t.parse::<i64>() {
            Ok(n) if (1..=MAX_WINDOW_DAYS).contains(&n) => Some(n),
            _ => {
                p.add(
                    "window",
                    format!("a whole number of days from 1 to {MAX_WINDOW_DAYS}"),
                );
                None
            }
        },
        None => Some(DEFAULT_WINDOW_DAYS),
    };
    p.finish()?;
    let site = super::scope::one_site(conn, actor, Action::ViewReports, text(&q.site))?;
    let settings = super::settings::load(conn)?;
    let as_of = as_of.unwrap_or_else(|| Some(site.today()));
    let (Some(as_of), Some(window_days)) = (as_of, window) else {
        return Err(ServiceError::Internal("validated values missing".into()));
    };
    Ok(ReorderOptions {
        site,
        as_of,
        window_days,
        safety_days: settings.safety_days,
        cover_days: settings.cover_days,
    })
}

/// Builds the report for the parsed options (one read snapshot).
pub fn report(conn: &mut DbConn, options: ReorderOptions) -> ServiceResult<ReorderReport> {
    let rows = db::read_tx(conn, |conn| rows(conn, &options))?;
    Ok(ReorderReport { options, rows })
}

/// Parses the filters and builds the report.
pub fn run(conn: &mut DbConn, actor: &Actor, q: &ReorderQuery) -> ServiceResult<ReorderReport> {
    let options = options(conn, actor, q)?;
    report(conn, options)
}

/// Per product: what is on order (sent and partly received orders, still to
/// come: `domain::reorder::open_quantity`) and what sits in drafts.
#[derive(Debug, Clone, Default)]
pub struct OpenOrders {
    pub on_order: HashMap<i64, i64>,
    pub in_draft: HashMap<i64, i64>,
}

impl OpenOrders {
    /// On order of one product (0 when none).
    pub fn of(&self, product_id: i64) -> i64 {
        self.on_order.get(&product_id).copied().unwrap_or(0)
    }
}

/// The open orders of a site (None: every site), of one product or all:
/// the one "on order" the report, alerts, dashboard and product page show.
pub fn open_orders(
    conn: &mut DbConn,
    site_id: Option<i64>,
    product_id: Option<i64>,
) -> diesel::QueryResult<OpenOrders> {
    let mut out = OpenOrders::default();
    for l in db::reports::open_order_lines_where(conn, site_id, product_id)? {
        let open = reorder::open_quantity(l.packs, l.pack_size, l.received);
        let target = if reorder::counts_as_on_order(l.status.code()) {
            &mut out.on_order
        } else if l.status == OrderStatus::Draft {
            &mut out.in_draft
        } else {
            continue;
        };
        *target.entry(l.product_id).or_default() += open;
    }
    Ok(out)
}

/// Every row of the report, on the caller's snapshot (the alerts reuse it).
impl RowStatus {
    /// Order now, watch, or fine, as the line decided.
    fn of(line: &ReorderLine) -> RowStatus {
        if line.order_now {
            RowStatus::Order
        } else if line.watch {
            RowStatus::Watch
        } else {
            RowStatus::Ok
        }
    }
}

/// The report's order: by supplier name (products without one last), then
/// order-now before watch before fine, then SKU.
fn sort_by_supplier(rows: &mut [ReorderRow]) {
    rows.sort_by(|a, b| {
        let key = |r: &ReorderRow| {
            (
                r.supplier.is_none(),
                r.supplier
                    .as_ref()
                    .map(|s| s.name.to_lowercase())
                    .unwrap_or_default(),
                r.supplier.as_ref().map(|s| s.id),
                r.status,
                r.product.sku.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

pub fn rows(conn: &mut DbConn, o: &ReorderOptions) -> diesel::QueryResult<Vec<ReorderRow>> {
    let filter = db::catalog::ProductFilter::default();
    let products = db::catalog::list_products(conn, &filter, i64::MAX, 0)?;
    let suppliers: HashMap<i64, Supplier> = db::catalog::suppliers(conn)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    // The window is whole local days at the site: [as_of − window, as_of).
    let clock = o.site.clock();
    let from = clock.day_start(o.window_start());
    let to = clock.day_start(o.as_of);
    let consumed: HashMap<i64, i64> =
        db::reports::net_consumption_by_product(conn, o.site.id, from, to)?
            .into_iter()
            .map(|(p, sum)| (p, -sum))
            .collect();
    let mut lots: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
    for (product, use_by, qty) in db::reports::usable_lots(conn, o.site.id, o.as_of)? {
        lots.entry(product).or_default().push((use_by, qty));
    }
    let OpenOrders { on_order, in_draft } = open_orders(conn, Some(o.site.id), None)?;
    let params = o.params();
    let mut out: Vec<ReorderRow> = products
        .into_iter()
        .map(|product| {
            let supplier = product
                .supplier_id
                .and_then(|id| suppliers.get(&id).cloned());
            let usable_lots = lots.remove(&product.id).unwrap_or_default();
            let usable = usable_lots.iter().map(|(_, q)| q).sum();
            let input = ReorderInput {
                consumed: consumed.get(&product.id).copied().unwrap_or(0),
                product_lead_days: product.lead_time_days.map(i64::from),
                supplier_lead_days: supplier
                    .as_ref()
                    .and_then(|s| s.lead_time_days)
                    .map(i64::from),
                min_level: product.min_level,
                max_level: product.max_level,
                usable_on_hand: usable,
                on_order: on_order.get(&product.id).copied().unwrap_or(0),
                pack_size: product.pack_size,
                usable_lots,
            };
            let line = reorder::compute(&params, &input);
            let status = RowStatus::of(&line);
            let pack_cost = pack_cost_cents(product.pack_size, product.unit_cost_cents);
            ReorderRow {
                consumed: input.consumed,
                usable,
                on_order: input.on_order,
                in_draft: in_draft.get(&product.id).copied().unwrap_or(0),
                order_cost_cents: pack_cost.saturating_mul(line.order_packs),
                pack_cost_cents: pack_cost,
                line,
                status,
                supplier,
                product,
            }
        })
        .collect();
    sort_by_supplier(&mut out);
    Ok(out)
}

/// Rows of one supplier (or of none), in report order.
#[derive(Debug, Clone)]
pub struct SupplierGroup<'a> {
    pub supplier: Option<&'a Supplier>,
    pub rows: Vec<&'a ReorderRow>,
}

impl SupplierGroup<'_> {
    pub fn order_cost_cents(&self) -> i64 {
        self.rows.iter().map(|r| r.order_cost_cents).sum()
    }

    pub fn count(&self, status: RowStatus) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }
}

impl ReorderReport {
    /// The rows grouped by supplier, in report order.
    pub fn groups(&self) -> Vec<SupplierGroup<'_>> {
        let mut groups: Vec<SupplierGroup<'_>> = Vec::new();
        for r in &self.rows {
            let id = r.supplier.as_ref().map(|s| s.id);
            match groups.last_mut() {
                Some(g) if g.supplier.map(|s| s.id) == id => g.rows.push(r),
                _ => groups.push(SupplierGroup {
                    supplier: r.supplier.as_ref(),
                    rows: vec![r],
                }),
            }
        }
        groups
    }

    pub fn order_cost_cents(&self) -> i64 {
        self.rows.iter().map(|r| r.order_cost_cents).sum()
    }
}
