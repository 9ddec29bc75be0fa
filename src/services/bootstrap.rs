//! What every installation starts with: site `main`, location `store`, and
//! default settings. Runs after migrations on every start; idempotent.

use crate::db::{self, DbConn};
use crate::error::ServiceResult;

pub const DEFAULT_SITE: &str = "main";
pub const DEFAULT_LOCATION: &str = "store";

/// Digests go out at half past seven, local time, unless a site says otherwise.
pub const DEFAULT_DIGEST_TIME: &str = "07:30";

/// A new site's details before anyone fills them in: UTC until the setup
/// page (or an admin) chooses the clinic's zone.
pub fn default_details(name: &str) -> db::sites::SiteDetails {
    db::sites::SiteDetails {
        name: name.to_string(),
        time_zone: "UTC".into(),
        address: None,
        phone: None,
        email: None,
        digest_time: DEFAULT_DIGEST_TIME.into(),
    }
}

pub fn ensure_defaults(conn: &mut DbConn) -> ServiceResult<()> {
    db::write_tx(conn, |conn| {
        if db::sites::count(conn)? == 0 {
            let site = db::sites::insert(conn, DEFAULT_SITE, &default_details("Main clinic"))?;
            db::sites::insert_location(conn, site, DEFAULT_LOCATION, "Store room", 0)?;
        }
        Ok(())
    })
}
