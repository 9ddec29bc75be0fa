//! The stock dashboard (managers' and admins' home) and the practitioners'
//! "what is in my site": per category usable / expiring soon / expired, the
//! needle-length grid for rollers and cartridges, the low-stock list and the
//! expired positions still on the shelf. Built from one indexed pass over the
//! site's positive balances ⨝ lots (a few thousand rows for a large clinic),
//! summed here; the ledger is never read.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};

use crate::db::{
    self, DbConn,
    models::Site,
    stock_summary::{Position, ProductBrief as Product, ProductTotals},
};
use crate::domain::access::{Action, Actor, Scope};
use crate::domain::fefo::is_expired;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::fmt_qty;
use crate::domain::reorder::is_low_stock;
use crate::domain::vocab::{Category, Unit};
use crate::error::ServiceResult;

pub use super::dashboard_cache::{DashboardCache, Key};
pub use super::dashboard_lots::ExpiredPosition;
use super::dashboard_lots::listed;

/// Needle lengths every clinic stocks (hundredths of a mm): the grid always
/// shows these rows, plus any other length that has products.
pub const STANDARD_NEEDLES: [i32; 7] = [25, 50, 75, 100, 150, 200, 250];

/// How many expired positions the dashboard lists (the total is shown too).
pub const EXPIRED_LIST_LIMIT: usize = 50;

/// Quantities summed per unit: adding grams to millilitres means nothing,
/// so a category with tubes (g) and sachets (each) shows both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amounts(pub Vec<(Unit, i64)>);

impl Amounts {
    pub fn add(&mut self, unit: Unit, q: i64) {
        match self.0.iter_mut().find(|(u, _)| *u == unit) {
            Some((_, v)) => *v += q,
            None => {
                self.0.push((unit, q));
                self.0.sort_by_key(|(u, _)| *u);
            }
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|(_, q)| *q == 0)
    }
}

impl fmt::Display for Amounts {
    /// "120 each · 45 ml"; "0" when nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .filter(|(_, q)| *q != 0)
            .map(|(u, q)| format!("{} {}", fmt_qty(*q), u.code()))
            .collect();
        if parts.is_empty() {
            f.write_str("0")
        } else {
            f.write_str(&parts.join(" · "))
        }
    }
}

#[derive(Debug, Clone)]
pub struct CategoryFigures {
    pub category: Category,
    pub products: usize,
    pub usable: Amounts,
    pub expiring: Amounts,
    pub expired: Amounts,
    pub quarantined: Amounts,
}

/// One cell group of the needle grid (rollers or cartridges of one length).
#[derive(Debug, Clone, Default)]
pub struct GridCell {
    pub products: usize,
    pub usable: i64,
    pub lots: i64,
    pub next_use_by: Option<NaiveDate>,
    pub below_min: usize,
}

impl GridCell {
    fn take(&mut self, p: &Product, t: Option<&ProductTotals>) {
        self.products += 1;
        if let Some(t) = t {
            self.usable += t.usable;
            self.lots += t.usable_lots;
            self.next_use_by = match (self.next_use_by, t.next_use_by) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if is_low(p, t) {
            self.below_min += 1;
        }
    }
}

#[derive(Debug, Clone)]
pub struct GridRow {
    /// Hundredths of a mm.
    pub needle: i32,
    pub roller: GridCell,
    pub cartridge: GridCell,
}

impl GridRow {
    pub fn label(&self) -> String {
        fmt_needle(self.needle)
    }
}

#[derive(Debug, Clone)]
pub struct LowStock {
    pub product: Product,
    pub usable: i64,
    pub min_level: i64,
}

/// What the dashboard shows for one site: who looks (per request), what is
/// on order (per request: sending an order moves no stock version) and the
/// stock figures (computed once per stock version and local date, shared).
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub site: Site,
    pub sites: Vec<Site>,
    pub stock: Arc<StockFigures>,
    /// The installation's currency (for the stock value).
    pub currency: String,
    /// Products on order at the site (`services::reorder::open_orders`), by name.
    pub on_order: Vec<OnOrder>,
}

/// A product on order: sent and partly received orders, still to come.
#[derive(Debug, Clone)]
pub struct OnOrder {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    /// Thousandths.
    pub quantity: i64,
}

impl Dashboard {
    /// On order of one product (0 when none).
    pub fn on_order_of(&self, product_id: i64) -> i64 {
        self.on_order
            .iter()
            .find(|o| o.product_id == product_id)
            .map(|o| o.quantity)
            .unwrap_or(0)
    }
}

