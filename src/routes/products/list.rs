//! `/products` (search, filters, pages) and `/products/{id}` (lots, stock
//! per location, ledger history for managers).

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::access::Action;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::domain::reorder::is_low_stock;
use crate::domain::vocab::Category;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, render};
use crate::routes::product_filter::ProductFilterParams;
use crate::services::{catalog, product_stock, stock};
use crate::views::Frame;
use crate::views::pager::{Pager, page_number};
use crate::views::products::{
    Fact, HistoryLine, LotLine, LotPlace, PlaceLine, ProductLine, ProductListPage, ProductPage,
};

const PER_PAGE: i64 = 50;
const HISTORY_PER_PAGE: i64 = 20;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/products", web::get().to(list))
        .route("/products/{id}", web::get().to(show));
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    page: String,
    #[serde(flatten)]
    filter: ProductFilterParams,
}

async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewProducts)?;
    let p = q.into_inner();
    let query = p.filter.parse();
    let filter = query.filter.clone();
    let page = page_number(Some(&p.page));
    let actor = user.actor.clone();
    let (items, total, usable, suppliers) = state
        .run(move |conn| {
            let (items, total) =
                catalog::list_products(conn, &filter, PER_PAGE, Pager::offset(page, PER_PAGE))?;
            let ids: Vec<i64> = items.iter().map(|p| p.id).collect();
            let usable = stock::usable_everywhere(conn, &actor, &ids)?;
            Ok((items, total, usable, catalog::suppliers(conn)?))
        })
        .await?;
    let supplier_names: HashMap<i64, String> =
        suppliers.iter().map(|s| (s.id, s.name.clone())).collect();
    let rows = items
        .iter()
        .map(|pr| {
            let u = usable.get(&pr.id).copied().unwrap_or(0);
            ProductLine {
                id: pr.id,
                sku: pr.sku.clone(),
                name: pr.name.clone(),
                category: category_label(pr.category),
                needle: pr.needle_length.map(fmt_needle).unwrap_or_default(),
                unit: pr.unit.code().to_string(),
                pack: fmt_qty(pr.pack_size),
                supplier: pr
                    .supplier_id
                    .and_then(|s| supplier_names.get(&s).cloned())
                    .unwrap_or_default(),
                usable: fmt_qty(u),
                min: pr.min_level.map(fmt_qty).unwrap_or_default(),
                low: is_low_stock(pr.active, pr.min_level, u),
                active: pr.active,
            }
        })
        .collect();
    let keep = query.keep();
    render(&ProductListPage {
        frame: Frame::new(&user, "Products", "/products"),
        filters: query.catalogue_form(&suppliers),
        rows,
        pager: Pager::new("/products", &keep, "page", page, PER_PAGE, total),
        can_manage: user.may(Action::ManageProducts),
    })
}

pub fn category_label(category: Category) -> String {
    category.label().to_string()
}

