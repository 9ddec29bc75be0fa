//! The home page (later: the stock dashboard for managers).

use actix_web::{HttpResponse, web};

use super::pages::{PageError, render};
use crate::auth::CurrentUser;
use crate::views::Frame;
use crate::views::home::HomePage;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

async fn home(user: CurrentUser) -> Result<HttpResponse, PageError> {
    render(&HomePage {
        frame: Frame::new(&user, "Home", "/"),
    })
}
