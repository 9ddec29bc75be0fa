//! The signed-in user's own account page (`/account`): their details,
//! the daily digest choice (managers and admins) and a new password.

use askama::Template;

use super::Frame;
use super::form::FieldErrors;

/// The details form's values (as stored, or as typed when refused).
#[derive(Debug, Clone, Default)]
pub struct AccountValues {
    pub display_name: String,
    pub email: String,
    pub digest_enabled: bool,
}

#[derive(Template)]
#[template(path = "account/show.html")]
pub struct AccountPage {
    pub frame: Frame,
    pub username: String,
    pub role: String,
    /// The site they work at ("all sites" when not bound to one).
    pub site: String,
    pub v: AccountValues,
    /// Managers and admins get the daily digest: only they see the choice.
    pub shows_digest: bool,
    /// Whether this server can send mail at all.
    pub mail_ready: bool,
    /// Problems with the details form.
    pub errors: FieldErrors,
    /// Problems with the password form.
    pub password_errors: FieldErrors,
}
