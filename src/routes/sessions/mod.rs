//! Session pages: logging a session (`form`: the form, its htmx partials
//! and saving), one session with its after-care sheet and void (`show`), the
//! session list and a client's history (`list`).

mod fill;
mod form;
mod list;
mod repeat;
mod save;
mod scan;
mod show;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sessions/new", web::get().to(form::new_form))
        .route("/sessions/new", web::post().to(form::post_form))
        .route("/sessions/new/lines", web::post().to(form::lines_partial))
        .route("/sessions/new/scan", web::get().to(scan::session_lot))
        .route("/sessions/hints", web::post().to(form::hints_partial))
        .route("/sessions", web::get().to(list::sessions))
        .route("/sessions/{id}", web::get().to(show::session))
        .route("/sessions/{id}/aftercare", web::get().to(show::aftercare))
        .route("/sessions/{id}/void", web::post().to(show::void))
        .route("/sessions/{id}/follow-ups", web::post().to(show::follow_up))
        .route("/clients/{client_ref}", web::get().to(list::client));
}
