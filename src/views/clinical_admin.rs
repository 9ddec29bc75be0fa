//! Admin pages of the clinical lists: treatment areas (add, rename, retire,
//! bring back) and the indications' usual needle ranges.

use askama::Template;

use super::Frame;
use super::form::FieldErrors;

/// One treatment area on the admin page.
#[derive(Debug, Clone)]
pub struct AreaLine {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub active: bool,
    /// The rename typed for this line when it came back with an error.
    pub typed: Option<String>,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin/areas.html")]
pub struct AreasPage {
    pub frame: Frame,
    pub areas: Vec<AreaLine>,
    /// The add form as typed (when it came back with an error).
    pub new_name: String,
    pub new_errors: FieldErrors,
}
