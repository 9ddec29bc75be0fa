//! What "write off all expired stock" would write off at a site, listed for
//! the person to confirm before anything is written
//! (`adjustments::write_off_expired` then writes off exactly the confirmed
//! positions).

use chrono::NaiveDate;
use std::collections::HashMap;

use crate::db::{self, DbConn, models::Site};
use crate::domain::access::{Action, Actor};
use crate::error::ServiceResult;

/// One expired (lot, location) balance that the write-off would zero.
#[derive(Debug, Clone)]
pub struct ToWriteOff {
    pub lot_id: i64,
    pub location_id: i64,
    pub lot_number: String,
    pub use_by: NaiveDate,
    /// An opened container past its discard-by date.
    pub opened: bool,
    pub quarantined: bool,
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    pub unit: String,
    pub location_code: String,
    pub quantity: i64,
}

/// The site and every position the write-off would take, by use-by date.
pub fn expired_to_write_off(
    conn: &mut DbConn,
    actor: &Actor,
    site: Option<&str>,
) -> ServiceResult<(Site, Vec<ToWriteOff>)> {
    actor.require(Action::AdjustStock)?;
    db::read_tx(conn, |conn| Ok(list(conn, actor, site)))?
}

fn list(
    conn: &mut DbConn,
    actor: &Actor,
    site: Option<&str>,
) -> ServiceResult<(Site, Vec<ToWriteOff>)> {
    {
        let site = super::scope::one_site(conn, actor, Action::AdjustStock, site)?;
        let held = db::lots::expired_on_hand(conn, site.id, site.today())?;
        let ids: Vec<i64> = held.iter().map(|h| h.lot.product_id).collect();
        let products: HashMap<i64, _> = db::catalog::products_by_ids(conn, &ids)?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let list = held
            .into_iter()
            .map(|h| {
                let p = products.get(&h.lot.product_id);
                ToWriteOff {
                    lot_id: h.lot.id,
                    location_id: h.location_id,
                    lot_number: h.lot.lot_number.clone(),
                    use_by: h.lot.use_by,
                    opened: h.lot.parent_lot_id.is_some(),
                    quarantined: h.lot.quarantined,
                    product_id: h.lot.product_id,
                    sku: p.map(|p| p.sku.clone()).unwrap_or_default(),
                    product_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                    unit: p.map(|p| p.unit.code().to_string()).unwrap_or_default(),
                    location_code: h.location_code,
                    quantity: h.quantity,
                }
            })
            .collect();
        Ok((site, list))
    }
}
