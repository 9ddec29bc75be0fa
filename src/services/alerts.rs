//! Alerts for one site on its local "today" (issue 11): what a manager must
//! act on. One plain [`Alerts`] value is what the `/alerts` page, `GET
//! /api/v1/alerts`, the menu's count badge and the daily digest all show.
//!
//! - **Low stock**: products whose usable stock is at or below the min
//!   level of the reorder rule (`domain::reorder`, as the reorder report
//!   computes it for `as_of` = today and the default 90-day window: a manual
//!   min, else the one derived from use), whatever is already on order; what
//!   is on order is shown beside it, and whether the rule still says "order
//!   now" once it is counted.
//! - **Expiring**: stock (not quarantined) whose use-by date is from today
//!   up to today + the "expiring soon" setting (the dashboard's window),
//!   per lot and location, with the days left.
//! - **Expired**: sealed stock past its use-by date still on the shelf
//!   (quarantined stock is already set aside, as on the dashboard).
//! - **Containers past discard-by**: opened containers (tubes, vials) past
//!   their use-by date (the discard-by date, or the lot's expiry if that
//!   came first).
//! - **Overdue orders**: sent or partly received orders past their expected
//!   day. Orders store no expected date: it is the local day the order was
//!   sent plus the supplier's lead time (14 days when the supplier has none,
//!   as in the reorder rule); an order is overdue from the day after.
//! - **Reaction lots**: lots whose sessions at the site over the last 90
//!   days reacted well above the other lots of their product
//!   (`services::reactions`, the rule of `domain::reactions`).

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::db::{self, DbConn, alerts::LotPosition, models::Site};
use crate::domain::access::{Action, Actor};
use crate::domain::fefo::is_expired;
use crate::domain::reorder::lead_days;
use crate::error::ServiceResult;
use crate::services::reorder::{self, ReorderOptions};

/// A product low on the shelf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowStock {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    /// Thousandths.
    pub usable: i64,
    /// The reorder rule's min level (rounded up to the thousandth).
    pub min_level: i64,
    /// Sent and partly received orders, still to come.
    pub on_order: i64,
    /// The reorder rule's "order now" once what is on order is counted.
    pub order_now: bool,
}

/// Stock of one lot at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotAlert {
    pub lot_id: i64,
    pub lot_number: String,
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    pub unit: String,
    /// The lot's expiry date.
    pub expiry: NaiveDate,
    /// The day after which it may not be used (expiry, or discard-by of an
    /// opened container if earlier).
    pub use_by: NaiveDate,
    pub discard_by: Option<NaiveDate>,
    pub location_code: String,
    pub location_name: String,
    /// Thousandths.
    pub quantity: i64,
    /// `use_by − today`: 0 on the last day, negative once past.
    pub days_left: i64,
}

/// A sent order that should have arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueOrder {
    pub id: i64,
    pub number: String,
    pub supplier_id: i64,
    pub supplier_name: String,
    pub sent_on: NaiveDate,
    pub expected_on: NaiveDate,
    pub days_overdue: i64,
}

/// Everything one site must act on, today at that site.
#[derive(Debug, Clone)]
pub struct Alerts {
    pub site: Site,
    /// Today at the site.
    pub as_of: NaiveDate,
    /// The "expiring soon" window in days (a setting).
    pub window_days: i64,
    /// By SKU.
    pub low_stock: Vec<LowStock>,
    /// By use-by, SKU, lot number, location.
    pub expiring: Vec<LotAlert>,
    pub expired: Vec<LotAlert>,
    pub containers_past_discard: Vec<LotAlert>,
    /// By expected day, then order.
    pub overdue_orders: Vec<OverdueOrder>,
    /// Flagged by the reaction rule; by SKU, then lot number.
    pub reaction_lots: Vec<super::reactions::LotReaction>,
}

impl Alerts {
    /// How many things need attention (the menu badge).
    pub fn count(&self) -> usize {
        self.low_stock.len()
            + self.expiring.len()
            + self.expired.len()
            + self.containers_past_discard.len()
            + self.overdue_orders.len()
            + self.reaction_lots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.count() == 0
    }

    /// The last day counted as "expiring soon".
    pub fn soon(&self) -> NaiveDate {
        self.as_of + Duration::days(self.window_days)
    }
}

