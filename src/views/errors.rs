//! The error page.

use askama::Template;

use super::Frame;

#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    pub frame: Frame,
    pub status: u16,
    pub heading: String,
    pub message: String,
}
