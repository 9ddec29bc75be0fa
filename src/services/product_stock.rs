//! One product's stock for its page: its lots with what each holds where and
//! a status (usable, expiring soon, expired, quarantined, empty), totals per
//! location, and a page of its ledger history.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use crate::db::{
    self, DbConn,
    ledger::LedgerEntry,
    models::{Lot, Product, Supplier},
    stock_summary::LotBalance,
};
use crate::domain::access::{Action, Actor};
use crate::domain::fefo::is_expired;
use crate::error::{ServiceError, ServiceResult};

/// How a lot stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotStatus {
    Usable,
    ExpiringSoon,
    Expired,
    Quarantined,
    Empty,
}

impl LotStatus {
    pub fn label(self) -> &'static str {
        match self {
            LotStatus::Usable => "usable",
            LotStatus::ExpiringSoon => "expiring soon",
            LotStatus::Expired => "expired",
            LotStatus::Quarantined => "quarantined",
            LotStatus::Empty => "empty",
        }
    }

    /// Orders statuses from fine to worst (a lot at two sites shows the worse).
    fn severity(self) -> u8 {
        match self {
            LotStatus::Empty => 0,
            LotStatus::Usable => 1,
            LotStatus::ExpiringSoon => 2,
            LotStatus::Expired => 3,
            LotStatus::Quarantined => 4,
        }
    }

    /// CSS badge class.
    pub fn badge(self) -> &'static str {
        match self {
            LotStatus::Usable => "ok",
            LotStatus::ExpiringSoon => "warn",
            LotStatus::Expired | LotStatus::Quarantined => "bad",
            LotStatus::Empty => "",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LotRow {
    pub lot: Lot,
    pub balances: Vec<LotBalance>,
    pub total: i64,
    pub status: LotStatus,
}

/// Totals of one location (site code, location code).
#[derive(Debug, Clone, Default)]
pub struct LocationTotals {
    pub site_code: String,
    pub location_code: String,
    pub location_name: String,
    pub usable: i64,
    pub expired: i64,
    pub quarantined: i64,
}

#[derive(Debug, Clone)]
pub struct ProductDetail {
    pub product: Product,
    pub supplier: Option<Supplier>,
    /// Lots that hold stock (and, with `all_lots`, the empty ones too).
    pub lots: Vec<LotRow>,
    /// Lots without stock that were left out.
    pub empty_lots_hidden: usize,
    pub locations: Vec<LocationTotals>,
    pub usable: i64,
    pub expired: i64,
    pub quarantined: i64,
    /// Sent and partly received orders still to come, at the sites the
    /// viewer sees (`services::reorder::open_orders`).
    pub on_order: i64,
    pub history: Vec<LedgerEntry>,
    pub history_total: i64,
}

pub fn status_of(lot: &Lot, total: i64, today: NaiveDate, soon: NaiveDate) -> LotStatus {
    if total == 0 {
        LotStatus::Empty
    } else if lot.quarantined {
        LotStatus::Quarantined
    } else if is_expired(lot.use_by, today) {
        LotStatus::Expired
    } else if lot.use_by <= soon {
        LotStatus::ExpiringSoon
    } else {
        LotStatus::Usable
    }
}

/// Each site's "today" and the expiring-soon window: a lot's stock at a
/// site is judged on that site's calendar.
struct Days {
    today: HashMap<i64, NaiveDate>,
    window: i64,
    all_lots: bool,
}

impl Days {
    fn status(&self, lot: &Lot, total: i64, site_id: i64) -> LotStatus {
        let today = self
            .today
            .get(&site_id)
            .copied()
            .unwrap_or_else(|| crate::domain::clock::SiteClock::utc().today(db::now()));
        status_of(lot, total, today, today + Duration::days(self.window))
    }
}

/// Loads a product's page. `history` is (limit, offset) of ledger rows to
/// show, None when the viewer may not see the ledger. The stock, lots and
/// history shown are the actor's site's only when they are bound to one.
pub fn detail(
    conn: &mut DbConn,
    actor: &Actor,
    product_id: i64,
    all_lots: bool,
    history: Option<(i64, i64)>,
) -> ServiceResult<ProductDetail> {
    let window = super::settings::load(conn)?.expiring_window_days;
    let site = actor.site_filter(Action::ViewStock, None)?;
    db::read_tx(conn, |conn| {
        let Some(product) = db::catalog::product_by_id(conn, product_id)? else {
            return Ok(None);
        };
        let supplier = match product.supplier_id {
            Some(id) => db::catalog::supplier_by_id(conn, id)?,
            None => None,
        };
        let lots = match site {
            Some(site) => db::lots::of_product_at(conn, product_id, site)?,
            None => db::lots::of_product(conn, product_id)?,
        };
        let balances = db::stock_summary::balances_of_product(conn, product_id, site)?;
        let site_rows = db::sites::list(conn)?;
        let days = Days {
            today: site_rows.iter().map(|s| (s.id, s.today())).collect(),
            window,
            all_lots,
        };
        let sites: HashMap<i64, String> = site_rows.into_iter().map(|s| (s.id, s.code)).collect();
        let on_order = super::reorder::open_orders(conn, site, Some(product_id))?.of(product_id);
        let (history, history_total) = match history {
            Some((limit, offset)) => {
                db::stock_summary::product_history(conn, product_id, site, limit, offset)?
            }
            None => (Vec::new(), 0),
        };
        let mut d = assemble(
            product,
            supplier,
            lots,
            balances,
            &sites,
            (history, history_total),
            &days,
        );
        d.on_order = on_order;
        Ok(Some(d))
    })?
    .ok_or_else(|| ServiceError::not_found("no such product"))
}

/// The totals row of the balance's location (added, empty, when new).
fn location_totals<'a>(
    locations: &'a mut Vec<LocationTotals>,
    site_code: String,
    b: &LotBalance,
) -> &'a mut LocationTotals {
    let idx = match locations
        .iter()
        .position(|l| l.site_code == site_code && l.location_code == b.location_code)
    {
        Some(i) => i,
        None => {
            locations.push(LocationTotals {
                site_code,
                location_code: b.location_code.clone(),
                location_name: b.location_name.clone(),
                ..LocationTotals::default()
            });
            locations.len() - 1
        }
    };
    &mut locations[idx]
}

