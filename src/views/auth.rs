//! Login and first-admin setup pages.

use askama::Template;

use super::Frame;

#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub frame: Frame,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
    /// No user exists yet: say that the first admin is made through the
    /// setup link.
    pub setup_pending: bool,
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
pub struct SetupPage {
    pub frame: Frame,
    pub token: String,
    pub username: String,
    /// The zone chosen (empty on first display: the browser's is guessed).
    pub time_zone: String,
    pub zones: Vec<super::sites_admin::ZoneChoice>,
    pub errors: super::form::FieldErrors,
}
