//! The receive form with its GS1 scan field.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
