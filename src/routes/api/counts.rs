//! `GET /api/v1/counts` (the `/counts` page's overview: every location the
//! caller counts at, with its lots on hand and when it was last counted) and
//! `POST /api/v1/counts` (submitting a count sheet, as the page's form
//! does) — managers. Another site's location is 404 for a bound manager.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::movements::ledger_json;
use super::types::Page;
use super::types::{Qty, Time};
use super::{ApiJson, ApiResult, list, typed};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::counts::{self, CountDraft};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/counts", web::get().to(index))
        .route("/counts", web::post().to(submit));
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CountLocationOut {
    location_id: i64,
    site: String,
    location: String,
    name: String,
    lots_on_hand: i64,
    last_counted: Option<Time>,
}

#[utoipa::path(
    get,
    path = "/api/v1/counts",
    operation_id = "list_count_locations",
    tag = "stock",
    responses((status = 200, description = "Every location the caller counts at", body = Page<CountLocationOut>)),
)]
async fn index(state: web::Data<AppState>, user: ApiUser) -> ApiResult {
    user.require(Action::CountStock)?;
    let actor = user.0.clone();
    let items = state
        .run(move |conn| counts::overview(conn, &actor))
        .await?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    Ok(list(
        items
            .into_iter()
            .map(|c| CountLocationOut {
                location_id: c.location.id,
                site: c.site_code,
                location: c.location.code,
                name: c.location.name,
                lots_on_hand: c.lots_on_hand,
                last_counted: c.last_counted.map(Time),
            })
            .collect(),
        total,
    ))
}

/// One counted line: a line without `counted` is not counted (left alone).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct LineIn {
    #[serde(default)]
    lot_id: Option<i64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    counted: Option<serde_json::Number>,
}

/// `POST /api/v1/counts`: the count sheet's fields.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CountIn {
    location_id: i64,
    #[serde(default)]
    blind: bool,
    #[serde(default)]
    lines: Vec<LineIn>,
    /// The ledger position the sheet was drawn at (to report stock that
    /// moved meanwhile).
    #[serde(default)]
    sheet_at: Option<i64>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CountLineOut {
    lot_id: i64,
    lot: String,
    product_id: i64,
    sku: String,
    expected: Qty,
    counted: Qty,
    difference: Qty,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CountOut {
    id: i64,
    location_id: i64,
    location: String,
    site: String,
    blind: bool,
    lines_counted: i32,
    discrepancies: i32,
    moved_meanwhile: i64,
    /// The lines that differed (a line that matched books nothing).
    lines: Vec<CountLineOut>,
    /// The `count` ledger rows booked.
    ledger: Vec<super::types::movements::LedgerOut>,
}

#[utoipa::path(
    post,
    path = "/api/v1/counts",
    operation_id = "submit_count",
    tag = "stock",
    request_body = CountIn,
    responses((status = 201, description = "The count", body = CountOut)),
)]
async fn submit(state: web::Data<AppState>, user: ApiUser, body: ApiJson<Value>) -> ApiResult {
    user.require(Action::CountStock)?;
    let b: CountIn = typed(body.0)?;
    let draft = CountDraft {
        location_id: b.location_id,
        blind: b.blind,
        lines: b
            .lines
            .iter()
            .map(|l| {
                (
                    l.lot_id.map(|i| i.to_string()).unwrap_or_default(),
                    l.counted
                        .as_ref()
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        sheet_at: b.sheet_at.map(|s| s.to_string()),
        note: b.note,
    };
    let actor = user.0.clone();
    let (outcome, result) = state
        .run(move |conn| {
            let o = counts::submit(conn, &actor, &draft)?;
            let r = counts::result(conn, &actor, o.count_id)?;
            Ok((o, r))
        })
        .await?;
    Ok(HttpResponse::Created().json(CountOut {
        id: outcome.count_id,
        location_id: result.location.id,
        location: result.location.code,
        site: result.site.code,
        blind: result.count.blind,
        lines_counted: outcome.lines_counted,
        discrepancies: outcome.discrepancies,
        moved_meanwhile: outcome.moved_meanwhile,
        lines: result
            .lines
            .into_iter()
            .map(|l| CountLineOut {
                lot_id: l.lot.id,
                lot: l.lot.lot_number,
                product_id: l.product.id,
                sku: l.product.sku,
                expected: Qty(l.expected),
                counted: Qty(l.counted),
                difference: Qty(l.difference),
            })
            .collect(),
        ledger: result.rows.iter().map(ledger_json).collect(),
    }))
}
