//! Protocol list and protocol forms.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
