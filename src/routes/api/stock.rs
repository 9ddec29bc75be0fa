//! `POST /api/v1/receipts` and `GET /api/v1/stock`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::products::product_filter;
use super::types::Page;
use super::types::stock::{ReceiveBody, ReceivedLotOut, StockOut};
use super::{ApiJson, ApiResult, list};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::{ApiUser, BearerToken};
use crate::services::receiving;
use crate::services::{scope, stock};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/receipts", web::post().to(receive))
        .route("/stock", web::get().to(stock_list));
}

#[utoipa::path(
    post,
    path = "/api/v1/receipts",
    operation_id = "receive_stock",
    tag = "stock",
    request_body = ReceiveBody,
    responses((status = 201, description = "The lot received", body = ReceivedLotOut)),
)]
async fn receive(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ReceiveStock)?;
    let draft = super::typed::<ReceiveBody>(body.0)?.draft();
    let actor = user.0.clone();
    let r = state
        .run(move |conn| receiving::receive(conn, &actor, &draft))
        .await?;
    Ok(HttpResponse::Created().json(ReceivedLotOut::from(&r)))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockQuery {
    site: Option<String>,
    product_id: Option<i64>,
    category: Option<String>,
    needle_length_mm: Option<String>,
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/stock",
    operation_id = "list_stock",
    tag = "stock",
    params(StockQuery),
    responses((status = 200, description = "Stock per product", body = Page<StockOut>)),
)]
async fn stock_list(state: web::Data<AppState>, token: BearerToken, req: HttpRequest) -> ApiResult {
    // One blocking hop: the token is resolved on the connection that reads
    // the stock. Refusals keep their order: 401, 403, then the query's own
    // problems (so the query string is parsed here, not by an extractor).
    let query = crate::routes::input::api_query::<StockQuery>(&req);
    let (items, total) = state
        .run(move |conn| {
            let (actor, _) = token.resolve(conn)?;
            actor.require(Action::ViewStock)?;
            let q = query?;
            let page = super::PageParams {
                limit: q.limit,
                offset: q.offset,
            };
            let mut filter =
                product_filter(q.q, q.category, q.needle_length_mm, None, None).map_err(|e| e.0)?;
            if let Some(id) = q.product_id {
                filter.ids = Some(vec![id]);
                filter.archived = Some(false);
            }
            let site = scope::one_site(conn, &actor, Action::ViewStock, q.site.as_deref())?;
            stock::stock(conn, &site, &filter, page.limit(), page.offset())
        })
        .await?;
    let items: Vec<StockOut> = items.iter().map(StockOut::new).collect();
    Ok(list(items, total))
}