#[derive(Deserialize, Default)]
pub struct ShowParams {
    #[serde(default)]
    all_lots: String,
    #[serde(default)]
    hpage: String,
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<ShowParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewProducts)?;
    let id = id.into_inner();
    let can_manage = user.may(Action::ManageProducts);
    let all_lots = !q.all_lots.is_empty();
    let hpage = page_number(Some(&q.hpage));
    let history = can_manage.then_some((HISTORY_PER_PAGE, Pager::offset(hpage, HISTORY_PER_PAGE)));
    let actor = user.actor.clone();
    let (d, currency, clocks) = state
        .run(move |conn| {
            let d = product_stock::detail(conn, &actor, id, all_lots, history)?;
            Ok((
                d,
                crate::services::settings::load(conn)?.currency,
                crate::services::sites::clocks(conn, &actor)?,
            ))
        })
        .await?;
    let p = &d.product;
    let mut facts = vec![
        Fact {
            label: "Category",
            value: match p.needle_length {
                Some(n) => format!("{} · {} mm", category_label(p.category), fmt_needle(n)),
                None => category_label(p.category),
            },
        },
        Fact {
            label: "Pack",
            value: format!("{} {}", fmt_qty(p.pack_size), p.unit),
        },
    ];
    let mut opt = |label: &'static str, v: Option<String>| {
        if let Some(value) = v {
            facts.push(Fact { label, value });
        }
    };
    opt("GTIN", p.gtin.clone());
    opt("Supplier", d.supplier.as_ref().map(|s| s.name.clone()));
    opt(
        "Unit cost",
        p.unit_cost_cents
            .map(|c| format!("{} {currency} per {}", fmt_money(c), p.unit)),
    );
    opt(
        "Lead time",
        p.lead_time_days
            .or(d.supplier.as_ref().and_then(|s| s.lead_time_days))
            .map(|d| format!("{d} days")),
    );
    opt(
        "Min / max level",
        (p.min_level.is_some() || p.max_level.is_some()).then(|| {
            format!(
                "{} / {}",
                p.min_level.map(fmt_qty).unwrap_or_else(|| "–".into()),
                p.max_level.map(fmt_qty).unwrap_or_else(|| "–".into())
            )
        }),
    );
    opt(
        "Max per session",
        p.max_per_session
            .map(|m| format!("{} {}", fmt_qty(m), p.unit)),
    );
    opt(
        "Use within",
        p.use_within_days.map(|d| format!("{d} days of opening")),
    );
    let keep = if all_lots {
        vec![("all_lots", "1".to_string())]
    } else {
        Vec::new()
    };
    let page = ProductPage {
        frame: Frame::new(&user, p.name.clone(), "/products"),
        id: p.id,
        sku: p.sku.clone(),
        name: p.name.clone(),
        unit: p.unit.code().to_string(),
        active: p.active,
        facts,
        usable: fmt_qty(d.usable),
        expired: fmt_qty(d.expired),
        quarantined: fmt_qty(d.quarantined),
        on_order: fmt_qty(d.on_order),
        places: d
            .locations
            .iter()
            .map(|l| PlaceLine {
                site: l.site_code.clone(),
                location: l.location_code.clone(),
                name: l.location_name.clone(),
                usable: fmt_qty(l.usable),
                expired: fmt_qty(l.expired),
                quarantined: fmt_qty(l.quarantined),
            })
            .collect(),
        lots: d
            .lots
            .iter()
            .map(|l| LotLine {
                id: l.lot.id,
                lot: l.lot.lot_number.clone(),
                expiry: l.lot.expiry.to_string(),
                use_by: l.lot.use_by.to_string(),
                opened: l.lot.container > 0,
                places: l
                    .balances
                    .iter()
                    .map(|b| LotPlace {
                        location: b.location_code.clone(),
                        quantity: fmt_qty(b.quantity),
                    })
                    .collect(),
                total: fmt_qty(l.total),
                status: l.status.label(),
                badge: l.status.badge(),
            })
            .collect(),
        empty_lots_hidden: d.empty_lots_hidden,
        all_lots,
        history: can_manage.then(|| {
            d.history
                .iter()
                .map(|h| HistoryLine {
                    id: h.row.id,
                    when: clocks.format(h.row.site_id, h.row.occurred_at),
                    kind: h.row.kind.label().to_string(),
                    reason: h.row.reason.clone().unwrap_or_default(),
                    lot_id: h.row.lot_id,
                    lot: h.lot_number.clone(),
                    location: h.location_code.clone(),
                    delta: fmt_qty(h.row.delta),
                    positive: h.row.delta > 0,
                    user: h.username.clone(),
                    session_id: h.row.session_id,
                })
                .collect()
        }),
        history_pager: Pager::new(
            &format!("/products/{}", p.id),
            &keep,
            "hpage",
            hpage,
            HISTORY_PER_PAGE,
            d.history_total,
        ),
        can_manage,
        audit_history: crate::routes::audit::history_of(&state, &user, "product", p.id).await?,
    };
    render(&page)
}
