//! The home page: the stock dashboard for managers and admins, the simpler
//! "what is in my site" with "My sessions today" for practitioners
//! (`?site=` switches site).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, render};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::CurrentUser;
use crate::services::{dashboard, first_steps, sessions};
use crate::views::Frame;
use crate::views::home::{DashboardPage, GetStarted, HomeFigures, MySitePage, TodayRow};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

#[derive(Deserialize, Default)]
pub struct SiteParam {
    #[serde(default)]
    site: String,
}

async fn home(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<SiteParam>,
) -> Result<HttpResponse, PageError> {
    let actor = user.actor.clone();
    let code = q.into_inner().site;
    let cache = state.dashboard.clone();
    let d = state
        .run(move |conn| {
            let code = Some(code.as_str()).filter(|c| !c.is_empty());
            dashboard::dashboard(conn, &cache, &actor, code)
        })
        .await?;
    let f = HomeFigures::new(&d);
    if user.may(Action::ViewAlerts) {
        let actor = user.actor.clone();
        let steps = state
            .run(move |conn| first_steps::checklist(conn, &actor))
            .await?;
        render(&DashboardPage {
            frame: Frame::new(&user, format!("Stock · {}", f.site_name), "/"),
            f,
            get_started: steps.map(GetStarted::new),
        })
    } else {
        // "My sessions today" at the site shown, on its local day.
        let actor = user.actor.clone();
        let site_id = d.site.id;
        let (today, rows) = state
            .run(move |conn| {
                sessions::query::my_sessions_today(conn, &actor, site_id, crate::db::now())
            })
            .await?;
        render(&MySitePage {
            frame: Frame::new(&user, format!("What is in {}", f.site_name), "/"),
            f,
            today_sessions: rows.iter().map(TodayRow::from_row).collect(),
            sessions_day: today.to_string(),
        })
    }
}
