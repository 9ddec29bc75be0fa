//! `GET /api/v1/alerts?site=` (managers): one site's alerts today at that
//! site (API.md "Alerts").

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::ApiResult;
use super::types::alerts::AlertsOut;
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::alerts;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/alerts", web::get().to(get));
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertsParams {
    site: Option<String>,
}

/// The site asked for; without `site`: the caller's own site, else the
/// default site.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    operation_id = "get_alerts",
    tag = "alerts",
    params(AlertsParams),
    responses((status = 200, description = "One site's alerts today", body = AlertsOut)),
)]
async fn get(state: web::Data<AppState>, user: ApiUser, q: web::Query<AlertsParams>) -> ApiResult {
    user.require(Action::ViewAlerts)?;
    let actor = user.0.clone();
    let code = q.into_inner().site;
    let a = state
        .run(move |conn| alerts::one(conn, &actor, code.as_deref(), crate::db::now()))
        .await?;
    Ok(HttpResponse::Ok().json(AlertsOut::from(&a)))
}
