//! `/receive`: the receive form with its scan field. `POST /receive/preview`
//! reads a scan into the form (htmx swaps the form; without JS the full
//! page comes back), `POST /receive/check` refreshes the packs ⇄ units box,
//! `POST /receive` saves and goes back to an empty form for the next scan.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render_status, urlencode};
use crate::app::AppState;
use crate::db::models::Product;
use crate::domain::access::Action;
use crate::domain::quantity::fmt_qty;
use crate::error::{ErrorCode, FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::services::receive_preview::{self, Preview};
use crate::services::receiving::{self, ReceiveDraft};
use crate::services::{catalog, scope, settings, sites};
use crate::views::Frame;
use crate::views::form::FieldErrors;
use crate::views::receive::{
    CheckView, ProductGroup, ReceiveCheckPartial, ReceiveFormPartial, ReceiveFormValues,
    ReceivePage, ReceiveView, ScannedView,
};
use crate::views::stock::Choice;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/receive", web::get().to(form))
        .route("/receive", web::post().to(save))
        .route("/receive/preview", web::post().to(preview))
        .route("/receive/check", web::post().to(check));
}

/// What the form's selects offer.
struct Lists {
    products: Vec<Product>,
    places: Vec<(String, String)>,
    currency: String,
}

async fn lists(state: &AppState, user: &CurrentUser) -> Result<Lists, PageError> {
    let actor = user.actor.clone();
    Ok(state
        .run(move |conn| {
            let filter = crate::db::catalog::ProductFilter::default();
            let (products, _) = catalog::list_products(conn, &filter, 100_000, 0)?;
            let all_sites = scope::visible_sites(conn, &actor, Action::ReceiveStock)?;
            let several = all_sites.len() > 1;
            let places = sites::locations_for(conn, &actor, Action::ReceiveStock, None)?
                .into_iter()
                .filter(|(l, _)| l.active)
                .map(|(l, site_code)| {
                    let site_name = all_sites
                        .iter()
                        .find(|s| s.code == site_code)
                        .map(|s| s.name.clone())
                        .unwrap_or_default();
                    let label = if several {
                        format!("{site_name} · {}", l.name)
                    } else {
                        l.name.clone()
                    };
                    (format!("{site_code}/{}", l.code), label)
                })
                .collect();
            Ok(Lists {
                products,
                places,
                currency: settings::load(conn)?.currency,
            })
        })
        .await?)
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

fn draft_of(v: &ReceiveFormValues) -> ReceiveDraft {
    let (site, location) = match v.place.split_once('/') {
        Some((s, l)) => (some(s), some(l)),
        None => (None, some(&v.place)),
    };
    ReceiveDraft {
        site,
        location,
        product_id: some(&v.product_id),
        gs1: Some(v.gs1.clone()).filter(|s| !s.trim().is_empty()),
        lot: some(&v.lot),
        expiry: some(&v.expiry),
        quantity: some(&v.quantity),
        quantity_in: some(&v.quantity_in),
        unit_cost: some(&v.unit_cost),
        ..ReceiveDraft::default()
    }
}

fn values_of(d: &ReceiveDraft, place: &str) -> ReceiveFormValues {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    ReceiveFormValues {
        gs1: s(&d.gs1),
        product_id: s(&d.product_id),
        lot: s(&d.lot),
        expiry: s(&d.expiry),
        quantity: s(&d.quantity),
        quantity_in: s(&d.quantity_in),
        unit_cost: s(&d.unit_cost),
        place: place.to_string(),
    }
}

fn view(
    lists: Lists,
    v: ReceiveFormValues,
    p: Option<&Preview>,
    errors: FieldErrors,
) -> ReceiveView {
    let mut groups: Vec<ProductGroup> = Vec::new();
    for pr in &lists.products {
        let label = pr.category.label().to_string();
        let option = Choice {
            value: pr.id.to_string(),
            label: format!("{} ({})", pr.name, pr.sku),
            selected: pr.id.to_string() == v.product_id,
        };
        match groups.last_mut() {
            Some(g) if g.label == label => g.options.push(option),
            _ => groups.push(ProductGroup {
                label,
                options: vec![option],
            }),
        }
    }
    let default_place = lists
        .places
        .iter()
        .find(|(code, _)| code.ends_with("/store"))
        .or(lists.places.first())
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    let chosen = if lists.places.iter().any(|(c, _)| *c == v.place) {
        v.place.clone()
    } else {
        default_place
    };
    let places = lists
        .places
        .iter()
        .map(|(code, label)| Choice {
            value: code.clone(),
            label: label.clone(),
            selected: *code == chosen,
        })
        .collect();
    let scanned = p.and_then(|p| p.scanned.as_ref()).map(|s| ScannedView {
        text: p.and_then(|p| p.scanned_text.clone()).unwrap_or_default(),
        gtin: s.gtin.clone().unwrap_or_default(),
        lot: s.lot.clone().unwrap_or_default(),
        expiry: s.expiry.map(|d| d.to_string()).unwrap_or_default(),
        serial: s.serial.clone().unwrap_or_default(),
    });
    let product = p.and_then(|p| p.product.as_ref());
    let check = match product {
        Some(pr) => CheckView {
            product: format!("{} ({})", pr.name, pr.sku),
            pack: format!("{} {}", fmt_qty(pr.pack_size), pr.unit),
            conversion: p.and_then(|p| p.conversion.clone()).unwrap_or_default(),
        },
        None => CheckView::default(),
    };
    let read_scan = scanned.is_some() && product.is_some();
    let focus = if (read_scan || errors.has("quantity")) && !errors.has("gs1") {
        "quantity"
    } else {
        "gs1"
    };
    let unknown_gtin = p.and_then(|p| p.unknown_gtin.clone());
    let create_product_href = unknown_gtin.as_ref().map(|g| {
        format!(
            "/products/new?gtin={}&receive_gs1={}&receive_place={}",
            urlencode(g),
            urlencode(
                &p.and_then(|p| p.scanned_text.clone())
                    .unwrap_or_else(|| v.gs1.clone())
            ),
            urlencode(&chosen)
        )
    });
    ReceiveView {
        create_product_href,
        v: ReceiveFormValues { place: chosen, ..v },
        products: groups,
        places,
        errors,
        scanned,
        unknown_gtin,
        check,
        currency: lists.currency,
        focus,
        attempted: false,
    }
}

#[derive(Deserialize, Default)]
pub struct FormParams {
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    place: String,
    /// A scan to read into the form (back from creating its product).
    #[serde(default)]
    gs1: String,
}

async fn form(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<FormParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ReceiveStock)?;
    let q = q.into_inner();
    let v = ReceiveFormValues {
        product_id: q.product_id.clone(),
        place: q.place.clone(),
        gs1: q.gs1.clone(),
        ..ReceiveFormValues::default()
    };
    let (p, v, errors) = if q.gs1.trim().is_empty() {
        let draft = draft_of(&v);
        let actor = user.actor.clone();
        let p = state
            .run(move |conn| receive_preview::preview(conn, &actor, &draft))
            .await?;
        (p, v, FieldErrors::none())
    } else {
        // A scan (back from creating its product): read it as "Read the
        // scan" would: product, lot and expiry filled, quantity focused.
        let (p, v) = run_preview(&state, &user, &v).await?;
        let errors = FieldErrors(p.problems.clone());
        (p, v, errors)
    };
    let lists = lists(&state, &user).await?;
    let r = view(lists, v, Some(&p), errors);
    render_status(
        StatusCode::OK,
        &ReceivePage {
            frame: Frame::new(&user, "Receive", "/receive"),
            r,
        },
    )
}

