//! The dashboard's lists of lots at locations (expired on the shelf,
//! expiring soon): named, ordered by use-by, the first few and the count.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::dashboard::EXPIRED_LIST_LIMIT;
use crate::db::{
    self, DbConn,
    stock_summary::{Position, ProductBrief as Product},
};

/// Stock of a lot at one location (expired on the shelf, or expiring soon).
#[derive(Debug, Clone)]
pub struct ExpiredPosition {
    pub lot_id: i64,
    pub lot_number: String,
    pub use_by: NaiveDate,
    pub opened: bool,
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    pub unit: String,
    pub location_code: String,
    pub quantity: i64,
}

/// The positions `keep` picks (expired on the shelf, expiring soon): the
/// first `EXPIRED_LIST_LIMIT` by use-by, named, and how many there are.
pub(super) fn listed(
    conn: &mut DbConn,
    site_id: i64,
    products: &[Product],
    positions: &[Position],
    keep: impl Fn(&Position) -> bool,
) -> diesel::QueryResult<(Vec<ExpiredPosition>, usize)> {
    let by_id: HashMap<i64, &Product> = products.iter().map(|p| (p.id, p)).collect();
    let mut expired: Vec<&Position> = positions.iter().filter(|p| keep(p)).collect();
    let total = expired.len();
    let name = |p: &Position| {
        by_id
            .get(&p.product_id)
            .map(|pr| pr.name.as_str())
            .unwrap_or("")
    };
    expired.sort_by(|a, b| {
        (a.use_by, name(a), a.lot_id, a.location_id).cmp(&(
            b.use_by,
            name(b),
            b.lot_id,
            b.location_id,
        ))
    });
    expired.truncate(EXPIRED_LIST_LIMIT);
    let ids: Vec<i64> = expired.iter().map(|p| p.lot_id).collect();
    let labels: HashMap<i64, String> = db::stock_summary::lot_labels(conn, &ids)?
        .into_iter()
        .map(|(id, number, _)| (id, number))
        .collect();
    let locations: HashMap<i64, String> = db::sites::locations(conn, Some(site_id))?
        .into_iter()
        .map(|l| (l.id, l.code))
        .collect();
    let rows = expired
        .into_iter()
        .map(|p| {
            let pr = by_id.get(&p.product_id);
            ExpiredPosition {
                lot_id: p.lot_id,
                lot_number: labels.get(&p.lot_id).cloned().unwrap_or_default(),
                use_by: p.use_by,
                opened: p.opened,
                product_id: p.product_id,
                sku: pr.map(|x| x.sku.clone()).unwrap_or_default(),
                product_name: pr.map(|x| x.name.clone()).unwrap_or_default(),
                unit: pr.map(|x| x.unit.code().to_string()).unwrap_or_default(),
                location_code: locations.get(&p.location_id).cloned().unwrap_or_default(),
                quantity: p.quantity,
            }
        })
        .collect();
    Ok((rows, total))
}
