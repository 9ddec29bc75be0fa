//! The audit log page `/admin/audit` (filters, pages), its CSV
//! `/admin/audit.csv`, and the user page `/admin/users/{id}` with the
//! user's details, tokens and history (admins).

use crate::domain::page::PageStart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::pages::{PageError, Posted, flash_redirect, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::vocab::Role;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::audit::{self, AuditQuery};
use crate::services::{profile, sites, users};
use crate::views::Frame;
use crate::views::audit::{AuditFilterValues, AuditLine, AuditPage, UserPage, UserToken};
use crate::views::form::FieldErrors;
use crate::views::pager::Pager;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/audit", web::get().to(audit_page))
        .route("/admin/audit.csv", web::get().to(audit_csv))
        .route("/admin/users/{id}", web::get().to(user_page))
        .route("/admin/users/{id}/role", web::post().to(change_role))
        .route("/admin/users/{id}/details", web::post().to(change_details));
}

/// The filters without empty values and without the page, as (name, value).
fn params(q: &AuditQuery) -> Vec<(&'static str, String)> {
    let v = |o: &Option<String>| o.clone().unwrap_or_default().trim().to_string();
    vec![
        ("entity", v(&q.entity)),
        ("entity_id", v(&q.entity_id)),
        ("actor", v(&q.actor)),
        ("action", v(&q.action)),
        ("from", v(&q.from)),
        ("to", v(&q.to)),
    ]
}

async fn audit_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewAudit)?;
    let q = q.into_inner();
    let actor = user.actor.clone();
    let query = q.clone();
    let page = audit::page_number(&q);
    let (clock, result) = state
        .run(move |conn| {
            let clock = sites::clocks(conn, &actor)?.reader();
            Ok((
                clock,
                audit::filter(conn, &query).and_then(|f| {
                    let offset = Pager::offset(page, audit::PAGE_SIZE);
                    audit::list(
                        conn,
                        &actor,
                        &f,
                        audit::PAGE_SIZE,
                        PageStart::Offset(offset),
                    )
                }),
            ))
        })
        .await?;
    let params = params(&q);
    let (status, rows, total, error) = match result {
        Ok((entries, total)) => (
            StatusCode::OK,
            AuditLine::lines(&entries, clock),
            total,
            None,
        ),
        Err(e @ ServiceError::Invalid { .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            0,
            Some(e.page_message()),
        ),
        Err(e) => return Err(e.into()),
    };
    render_status(
        status,
        &AuditPage {
            frame: Frame::new(&user, "Audit log", "/admin/audit"),
            q: AuditFilterValues::from_query(&q),
            entities: audit::ENTITIES.to_vec(),
            rows,
            pager: Pager::new(
                "/admin/audit",
                &params,
                "page",
                page,
                audit::PAGE_SIZE,
                total,
            ),
            query_string: crate::views::pager::query_string(&params),
            error,
        },
    )
}

/// Streams the filtered log as CSV, newest first, one keyset chunk per
/// database round trip; every cell through `csv_cell` (no formulas).
async fn audit_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewAudit)?;
    let q = q.into_inner();
    let actor = user.actor.clone();
    let (filter, header) = state
        .run(move |conn| Ok((audit::filter(conn, &q)?, audit::csv_header()?)))
        .await?;
    Ok(super::csv_download::keyset_csv(
        state.into_inner(),
        "audit.csv",
        header,
        move |conn, before| audit::csv_chunk(conn, &actor, &filter, before),
    ))
}

async fn user_page(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageUsers)?;
    show_user(&state, &user, id.into_inner(), StatusCode::OK, None).await
}