async fn run_preview(
    state: &AppState,
    user: &CurrentUser,
    v: &ReceiveFormValues,
) -> Result<(Preview, ReceiveFormValues), PageError> {
    let draft = draft_of(v);
    let actor = user.actor.clone();
    let p = state
        .run(move |conn| receive_preview::preview(conn, &actor, &draft))
        .await?;
    let values = values_of(&p.draft, &v.place);
    Ok((p, values))
}

fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("hx-request")
}

async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    posted: Posted<ReceiveFormValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ReceiveStock)?;
    let (p, values) = run_preview(&state, &user, &form).await?;
    let r = view(
        lists(&state, &user).await?,
        values,
        Some(&p),
        FieldErrors(p.problems.clone()),
    );
    let frame = Frame::new(&user, "Receive", "/receive");
    if is_htmx(&req) {
        render_status(StatusCode::OK, &ReceiveFormPartial { frame, r })
    } else {
        render_status(StatusCode::OK, &ReceivePage { frame, r })
    }
}

async fn check(
    state: web::Data<AppState>,
    posted: Posted<ReceiveFormValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ReceiveStock)?;
    let (p, values) = run_preview(&state, &user, &form).await?;
    let r = view(
        lists(&state, &user).await?,
        values,
        Some(&p),
        FieldErrors::none(),
    );
    render_status(
        StatusCode::OK,
        &ReceiveCheckPartial {
            frame: Frame::new(&user, "Receive", "/receive"),
            r,
        },
    )
}

async fn save(
    state: web::Data<AppState>,
    posted: Posted<ReceiveFormValues>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ReceiveStock)?;
    let (p, values) = run_preview(&state, &user, &form).await?;
    // A scan that could not be read, or names an unknown product, goes back
    // to the form before anything is tried.
    let scan_problems: Vec<FieldError> = p
        .problems
        .iter()
        .filter(|e| e.field == "gs1")
        .cloned()
        .collect();
    let outcome = if scan_problems.is_empty() {
        let draft = ReceiveDraft {
            gs1: None,
            ..p.draft.clone()
        };
        let actor = user.actor.clone();
        state
            .run(move |conn| receiving::receive(conn, &actor, &draft))
            .await
    } else {
        Err(ServiceError::Invalid {
            code: ErrorCode::InvalidGs1,
            errors: scan_problems,
        })
    };
    match outcome {
        Ok(r) => {
            let place = values.place.clone();
            let target = if place.is_empty() {
                "/receive".to_string()
            } else {
                format!("/receive?place={}", urlencode(&place))
            };
            flash_redirect(
                &state,
                &user,
                &target,
                format!(
                    "Received {} {} of {} lot {} (expiry {}) into {}.",
                    fmt_qty(r.quantity),
                    r.product.unit,
                    r.product.name,
                    r.lot,
                    r.expiry,
                    r.location_code
                ),
            )
            .await
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict { .. })) => {
            let status = if matches!(e, ServiceError::Conflict { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let mut errors = FieldErrors::from_refusal(&e, "product_id");
            for extra in &p.problems {
                if !errors.has(&extra.field) {
                    errors.0.push(extra.clone());
                }
            }
            let mut r = view(lists(&state, &user).await?, values, Some(&p), errors);
            r.attempted = true;
            render_status(
                status,
                &ReceivePage {
                    frame: Frame::new(&user, "Receive", "/receive"),
                    r,
                },
            )
        }
        Err(e) => Err(e.into()),
    }
}
