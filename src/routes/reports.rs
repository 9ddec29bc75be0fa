//! Reorder report, usage and waste reports, charts, CSV and print views.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
