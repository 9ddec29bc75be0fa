//! Purchase orders: list, draft, send, receive against, cancel.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
