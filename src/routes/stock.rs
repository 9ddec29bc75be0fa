//! The stock dashboard (managers), the practitioner site page, the stock list.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
