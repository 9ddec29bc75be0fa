//! HTTP only: extract → authorise → run the service off the async workers →
//! render a page or redirect (HTML) or answer JSON (`api/`). One module per
//! area, mirroring `templates/`.

pub mod account;
pub mod admin;
pub mod alerts;
pub mod api;
pub mod assets;
pub mod audit;
pub mod clinical_admin;
pub mod counts;
pub mod csv_download;
pub mod extract;
pub mod guard;
pub mod home;
pub mod import;
pub mod input;
pub mod ledger;
pub mod login;
pub mod lots;
pub mod movements;
pub mod needle_ranges;
pub mod orders;
pub mod pages;
pub mod product_filter;
pub mod products;
pub mod protocols;
pub mod recall;
pub mod receipts;
pub mod receive;
pub mod reports;
pub mod sessions;
pub mod sites_admin;
pub mod stock;
pub mod usage;
pub mod write_off;

use actix_web::{HttpRequest, HttpResponse, web};

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(
        pages::FORM_LIMIT.max(api::JSON_LIMIT),
    ))
    .app_data(input::path_config())
    .app_data(input::query_config())
    .route("/health", web::get().to(api::health::health))
    .route("/api/docs", web::get().to(api::openapi::docs_page))
    .configure(assets::configure)
    .configure(api::configure)
    .configure(login::configure)
    .configure(admin::configure)
    .configure(account::configure)
    .configure(audit::configure)
    .configure(import::configure)
    .configure(home::configure)
    .configure(alerts::configure)
    .configure(stock::configure)
    .configure(products::configure)
    .configure(receive::configure)
    .configure(receipts::configure)
    .configure(sites_admin::configure)
    .configure(clinical_admin::configure)
    .configure(needle_ranges::configure)
    .configure(movements::configure)
    .configure(write_off::configure)
    .configure(counts::configure)
    .configure(ledger::configure)
    .configure(lots::configure)
    .configure(recall::configure)
    .configure(protocols::configure)
    .configure(sessions::configure)
    .configure(reports::configure)
    .configure(orders::configure)
    .default_service(web::to(not_found));
}

/// Unknown paths: the 404 page.
async fn not_found(req: HttpRequest) -> HttpResponse {
    if req.path().starts_with("/api/") {
        return api::not_found().await;
    }
    pages::error_page(404, "There is no page at this address.")
}
