//! `GET /sessions/new/scan?site=&gs1=`: what a scanned pouch names for a
//! line of the session form (issue 15, part 7), as JSON for the form's
//! script: 200 `{"product_id","lot_id","lot","expiry","label",…}`, or 422
//! with the message at `field: "gs1"` (not GS1, unknown GTIN or lot, a lot
//! not usable here). Login and permission failures answer as pages do.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::PageError;
use crate::services::scan;

#[derive(Debug, Deserialize, Default)]
pub struct ScanQuery {
    #[serde(default)]
    site: Option<String>,
    /// The decoded text (a scan field: ASCII 29 allowed).
    #[serde(default)]
    gs1: String,
}

pub async fn session_lot(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<ScanQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::LogSession)?;
    let actor = user.actor.clone();
    let q = q.into_inner();
    let found = state
        .run(move |conn| Ok(scan::session_lot(conn, &actor, q.site.as_deref(), &q.gs1)))
        .await?;
    match found {
        Ok(s) => Ok(HttpResponse::Ok().json(json!({
            "product_id": s.product_id,
            "sku": s.sku,
            "product": s.product_name,
            "lot_id": s.lot_id,
            "lot": s.lot_number,
            "expiry": s.expiry.to_string(),
            "label": s.label,
        }))),
        Err(ServiceError::Invalid { code, errors }) => {
            let first = errors.first();
            Ok(HttpResponse::UnprocessableEntity().json(json!({"error": {
                "code": code.as_str(),
                "field": first.map(|e| e.field.as_str()).unwrap_or("gs1"),
                "message": first.map(|e| e.message.as_str()).unwrap_or("the scan was refused"),
            }})))
        }
        Err(e) => Err(e.into()),
    }
}
