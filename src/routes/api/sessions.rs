//! `/api/v1/sessions` and `/api/v1/protocols`.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
