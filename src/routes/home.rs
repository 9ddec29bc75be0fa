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
    // One blocking hop: the figures, then what the page adds for this role
    // (a manager's first steps; a practitioner's sessions today at the
    // site shown, on its local day).
    let manager_view = user.may(Action::ViewAlerts);
    let (d, extra) = state
        .run(move |conn| {
            let code = Some(code.as_str()).filter(|c| !c.is_empty());
            let d = dashboard::dashboard(conn, &cache, &actor, code)?;
            let extra = if manager_view {
                Extra::Steps(first_steps::checklist(conn, &actor)?)
            } else {
                let site_id = d.site.id;
                let (today, rows) =
                    sessions::query::my_sessions_today(conn, &actor, site_id, crate::db::now())?;
                Extra::Today(today, rows)
            };
            Ok((d, extra))
        })
        .await?;
    let f = HomeFigures::new(&d);
    match extra {
        Extra::Steps(steps) => render(&DashboardPage {
            frame: Frame::new(&user, format!("Stock · {}", f.site_name), "/"),
            f,
            get_started: steps.map(GetStarted::new),
        }),
        Extra::Today(today, rows) => render(&MySitePage {
            frame: Frame::new(&user, format!("What is in {}", f.site_name), "/"),
            f,
            today_sessions: rows.iter().map(TodayRow::from_row).collect(),
            sessions_day: today.to_string(),
        }),
    }
}

/// What the home page shows besides the figures.
enum Extra {
    Steps(Option<Vec<first_steps::Step>>),
    Today(chrono::NaiveDate, Vec<crate::db::sessions::SessionRow>),
}
