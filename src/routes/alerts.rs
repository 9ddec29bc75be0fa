//! `/alerts` (managers and admins): what needs attention today, for the
//! user's site, the site picked, or every site.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, render};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::CurrentUser;
use crate::services::alerts;
use crate::views::Frame;
use crate::views::alerts::AlertsPageView;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/alerts", web::get().to(page));
}

#[derive(Deserialize, Default)]
pub struct SiteParam {
    #[serde(default)]
    site: String,
}

async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<SiteParam>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewAlerts)?;
    let actor = user.actor.clone();
    let code = q.into_inner().site;
    let p = state
        .run(move |conn| {
            let code = Some(code.trim()).filter(|c| !c.is_empty());
            alerts::page(conn, &actor, code, crate::db::now())
        })
        .await?;
    // The page has just counted the user's whole scope: the menu badge
    // (here and on later pages) agrees with it.
    let mut count = user.alert_count;
    if p.picked.is_none() || user.actor.bound_site().is_some() {
        let total = p.alerts.iter().map(alerts::Alerts::count).sum();
        state.alert_badge.put(&user.actor, total);
        count = Some(total);
    }
    let frame = Frame::new(&user, "Alerts", "/alerts").with_alert_count(count);
    render(&AlertsPageView::new(frame, &p, state.mailer.is_some()))
}
