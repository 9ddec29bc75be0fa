//! The home pages: the stock dashboard (managers, admins) and the simpler
//! "what is in my site" (practitioners). Figures are formatted here so the
//! templates only place them.

use askama::Template;

use super::Frame;
use crate::db::sessions::SessionRow;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::services::dashboard::{Dashboard, ExpiredPosition, GridCell};
use crate::services::first_steps::Step;

#[derive(Debug, Clone)]
pub struct SiteChoice {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Debug, Clone)]
pub struct CategoryLine {
    pub code: &'static str,
    pub label: &'static str,
    pub products: usize,
    pub usable: String,
    pub expiring: String,
    pub expired: String,
    pub quarantined: String,
    pub has_expiring: bool,
    pub has_expired: bool,
    pub has_quarantined: bool,
}

#[derive(Debug, Clone)]
pub struct CellView {
    pub key: &'static str,
    pub products: usize,
    pub usable: String,
    pub lots: i64,
    pub next_expiry: String,
    pub below_min: usize,
}

impl CellView {
    fn new(key: &'static str, c: &GridCell) -> CellView {
        CellView {
            key,
            products: c.products,
            usable: fmt_qty(c.usable),
            lots: c.lots,
            next_expiry: c.next_use_by.map(|d| d.to_string()).unwrap_or_default(),
            below_min: c.below_min,
        }
    }
}

#[derive(Debug, Clone)]
pub struct GridLine {
    pub needle: String,
    pub roller: CellView,
    pub cartridge: CellView,
}

impl GridLine {
    /// Rollers then cartridges, for one loop in the template.
    pub fn cells(&self) -> [&CellView; 2] {
        [&self.roller, &self.cartridge]
    }
}

#[derive(Debug, Clone)]
pub struct LowLine {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub usable: String,
    pub min: String,
    pub unit: String,
    /// Sent and partly received orders still to come ("0" when none).
    pub on_order: String,
    pub has_on_order: bool,
}

/// A product on order (dashboard).
#[derive(Debug, Clone)]
pub struct OnOrderLine {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub quantity: String,
    pub unit: String,
}

#[derive(Debug, Clone)]
pub struct ExpiredLine {
    pub lot_id: i64,
    pub lot: String,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub location: String,
    pub quantity: String,
    pub unit: String,
    pub use_by: String,
    pub opened: bool,
}

/// What both home pages show, formatted.
#[derive(Debug, Clone)]
pub struct HomeFigures {
    pub site_code: String,
    pub site_name: String,
    pub sites: Vec<SiteChoice>,
    pub today: String,
    pub window_days: i64,
    pub categories: Vec<CategoryLine>,
    pub grid: Vec<GridLine>,
    pub low: Vec<LowLine>,
    pub expired: Vec<ExpiredLine>,
    pub expired_total: i64,
    pub expiring: Vec<ExpiredLine>,
    pub expiring_total: i64,
    /// Last day counted as "expiring soon".
    pub soon: String,
    pub on_order: Vec<OnOrderLine>,
    /// Stock on hand at cost, e.g. "1234.50 EUR"; "—" when no cost is known.
    pub value_total: String,
    /// Products with stock whose cost is unknown (left out of the total).
    pub unvalued: usize,
}

fn lot_line(e: &ExpiredPosition) -> ExpiredLine {
    ExpiredLine {
        lot_id: e.lot_id,
        lot: e.lot_number.clone(),
        product_id: e.product_id,
        sku: e.sku.clone(),
        name: e.product_name.clone(),
        location: e.location_code.clone(),
        quantity: fmt_qty(e.quantity),
        unit: e.unit.clone(),
        use_by: e.use_by.to_string(),
        opened: e.opened,
    }
}

/// Money with the installation's currency, "—" when unknown.
pub fn money_or_dash(cents: Option<i64>, currency: &str) -> String {
    match cents {
        Some(c) => format!("{} {currency}", fmt_money(c)),
        None => "—".into(),
    }
}

