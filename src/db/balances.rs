//! Reading on-hand balances.

use diesel::prelude::*;

use super::DbConn;
use super::schema::balances;

/// On hand in one (lot, location); 0 when there is no balance row.
pub fn quantity_at(conn: &mut DbConn, lot_id: i64, location_id: i64) -> QueryResult<i64> {
    balances::table
        .filter(balances::lot_id.eq(lot_id))
        .filter(balances::location_id.eq(location_id))
        .select(balances::quantity)
        .first::<i64>(conn)
        .optional()
        .map(|q| q.unwrap_or(0))
}
