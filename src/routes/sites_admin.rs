//! Admin pages for sites and locations (`/admin/sites`: list, add site,
//! add location, rename) and installation settings (`/admin/settings`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::settings::{self, SettingsDraft};
use crate::services::sites::{self, SiteDraft};
use crate::views::Frame;
use crate::views::form::FieldErrors;
use crate::views::sites_admin::{
    CodeNameValues, LocationLine, NewSiteValues, SettingsPage, SettingsValues, SiteBlock, SitePage,
    SiteValues, SitesPage, zone_choices,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/sites", web::get().to(sites_page))
        .route("/admin/sites", web::post().to(add_site))
        .route("/admin/sites/{id}/rename", web::post().to(rename_site))
        .route("/admin/sites/{code}", web::get().to(site_page))
        .route("/admin/sites/{code}", web::post().to(save_site))
        .route(
            "/admin/sites/{code}/locations",
            web::post().to(add_location),
        )
        .route(
            "/admin/locations/{id}/rename",
            web::post().to(rename_location),
        )
        .route("/admin/settings", web::get().to(settings_page))
        .route("/admin/settings", web::post().to(save_settings));
}

/// Which add form came back, with its values and errors.
enum Returned {
    Nothing,
    Site(NewSiteValues, FieldErrors),
    Location(String, CodeNameValues, FieldErrors),
}

async fn render_sites(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    returned: Returned,
) -> Result<HttpResponse, PageError> {
    let (list, locations) = state
        .run(|conn| Ok((sites::list(conn)?, sites::locations(conn, None)?)))
        .await?;
    let now = crate::db::now();
    let default_zone = list
        .iter()
        .find(|s| s.code == crate::services::bootstrap::DEFAULT_SITE)
        .or(list.first())
        .map(|s| s.time_zone.clone())
        .unwrap_or_else(|| "UTC".into());
    let blocks = list
        .iter()
        .map(|s| SiteBlock {
            id: s.id,
            code: s.code.clone(),
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            local_now: s.clock().format(now),
            digest_time: s.digest_time.clone(),
            contact: [
                s.address.as_deref().map(|a| a.replace('\n', ", ")),
                s.phone.clone(),
                s.email.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
            locations: locations
                .iter()
                .filter(|(l, _)| l.site_id == s.id)
                .map(|(l, _)| LocationLine {
                    id: l.id,
                    code: l.code.clone(),
                    name: l.name.clone(),
                })
                .collect(),
        })
        .collect();
    let mut page = SitesPage {
        frame: Frame::new(user, "Sites and locations", "/admin/sites"),
        sites: blocks,
        site_form: NewSiteValues::default(),
        zones: zone_choices(&default_zone),
        site_errors: FieldErrors::none(),
        location_site: String::new(),
        location_form: CodeNameValues::default(),
        location_errors: FieldErrors::none(),
    };
    match returned {
        Returned::Nothing => {}
        Returned::Site(v, e) => {
            page.zones = zone_choices(&v.time_zone);
            page.site_form = v;
            page.site_errors = e;
        }
        Returned::Location(site, v, e) => {
            page.location_site = site;
            page.location_form = v;
            page.location_errors = e;
        }
    }
    render_status(status, &page)
}

fn refusal(e: ServiceError, fallback: &str) -> Result<(StatusCode, FieldErrors), PageError> {
    match e {
        ServiceError::Invalid { .. } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::from_refusal(&e, fallback),
        )),
        ServiceError::Conflict { .. } => Ok((
            StatusCode::CONFLICT,
            FieldErrors::from_refusal(&e, fallback),
        )),
        other => Err(other.into()),
    }
}

async fn sites_page(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageSites)?;
    render_sites(&state, &user, StatusCode::OK, Returned::Nothing).await
}

async fn add_site(
    state: web::Data<AppState>,
    posted: Posted<NewSiteValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSites)?;
    let actor = user.actor.clone();
    let code = form.code.clone();
    let draft = SiteDraft {
        name: Some(form.name.clone()),
        // Left out: the default site's zone.
        time_zone: Some(form.time_zone.clone()).filter(|z| !z.trim().is_empty()),
        ..SiteDraft::default()
    };
    match state
        .run(move |conn| sites::create_site_with_store(conn, &actor, &code, &draft))
        .await
    {
        Ok(s) => {
            flash_redirect(
                &state,
                &user,
                "/admin/sites",
                format!("Site {} ({}) added with a store room.", s.name, s.code),
            )
            .await
        }
        Err(e) => {
            let (status, errors) = refusal(e, "code")?;
            render_sites(&state, &user, status, Returned::Site(form, errors)).await
        }
    }
}

