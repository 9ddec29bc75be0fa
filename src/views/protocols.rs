//! Protocol pages (managers): the list and the create/edit form.

use askama::Template;

use super::Frame;
use super::sessions::{Check, Choice, ProductGroup};

/// A protocol in the list.
#[derive(Debug, Clone)]
pub struct ProtocolRow {
    pub id: i64,
    pub name: String,
    pub indication: String,
    pub range: String,
    /// One default line per item ("Roller 1.5 mm 1 each"), shown as a list.
    pub lines: Vec<String>,
    pub addons: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "protocols/list.html")]
pub struct ProtocolListPage {
    pub frame: Frame,
    pub rows: Vec<ProtocolRow>,
    pub can_edit: bool,
}

/// A default line as typed.
#[derive(Debug, Clone)]
pub struct ProtocolLineRow {
    pub index: usize,
    pub product_id: String,
    pub quantity: String,
    pub error: Option<String>,
}

impl ProtocolLineRow {
    pub fn is_product(&self, id: &i64) -> bool {
        self.product_id == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "protocols/form.html")]
pub struct ProtocolFormPage {
    pub frame: Frame,
    /// None: a new protocol.
    pub id: Option<i64>,
    pub name: String,
    pub indications: Vec<Choice>,
    pub needle_min_mm: String,
    pub needle_max_mm: String,
    pub addons: Vec<Check>,
    pub notes: String,
    pub active: bool,
    pub lines: Vec<ProtocolLineRow>,
    pub products: Vec<ProductGroup>,
    pub errors: super::form::FieldErrors,
    pub message: Option<String>,
}

impl ProtocolFormPage {
    pub fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/protocols/{id}"),
            None => "/protocols/new".into(),
        }
    }
}