fn assemble(
    product: Product,
    supplier: Option<Supplier>,
    lots: Vec<Lot>,
    balances: Vec<LotBalance>,
    sites: &HashMap<i64, String>,
    history: (Vec<LedgerEntry>, i64),
    days: &Days,
) -> ProductDetail {
    let mut d = ProductDetail {
        product,
        supplier,
        lots: Vec::new(),
        empty_lots_hidden: 0,
        locations: Vec::new(),
        usable: 0,
        expired: 0,
        quarantined: 0,
        on_order: 0,
        history: history.0,
        history_total: history.1,
    };
    for lot in lots {
        let mine: Vec<LotBalance> = balances
            .iter()
            .filter(|b| b.lot_id == lot.id)
            .cloned()
            .collect();
        let total: i64 = mine.iter().map(|b| b.quantity).sum();
        // The lot's own status is the most advanced among the sites holding it.
        let status = mine
            .iter()
            .map(|b| days.status(&lot, total, b.site_id))
            .max_by_key(|s| s.severity())
            .unwrap_or(LotStatus::Empty);
        for b in &mine {
            let here = days.status(&lot, total, b.site_id);
            let site_code = sites.get(&b.site_id).cloned().unwrap_or_default();
            let l = location_totals(&mut d.locations, site_code, b);
            match here {
                LotStatus::Quarantined => l.quarantined += b.quantity,
                LotStatus::Expired => l.expired += b.quantity,
                _ => l.usable += b.quantity,
            }
            match here {
                LotStatus::Quarantined => d.quarantined += b.quantity,
                LotStatus::Expired => d.expired += b.quantity,
                LotStatus::Empty => {}
                _ => d.usable += b.quantity,
            }
        }
        if status == LotStatus::Empty && !days.all_lots {
            d.empty_lots_hidden += 1;
            continue;
        }
        d.lots.push(LotRow {
            lot,
            balances: mine,
            total,
            status,
        });
    }
    d.locations
        .sort_by(|a, b| (&a.site_code, &a.location_code).cmp(&(&b.site_code, &b.location_code)));
    d
}
