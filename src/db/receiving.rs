//! Receipts (deliveries).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::receipts;
use super::{DbConn, now};

#[derive(Debug, Clone)]
pub struct NewReceipt {
    pub site_id: i64,
    pub location_id: i64,
    pub user_id: i64,
    pub purchase_order_id: Option<i64>,
    pub unit_cost_cents: Option<i64>,
    pub note: Option<String>,
    pub received_at: NaiveDateTime,
}

pub fn insert_receipt(conn: &mut DbConn, r: &NewReceipt) -> QueryResult<i64> {
    diesel::insert_into(receipts::table)
        .values((
            receipts::site_id.eq(r.site_id),
            receipts::location_id.eq(r.location_id),
            receipts::user_id.eq(r.user_id),
            receipts::purchase_order_id.eq(r.purchase_order_id),
            receipts::unit_cost_cents.eq(r.unit_cost_cents),
            receipts::note.eq(&r.note),
            receipts::received_at.eq(r.received_at),
            receipts::created_at.eq(now()),
        ))
        .returning(receipts::id)
        .get_result(conn)
}
