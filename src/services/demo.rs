//! `clinic-stock demo`: a believable clinic to look around in.

use crate::db::DbConn;
use crate::error::{ServiceError, ServiceResult};

/// Loads the demo clinic (or the benchmark-size one with `large`).
pub fn run(_conn: &mut DbConn, large: bool) -> ServiceResult<String> {
    let what = if large {
        "500 products, 5,000 lots and 1,000,000 ledger rows"
    } else {
        "suppliers, ~40 products, lots with a spread of expiries, protocols and 90 days of sessions"
    };
    Err(ServiceError::BadRequest(format!(
        "demo data is not available in this build yet; it will load {what}"
    )))
}
