//! The lot page: balances, history, sessions that used it; recall CSV.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
