//! Recall search: which clients got lot X of product Y.

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}
