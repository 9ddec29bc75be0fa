//! Stock counts per location (optionally blind) and their discrepancy summary.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
