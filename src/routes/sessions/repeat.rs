//! "Repeat" a session (issue 14 item 11): `GET /sessions/new?repeat=ID`
//! opens the form filled from that session — client, protocol, indication,
//! needle length, add-ons, treatment areas and the product lines with their
//! quantities. No lot is named: saving allocates by today's FEFO (expired
//! and quarantined lots never), which the line previews show. Nothing is
//! written until the person saves. A GET link, so it works without JS.

use crate::app::AppState;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::fmt_qty;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::PageError;
use crate::services::sessions::{self, LineDraft};

use super::form::SessionForm;

/// The form and its rows for repeating session `id` (404 when the user
/// may not see it, as for the session page).
pub(super) async fn repeat(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<(SessionForm, Vec<LineDraft>), PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::from(ServiceError::not_found(format!("no session {id}"))))?;
    let actor = user.actor.clone();
    let v = state
        .run(move |conn| sessions::get(conn, &actor, id))
        .await?;
    let s = &v.session;
    let needle = fmt_needle(s.needle_length);
    let addons: Vec<String> = v.addons().iter().map(|a| a.code().to_string()).collect();
    let rows: Vec<LineDraft> = v
        .lines
        .iter()
        .map(|l| LineDraft {
            product_id: Some(l.line.product_id.to_string()),
            quantity: Some(fmt_qty(l.line.quantity)),
            lot_id: None,
            // A new tube is opened when it is, not because it was last time.
            open_new: false,
        })
        .collect();
    let indication = s
        .indication
        .map(|i| i.code().to_string())
        .unwrap_or_default();
    let mut form = SessionForm::default();
    form.site = v.site_code.clone();
    form.client_ref = s.client_ref.clone();
    form.indication = indication.clone();
    form.protocol_id = s.protocol_id.map(|p| p.to_string()).unwrap_or_default();
    form.needle_length_mm = needle.clone();
    form.addons = addons.clone();
    form.areas = v.areas.iter().map(|a| a.id.to_string()).collect();
    // What the repeat filled counts as filled (as a protocol's would be):
    // choosing another protocol replaces it; what is typed stays.
    form.filled_needle = needle.clone();
    form.filled_indication = indication;
    form.filled_addons = addons;
    form.filled_line = rows.iter().filter_map(|r| r.product_id.clone()).collect();
    form.lines_needle = needle;
    Ok((form, rows))
}
