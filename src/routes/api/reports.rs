//! `/api/v1/reports/*` and `/api/v1/purchase-orders`.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
