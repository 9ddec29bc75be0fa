//! The usage and waste report page and its CSV downloads.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, render_status, urlencode};
use super::reports::csv_response;
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::quantity::fmt_money;
use crate::domain::vocab::Category;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::services::settings;
use crate::services::usage::{self, ChartSubject, UsageQuery, UsageReport};
use crate::views::Frame;
use crate::views::usage::{self as view, GroupRow, UsagePage};
use crate::views::usage_export;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/usage", web::get().to(page))
        .route("/reports/usage.csv", web::get().to(csv));
}

/// `?site=&from=&to=&product=&category=` (and `report=` for CSV).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct UsageParams {
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    report: Option<String>,
}

impl UsageParams {
    fn query(&self) -> UsageQuery {
        UsageQuery {
            site: self.site.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            product: self.product.clone(),
            category: self.category.clone(),
        }
    }
}

fn report_query(r: &UsageReport) -> String {
    let o = &r.options;
    let mut q = format!(
        "site={}&from={}&to={}",
        urlencode(&o.site.code),
        o.from,
        o.to
    );
    match &o.subject {
        ChartSubject::Product(p) => q.push_str(&format!("&product={}", p.id)),
        ChartSubject::Category(c) => q.push_str(&format!("&category={}", c.code())),
        ChartSubject::All => {}
    }
    q
}

async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<UsageParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewReports)?;
    let params = params.into_inner();
    let actor = user.actor.clone();
    let q = params.query();
    let (report, settings, site_list, products, errors) = state
        .run(move |conn| {
            let settings = settings::load(conn)?;
            let site_list =
                crate::services::scope::visible_sites(conn, &actor, Action::ViewReports)?;
            let filter = crate::db::catalog::ProductFilter {
                archived: Some(false),
                ..Default::default()
            };
            let products = crate::services::catalog::list_products(conn, &filter, 1000, 0)?.0;
            let (report, errors) = match usage::run(conn, &actor, &q) {
                Ok(r) => (r, Vec::new()),
                Err(ServiceError::Invalid { errors, .. }) => {
                    let fallback = UsageQuery {
                        site: q.site.clone(),
                        ..UsageQuery::default()
                    };
                    (usage::run(conn, &actor, &fallback)?, errors)
                }
                Err(e) => return Err(e),
            };
            Ok((report, settings, site_list, products, errors))
        })
        .await?;
    let parts = view::parts(&report, &settings.currency);
    let (waste_months, waste_products, waste_reasons) = view::waste_rows(&report);
    let o = &report.options;
    let typed = |v: &Option<String>, default: String| {
        if errors.is_empty() {
            default
        } else {
            v.clone().unwrap_or(default)
        }
    };
    let groups = |g: &[usage::GroupUsage]| -> Vec<GroupRow> {
        g.iter()
            .map(|x| GroupRow::from_group(x, report.sessions))
            .collect()
    };
    let page = UsagePage {
        frame: Frame::new(&user, "Usage and waste", "/reports/usage"),
        sites: site_list.into_iter().map(|s| (s.code, s.name)).collect(),
        site: o.site.code.clone(),
        from: typed(&params.from, o.from.to_string()),
        to: typed(&params.to, o.to.to_string()),
        product: match &o.subject {
            ChartSubject::Product(p) => p.id.to_string(),
            _ => String::new(),
        },
        category: match &o.subject {
            ChartSubject::Category(c) => c.code().to_string(),
            _ => String::new(),
        },
        products: products
            .iter()
            .map(|p| (p.id.to_string(), format!("{} {}", p.sku, p.name)))
            .collect(),
        categories: Category::ALL
            .iter()
            .map(|c| (c.code(), c.label()))
            .collect(),
        currency: settings.currency.clone(),
        sessions: report.sessions,
        total_cost: fmt_money(report.total.cost_cents),
        cost_per_session: report
            .cost_per_session_cents()
            .map(fmt_money)
            .unwrap_or_else(|| "—".into()),
        waste_cost: fmt_money(report.waste_total.cost_cents),
        weekly_subject: parts.weekly_subject,
        weekly_chart: parts.weekly_chart,
        weekly: parts.weekly,
        weekly_in_units: parts.weekly_in_units,
        by_product: view::product_rows(&report),
        by_category: groups(&report.by_category),
        needle_chart: parts.needle_chart,
        by_needle: groups(&report.by_needle),
        by_protocol: groups(&report.by_protocol),
        by_indication: groups(&report.by_indication),
        by_area: report
            .by_area
            .iter()
            .map(|a| {
                let share = if report.sessions > 0 {
                    format!(
                        "{}%",
                        (a.sessions * 100 + report.sessions / 2) / report.sessions
                    )
                } else {
                    "—".into()
                };
                (a.area.name.clone(), a.sessions, share)
            })
            .collect(),
        by_practitioner: groups(&report.by_practitioner),
        daily_chart: parts.daily_chart,
        daily: report
            .sessions_per_day
            .iter()
            .map(|(d, n)| (d.to_string(), *n))
            .collect(),
        waste_chart: parts.waste_chart,
        waste_months,
        waste_products,
        waste_reasons,
        reactions: crate::views::usage_reactions::ReactionsView::new(&report.reactions),
        query: report_query(&report),
        errors: errors.into(),
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(status, &page)
}

async fn csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<UsageParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewReports)?;
    let params = params.into_inner();
    let which = params.report.clone().unwrap_or_else(|| "products".into());
    if !usage_export::CSV_REPORTS.iter().any(|(k, _)| *k == which) {
        return Err(ServiceError::invalid(
            "report",
            format!(
                "one of {}",
                usage_export::CSV_REPORTS
                    .iter()
                    .map(|(k, _)| *k)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .into());
    }
    let actor = user.actor.clone();
    let q = params.query();
    let report = state.run(move |conn| usage::run(conn, &actor, &q)).await?;
    let body = usage_export::usage_csv(&report, &which)
        .unwrap_or_else(|| Ok(Vec::new()))
        .map_err(|e| ServiceError::Internal(format!("csv: {e}")))?;
    let o = &report.options;
    Ok(csv_response(
        &format!("usage-{which}-{}-{}-{}.csv", o.site.code, o.from, o.to),
        body,
    ))
}
