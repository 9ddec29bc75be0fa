//! The usage and waste report for a site over a date range: consumption by
//! product, category, needle length, protocol, indication and practitioner
//! with its cost; sessions per day; cost per session; consumption per week
//! of a product or category; waste (expired, damaged, waste write-offs) per
//! month and product, in units and money.
//!
//! Voided sessions are excluded everywhere: the ledger figures net `consume`
//! against `void` rows (both dated at the session's time), the session
//! figures skip sessions with `voided_at`. Cost is quantity × the product's
//! current unit cost (products without one count as 0), rounded to the cent
//! per figure shown.

mod consumption;
mod days;

pub use days::stale_digests;
pub mod reactions;
mod sessions;
mod waste;

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::db::models::{Product, Site};
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::domain::vocab::Category;
use crate::error::{Problems, ServiceError, ServiceResult};

pub const DEFAULT_DAYS: i64 = 90;
/// Longest range one report covers.
pub const MAX_DAYS: i64 = 3 * 366;

/// Filters as typed.
#[derive(Debug, Clone, Default)]
pub struct UsageQuery {
    pub site: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// Product id for the weekly chart.
    pub product: Option<String>,
    /// Category code for the weekly chart.
    pub category: Option<String>,
}

/// What the weekly chart shows.
#[derive(Debug, Clone)]
pub enum ChartSubject {
    All,
    Product(Box<Product>),
    Category(Category),
}

#[derive(Debug, Clone)]
pub struct UsageOptions {
    pub site: Site,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    pub subject: ChartSubject,
}

impl UsageOptions {
    /// The UTC instant the first day begins at the site.
    pub fn start(&self) -> NaiveDateTime {
        self.site.clock().day_start(self.from)
    }

    /// Exclusive end: the site's midnight after `to`.
    pub fn end(&self) -> NaiveDateTime {
        self.site.clock().day_start(self.to + Duration::days(1))
    }

    /// Where each local day of the window begins (UTC), one more than days:
    /// day `i` is `[b[i], b[i+1])`.
    pub fn day_boundaries(&self) -> Vec<NaiveDateTime> {
        self.site.clock().boundaries(self.from, 1, self.to)
    }

    /// Where each week from [`Self::week_origin`] begins at the site (UTC).
    pub fn week_boundaries(&self) -> Vec<NaiveDateTime> {
        self.site.clock().boundaries(self.week_origin(), 7, self.to)
    }

    /// Monday on or before `from`: week buckets count from here.
    pub fn week_origin(&self) -> NaiveDate {
        self.from - Duration::days(i64::from(self.from.weekday().num_days_from_monday()))
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// A quantity and what it cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amount {
    /// Thousandths of the unit (only meaningful when one unit is involved).
    pub quantity: i64,
    pub cost_cents: i64,
    /// The unit when every product in the figure shares one, else None.
    pub unit: Option<String>,
    /// Products of more than one unit went into it.
    pub mixed: bool,
}

impl Amount {
    fn add(&mut self, product: &Product, quantity: i64) {
        match (&self.unit, self.mixed) {
            (None, false) => self.unit = Some(product.unit.code().to_string()),
            (Some(u), false) if *u != product.unit.code() => {
                self.unit = None;
                self.mixed = true;
            }
            _ => {}
        }
        self.quantity += quantity;
        self.cost_cents += cost_cents(product, quantity);
    }
}

/// `round(quantity × unit cost)`, quantity in thousandths.
pub fn cost_cents(product: &Product, quantity: i64) -> i64 {
    let cost = i128::from(product.unit_cost_cents.unwrap_or(0));
    let v = i128::from(quantity) * cost;
    let rounded = if v >= 0 {
        (v + 500) / 1000
    } else {
        (v - 500) / 1000
    };
    i64::try_from(rounded).unwrap_or(0)
}

#[derive(Debug, Clone)]
pub struct ProductUsage {
    pub product: Product,
    pub amount: Amount,
}

/// A labelled group (category, needle length, protocol, indication, practitioner).
#[derive(Debug, Clone)]
pub struct GroupUsage {
    pub key: String,
    pub label: String,
    /// Sessions in the group (0 where sessions do not apply, e.g. categories).
    pub sessions: i64,
    pub amount: Amount,
}

impl GroupUsage {
    pub fn cost_per_session_cents(&self) -> Option<i64> {
        (self.sessions > 0).then(|| (self.amount.cost_cents + self.sessions / 2) / self.sessions)
    }
}

/// How many sessions named one treatment area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaSessions {
    pub area: crate::db::areas::TreatmentArea,
    pub sessions: i64,
}

