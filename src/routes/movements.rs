//! Stock movements by managers: adjustments, expired write-off, transfers, opening containers, quarantine.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
