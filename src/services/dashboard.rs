//! The stock dashboard (managers' and admins' home) and the practitioners'
//! "what is in my site": per category usable / expiring soon / expired, the
//! needle-length grid for rollers and cartridges, the low-stock list and the
//! expired positions still on the shelf. Built from per-product totals that
//! the database aggregates over balances ⨝ lots; the ledger is never read.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use chrono::{Duration, NaiveDate};

use crate::auth::Actor;
use crate::db::{
    self, DbConn,
    catalog::ProductFilter,
    models::{Product, Site},
    stock_summary::{ProductTotals, ShelfPosition},
};
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::fmt_qty;
use crate::domain::vocab::{Category, Role, Unit};
use crate::error::ServiceResult;

/// Needle lengths every clinic stocks (hundredths of a mm): the grid always
/// shows these rows, plus any other length that has products.
pub const STANDARD_NEEDLES: [i32; 7] = [25, 50, 75, 100, 150, 200, 250];

/// How many expired positions the dashboard lists (the total is shown too).
pub const EXPIRED_LIST_LIMIT: i64 = 50;

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

#[derive(Debug, Clone)]
pub struct Dashboard {
    pub site: Site,
    pub sites: Vec<Site>,
    pub today: NaiveDate,
    pub window_days: i64,
    /// Last day counted as "expiring soon".
    pub soon: NaiveDate,
    pub categories: Vec<CategoryFigures>,
    pub grid: Vec<GridRow>,
    pub low_stock: Vec<LowStock>,
    pub expired: Vec<ShelfPosition>,
    pub expired_total: i64,
}

/// Active, has a min level, and usable stock at or below it.
fn is_low(p: &Product, t: Option<&ProductTotals>) -> bool {
    match p.min_level {
        Some(min) if p.active => t.map(|t| t.usable).unwrap_or(0) <= min,
        _ => false,
    }
}

fn unit_of(p: &Product) -> Unit {
    Unit::parse(&p.unit).unwrap_or(Unit::Each)
}

/// The site a person looks at: practitioners bound to a site see only
/// theirs; everyone else may pick one (default: their own, else `main`).
pub fn site_for(conn: &mut DbConn, actor: &Actor, code: Option<&str>) -> ServiceResult<Site> {
    if !actor.role.at_least(Role::Manager)
        && let Some(id) = actor.site_id
        && let Some(s) = db::sites::by_id(conn, id)?
    {
        return Ok(s);
    }
    super::sites::resolve_site(conn, actor, code)
}

/// Everything the dashboard shows for one site on `today`.
pub fn dashboard(
    conn: &mut DbConn,
    actor: &Actor,
    site_code: Option<&str>,
    today: NaiveDate,
) -> ServiceResult<Dashboard> {
    let settings = super::settings::load(conn)?;
    let site = site_for(conn, actor, site_code)?;
    let sites = db::sites::list(conn)?;
    let soon = today + Duration::days(settings.expiring_window_days);
    let (products, totals, expired, expired_total) = db::read_tx(conn, |conn| {
        let all = ProductFilter {
            archived: Some(false),
            ..ProductFilter::default()
        };
        let products = db::catalog::list_products(conn, &all, i64::MAX, 0)?;
        let totals = db::stock_summary::product_totals(conn, Some(site.id), None, today, soon)?;
        let (expired, expired_total) =
            db::stock_summary::expired_on_shelf(conn, site.id, today, EXPIRED_LIST_LIMIT)?;
        Ok((products, totals, expired, expired_total))
    })?;
    let by_product: HashMap<i64, ProductTotals> =
        totals.into_iter().map(|t| (t.product_id, t)).collect();
    Ok(Dashboard {
        categories: categories(&products, &by_product),
        grid: grid(&products, &by_product),
        low_stock: low_stock(&products, &by_product),
        site,
        sites,
        today,
        window_days: settings.expiring_window_days,
        soon,
        expired,
        expired_total,
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
        let Some(row) = rows.iter_mut().find(|r| r.category.code() == p.category) else {
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
        match Category::parse(&p.category) {
            Some(Category::Roller) => row.roller.take(p, t),
            Some(Category::Cartridge) => row.cartridge.take(p, t),
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
#[allow(clippy::unwrap_used)]
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