/// Sessions per area: every active area (0 included) and retired areas
/// that sessions of the period named; most sessions first, then list order.
fn by_area(
    conn: &mut DbConn,
    counts: &HashMap<i64, i64>,
) -> diesel::QueryResult<Vec<AreaSessions>> {
    let mut out: Vec<AreaSessions> = db::areas::all(conn)?
        .into_iter()
        .map(|area| AreaSessions {
            sessions: counts.get(&area.id).copied().unwrap_or(0),
            area,
        })
        .filter(|a| a.area.active || a.sessions > 0)
        .collect();
    out.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then(a.area.position.cmp(&b.area.position))
            .then(a.area.id.cmp(&b.area.id))
    });
    Ok(out)
}

/// One bucket of a time series.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub start: NaiveDate,
    /// Inclusive.
    pub end: NaiveDate,
    pub amount: Amount,
}

#[derive(Debug, Clone)]
pub struct WasteRow {
    pub product: Product,
    /// reason code → written off (positive thousandths)
    pub by_reason: BTreeMap<String, i64>,
    pub amount: Amount,
}

#[derive(Debug, Clone)]
pub struct UsageReport {
    pub options: UsageOptions,
    pub sessions: i64,
    /// From the ledger (consume net of void), by product, most costly first.
    pub by_product: Vec<ProductUsage>,
    pub total: Amount,
    pub by_category: Vec<GroupUsage>,
    /// Rollers and cartridges used per needle length, and sessions per length.
    pub by_needle: Vec<GroupUsage>,
    pub by_protocol: Vec<GroupUsage>,
    pub by_indication: Vec<GroupUsage>,
    /// Sessions per treatment area (a session naming two areas counts in both).
    pub by_area: Vec<AreaSessions>,
    pub by_practitioner: Vec<GroupUsage>,
    /// What the sessions' lines cost in total (matches `total` when every
    /// consumption came from a session).
    pub session_cost_cents: i64,
    pub sessions_per_day: Vec<(NaiveDate, i64)>,
    pub weekly: Vec<Bucket>,
    pub waste_by_month: Vec<Bucket>,
    pub waste_by_product: Vec<WasteRow>,
    pub waste_total: Amount,
    /// reason code → money written off
    pub waste_by_reason: BTreeMap<String, Amount>,
    /// Side effects by protocol, needle length and lot (`reactions`).
    pub reactions: reactions::Reactions,
}

impl UsageReport {
    /// The unit of the weekly series when it counts one unit (a product, or
    /// a category whose products share a unit), else None.
    pub fn weekly_unit(&self) -> Option<String> {
        match &self.options.subject {
            ChartSubject::Product(p) => Some(p.unit.code().to_string()),
            ChartSubject::All => None,
            ChartSubject::Category(_) => {
                let mut unit: Option<String> = None;
                for b in &self.weekly {
                    if b.amount.mixed {
                        return None;
                    }
                    if let Some(u) = &b.amount.unit {
                        match &unit {
                            None => unit = Some(u.clone()),
                            Some(x) if x != u => return None,
                            _ => {}
                        }
                    }
                }
                unit
            }
        }
    }

