//! `/api/v1/adjustments`, `/api/v1/lots/{id}`, `/api/v1/ledger` and other stock movements.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
