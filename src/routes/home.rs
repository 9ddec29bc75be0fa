//! The home page: the stock dashboard for managers and admins, the simpler
//! "what is in my site" for practitioners (`?site=` switches site).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, render};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::CurrentUser;
use crate::services::dashboard;
use crate::views::Frame;
use crate::views::home::{DashboardPage, HomeFigures, MySitePage};

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
        render(&DashboardPage {
            frame: Frame::new(&user, format!("Stock · {}", f.site_name), "/"),
            f,
        })
    } else {
        render(&MySitePage {
            frame: Frame::new(&user, format!("What is in {}", f.site_name), "/"),
            f,
        })
    }
}
