//! `GET /health`: no login; the backend, and whether the database answers
//! and takes a committed write (503 when it does not).

use actix_web::{HttpResponse, web};

use super::types::admin::HealthOut;
use crate::app::AppState;

pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.backend.name();
    let health = state.health().await;
    let status = match (health.readable, health.writable) {
        (true, true) => "ok",
        (true, false) => "read_only",
        (false, _) => "unavailable",
    };
    let body = HealthOut {
        status,
        database: backend,
        writable: health.writable,
    };
    if health.writable {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(body)
    }
}
