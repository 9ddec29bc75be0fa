//! The reorder report: page, CSV, print view, and "Create purchase orders"
//! from its ticked rows. Usage and waste reports are in `routes::usage`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render, render_status, urlencode};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::services::orders::{self, Pick};
use crate::services::reorder::{self, ReorderQuery, ReorderReport, RowStatus};
use crate::services::scope;
use crate::services::settings::{self, Settings};
use crate::views::Frame;
use crate::views::reports::{self as view, PickForm, ReorderPage, ReorderPrint};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/reorder", web::get().to(page))
        .route("/reports/reorder.csv", web::get().to(csv))
        .route("/reports/reorder/print", web::get().to(print))
        .route("/reports/reorder/orders", web::post().to(create_orders));
    super::usage::configure(cfg);
}

/// `?site=&as_of=&window=`
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ReorderParams {
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    window: Option<String>,
}

impl ReorderParams {
    fn query(&self) -> ReorderQuery {
        ReorderQuery {
            site: self.site.clone(),
            as_of: self.as_of.clone(),
            window: self.window.clone(),
        }
    }
}

/// `site=…&as_of=…&window=…` of a report, for its CSV and print links.
pub fn report_query(r: &ReorderReport) -> String {
    format!(
        "site={}&as_of={}&window={}",
        urlencode(&r.options.site.code),
        r.options.as_of,
        r.options.window_days
    )
}

/// Computes the report; bad filters come back as field errors with the
/// report for the defaults (same site), so the page can still show.
async fn report_or_defaults(
    state: &AppState,
    user: &CurrentUser,
    params: &ReorderParams,
) -> Result<(ReorderReport, Settings, Vec<FieldError>), PageError> {
    let actor = user.actor.clone();
    let q = params.query();
    Ok(state
        .run(move |conn| {
            let settings = settings::load(conn)?;
            match reorder::run(conn, &actor, &q) {
                Ok(r) => Ok((r, settings, Vec::new())),
                Err(ServiceError::Invalid { errors, .. }) => {
                    let fallback = ReorderQuery {
                        site: q.site.clone(),
                        ..ReorderQuery::default()
                    };
                    let r = reorder::run(conn, &actor, &fallback)?;
                    Ok((r, settings, errors))
                }
                Err(e) => Err(e),
            }
        })
        .await?)
}

async fn render_page(
    state: &AppState,
    user: &CurrentUser,
    params: &ReorderParams,
    form: Option<PickForm>,
) -> Result<HttpResponse, PageError> {
    let (report, settings, filter_errors) = report_or_defaults(state, user, params).await?;
    let actor = user.actor.clone();
    let site_list = state
        .run(move |conn| scope::visible_sites(conn, &actor, Action::ViewReports))
        .await?;
    let typed = |v: &Option<String>, default: String| {
        v.clone()
            .filter(|s| !s.trim().is_empty() && !filter_errors.is_empty())
            .unwrap_or(default)
    };
    let form_errors: Vec<String> = form
        .as_ref()
        .map(|f| {
            f.errors
                .iter()
                .filter(|e| !e.field.starts_with("packs_") && !e.field.starts_with("pick_"))
                .map(|e| e.message.clone())
                .chain(
                    (!f.errors.is_empty())
                        .then(|| "Nothing was created; see the marked rows.".to_string()),
                )
                .collect()
        })
        .unwrap_or_default();
    let status = if filter_errors.is_empty() && form.as_ref().is_none_or(|f| f.errors.is_empty()) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let o = &report.options;
    let page = ReorderPage {
        frame: Frame::new(user, "Reorder", "/reports/reorder"),
        sites: site_list.into_iter().map(|s| (s.code, s.name)).collect(),
        site: o.site.code.clone(),
        as_of: typed(&params.as_of, o.as_of.to_string()),
        window: typed(&params.window, o.window_days.to_string()),
        safety_days: o.safety_days,
        cover_days: o.cover_days,
        currency: settings.currency.clone(),
        groups: view::group_views(&report, form.as_ref()),
        total: crate::domain::quantity::fmt_money(report.order_cost_cents()),
        order_count: report
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Order)
            .count(),
        watch_count: report
            .rows
            .iter()
            .filter(|r| r.status == RowStatus::Watch)
            .count(),
        product_count: report.rows.len(),
        query: report_query(&report),
        filter_errors: filter_errors.into(),
        form_errors,
    };
    render_status(status, &page)
}

