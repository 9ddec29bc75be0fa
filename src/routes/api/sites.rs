//! `/api/v1/sites` and `/api/v1/locations`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::types::Page;
use super::types::sites::{LocationOut, NewLocationBody, NewSiteBody, SiteBody, SiteOut};
use super::{ApiError, ApiJson, ApiResult, PageParams, list};
use crate::app::AppState;
use crate::db::models::Site;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::sites::{self, SiteDraft};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sites", web::get().to(list_sites))
        .route("/sites", web::post().to(create_site))
        .route("/sites/{code}", web::get().to(get_site))
        .route("/sites/{code}", web::patch().to(update_site))
        .route("/locations", web::get().to(list_locations))
        .route("/locations", web::post().to(create_location));
}

pub fn site_json(s: &Site) -> SiteOut {
    SiteOut::from(s)
}

#[utoipa::path(
    get,
    path = "/api/v1/sites",
    operation_id = "list_sites",
    tag = "sites",
    params(PageParams),
    responses((status = 200, description = "A page of sites", body = Page<SiteOut>)),
)]
async fn list_sites(
    state: web::Data<AppState>,
    user: ApiUser,
    page: web::Query<PageParams>,
) -> ApiResult {
    user.require(Action::ViewSites)?;
    let actor = user.0.clone();
    let all = state.run(move |conn| sites::visible(conn, &actor)).await?;
    let total = all.len() as i64;
    let items = all
        .iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .map(site_json)
        .collect();
    Ok(list::<SiteOut>(items, total))
}

#[utoipa::path(
    post,
    path = "/api/v1/sites",
    operation_id = "create_site",
    tag = "sites",
    request_body = NewSiteBody,
    responses((status = 201, description = "The site", body = SiteOut)),
)]
async fn create_site(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageSites)?;
    let b: NewSiteBody = super::typed(body.0)?;
    let actor = user.0.clone();
    let draft = SiteDraft {
        name: Some(b.name),
        ..b.details.draft()
    };
    let site = state
        .run(move |conn| sites::create(conn, &actor, &b.code, &draft))
        .await
        .map_err(ApiError)?;
    Ok(HttpResponse::Created().json(site_json(&site)))
}

#[utoipa::path(
    get,
    path = "/api/v1/sites/{code}",
    operation_id = "get_site",
    tag = "sites",
    params(("code" = String, Path, description = "the site code")),
    responses((status = 200, description = "The site", body = SiteOut)),
)]
async fn get_site(state: web::Data<AppState>, user: ApiUser, code: web::Path<String>) -> ApiResult {
    user.require(Action::ViewSites)?;
    let code = code.into_inner();
    let actor = user.0.clone();
    let site = state
        .run(move |conn| sites::seen_by_code(conn, &actor, &code))
        .await?;
    Ok(HttpResponse::Ok().json(site_json(&site)))
}

/// `PATCH /api/v1/sites/{code}` (admin): any of name, time_zone, address,
/// phone, email, digest_time; `""` clears address, phone or e-mail.
#[utoipa::path(
    patch,
    path = "/api/v1/sites/{code}",
    operation_id = "update_site",
    tag = "sites",
    params(("code" = String, Path, description = "the site code")),
    request_body = SiteBody,
    responses((status = 200, description = "The site", body = SiteOut)),
)]
async fn update_site(
    state: web::Data<AppState>,
    user: ApiUser,
    code: web::Path<String>,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageSites)?;
    let draft = super::typed::<SiteBody>(body.0)?.draft();
    let actor = user.0.clone();
    let code = code.into_inner();
    let site = state
        .run(move |conn| sites::update(conn, &actor, &code, &draft))
        .await?;
    Ok(HttpResponse::Ok().json(site_json(&site)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocationQuery {
    site: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/locations",
    operation_id = "list_locations",
    tag = "sites",
    params(LocationQuery),
    responses((status = 200, description = "A page of locations", body = Page<LocationOut>)),
)]
async fn list_locations(
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<LocationQuery>,
) -> ApiResult {
    user.require(Action::ViewStock)?;
    let q = q.into_inner();
    let page = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let actor = user.0.clone();
    let all = state
        .run(move |conn| sites::locations_for(conn, &actor, Action::ViewStock, q.site.as_deref()))
        .await?;
    let total = all.len() as i64;
    let items = all
        .iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .map(|(l, s)| LocationOut::new(l, s))
        .collect();
    Ok(list::<LocationOut>(items, total))
}

#[utoipa::path(
    post,
    path = "/api/v1/locations",
    operation_id = "create_location",
    tag = "sites",
    request_body = NewLocationBody,
    responses((status = 201, description = "The location", body = LocationOut)),
)]
async fn create_location(
    state: web::Data<AppState>,
    user: ApiUser,
    body: ApiJson<serde_json::Value>,
) -> ApiResult {
    user.require(Action::ManageSites)?;
    let b: NewLocationBody = super::typed(body.0)?;
    let actor = user.0.clone();
    let (loc, site) = state
        .run(move |conn| sites::create_location(conn, &actor, &b.site, &b.code, &b.name))
        .await?;
    Ok(HttpResponse::Created().json(LocationOut::new(&loc, &site)))
}
