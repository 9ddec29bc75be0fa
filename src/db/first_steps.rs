//! What the "Get started" checklist reads: whether each first step has
//! been done, from the tables themselves (nothing stored for it).

use diesel::dsl::exists;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{products, protocols, receipts, sites, suppliers, users};

/// Each first step: done or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FirstSteps {
    /// A site has its contact details (address, phone or e-mail).
    pub site_details: bool,
    pub suppliers: bool,
    pub products: bool,
    /// A delivery has been received.
    pub delivery: bool,
    /// Someone besides the first administrator.
    pub users: bool,
    pub protocols: bool,
}

pub fn load(conn: &mut DbConn) -> QueryResult<FirstSteps> {
    let site_details = diesel::select(exists(
        sites::table.filter(
            sites::address
                .is_not_null()
                .or(sites::phone.is_not_null())
                .or(sites::email.is_not_null()),
        ),
    ))
    .get_result(conn)?;
    let suppliers = suppliers::table
        .select(suppliers::id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    let products = products::table
        .select(products::id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    let delivery = receipts::table
        .select(receipts::id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    let user_count: i64 = users::table.count().get_result(conn)?;
    let protocols = protocols::table
        .select(protocols::id)
        .first::<i64>(conn)
        .optional()?
        .is_some();
    Ok(FirstSteps {
        site_details,
        suppliers,
        products,
        delivery,
        users: user_count > 1,
        protocols,
    })
}
