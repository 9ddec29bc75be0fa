//! The stock list page (`/stock`): usable / expired / quarantined per
//! product at a site, filtered by category, needle length and search.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::product_filter::ProductFilterParams;

use super::pages::{PageError, render};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::fmt_qty;
use crate::domain::reorder::is_low_stock;
use crate::routes::extract::CurrentUser;
use crate::services::{dashboard, stock};
use crate::views::Frame;
use crate::views::pager::{Pager, page_number};
use crate::views::stock::{Choice, StockLine, StockListPage};

const PER_PAGE: i64 = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/stock", web::get().to(stock_list));
}

#[derive(Deserialize, Default, Clone)]
pub struct StockParams {
    #[serde(default)]
    site: String,
    #[serde(default)]
    page: String,
    #[serde(flatten)]
    filter: ProductFilterParams,
}

async fn stock_list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<StockParams>,
) -> Result<HttpResponse, PageError> {
    let p = q.into_inner();
    let query = p.filter.parse();
    let filter = query.filter.clone();
    let page = page_number(Some(&p.page));
    let actor = user.actor.clone();
    let site_code = p.site.clone();
    let (site, sites, (items, total), currency) = state
        .run(move |conn| {
            let site = dashboard::site_for(
                conn,
                &actor,
                Some(site_code.as_str()).filter(|s| !s.is_empty()),
            )?;
            let sites = crate::services::scope::visible_sites(conn, &actor, Action::ViewStock)?;
            let listed = stock::stock(
                conn,
                &site,
                &filter,
                PER_PAGE,
                Pager::offset(page, PER_PAGE),
            )?;
            let currency = crate::services::settings::load(conn)?.currency;
            Ok((site, sites, listed, currency))
        })
        .await?;
    let mut keep = query.keep();
    if sites.len() > 1 {
        keep.insert(0, ("site", site.code.clone()));
    }
    let rows = items
        .iter()
        .map(|s| {
            let pr = &s.product;
            StockLine {
                product_id: pr.id,
                sku: pr.sku.clone(),
                name: pr.name.clone(),
                category: pr.category.label().to_string(),
                needle: pr.needle_length.map(fmt_needle).unwrap_or_default(),
                unit: pr.unit.code().to_string(),
                usable: fmt_qty(s.usable),
                expired: fmt_qty(s.expired),
                quarantined: fmt_qty(s.quarantined),
                lots: s
                    .lots
                    .iter()
                    .filter(|l| !l.expired && !l.quarantined)
                    .count(),
                next_expiry: s.next_expiry().map(|d| d.to_string()).unwrap_or_default(),
                low: is_low_stock(pr.active, pr.min_level, s.usable),
                has_expired: s.expired > 0,
                has_quarantined: s.quarantined > 0,
                value: crate::views::home::money_or_dash(s.value, &currency),
            }
        })
        .collect();
    let page_view = StockListPage {
        frame: Frame::new(&user, format!("Stock · {}", site.name), "/stock"),
        filters: query.stock_form(
            sites
                .iter()
                .map(|s| Choice {
                    value: s.code.clone(),
                    label: s.name.clone(),
                    selected: s.id == site.id,
                })
                .collect(),
        ),
        site_code: site.code.clone(),
        site_name: site.name.clone(),
        rows,
        pager: Pager::new("/stock", &keep, "page", page, PER_PAGE, total),
        can_manage: user.may(Action::AdjustStock),
    };
    render(&page_view)
}