/// The user page; `typed`: a refused details form (values and problems).
async fn show_user(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    status: StatusCode,
    typed: Option<(DetailsForm, FieldErrors)>,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let (d, site_list, clock) = state
        .run(move |conn| {
            Ok((
                users::user_detail(conn, &actor, id)?,
                sites::list(conn)?,
                sites::clocks(conn, &actor)?.reader(),
            ))
        })
        .await?;
    let now = crate::db::now();
    let u = &d.user;
    let (details, details_errors) = typed.unwrap_or_else(|| {
        let form = DetailsForm {
            display_name: u.display_name.clone().unwrap_or_default(),
            email: u.email.clone().unwrap_or_default(),
        };
        (form, FieldErrors::none())
    });
    render_status(
        status,
        &UserPage {
            frame: Frame::new(user, format!("User {}", u.username), "/admin/users"),
            id: u.id,
            username: u.username.clone(),
            shown_name: u.shown_name().to_string(),
            stored_email: u.email.clone().unwrap_or_default(),
            role: u.role.label().to_string(),
            role_code: u.role.code().to_string(),
            site_code: d.site.clone().unwrap_or_default(),
            roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
            sites: site_list.into_iter().map(|s| (s.code, s.name)).collect(),
            is_self: u.id == user.actor.user_id,
            site: d.site.clone().unwrap_or_else(|| "all sites".into()),
            active: u.active,
            created: clock.format(u.created_at),
            digest_enabled: u.digest_enabled,
            display_name: details.display_name,
            email: details.email,
            details_errors,
            tokens: d
                .tokens
                .iter()
                .map(|t| UserToken {
                    id: t.id,
                    name: t.name.clone(),
                    created: clock.format(t.created_at),
                    last_used: t
                        .last_used_at
                        .map(|t| clock.format(t))
                        .unwrap_or_else(|| "never".into()),
                    status: t.status(now),
                })
                .collect(),
            audit_history: AuditLine::lines(&d.history, clock),
        },
    )
}

/// A record's own audit rows for its page: None when the viewer may not
/// read the audit log (the section is not shown).
pub async fn history_of(
    state: &AppState,
    user: &CurrentUser,
    entity: &'static str,
    id: i64,
) -> Result<Option<Vec<AuditLine>>, PageError> {
    if !user.may(Action::ViewAudit) {
        return Ok(None);
    }
    let actor = user.actor.clone();
    let (entries, clock) = state
        .run(move |conn| {
            Ok((
                audit::history(conn, &actor, entity, id, users::HISTORY_ROWS)?,
                sites::clocks(conn, &actor)?.reader(),
            ))
        })
        .await?;
    Ok(Some(AuditLine::lines(&entries, clock)))
}

#[derive(serde::Deserialize, Default)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    site: String,
}

/// Changes a user's role and site from the user page (303 back to it with
/// a flash saying what happened).
async fn change_role(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<RoleForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageUsers)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let draft = users::RoleDraft {
        role: form.role,
        site: form.site,
    };
    let back = format!("/admin/users/{id}");
    match state
        .run(move |conn| users::set_role(conn, &actor, id, &draft))
        .await
    {
        Ok(u) => {
            let message = format!("{} is now {}.", u.username, u.role.code());
            flash_redirect(&state, &user, &back, message).await
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            let message = format!("Role not changed: {}", e.page_message());
            flash_redirect(&state, &user, &back, message).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct DetailsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
}

/// An admin sets a user's display name and e-mail address (303 back with
/// a flash; bad input: the page again with the field errors, nothing saved).
async fn change_details(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<DetailsForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageUsers)?;
    let id = id.into_inner();
    let actor = user.actor.clone();
    let draft = profile::ProfileDraft {
        display_name: form.display_name.clone(),
        email: form.email.clone(),
        digest_enabled: None,
    };
    match state
        .run(move |conn| profile::set_details(conn, &actor, id, &draft))
        .await
    {
        Ok(u) => {
            let message = format!("Details of {} saved.", u.username);
            flash_redirect(&state, &user, &format!("/admin/users/{id}"), message).await
        }
        Err(e @ ServiceError::Invalid { .. }) => {
            let errors = FieldErrors::from_refusal(&e, "display_name");
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            show_user(&state, &user, id, status, Some((form, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}
