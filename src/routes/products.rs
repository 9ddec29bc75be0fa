//! Product list, product page, product and supplier forms.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
