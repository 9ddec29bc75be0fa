//! What every installation starts with: site `main`, location `store`, and
//! default settings. Runs after migrations on every start; idempotent.

use crate::db::{self, DbConn};
use crate::error::ServiceResult;

pub const DEFAULT_SITE: &str = "main";
pub const DEFAULT_LOCATION: &str = "store";

pub fn ensure_defaults(conn: &mut DbConn) -> ServiceResult<()> {
    db::write_tx(conn, |conn| {
        if db::sites::count(conn)? == 0 {
            let site = db::sites::insert(conn, DEFAULT_SITE, "Main clinic")?;
            db::sites::insert_location(conn, site, DEFAULT_LOCATION, "Store room", 0)?;
        }
        Ok(())
    })
}