    pub fn cost_per_session_cents(&self) -> Option<i64> {
        (self.sessions > 0).then(|| (self.session_cost_cents + self.sessions / 2) / self.sessions)
    }
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses the filters. Defaults: the last 90 days up to today at the site,
/// all products.
pub fn options(conn: &mut DbConn, actor: &Actor, q: &UsageQuery) -> ServiceResult<UsageOptions> {
    actor.require(Action::ViewReports)?;
    let mut p = Problems::new();
    let to = text(&q.to).map(|t| p.take("to", super::receiving::parse_date(t)));
    let from = text(&q.from).map(|t| p.take("from", super::receiving::parse_date(t)));
    // Without a site, dates cannot default: check what was typed first.
    // Another site's report is refused (403) whatever else was typed.
    let site = match super::scope::one_site(conn, actor, Action::ViewReports, text(&q.site)) {
        Err(e @ ServiceError::Forbidden(_)) => return Err(e),
        other => other,
    };
    let today = site.as_ref().map(|s| s.today()).ok();
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to.map(|t| t - Duration::days(DEFAULT_DAYS - 1)));
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            p.add("from", "must not be after the end date");
        } else if (t - f).num_days() + 1 > MAX_DAYS {
            p.add("from", format!("at most {MAX_DAYS} days at once"));
        }
    }
    let mut subject = ChartSubject::All;
    if let Some(t) = text(&q.product) {
        match t.parse::<i64>() {
            Ok(id) => match db::catalog::product_by_id(conn, id)? {
                Some(prod) => subject = ChartSubject::Product(Box::new(prod)),
                None => p.add("product", format!("no product with id {id}")),
            },
            Err(_) => p.add("product", "a product id"),
        }
    } else if let Some(c) = text(&q.category) {
        match Category::parse(c) {
            Some(cat) => subject = ChartSubject::Category(cat),
            None => p.add("category", format!("one of {}", Category::choices())),
        }
    }
    p.finish()?;
    let site = site?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ServiceError::Internal("validated dates missing".into()));
    };
    Ok(UsageOptions {
        site,
        from,
        to,
        subject,
    })
}

/// Parses the filters and builds the report on one read snapshot; then
/// stores the daily digests it had to compute (`days`).
pub fn run(conn: &mut DbConn, actor: &Actor, q: &UsageQuery) -> ServiceResult<UsageReport> {
    let options = options(conn, actor, q)?;
    let (report, to_store) = db::read_tx(conn, |conn| build(conn, options))?;
    if let Some(s) = to_store {
        // The report is right either way: a digest not stored is computed
        // again next time.
        if let Err(e) = days::store(conn, &s) {
            tracing::warn!(error = %e, "usage digests not stored");
        }
    }
    Ok(report)
}

fn build(
    conn: &mut DbConn,
    o: UsageOptions,
) -> diesel::QueryResult<(UsageReport, Option<days::ToStore>)> {
    let filter = db::catalog::ProductFilter {
        archived: Some(false),
        ..Default::default()
    };
    let products: HashMap<i64, Product> = db::catalog::list_products(conn, &filter, i64::MAX, 0)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let (sums, to_store) = days::window(conn, &o)?;
    let c = consumption::consumption(&o, &products, &sums.consumption);
    let s = sessions::sessions(conn, &o, &products, &c.needle_used, &sums)?;
    let w = waste::waste(conn, &o, &products)?;
    let by_area = by_area(conn, &sums.areas)?;
    let reactions = reactions::reactions(conn, sums.effects)?;
    let report = UsageReport {
        by_area,
        options: o,
        sessions: s.sessions,
        by_product: c.by_product,
        total: c.total,
        by_category: c.by_category,
        by_needle: s.by_needle,
        by_protocol: s.by_protocol,
        by_indication: s.by_indication,
        by_practitioner: s.by_practitioner,
        session_cost_cents: s.session_cost_cents,
        sessions_per_day: s.sessions_per_day,
        weekly: c.weekly,
        waste_by_month: w.by_month,
        waste_by_product: w.by_product,
        waste_total: w.total,
        waste_by_reason: w.by_reason,
        reactions,
    };
    Ok((report, to_store))
}
