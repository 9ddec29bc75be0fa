//! Stock counts per location (optionally blind) and their discrepancy
//! summary. Managers only.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::services::counts::{self, CountDraft};
use crate::views::Frame;
use crate::views::counts::{
    CountLocationRow, CountResultPage, CountSheetPage, CountsPage, ResultRow, SheetRow,
};
use crate::views::ledger::{qty_unit, signed_qty_unit};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/counts", web::get().to(index))
        .route("/counts/result/{count_id}", web::get().to(result))
        .route("/counts/{location_id}", web::get().to(sheet))
        .route("/counts/{location_id}", web::post().to(submit));
}

async fn index(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, PageError> {
    user.require(Action::CountStock)?;
    let actor = user.actor.clone();
    let (list, clocks) = state
        .run(move |conn| {
            Ok((
                counts::overview(conn, &actor)?,
                crate::services::sites::clocks(conn, &actor)?,
            ))
        })
        .await?;
    render(&CountsPage {
        frame: Frame::new(&user, "Stock count", "/counts"),
        locations: list
            .into_iter()
            .map(|c| CountLocationRow {
                location_id: c.location.id,
                site: c.site_code,
                code: c.location.code,
                name: c.location.name,
                lots: c.lots_on_hand,
                last_counted: c
                    .last_counted
                    .map(|t| clocks.format(c.location.site_id, t))
                    .unwrap_or_else(|| "never".into()),
            })
            .collect(),
    })
}

#[derive(Deserialize, Default)]
pub struct SheetQuery {
    #[serde(default)]
    blind: String,
    /// A search or scan: only the lines it finds are shown.
    #[serde(default)]
    q: String,
}

fn is_on(v: &str) -> bool {
    matches!(v.trim(), "1" | "true" | "on" | "yes")
}

/// A sheet that comes back with errors: what was typed per lot, the note, the messages.
#[derive(Default)]
struct Returned {
    typed: HashMap<i64, String>,
    note: String,
    errors: Vec<FieldError>,
    /// The search box (GET `q`).
    q: String,
}

/// Renders the count sheet (with what was typed when it comes back).
async fn sheet_page(
    state: &AppState,
    user: &CurrentUser,
    location_id: i64,
    blind: bool,
    status: StatusCode,
    returned: Returned,
) -> Result<HttpResponse, PageError> {
    let Returned {
        typed,
        note,
        errors,
        q,
    } = returned;
    let actor = user.actor.clone();
    let query = q.clone();
    let (s, found) = state
        .run(move |conn| {
            let s = counts::sheet(conn, &actor, location_id)?;
            let found = counts::find(conn, &s.lines, &query)?;
            Ok((s, found))
        })
        .await?;
    let searching = !q.trim().is_empty();
    let all_lines = s.lines.len();
    let mut line_errors: HashMap<String, String> = HashMap::new();
    let mut other = Vec::new();
    for e in errors {
        if e.field.starts_with("count_") {
            line_errors.insert(e.field, e.message);
        } else {
            other.push(e);
        }
    }
    let rows: Vec<SheetRow> = s
        .lines
        .iter()
        .filter(|l| !searching || found.contains(&l.lot.id))
        .map(|l| {
            let field = counts::field_name(l.lot.id);
            SheetRow {
                lot_id: l.lot.id,
                error: line_errors.remove(&field),
                field,
                product: l.product.name.clone(),
                sku: l.product.sku.clone(),
                lot: l.lot.lot_number.clone(),
                expiry: l.lot.use_by.to_string(),
                opened: if l.lot.container > 0 {
                    format!("container #{}", l.lot.container)
                } else {
                    String::new()
                },
                expected: qty_unit(l.expected, l.product.unit.code()),
                unit: l.product.unit.code().to_string(),
                expired: l.expired,
                quarantined: l.lot.quarantined,
                value: typed.get(&l.lot.id).cloned().unwrap_or_default(),
                find: format!(
                    "{} {} {} {}",
                    l.product.name,
                    l.product.sku,
                    l.lot.lot_number,
                    l.product.gtin.as_deref().unwrap_or("")
                )
                .to_lowercase(),
            }
        })
        .collect();
    // Errors for lines no longer on the sheet still need to be seen.
    other.extend(
        line_errors
            .into_iter()
            .map(|(field, message)| FieldError { field, message }),
    );
    let title = format!("Count {}", s.location.code);
    render_status(
        status,
        &CountSheetPage {
            frame: Frame::new(user, title, "/counts"),
            location_id,
            location: s.location.code,
            site: s.site.code,
            blind,
            sheet_at: s.sheet_at,
            rows,
            note,
            errors: other.into(),
            q: q.trim().to_string(),
            all_lines,
        },
    )
}

async fn sheet(
    state: web::Data<AppState>,
    user: CurrentUser,
    location_id: web::Path<i64>,
    q: web::Query<SheetQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::CountStock)?;
    sheet_page(
        &state,
        &user,
        location_id.into_inner(),
        is_on(&q.blind),
        StatusCode::OK,
        Returned {
            q: q.q.clone(),
            ..Returned::default()
        },
    )
    .await
}

