//! `POST /orders/{id}/receive` with `action=read_scan` (issue 14 item 3):
//! Enter in a line's scan field reads the scan instead of receiving the
//! delivery. The lot and expiry of the line the barcode names (by GTIN) are
//! filled, the scan text moves to that line and its quantity is focused;
//! everything else typed is kept and nothing is written. htmx posts it from
//! the scan field (static/receive.js) and swaps the form; without
//! JavaScript Enter presses the form's first (hidden) button, which is this.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::receive::receive_page;
use crate::app::AppState;
use crate::error::FieldError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::PageError;
use crate::services::orders::scan;
use crate::views::orders::FormState;

pub(super) async fn read_scan(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &[(String, String)],
    htmx: bool,
) -> Result<HttpResponse, PageError> {
    let scans: Vec<(i64, String)> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("gs1_")?.parse().ok()?, v.clone())))
        .collect();
    let actor = user.actor.clone();
    let wanted = scans.clone();
    let reads = state
        .run(move |conn| scan::read_scans(conn, &actor, id, &wanted))
        .await?;
    let mut fs = FormState::from_pairs(form);
    let mut focus = None;
    for r in &reads {
        let text = scans
            .iter()
            .find(|(l, _)| *l == r.from_line)
            .map(|(_, t)| t.trim().to_string())
            .unwrap_or_default();
        if let Some(e) = &r.error {
            fs.errors.push(FieldError {
                field: format!("gs1_{}", r.from_line),
                message: e.clone(),
            });
            continue;
        }
        let Some(line) = r.line else { continue };
        if line != r.from_line {
            fs.values
                .insert(format!("gs1_{}", r.from_line), String::new());
        }
        fs.values.insert(format!("gs1_{line}"), text);
        if let Some(lot) = &r.lot {
            fs.values.insert(format!("lot_{line}"), lot.clone());
        }
        if let Some(expiry) = &r.expiry {
            fs.values.insert(format!("expiry_{line}"), expiry.clone());
        }
        focus = Some(line);
    }
    // A scan that could not be read is a field error (422); htmx only swaps
    // a 2xx answer, so the enhanced page gets 200 with the same errors.
    let status = if fs.errors.is_empty() || htmx {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    receive_page(state, user, id, fs, status, focus).await
}