/// The stock figures of one site on one local date.
#[derive(Debug, Clone)]
pub struct StockFigures {
    pub today: NaiveDate,
    pub window_days: i64,
    /// Last day counted as "expiring soon".
    pub soon: NaiveDate,
    pub categories: Vec<CategoryFigures>,
    pub grid: Vec<GridRow>,
    pub low_stock: Vec<LowStock>,
    pub expired: Vec<ExpiredPosition>,
    pub expired_total: i64,
    /// Usable lots whose use-by date is from today up to `soon`, the first
    /// `EXPIRED_LIST_LIMIT` by use-by, and how many there are.
    pub expiring: Vec<ExpiredPosition>,
    pub expiring_total: i64,
    /// Stock on hand (usable, expired and quarantined) at cost.
    pub value: super::stock_value::Valuation,
}

/// Per-product totals from positions, with the status rules of the stock
/// list: quarantined first, then expired (use-by before `today`), else
/// usable — "expiring soon" when the use-by is at most `soon`.
pub fn totals(
    positions: &[Position],
    today: NaiveDate,
    soon: NaiveDate,
) -> HashMap<i64, ProductTotals> {
    let mut out: HashMap<i64, ProductTotals> = HashMap::new();
    let mut usable_lots: BTreeSet<(i64, i64)> = BTreeSet::new();
    for p in positions {
        let t = out.entry(p.product_id).or_insert_with(|| ProductTotals {
            product_id: p.product_id,
            ..ProductTotals::default()
        });
        if p.quarantined {
            t.quarantined += p.quantity;
        } else if is_expired(p.use_by, today) {
            t.expired += p.quantity;
        } else {
            t.usable += p.quantity;
            if p.use_by <= soon {
                t.expiring += p.quantity;
            }
            if usable_lots.insert((p.product_id, p.lot_id)) {
                t.usable_lots += 1;
            }
            t.next_use_by = Some(t.next_use_by.map_or(p.use_by, |d| d.min(p.use_by)));
        }
    }
    out
}

/// Low stock ([`is_low_stock`]) with the site's usable total.
fn is_low(p: &Product, t: Option<&ProductTotals>) -> bool {
    is_low_stock(p.active, p.min_level, t.map(|t| t.usable).unwrap_or(0))
}

fn unit_of(p: &Product) -> Unit {
    p.unit
}

/// The site a person looks at: a user bound to a site sees only theirs
/// (asking for another is refused); everyone else may pick one (default:
/// `main`).
pub fn site_for(conn: &mut DbConn, actor: &Actor, code: Option<&str>) -> ServiceResult<Site> {
    super::scope::one_site(conn, actor, Action::ViewDashboard, code)
}

/// Everything the dashboard shows for one site, today at that site. The
/// stock figures come from `cache` while the site's stock version and local
/// date are those they were computed for; the version is read before any
/// figure, so figures are never older than the version they are kept under.
pub fn dashboard(
    conn: &mut DbConn,
    cache: &DashboardCache,
    actor: &Actor,
    site_code: Option<&str>,
) -> ServiceResult<Dashboard> {
    let settings = super::settings::load(conn)?;
    // The sites are read once: the one shown and the picker's.
    actor.require(Action::ViewDashboard)?;
    let all = db::sites::list(conn)?;
    let sites = all
        .iter()
        .filter(|s| actor.sees(Action::ViewDashboard, s.id))
        .cloned()
        .collect();
    let site = super::sites::resolve_in(all, actor, site_code)?;
    actor.check(Action::ViewDashboard, Scope::Site(site.id))?;
    let today = site.today();
    let window_days = settings.expiring_window_days;
    let key = Key {
        version: db::stock_version::read(conn, site.id)?,
        today,
        window_days,
    };
    let stock = cache.get_or_build(site.id, key, || {
        figures(conn, site.id, today, window_days).map_err(Into::into)
    })?;
    let on_order = on_order(conn, site.id)?;
    Ok(Dashboard {
        site,
        sites,
        stock,
        currency: settings.currency,
        on_order,
    })
}

/// The products on order at a site, by name.
fn on_order(conn: &mut DbConn, site_id: i64) -> diesel::QueryResult<Vec<OnOrder>> {
    let open = super::reorder::open_orders(conn, Some(site_id), None)?;
    let ids: Vec<i64> = open
        .on_order
        .iter()
        .filter(|(_, q)| **q > 0)
        .map(|(id, _)| *id)
        .collect();
    let mut rows: Vec<OnOrder> = db::catalog::products_by_ids(conn, &ids)?
        .into_iter()
        .map(|p| OnOrder {
            quantity: open.of(p.id),
            product_id: p.id,
            sku: p.sku,
            name: p.name,
            unit: p.unit.code().to_string(),
        })
        .collect();
    rows.sort_by(|a, b| (&a.name, a.product_id).cmp(&(&b.name, b.product_id)));
    Ok(rows)
}

