//! Admin pages: users.

use askama::Template;

use super::Frame;

pub struct UserRow {
    pub id: i64,
    pub username: String,
    /// Their display name, when set.
    pub display_name: Option<String>,
    pub role: String,
    pub site: String,
    pub active: bool,
    pub is_self: bool,
    /// Failed sign-ins counted for this user name, if any.
    pub sign_in: Option<SignInState>,
}

pub struct SignInState {
    pub failures: i64,
    pub locked: bool,
}

pub struct TokenRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub expires: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
pub struct TokensPage {
    pub frame: Frame,
    pub tokens: Vec<TokenRow>,
    /// Active users a token may be made for.
    pub users: Vec<String>,
    /// The user whose tokens are listed (empty: everyone's).
    pub filter: String,
    pub form_username: String,
    pub form_name: String,
    pub form_expires_on: String,
    pub errors: super::form::FieldErrors,
    /// A token just made, shown this once.
    pub new_token: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub frame: Frame,
    pub users: Vec<UserRow>,
    pub sites: Vec<(String, String)>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub form_username: String,
    pub form_role: String,
    pub form_site: String,
    pub form_display_name: String,
    pub form_email: String,
    pub errors: super::form::FieldErrors,
}
