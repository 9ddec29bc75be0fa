//! Logging treatment sessions, the session page and after-care sheet, session list, client history, void.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