async fn add_location(
    state: web::Data<AppState>,
    site: web::Path<String>,
    posted: Posted<CodeNameValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSites)?;
    let site = site.into_inner();
    let actor = user.actor.clone();
    let (s, code, name) = (site.clone(), form.code.clone(), form.name.clone());
    match state
        .run(move |conn| sites::create_location(conn, &actor, &s, &code, &name))
        .await
    {
        Ok((l, site_code)) => {
            flash_redirect(
                &state,
                &user,
                "/admin/sites",
                format!("Location {} ({}) added to {site_code}.", l.name, l.code),
            )
            .await
        }
        Err(e) => {
            let (status, errors) = refusal(e, "code")?;
            render_sites(
                &state,
                &user,
                status,
                Returned::Location(site, form, errors),
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NameForm {
    #[serde(default)]
    name: String,
}

async fn rename_site(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NameForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSites)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let msg = match state
        .run(move |conn| sites::rename_site(conn, &actor, id, &form.name))
        .await
    {
        Ok(s) => format!("Site {} is now called {}.", s.code, s.name),
        Err(e @ ServiceError::Invalid { .. }) => format!("Not renamed: {}", e.page_message()),
        Err(e) => return Err(e.into()),
    };
    flash_redirect(&state, &user, "/admin/sites", msg).await
}

async fn rename_location(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NameForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSites)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let msg = match state
        .run(move |conn| sites::rename_location(conn, &actor, id, &form.name))
        .await
    {
        Ok(l) => format!("Location {} is now called {}.", l.code, l.name),
        Err(e @ ServiceError::Invalid { .. }) => format!("Not renamed: {}", e.page_message()),
        Err(e) => return Err(e.into()),
    };
    flash_redirect(&state, &user, "/admin/sites", msg).await
}

fn site_form_page(
    user: &CurrentUser,
    code: String,
    v: SiteValues,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let zones = zone_choices(&v.time_zone);
    render_status(
        status,
        &SitePage {
            frame: Frame::new(user, format!("Site {code}"), "/admin/sites"),
            code,
            v,
            zones,
            errors,
            mail_ready: false,
        },
    )
}

async fn site_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    code: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageSites)?;
    let code = code.into_inner();
    let c = code.clone();
    let site = state.run(move |conn| sites::by_code(conn, &c)).await?;
    site_form_page(
        &user,
        code,
        SiteValues::of(&site),
        FieldErrors::none(),
        StatusCode::OK,
    )
}

async fn save_site(
    state: web::Data<AppState>,
    code: web::Path<String>,
    posted: Posted<SiteValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSites)?;
    let code = code.into_inner();
    let actor = user.actor.clone();
    let draft = SiteDraft {
        name: Some(form.name.clone()),
        time_zone: Some(form.time_zone.clone()),
        address: Some(form.address.clone()),
        phone: Some(form.phone.clone()),
        email: Some(form.email.clone()),
        digest_time: Some(form.digest_time.clone()),
    };
    let c = code.clone();
    match state
        .run(move |conn| sites::update(conn, &actor, &c, &draft))
        .await
    {
        Ok(s) => {
            flash_redirect(
                &state,
                &user,
                "/admin/sites",
                format!("Site {} saved ({}).", s.name, s.time_zone),
            )
            .await
        }
        Err(e @ ServiceError::Invalid { .. }) => site_form_page(
            &user,
            code,
            form,
            FieldErrors::from_refusal(&e, "name"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}

async fn settings_page(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageSettings)?;
    let s = state.run(settings::load).await?;
    let v = SettingsValues {
        clinic_name: s.clinic_name,
        currency: s.currency,
        expiring_window_days: s.expiring_window_days.to_string(),
        safety_days: s.safety_days.to_string(),
        cover_days: s.cover_days.to_string(),
        gs1_separator: s.gs1_separator.map(|c| c.to_string()).unwrap_or_default(),
        session_idle_minutes: s.session_idle_minutes.to_string(),
        session_max_hours: s.session_max_hours.to_string(),
    };
    render_status(
        StatusCode::OK,
        &SettingsPage {
            frame: Frame::new(&user, "Settings", "/admin/settings"),
            v,
            errors: FieldErrors::none(),
        },
    )
}

async fn save_settings(
    state: web::Data<AppState>,
    posted: Posted<SettingsValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageSettings)?;
    let actor = user.actor.clone();
    let draft = SettingsDraft {
        clinic_name: form.clinic_name.clone(),
        currency: form.currency.clone(),
        expiring_window_days: form.expiring_window_days.clone(),
        safety_days: form.safety_days.clone(),
        cover_days: form.cover_days.clone(),
        gs1_separator: form.gs1_separator.clone(),
        session_idle_minutes: form.session_idle_minutes.clone(),
        session_max_hours: form.session_max_hours.clone(),
    };
    match state
        .run(move |conn| settings::save(conn, &actor, &draft))
        .await
    {
        Ok(_) => flash_redirect(&state, &user, "/admin/settings", "Settings saved.").await,
        Err(e @ ServiceError::Invalid { .. }) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SettingsPage {
                frame: Frame::new(&user, "Settings", "/admin/settings"),
                v: form,
                errors: FieldErrors::from_refusal(&e, "clinic_name"),
            },
        ),
        Err(e) => Err(e.into()),
    }
}