/// Computes the stock figures of a site (no cache).
pub fn figures(
    conn: &mut DbConn,
    site_id: i64,
    today: NaiveDate,
    window_days: i64,
) -> diesel::QueryResult<StockFigures> {
    let soon = today + Duration::days(window_days);
    let (products, positions, expired, expiring, value) = db::read_tx(conn, |conn| {
        let products = db::stock_summary::product_briefs(conn)?;
        let positions = db::stock_summary::positions(conn, site_id)?;
        let expired = listed(conn, site_id, &products, &positions, |p| {
            !p.quarantined && is_expired(p.use_by, today)
        })?;
        let expiring = listed(conn, site_id, &products, &positions, |p| {
            !p.quarantined && !is_expired(p.use_by, today) && p.use_by <= soon
        })?;
        let holdings: Vec<super::stock_value::Holding> = positions
            .iter()
            .map(|p| (p.product_id, p.lot_id, p.quantity))
            .collect();
        let costs: HashMap<i64, Option<i64>> =
            products.iter().map(|p| (p.id, p.unit_cost_cents)).collect();
        let value = super::stock_value::value(conn, &holdings, &costs)?;
        Ok((products, positions, expired, expiring, value))
    })?;
    let ((expired, expired_total), (expiring, expiring_total)) = (expired, expiring);
    let by_product = totals(&positions, today, soon);
    Ok(StockFigures {
        categories: categories(&products, &by_product),
        grid: grid(&products, &by_product),
        low_stock: low_stock(&products, &by_product),
        today,
        window_days,
        soon,
        expired,
        expired_total: expired_total as i64,
        expiring,
        expiring_total: expiring_total as i64,
        value,
    })
}

fn categories(products: &[Product], totals: &HashMap<i64, ProductTotals>) -> Vec<CategoryFigures> {
    let mut rows: Vec<CategoryFigures> = Category::ALL
        .iter()
        .map(|c| CategoryFigures {
            category: *c,
            products: 0,
            usable: Amounts::default(),
            expiring: Amounts::default(),
            expired: Amounts::default(),
            quarantined: Amounts::default(),
        })
        .collect();
    for p in products {
        let Some(row) = rows.iter_mut().find(|r| r.category == p.category) else {
            continue;
        };
        let t = totals.get(&p.id);
        if !p.active && t.is_none() {
            continue;
        }
        if p.active {
            row.products += 1;
        }
        let u = unit_of(p);
        if let Some(t) = t {
            row.usable.add(u, t.usable);
            row.expiring.add(u, t.expiring);
            row.expired.add(u, t.expired);
            row.quarantined.add(u, t.quarantined);
        }
    }
    rows.retain(|r| r.products > 0 || !r.usable.is_zero() || !r.expired.is_zero());
    rows
}

fn grid(products: &[Product], totals: &HashMap<i64, ProductTotals>) -> Vec<GridRow> {
    let mut lengths: BTreeSet<i32> = STANDARD_NEEDLES.into_iter().collect();
    for p in products {
        if let Some(n) = p.needle_length
            && (p.active || totals.contains_key(&p.id))
        {
            lengths.insert(n);
        }
    }
    let mut rows: Vec<GridRow> = lengths
        .into_iter()
        .map(|needle| GridRow {
            needle,
            roller: GridCell::default(),
            cartridge: GridCell::default(),
        })
        .collect();
    for p in products {
        let Some(n) = p.needle_length else { continue };
        let t = totals.get(&p.id);
        if !p.active && t.is_none() {
            continue;
        }
        let Some(row) = rows.iter_mut().find(|r| r.needle == n) else {
            continue;
        };
        match p.category {
            Category::Roller => row.roller.take(p, t),
            Category::Cartridge => row.cartridge.take(p, t),
            _ => {}
        }
    }
    rows
}

fn low_stock(products: &[Product], totals: &HashMap<i64, ProductTotals>) -> Vec<LowStock> {
    let mut rows: Vec<LowStock> = products
        .iter()
        .filter(|p| is_low(p, totals.get(&p.id)))
        .map(|p| LowStock {
            usable: totals.get(&p.id).map(|t| t.usable).unwrap_or(0),
            min_level: p.min_level.unwrap_or(0),
            product: p.clone(),
        })
        .collect();
    // Emptiest first (relative to the min level), then by name.
    rows.sort_by(|a, b| {
        let ra = i128::from(a.usable) * i128::from(b.min_level.max(1));
        let rb = i128::from(b.usable) * i128::from(a.min_level.max(1));
        ra.cmp(&rb)
            .then_with(|| a.product.name.cmp(&b.product.name))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_sum_per_unit() {
        let mut a = Amounts::default();
        assert_eq!(a.to_string(), "0");
        a.add(Unit::Millilitre, 2500);
        a.add(Unit::Each, 3000);
        a.add(Unit::Millilitre, 500);
        assert_eq!(a.to_string(), "3 each · 3 ml");
    }
}
