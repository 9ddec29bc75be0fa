//! Catalogue pages: the product list and product page (`list`), the
//! product form with archive/reactivate (`forms`), and suppliers.

mod forms;
mod list;
mod suppliers;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `/products/new` before `/products/{id}`.
    forms::configure(cfg);
    list::configure(cfg);
    suppliers::configure(cfg);
}
