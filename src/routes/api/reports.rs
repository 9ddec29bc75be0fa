//! `/api/v1/reports/*` (reorder as JSON and CSV, usage as JSON) and the
//! purchase-order endpoints of `api::orders`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::types::reports::{ReorderOut, UsageOut};
use super::{ApiError, ApiResult};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::ApiUser;
use crate::services::reorder::{self, ReorderQuery};
use crate::services::usage::{self, UsageQuery};
use crate::views::{reports as reorder_view, usage_export};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/reorder", web::get().to(reorder_json))
        .route("/reports/reorder.csv", web::get().to(reorder_csv))
        .route("/reports/usage", web::get().to(usage_json))
        .route("/reports/usage.csv", web::get().to(usage_csv));
    super::orders::configure(cfg);
}

/// `?site=&as_of=&window=` (window also as `window_days`).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReorderParams {
    site: Option<String>,
    as_of: Option<String>,
    window: Option<String>,
    window_days: Option<String>,
}

impl ReorderParams {
    fn query(self) -> ReorderQuery {
        ReorderQuery {
            site: self.site,
            as_of: self.as_of,
            window: self.window.or(self.window_days),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/reorder",
    operation_id = "reorder_report",
    tag = "reports",
    params(ReorderParams),
    responses((status = 200, description = "The reorder report", body = ReorderOut)),
)]
async fn reorder_json(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<ReorderParams>,
) -> ApiResult {
    let report = reorder_report(&state, &user, q.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ReorderOut::from(&report)))
}

/// The reorder report the parameters ask for (to a user who may see reports).
async fn reorder_report(
    state: &AppState,
    user: &ApiUser,
    q: ReorderParams,
) -> Result<reorder::ReorderReport, ApiError> {
    user.require(Action::ViewReports)?;
    let actor = user.0.clone();
    let q = q.query();
    Ok(state
        .run(move |conn| reorder::run(conn, &actor, &q))
        .await?)
}

/// The usage report the parameters ask for (to a user who may see reports).
async fn usage_report(
    state: &AppState,
    user: &ApiUser,
    q: &UsageParams,
) -> Result<usage::UsageReport, ApiError> {
    user.require(Action::ViewReports)?;
    let actor = user.0.clone();
    let q = q.query();
    Ok(state.run(move |conn| usage::run(conn, &actor, &q)).await?)
}

fn csv_response(filename: &str, body: Vec<u8>) -> HttpResponse {
    crate::routes::reports::csv_response(filename, body)
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/reorder.csv",
    operation_id = "reorder_report_csv",
    tag = "reports",
    params(ReorderParams),
    responses((status = 200, description = "The reorder report as CSV", content_type = "text/csv", body = String)),
)]
async fn reorder_csv(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<ReorderParams>,
) -> ApiResult {
    let report = reorder_report(&state, &user, q.into_inner()).await?;
    let body = reorder_view::reorder_csv(&report)
        .map_err(|e| ApiError(ServiceError::Internal(format!("csv: {e}"))))?;
    Ok(csv_response(
        &format!(
            "reorder-{}-{}.csv",
            report.options.site.code, report.options.as_of
        ),
        body,
    ))
}

/// `?site=&from=&to=&product=&category=` (and `report=` for CSV).
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageParams {
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    product: Option<String>,
    product_id: Option<String>,
    category: Option<String>,
    report: Option<String>,
}

impl UsageParams {
    fn query(&self) -> UsageQuery {
        UsageQuery {
            site: self.site.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            product: self.product.clone().or(self.product_id.clone()),
            category: self.category.clone(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/usage",
    operation_id = "usage_report",
    tag = "reports",
    params(UsageParams),
    responses((status = 200, description = "The usage report", body = UsageOut)),
)]
async fn usage_json(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<UsageParams>,
) -> ApiResult {
    let report = usage_report(&state, &user, &q).await?;
    Ok(HttpResponse::Ok().json(UsageOut::from(&report)))
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/usage.csv",
    operation_id = "usage_report_csv",
    tag = "reports",
    params(UsageParams),
    responses((status = 200, description = "One table of the usage report as CSV", content_type = "text/csv", body = String)),
)]
async fn usage_csv(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<UsageParams>,
) -> ApiResult {
    user.require(Action::ViewReports)?;
    let params = q.into_inner();
    let which = params.report.clone().unwrap_or_else(|| "products".into());
    if !usage_export::CSV_REPORTS.iter().any(|(k, _)| *k == which) {
        let names: Vec<&str> = usage_export::CSV_REPORTS.iter().map(|(k, _)| *k).collect();
        return Err(ApiError(ServiceError::invalid(
            "report",
            format!("one of {}", names.join(", ")),
        )));
    }
    let report = usage_report(&state, &user, &params).await?;
    let body = usage_export::usage_csv(&report, &which)
        .unwrap_or_else(|| Ok(Vec::new()))
        .map_err(|e| ApiError(ServiceError::Internal(format!("csv: {e}"))))?;
    let o = &report.options;
    Ok(csv_response(
        &format!("usage-{which}-{}-{}-{}.csv", o.site.code, o.from, o.to),
        body,
    ))
}
