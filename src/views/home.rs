//! Placeholder home used until the stock dashboard exists.

use askama::Template;

use super::Frame;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub frame: Frame,
}
