//! Admin pages: users.

use askama::Template;

use super::Frame;
use crate::error::FieldError;

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub site: String,
    pub active: bool,
    pub is_self: bool,
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
    pub errors: Vec<FieldError>,
}

impl UsersPage {
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
