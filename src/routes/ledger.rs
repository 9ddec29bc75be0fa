//! The ledger page (filters, pages) and its CSV export.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