/// The alerts of one site at `now` (UTC), without a permission check: for
/// the digest and the callers below, which check first.
pub fn for_site(conn: &mut DbConn, site: Site, now: NaiveDateTime) -> ServiceResult<Alerts> {
    let settings = super::settings::load(conn)?;
    let today = site.clock().today(now);
    let soon = today + Duration::days(settings.expiring_window_days);
    let options = ReorderOptions {
        site: site.clone(),
        as_of: today,
        window_days: reorder::DEFAULT_WINDOW_DAYS,
        safety_days: settings.safety_days,
        cover_days: settings.cover_days,
    };
    let (rows, positions, orders, reaction_lots) = db::read_tx(conn, |conn| {
        Ok((
            reorder::rows(conn, &options)?,
            db::alerts::positions_due(conn, site.id, soon)?,
            db::alerts::sent_orders(conn, site.id)?,
            super::usage::reactions::flagged_at_site(conn, &site, now)?,
        ))
    })?;
    let mut low_stock: Vec<LowStock> = rows
        .into_iter()
        .filter(|r| r.line.usable_low)
        .map(|r| LowStock {
            product_id: r.product.id,
            sku: r.product.sku,
            name: r.product.name,
            unit: r.product.unit.code().to_string(),
            usable: r.usable,
            min_level: r.line.min_level,
            on_order: r.on_order,
            order_now: r.line.order_now,
        })
        .collect();
    low_stock.sort_by(|a, b| a.sku.cmp(&b.sku).then(a.product_id.cmp(&b.product_id)));
    let (expiring, expired, containers_past_discard) = lot_alerts(positions, today);
    let clock = site.clock();
    let mut overdue_orders: Vec<OverdueOrder> = orders
        .into_iter()
        .filter_map(|o| {
            let sent_on = clock.local_date(o.sent_at?);
            let lead = lead_days(None, o.supplier_lead_days.map(i64::from));
            let expected_on = sent_on + Duration::days(lead.max(0));
            (expected_on < today).then(|| OverdueOrder {
                number: super::orders::order_number(o.id),
                id: o.id,
                supplier_id: o.supplier_id,
                supplier_name: o.supplier_name,
                sent_on,
                expected_on,
                days_overdue: (today - expected_on).num_days(),
            })
        })
        .collect();
    overdue_orders.sort_by_key(|o| (o.expected_on, o.id));
    Ok(Alerts {
        site,
        as_of: today,
        window_days: settings.expiring_window_days,
        low_stock,
        expiring,
        expired,
        containers_past_discard,
        overdue_orders,
        reaction_lots,
    })
}

/// Splits the positions due by `soon` into expiring, expired (sealed) and
/// opened containers past their use-by, each sorted.
fn lot_alerts(
    positions: Vec<LotPosition>,
    today: NaiveDate,
) -> (Vec<LotAlert>, Vec<LotAlert>, Vec<LotAlert>) {
    let mut sorted = positions;
    sorted.sort_by(|a, b| {
        (
            a.use_by,
            &a.sku,
            &a.lot_number,
            a.location_order,
            &a.location_code,
        )
            .cmp(&(
                b.use_by,
                &b.sku,
                &b.lot_number,
                b.location_order,
                &b.location_code,
            ))
    });
    let (mut expiring, mut expired, mut opened) = (Vec::new(), Vec::new(), Vec::new());
    for p in sorted {
        let list = if !is_expired(p.use_by, today) {
            &mut expiring
        } else if p.opened {
            &mut opened
        } else {
            &mut expired
        };
        list.push(LotAlert {
            days_left: (p.use_by - today).num_days(),
            lot_id: p.lot_id,
            lot_number: p.lot_number,
            product_id: p.product_id,
            sku: p.sku,
            product_name: p.product_name,
            unit: p.unit.code().to_string(),
            expiry: p.expiry,
            use_by: p.use_by,
            discard_by: p.discard_by,
            location_code: p.location_code,
            location_name: p.location_name,
            quantity: p.quantity,
        });
    }
    (expiring, expired, opened)
}

/// The alerts of the one site asked for (`?site=`; a site-bound manager's
/// own site; else the default site), for the API: 403 for another site.
pub fn one(
    conn: &mut DbConn,
    actor: &Actor,
    code: Option<&str>,
    now: NaiveDateTime,
) -> ServiceResult<Alerts> {
    let site = super::scope::one_site(conn, actor, Action::ViewAlerts, code)?;
    for_site(conn, site, now)
}

/// What the `/alerts` page shows: the site asked for, or (for users who
/// see every site and asked for none) every site, and the sites to pick.
#[derive(Debug, Clone)]
pub struct AlertsPage {
    /// The site picked; `None`: every site.
    pub picked: Option<String>,
    pub sites: Vec<Site>,
    pub alerts: Vec<Alerts>,
}

/// The page's alerts: `?site=` of another site → 403.
pub fn page(
    conn: &mut DbConn,
    actor: &Actor,
    code: Option<&str>,
    now: NaiveDateTime,
) -> ServiceResult<AlertsPage> {
    let picked = super::scope::list_site(conn, actor, Action::ViewAlerts, code)?;
    let sites = super::scope::visible_sites(conn, actor, Action::ViewAlerts)?;
    let shown = match &picked {
        Some(s) => vec![s.clone()],
        None => sites.clone(),
    };
    let alerts = shown
        .into_iter()
        .map(|s| for_site(conn, s, now))
        .collect::<ServiceResult<Vec<_>>>()?;
    Ok(AlertsPage {
        picked: picked.map(|s| s.code),
        sites,
        alerts,
    })
}

/// How many alerts the actor has across the sites they see (the menu
/// badge): their own site's, or every site's.
pub fn count(conn: &mut DbConn, actor: &Actor, now: NaiveDateTime) -> ServiceResult<usize> {
    Ok(page(conn, actor, None, now)?
        .alerts
        .iter()
        .map(Alerts::count)
        .sum())
}
