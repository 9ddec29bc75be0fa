//! What is on hand: per product, usable / expired / quarantined totals and
//! the lots behind them, at one site. "Usable" means not past its use-by
//! date (expiry, or discard-by of an opened container) and not quarantined.

use chrono::NaiveDate;

use crate::db::{
    self, DbConn, catalog::ProductFilter, lots::OnHand, models::Product, models::Site,
};
use crate::domain::access::{Action, Actor};
use crate::domain::fefo::is_expired;
use crate::error::ServiceResult;

#[derive(Debug, Clone)]
pub struct LotPosition {
    pub lot_id: i64,
    pub lot: String,
    pub expiry: NaiveDate,
    /// The date after which it counts as expired (earlier for opened containers).
    pub use_by: NaiveDate,
    pub opened: bool,
    pub location: String,
    pub location_id: i64,
    pub quantity: i64,
    pub expired: bool,
    pub quarantined: bool,
}

#[derive(Debug, Clone)]
pub struct ProductStock {
    pub product: Product,
    pub usable: i64,
    pub expired: i64,
    pub quarantined: i64,
    pub lots: Vec<LotPosition>,
    /// On hand at cost in cents (`services::stock_value`); None: unknown.
    pub value: Option<i64>,
}

impl ProductStock {
    /// Earliest use-by date among usable lots.
    pub fn next_expiry(&self) -> Option<NaiveDate> {
        self.lots
            .iter()
            .filter(|l| !l.expired && !l.quarantined)
            .map(|l| l.use_by)
            .min()
    }
}

pub fn position(h: &OnHand, today: NaiveDate) -> LotPosition {
    LotPosition {
        lot_id: h.lot.id,
        lot: h.lot.lot_number.clone(),
        expiry: h.lot.expiry,
        use_by: h.lot.use_by,
        opened: h.lot.container > 0,
        location: h.location_code.clone(),
        location_id: h.location_id,
        quantity: h.quantity,
        expired: is_expired(h.lot.use_by, today),
        quarantined: h.lot.quarantined,
    }
}

/// Groups on-hand rows under their products (in the products' order).
pub fn group(products: Vec<Product>, on_hand: &[OnHand], today: NaiveDate) -> Vec<ProductStock> {
    products
        .into_iter()
        .map(|product| {
            let lots: Vec<LotPosition> = on_hand
                .iter()
                .filter(|h| h.lot.product_id == product.id)
                .map(|h| position(h, today))
                .collect();
            let mut s = ProductStock {
                product,
                usable: 0,
                expired: 0,
                quarantined: 0,
                lots,
                value: Some(0),
            };
            for l in &s.lots {
                if l.quarantined {
                    s.quarantined += l.quantity;
                } else if l.expired {
                    s.expired += l.quantity;
                } else {
                    s.usable += l.quantity;
                }
            }
            s
        })
        .collect()
}

/// A page of products with their stock at a site, judged on the site's day.
pub fn stock(
    conn: &mut DbConn,
    site: &Site,
    filter: &ProductFilter,
    limit: i64,
    offset: i64,
) -> ServiceResult<(Vec<ProductStock>, i64)> {
    let (site_id, today) = (site.id, site.today());
    db::read_tx(conn, |conn| {
        let total = db::catalog::count_products(conn, filter)?;
        let products = db::catalog::list_products(conn, filter, limit, offset)?;
        let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
        let on_hand = db::lots::on_hand(conn, site_id, Some(&ids))?;
        let holdings: Vec<super::stock_value::Holding> = on_hand
            .iter()
            .map(|h| (h.lot.product_id, h.lot.id, h.quantity))
            .collect();
        let costs = products.iter().map(|p| (p.id, p.unit_cost_cents)).collect();
        let value = super::stock_value::value(conn, &holdings, &costs)?;
        let mut rows = group(products, &on_hand, today);
        for r in &mut rows {
            r.value = value.of(r.product.id);
        }
        Ok((rows, total))
    })
    .map_err(Into::into)
}

/// Usable stock per product summed over every site the actor sees (a
/// bound user: their own), each site's stock judged on its own calendar
/// day.
pub fn usable_everywhere(
    conn: &mut DbConn,
    actor: &Actor,
    product_ids: &[i64],
) -> ServiceResult<std::collections::HashMap<i64, i64>> {
    let mut usable = std::collections::HashMap::new();
    let sites = super::scope::visible_sites(conn, actor, Action::ViewStock)?;
    db::read_tx(conn, |conn| {
        for site in sites {
            let today = site.today();
            let totals = db::stock_summary::product_totals(
                conn,
                Some(site.id),
                Some(product_ids),
                today,
                today,
            )?;
            for t in totals {
                *usable.entry(t.product_id).or_insert(0) += t.usable;
            }
        }
        Ok(())
    })?;
    Ok(usable)
}
