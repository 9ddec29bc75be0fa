//! `POST /api/v1/receipts` and `GET /api/v1/stock`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::body::Fields;
use super::products::product_filter;
use super::{ApiJson, ApiResult, list};
use crate::app::AppState;
use crate::domain::Quantity;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::receiving::{self, ReceiveDraft};
use crate::services::{scope, stock};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/receipts", web::post().to(receive))
        .route("/stock", web::get().to(stock_list));
}

async fn receive(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ReceiveStock)?;
    let f = Fields::of(&body.0)?;
    let draft = ReceiveDraft {
        site: f.text("site")?,
        location: f.text("location")?,
        product_id: f.text("product_id")?,
        gtin: f.text("gtin")?,
        gs1: f.text("gs1")?,
        lot: f.text("lot")?,
        expiry: f.text("expiry")?,
        quantity: f.text("quantity")?,
        quantity_in: f.text("quantity_in")?,
        unit_cost_cents: f.text("unit_cost_cents")?,
        unit_cost: None,
        received_at: f.text("received_at")?,
        note: f.text("note")?,
    };
    let actor = user.0.clone();
    let r = state
        .run(move |conn| receiving::receive(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "receipt_id": r.receipt_id,
        "lot_id": r.lot_id,
        "product_id": r.product.id,
        "lot": r.lot,
        "expiry": r.expiry.to_string(),
        "location": r.location_code,
        "quantity": Quantity(r.quantity).to_json(),
    })))
}

#[derive(Deserialize, Default)]
pub struct StockQuery {
    site: Option<String>,
    product_id: Option<i64>,
    category: Option<String>,
    needle_length_mm: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn stock_list(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<StockQuery>,
) -> ApiResult {
    user.require(Action::ViewStock)?;
    let q = q.into_inner();
    let page = super::PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let mut filter = product_filter(q.q, q.category, q.needle_length_mm, None, None)?;
    if let Some(id) = q.product_id {
        filter.ids = Some(vec![id]);
        filter.archived = Some(false);
    }
    let actor = user.0.clone();
    let site_code = q.site;
    let (items, total) = state
        .run(move |conn| {
            let site = scope::one_site(conn, &actor, Action::ViewStock, site_code.as_deref())?;
            stock::stock(conn, &site, &filter, page.limit(), page.offset())
        })
        .await?;
    let items: Vec<StockOut> = items.iter().map(StockOut::new).collect();
    Ok(list(items, total))
}

/// A quantity as a JSON number: whole values as integers, others with their
/// (at most 3) decimals, exactly as `Quantity::to_json` writes them.
struct Qty(i64);

impl serde::Serialize for Qty {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Quantity(self.0).to_json().serialize(s)
    }
}

/// One product of `GET /api/v1/stock` (typed rather than built as a
/// `serde_json::Value`: this list is the API's hottest response).
#[derive(serde::Serialize)]
struct StockOut<'a> {
    product_id: i64,
    sku: &'a str,
    name: &'a str,
    category: &'a str,
    unit: &'a str,
    usable: Qty,
    expired: Qty,
    quarantined: Qty,
    lots: Vec<LotOut<'a>>,
}

#[derive(serde::Serialize)]
struct LotOut<'a> {
    lot_id: i64,
    lot: &'a str,
    expiry: chrono::NaiveDate,
    use_by: chrono::NaiveDate,
    location: &'a str,
    quantity: Qty,
    expired: bool,
    quarantined: bool,
}

impl<'a> StockOut<'a> {
    fn new(s: &'a stock::ProductStock) -> StockOut<'a> {
        StockOut {
            product_id: s.product.id,
            sku: &s.product.sku,
            name: &s.product.name,
            category: &s.product.category,
            unit: &s.product.unit,
            usable: Qty(s.usable),
            expired: Qty(s.expired),
            quarantined: Qty(s.quarantined),
            lots: s
                .lots
                .iter()
                .map(|l| LotOut {
                    lot_id: l.lot_id,
                    lot: &l.lot,
                    expiry: l.expiry,
                    use_by: l.use_by,
                    location: &l.location,
                    quantity: Qty(l.quantity),
                    expired: l.expired,
                    quarantined: l.quarantined,
                })
                .collect(),
        }
    }
}