impl HomeFigures {
    pub fn new(d: &Dashboard) -> HomeFigures {
        HomeFigures {
            site_code: d.site.code.clone(),
            site_name: d.site.name.clone(),
            sites: d
                .sites
                .iter()
                .map(|s| SiteChoice {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    selected: s.id == d.site.id,
                })
                .collect(),
            today: d.stock.today.to_string(),
            window_days: d.stock.window_days,
            categories: d
                .stock
                .categories
                .iter()
                .map(|c| CategoryLine {
                    code: c.category.code(),
                    label: c.category.label(),
                    products: c.products,
                    usable: c.usable.to_string(),
                    expiring: c.expiring.to_string(),
                    expired: c.expired.to_string(),
                    quarantined: c.quarantined.to_string(),
                    has_expiring: !c.expiring.is_zero(),
                    has_expired: !c.expired.is_zero(),
                    has_quarantined: !c.quarantined.is_zero(),
                })
                .collect(),
            grid: d
                .stock
                .grid
                .iter()
                .map(|r| GridLine {
                    needle: fmt_needle(r.needle),
                    roller: CellView::new("roller", &r.roller),
                    cartridge: CellView::new("cartridge", &r.cartridge),
                })
                .collect(),
            low: d
                .stock
                .low_stock
                .iter()
                .map(|l| {
                    let on_order = d.on_order_of(l.product.id);
                    LowLine {
                        product_id: l.product.id,
                        sku: l.product.sku.clone(),
                        name: l.product.name.clone(),
                        usable: fmt_qty(l.usable),
                        min: fmt_qty(l.min_level),
                        unit: l.product.unit.code().to_string(),
                        on_order: fmt_qty(on_order),
                        has_on_order: on_order > 0,
                    }
                })
                .collect(),
            expired: d.stock.expired.iter().map(lot_line).collect(),
            expired_total: d.stock.expired_total,
            expiring: d.stock.expiring.iter().map(lot_line).collect(),
            expiring_total: d.stock.expiring_total,
            soon: d.stock.soon.to_string(),
            on_order: d
                .on_order
                .iter()
                .map(|o| OnOrderLine {
                    product_id: o.product_id,
                    sku: o.sku.clone(),
                    name: o.name.clone(),
                    quantity: fmt_qty(o.quantity),
                    unit: o.unit.clone(),
                })
                .collect(),
            value_total: money_or_dash(d.stock.value.total(), &d.currency),
            unvalued: d.stock.value.unvalued,
        }
    }

    pub fn several_sites(&self) -> bool {
        self.sites.len() > 1
    }
}

/// The stock dashboard (home for managers and admins).
#[derive(Template)]
#[template(path = "stock/dashboard.html")]
pub struct DashboardPage {
    pub frame: Frame,
    pub f: HomeFigures,
    /// The "Get started" checklist (`stock/_get_started.html`); None once
    /// every first step is done.
    pub get_started: Option<GetStarted>,
}

/// The "Get started" checklist as shown.
#[derive(Debug, Clone)]
pub struct GetStarted {
    pub steps: Vec<Step>,
    pub done: usize,
}

impl GetStarted {
    pub fn new(steps: Vec<Step>) -> GetStarted {
        GetStarted {
            done: steps.iter().filter(|s| s.done).count(),
            steps,
        }
    }
}

/// One of "My sessions today".
#[derive(Debug, Clone)]
pub struct TodayRow {
    pub id: i64,
    /// The local time of day ("14:05").
    pub time: String,
    pub client_ref: String,
    pub protocol: String,
    pub needle: String,
    pub voided: bool,
}

impl TodayRow {
    pub fn from_row(r: &SessionRow) -> TodayRow {
        let s = &r.session;
        TodayRow {
            id: s.id,
            time: r.clock().format_time(s.performed_at),
            client_ref: s.client_ref.clone(),
            protocol: r.protocol_name.clone().unwrap_or_else(|| "—".into()),
            needle: format!("{} mm", fmt_needle(s.needle_length)),
            voided: s.voided_at.is_some(),
        }
    }
}

/// "What is in my site" (home for practitioners): their sessions today,
/// usable stock only, nothing to edit.
#[derive(Template)]
#[template(path = "stock/my_site.html")]
pub struct MySitePage {
    pub frame: Frame,
    pub f: HomeFigures,
    /// The practitioner's own sessions at this site today (its local day).
    pub today_sessions: Vec<TodayRow>,
    /// That day, `YYYY-MM-DD`.
    pub sessions_day: String,
}
