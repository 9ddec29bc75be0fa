//! Recall search: which clients got lot X (of product Y). Managers only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::{ledger, lots};
use crate::views::Frame;
use crate::views::lots::{RecallHitView, RecallPage, SessionRow};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/recall", web::get().to(recall));
}

#[derive(Deserialize, Default)]
pub struct RecallQuery {
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    lot: String,
}

async fn recall(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<RecallQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::Recall)?;
    let q = q.into_inner();
    let searched = !q.lot.trim().is_empty() || !q.product_id.trim().is_empty();
    let product_id = q.product_id.trim().parse::<i64>().ok();
    let lot = q.lot.clone();
    let actor = user.actor.clone();
    let (products, clocks, result) = state
        .run(move |conn| {
            let products = ledger::choices(conn, &actor, Action::Recall)?.products;
            let clocks = crate::services::sites::clocks(conn, &actor)?;
            let result = if searched {
                lots::search(conn, &actor, product_id, &lot)
            } else {
                Ok(Vec::new())
            };
            Ok((products, clocks, result))
        })
        .await?;
    let (status, hits, error) = match result {
        Ok(hits) => (StatusCode::OK, hits, None),
        Err(e @ ServiceError::Invalid { .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            Some(
                e.field_errors()
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_default(),
            ),
        ),
        Err(e) => return Err(e.into()),
    };
    let page = RecallPage {
        frame: Frame::new(&user, "Recall", ""),
        products,
        product_id: q.product_id.trim().to_string(),
        lot: q.lot.trim().to_string(),
        searched,
        hits: hits
            .iter()
            .map(|h| RecallHitView {
                lot_id: h.lot.id,
                lot: h.lot.lot_number.clone(),
                product: h.product.name.clone(),
                sku: h.product.sku.clone(),
                expiry: h.lot.expiry.to_string(),
                sessions: h
                    .sessions
                    .iter()
                    .map(|s| SessionRow::from_usage(s, h.product.unit.code(), &clocks))
                    .collect(),
            })
            .collect(),
        error,
    };
    render_status(status, &page)
}
