//! "Write off all expired stock" of a site, in two steps so that one tap
//! never writes anything: the dashboard's button posts without `confirm`
//! and gets the page listing every expired (lot, location) that would be
//! written off; that page's button posts `confirm=yes` with the listed
//! positions, and exactly those are written off (one `adjust` row with
//! reason `expired` each), then back to the dashboard with a summary.

use actix_web::{HttpResponse, web};

use super::pages::{PageError, Posted, flash_redirect, render};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::CurrentUser;
use crate::services::{adjustments, write_off};
use crate::views::Frame;
use crate::views::write_off::{WriteOffPage, WriteOffRow};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/stock/write-off-expired",
        web::post().to(write_off_expired),
    );
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// `POST /stock/write-off-expired`: fields `site`, and to act `confirm=yes`
/// with `position={lot id}:{location id}` for each listed position.
async fn write_off_expired(
    state: web::Data<AppState>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::AdjustStock)?;
    let site = field(&form, "site").map(str::to_string);
    let positions: Vec<(i64, i64)> = form
        .iter()
        .filter(|(k, _)| k == "position")
        .filter_map(|(_, v)| {
            let (lot, loc) = v.trim().split_once(':')?;
            Some((lot.parse().ok()?, loc.parse().ok()?))
        })
        .collect();
    if field(&form, "confirm") != Some("yes") || positions.is_empty() {
        return confirm_page(&state, &user, site).await;
    }
    let actor = user.actor.clone();
    let done = state
        .run(move |conn| {
            adjustments::write_off_expired(conn, &actor, site.as_deref(), Some(&positions))
        })
        .await?;
    flash_redirect(&state, &user, "/", done.summary()).await
}

/// The list of what would be written off, with the confirming form.
async fn confirm_page(
    state: &AppState,
    user: &CurrentUser,
    site: Option<String>,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let (site, items) = state
        .run(move |conn| write_off::expired_to_write_off(conn, &actor, site.as_deref()))
        .await?;
    render(&WriteOffPage {
        frame: Frame::new(user, "Write off expired stock", "/"),
        site_code: site.code.clone(),
        site_name: site.name.clone(),
        rows: items.iter().map(WriteOffRow::from_item).collect(),
    })
}
