//! Static assets embedded in the binary (Pico CSS, htmx 2, app.css, app.js).

use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{file:.*}", web::get().to(asset));
}

async fn asset(path: web::Path<String>) -> HttpResponse {
    let name = path.into_inner();
    match Assets::get(&name) {
        Some(file) => {
            let mime = mime_guess::from_path(&name).first_or_octet_stream();
            HttpResponse::Ok()
                .content_type(mime.as_ref())
                .insert_header(("Cache-Control", "public, max-age=86400"))
                .body(file.data.into_owned())
        }
        None => super::pages::error_page(404, "No such file."),
    }
}