/// The sheet as posted: `lot` and `counted` repeat once per line, in order.
#[derive(Deserialize, Default)]
pub struct CountForm {
    #[serde(default)]
    lot: Vec<String>,
    #[serde(default)]
    counted: Vec<String>,
    #[serde(default)]
    blind: String,
    #[serde(default)]
    sheet_at: String,
    #[serde(default)]
    note: String,
}

async fn submit(
    state: web::Data<AppState>,
    location_id: web::Path<i64>,
    posted: Posted<CountForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::CountStock)?;
    let location_id = location_id.into_inner();
    if form.lot.len() != form.counted.len() {
        return Err(ServiceError::BadRequest("the count sheet was not sent whole".into()).into());
    }
    let lines: Vec<(String, String)> = form
        .lot
        .iter()
        .cloned()
        .zip(form.counted.iter().cloned())
        .collect();
    let blind = is_on(&form.blind);
    let draft = CountDraft {
        location_id,
        blind,
        lines: lines.clone(),
        sheet_at: Some(form.sheet_at.clone()),
        note: Some(form.note.clone()),
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| counts::submit(conn, &actor, &draft))
        .await
    {
        Ok(o) => {
            let mut msg = format!(
                "Count booked: {} line{} counted, {} discrepanc{}.",
                o.lines_counted,
                if o.lines_counted == 1 { "" } else { "s" },
                o.discrepancies,
                if o.discrepancies == 1 { "y" } else { "ies" }
            );
            if o.moved_meanwhile > 0 {
                msg.push_str(&format!(
                    " Stock at this location moved {} time{} while the sheet was out; differences were taken against the stock at the moment you submitted.",
                    o.moved_meanwhile,
                    if o.moved_meanwhile == 1 { "" } else { "s" }
                ));
            }
            flash_redirect(
                &state,
                &user,
                &format!("/counts/result/{}", o.count_id),
                msg,
            )
            .await
        }
        Err(ServiceError::Invalid { errors, .. }) => {
            let typed = lines
                .into_iter()
                .filter_map(|(l, c)| l.trim().parse::<i64>().ok().map(|id| (id, c)))
                .collect();
            sheet_page(
                &state,
                &user,
                location_id,
                blind,
                StatusCode::UNPROCESSABLE_ENTITY,
                Returned {
                    typed,
                    note: form.note,
                    errors,
                    q: String::new(),
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn result(
    state: web::Data<AppState>,
    user: CurrentUser,
    count_id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::CountStock)?;
    let id = count_id.into_inner();
    let actor = user.actor.clone();
    let r = state
        .run(move |conn| counts::result(conn, &actor, id))
        .await?;
    render(&CountResultPage {
        frame: Frame::new(&user, format!("Count {id}"), "/counts"),
        count_id: id,
        location_id: r.location.id,
        location: r.location.code,
        when: r.site.clock().format(r.count.created_at),
        site: r.site.code,
        user: r.username,
        blind: r.count.blind,
        lines_counted: r.count.lines_counted,
        discrepancies: r.count.discrepancies,
        rows: r
            .lines
            .iter()
            .map(|l| ResultRow {
                lot_id: l.lot.id,
                product: l.product.name.clone(),
                sku: l.product.sku.clone(),
                lot: l.lot.lot_number.clone(),
                expected: qty_unit(l.expected, l.product.unit.code()),
                counted: qty_unit(l.counted, l.product.unit.code()),
                difference: signed_qty_unit(l.difference, l.product.unit.code()),
                short: l.difference < 0,
            })
            .collect(),
    })
}
