//! `GET /health`: no login; reports the backend after a real query.

use actix_web::{HttpResponse, web};

use crate::app::AppState;

pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.backend.name();
    let ok = state.run(crate::services::accounts::ping).await.is_ok();
    if ok {
        HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": backend}))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({"status": "unavailable", "database": backend}))
    }
}
