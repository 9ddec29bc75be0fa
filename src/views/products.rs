//! Catalogue pages: product list, product page, product form, suppliers.

use askama::Template;

use super::Frame;
use super::form::FieldErrors;
use super::pager::Pager;
use super::stock::Choice;

#[derive(Debug, Clone)]
pub struct ProductLine {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub needle: String,
    pub unit: String,
    pub pack: String,
    pub supplier: String,
    pub usable: String,
    pub min: String,
    pub low: bool,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "products/list.html")]
pub struct ProductListPage {
    pub frame: Frame,
    pub filters: super::filters::ProductFilterForm,
    pub rows: Vec<ProductLine>,
    pub pager: Pager,
    pub can_manage: bool,
}

#[derive(Debug, Clone)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct LotPlace {
    pub location: String,
    pub quantity: String,
}

#[derive(Debug, Clone)]
pub struct LotLine {
    pub id: i64,
    pub lot: String,
    pub expiry: String,
    pub use_by: String,
    /// Shown when use-by differs from expiry (opened container).
    pub opened: bool,
    pub places: Vec<LotPlace>,
    pub total: String,
    pub status: &'static str,
    pub badge: &'static str,
}

#[derive(Debug, Clone)]
pub struct PlaceLine {
    pub site: String,
    pub location: String,
    pub name: String,
    pub usable: String,
    pub expired: String,
    pub quarantined: String,
}

#[derive(Debug, Clone)]
pub struct HistoryLine {
    pub id: i64,
    pub when: String,
    pub kind: String,
    pub reason: String,
    pub lot_id: i64,
    pub lot: String,
    pub location: String,
    pub delta: String,
    pub positive: bool,
    pub user: String,
    pub session_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "products/show.html")]
pub struct ProductPage {
    pub frame: Frame,
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub active: bool,
    pub facts: Vec<Fact>,
    pub usable: String,
    pub expired: String,
    pub quarantined: String,
    /// Sent orders still to come ("0" when none).
    pub on_order: String,
    pub places: Vec<PlaceLine>,
    pub lots: Vec<LotLine>,
    pub empty_lots_hidden: usize,
    pub all_lots: bool,
    /// None when the viewer may not see the ledger.
    pub history: Option<Vec<HistoryLine>>,
    pub history_pager: Pager,
    pub can_manage: bool,
    /// This record's audit rows (None: the viewer may not read the audit log).
    pub audit_history: Option<Vec<crate::views::audit::AuditLine>>,
}

/// The product form's values, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProductFormValues {
    /// Back to `/receive` with this scan once created (from "Create a
    /// product with GTIN …" on an unknown scan); empty otherwise.
    #[serde(default)]
    pub receive_gs1: String,
    #[serde(default)]
    pub receive_place: String,
    #[serde(default)]
    pub sku: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub pack_size: String,
    #[serde(default)]
    pub needle_length_mm: String,
    #[serde(default)]
    pub gtin: String,
    #[serde(default)]
    pub supplier_id: String,
    #[serde(default)]
    pub unit_cost: String,
    #[serde(default)]
    pub lead_time_days: String,
    #[serde(default)]
    pub min_level: String,
    #[serde(default)]
    pub max_level: String,
    #[serde(default)]
    pub max_per_session: String,
    #[serde(default)]
    pub use_within_days_of_opening: String,
    /// Anaesthetic: longest contact time, minutes.
    #[serde(default)]
    pub max_contact_minutes: String,
}

#[derive(Template)]
#[template(path = "products/form.html")]
pub struct ProductFormPage {
    pub frame: Frame,
    /// None for a new product.
    pub id: Option<i64>,
    pub v: ProductFormValues,
    pub errors: FieldErrors,
    pub categories: Vec<Choice>,
    pub units: Vec<Choice>,
    pub suppliers: Vec<Choice>,
    pub needles: Vec<Choice>,
    pub currency: String,
}

impl ProductFormPage {
    pub fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/products/{id}"),
            None => "/products".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SupplierLine {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub lead_time_days: String,
    pub products: i64,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SupplierFormValues {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub lead_time_days: String,
}

#[derive(Template)]
#[template(path = "products/suppliers.html")]
pub struct SuppliersPage {
    pub frame: Frame,
    pub rows: Vec<SupplierLine>,
    pub v: SupplierFormValues,
    pub errors: FieldErrors,
    pub can_manage: bool,
}

#[derive(Template)]
#[template(path = "products/supplier_form.html")]
pub struct SupplierEditPage {
    pub frame: Frame,
    pub id: i64,
    pub v: SupplierFormValues,
    pub errors: FieldErrors,
}
