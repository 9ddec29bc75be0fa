//! Admin pages for sites, locations and settings.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