async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<ReorderParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewReports)?;
    render_page(&state, &user, &params.into_inner(), None).await
}

/// A CSV download with a file name.
pub fn csv_response(filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body)
}

async fn csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<ReorderParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewReports)?;
    let actor = user.actor.clone();
    let q = params.into_inner().query();
    let report = state
        .run(move |conn| reorder::run(conn, &actor, &q))
        .await?;
    let body =
        view::reorder_csv(&report).map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
    Ok(csv_response(
        &format!(
            "reorder-{}-{}.csv",
            report.options.site.code, report.options.as_of
        ),
        body,
    ))
}

async fn print(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<ReorderParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewReports)?;
    let actor = user.actor.clone();
    let q = params.into_inner().query();
    let (report, settings) = state
        .run(move |conn| {
            let settings = settings::load(conn)?;
            Ok((reorder::run(conn, &actor, &q)?, settings))
        })
        .await?;
    let o = &report.options;
    let page = ReorderPrint {
        title: format!("Reorder {} {}", o.site.code, o.as_of),
        clinic: settings.clinic_name.clone(),
        site: format!("{} ({})", o.site.name, o.site.code),
        as_of: o.as_of.to_string(),
        window: o.window_days,
        safety_days: o.safety_days,
        cover_days: o.cover_days,
        currency: settings.currency.clone(),
        groups: view::group_views(&report, None),
        total: crate::domain::quantity::fmt_money(report.order_cost_cents()),
        printed: o.site.clock().format(crate::db::now()),
        query: report_query(&report),
    };
    render(&page)
}

/// The "Create purchase orders" form: every field as (name, value).
async fn create_orders(
    state: web::Data<AppState>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOrders)?;
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.trim().is_empty())
    };
    let params = ReorderParams {
        site: field("site"),
        as_of: field("as_of"),
        window: field("window"),
    };
    let mut pick_form = PickForm::default();
    for (k, v) in &form {
        if k == "pick"
            && let Ok(id) = v.trim().parse::<i64>()
        {
            pick_form.picked.insert(id);
        } else if let Some(id) = k.strip_prefix("packs_").and_then(|i| i.parse::<i64>().ok()) {
            pick_form.packs.insert(id, v.clone());
        }
    }
    let mut picked: Vec<i64> = pick_form.picked.iter().copied().collect();
    picked.sort_unstable();
    let picks: Vec<Pick> = picked
        .into_iter()
        .map(|id| Pick {
            product_id: id,
            packs: pick_form.packs.get(&id).cloned(),
        })
        .collect();
    let actor = user.actor.clone();
    let q = params.query();
    match state
        .run(move |conn| orders::drafts_from_reorder_new_only(conn, &actor, &q, &picks))
        .await
    {
        Ok(done) => {
            let target = match done.created.as_slice() {
                [one] => format!("/orders/{}", one.order.id),
                _ => "/orders?status=draft".to_string(),
            };
            flash_redirect(&state, &user, &target, drafted_message(&done)).await
        }
        Err(ServiceError::Invalid { errors, .. }) => {
            pick_form.errors = errors.into();
            render_page(&state, &user, &params, Some(pick_form)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The flash after "Create purchase orders": what was created, and the
/// ticked products left out because a draft already has them.
fn drafted_message(done: &orders::ReorderDrafts) -> String {
    let created = &done.created;
    let names: Vec<String> = created
        .iter()
        .map(|o| format!("{} ({})", o.number(), o.supplier.name))
        .collect();
    let skipped: Vec<String> = done
        .skipped
        .iter()
        .map(|s| format!("{} (in {})", s.sku, s.order))
        .collect();
    let mut msg = if created.is_empty() {
        "Nothing new was drafted.".to_string()
    } else {
        format!(
            "Created {} draft order{}: {}. Review, then send.",
            created.len(),
            if created.len() == 1 { "" } else { "s" },
            names.join(", ")
        )
    };
    if !skipped.is_empty() {
        msg.push_str(&format!(
            " Already in a draft order, so left out: {}; change the packs on that draft instead.",
            skipped.join(", ")
        ));
    }
    msg
}
