//! What a run of receipts looks up again and again, looked up once: sites
//! by code, locations by site and code, products by id, and the sealed lots
//! of each product (all of a product's lots in one query, the first time one
//! of them is asked for). The opening-stock import receives 5,000 lots of a
//! few hundred products into a few locations in one transaction; without
//! this memo each row repeated the same four lookups (issue 17: on
//! PostgreSQL every statement is a round trip). One `Lookups` lives for one
//! transaction; a single receipt uses a fresh one.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::db::{
    self, DbConn,
    models::{Location, Product, Site},
};
use crate::domain::access::{Action, Actor};
use crate::error::ServiceResult;

#[derive(Default)]
pub struct Lookups {
    /// Load a product's sealed lots all at once (a run of many receipts);
    /// otherwise one lot at a time (a single receipt: a product with years
    /// of history has many lots).
    batch: bool,
    /// By the code as given ("" for the actor's / the default site).
    sites: HashMap<String, Site>,
    locations: HashMap<(i64, String), Option<Location>>,
    products: HashMap<i64, Option<Product>>,
    /// Product id → lot number → (sealed lot id, expiry).
    lots: HashMap<i64, HashMap<String, (i64, NaiveDate)>>,
}

impl Lookups {
    /// For a run of many receipts in one transaction.
    pub fn for_run() -> Self {
        Lookups {
            batch: true,
            ..Lookups::default()
        }
    }

    /// The site receipts go to (`services::scope::one_site` for
    /// `receive_stock`: another site's is refused), remembered (refusals
    /// are not).
    pub fn site(
        &mut self,
        conn: &mut DbConn,
        actor: &Actor,
        code: Option<&str>,
    ) -> ServiceResult<Site> {
        let key = code.map(str::trim).unwrap_or("").to_string();
        if let Some(s) = self.sites.get(&key) {
            return Ok(s.clone());
        }
        let site = crate::services::scope::one_site(conn, actor, Action::ReceiveStock, code)?;
        self.sites.insert(key, site.clone());
        Ok(site)
    }

    pub fn location(
        &mut self,
        conn: &mut DbConn,
        site_id: i64,
        code: &str,
    ) -> ServiceResult<Option<Location>> {
        let key = (site_id, code.to_string());
        if let Some(l) = self.locations.get(&key) {
            return Ok(l.clone());
        }
        let found = db::sites::location_by_code(conn, site_id, code)?;
        self.locations.insert(key, found.clone());
        Ok(found)
    }

    pub fn product(&mut self, conn: &mut DbConn, id: i64) -> ServiceResult<Option<Product>> {
        if let Some(p) = self.products.get(&id) {
            return Ok(p.clone());
        }
        let found = db::catalog::product_by_id(conn, id)?;
        self.products.insert(id, found.clone());
        Ok(found)
    }

    /// The sealed lot (container 0) of this product with this number:
    /// (id, expiry).
    pub fn sealed_lot(
        &mut self,
        conn: &mut DbConn,
        product_id: i64,
        lot_number: &str,
    ) -> ServiceResult<Option<(i64, NaiveDate)>> {
        if !self.batch {
            return Ok(db::lots::find(conn, product_id, lot_number)?.map(|l| (l.id, l.expiry)));
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.lots.entry(product_id) {
            let sealed = db::lots::of_product(conn, product_id)?
                .into_iter()
                .filter(|l| l.container == 0)
                .map(|l| (l.lot_number, (l.id, l.expiry)))
                .collect();
            e.insert(sealed);
        }
        Ok(self
            .lots
            .get(&product_id)
            .and_then(|m| m.get(lot_number))
            .copied())
    }

    /// A sealed lot written in this transaction.
    pub fn remember_lot(&mut self, product_id: i64, lot_number: &str, id: i64, expiry: NaiveDate) {
        if let Some(m) = self.lots.get_mut(&product_id) {
            m.insert(lot_number.to_string(), (id, expiry));
        }
    }
}
