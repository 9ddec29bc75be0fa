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

/// One indication on the needle ranges page: its range (mm) or none.
#[derive(Debug, Clone)]
pub struct RangeRow {
    pub indication: String,
    pub label: String,
    /// The range's id when the indication has one.
    pub id: Option<i64>,
    /// Bounds as shown in the row's inputs (typed values when it came back).
    pub min: String,
    pub max: String,
    pub errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin/needle_ranges.html")]
pub struct RangesPage {
    pub frame: Frame,
    pub rows: Vec<RangeRow>,
    /// The indications without a range (the add form's choices).
    pub free: Vec<(String, String)>,
    /// The add form as typed.
    pub new_indication: String,
    pub new_min: String,
    pub new_max: String,
    pub new_errors: FieldErrors,
}
