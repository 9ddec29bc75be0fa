//! `/api/v1/sites` and `/api/v1/locations`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{ApiError, ApiJson, ApiResult, PageParams, list};
use crate::app::AppState;
use crate::db::models::{Location, Site};
use crate::domain::vocab::Role;
use crate::routes::extract::ApiUser;
use crate::services::sites;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites", web::get().to(list_sites))
        .route("/sites", web::post().to(create_site))
        .route("/locations", web::get().to(list_locations))
        .route("/locations", web::post().to(create_location));
}

fn site_json(s: &Site) -> serde_json::Value {
    serde_json::json!({"id": s.id, "code": s.code, "name": s.name})
}

fn location_json(l: &Location, site: &str) -> serde_json::Value {
    serde_json::json!({"id": l.id, "site": site, "code": l.code, "name": l.name})
}

async fn list_sites(
    state: web::Data<AppState>,
    user: ApiUser,
    page: web::Query<PageParams>,
) -> ApiResult {
    user.require(Role::Practitioner)?;
    let all = state.run(sites::list).await?;
    let total = all.len() as i64;
    let items = all
        .iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .map(site_json)
        .collect();
    Ok(list::<serde_json::Value>(items, total))
}

#[derive(Deserialize)]
pub struct NewSite {
    code: String,
    name: String,
}

async fn create_site(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<NewSite>,
) -> ApiResult {
    user.require(Role::Admin)?;
    let actor = user.0.clone();
    let b = body.0;
    let site = state
        .run(move |conn| sites::create_site(conn, &actor, &b.code, &b.name))
        .await
        .map_err(ApiError)?;
    Ok(HttpResponse::Created().json(site_json(&site)))
}

#[derive(Deserialize)]
pub struct LocationQuery {
    site: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list_locations(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<LocationQuery>,
) -> ApiResult {
    user.require(Role::Practitioner)?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let all = state
        .run(move |conn| sites::locations(conn, q.site.as_deref()))
        .await?;
    let total = all.len() as i64;
    let items = all
        .iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .map(|(l, s)| location_json(l, s))
        .collect();
    Ok(list::<serde_json::Value>(items, total))
}

#[derive(Deserialize)]
pub struct NewLocation {
    site: String,
    code: String,
    name: String,
}

async fn create_location(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<NewLocation>,
) -> ApiResult {
    user.require(Role::Admin)?;
    let actor = user.0.clone();
    let b = body.0;
    let (loc, site) = state
        .run(move |conn| sites::create_location(conn, &actor, &b.site, &b.code, &b.name))
        .await?;
    Ok(HttpResponse::Created().json(location_json(&loc, &site)))
}
