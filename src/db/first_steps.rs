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

/// Every step in one statement (one round trip, one snapshot: no
/// transaction needed; the manager's dashboard asks on every request).
pub fn load(conn: &mut DbConn) -> QueryResult<FirstSteps> {
    let site_details = exists(
        sites::table.filter(
            sites::address
                .is_not_null()
                .or(sites::phone.is_not_null())
                .or(sites::email.is_not_null()),
        ),
    );
    let (site_details, suppliers, products, delivery, more_users, protocols) = diesel::select((
        site_details,
        exists(suppliers::table.select(suppliers::id)),
        exists(products::table.select(products::id)),
        exists(receipts::table.select(receipts::id)),
        users::table.count().single_value().gt(1i64),
        exists(protocols::table.select(protocols::id)),
    ))
    .get_result::<(bool, bool, bool, bool, Option<bool>, bool)>(conn)?;
    Ok(FirstSteps {
        site_details,
        suppliers,
        products,
        delivery,
        // Someone besides the first administrator.
        users: more_users.unwrap_or(false),
        protocols,
    })
}
