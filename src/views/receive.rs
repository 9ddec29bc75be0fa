//! The receive form (full page, and the parts htmx swaps: the whole form
//! after a scan, the check box after a quantity change).

use askama::Template;

use super::Frame;
use super::form::FieldErrors;
use super::stock::Choice;

/// The form's values as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReceiveFormValues {
    #[serde(default)]
    pub gs1: String,
    #[serde(default)]
    pub product_id: String,
    #[serde(default)]
    pub lot: String,
    #[serde(default)]
    pub expiry: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub quantity_in: String,
    #[serde(default)]
    pub unit_cost: String,
    /// `site/location`.
    #[serde(default)]
    pub place: String,
}

#[derive(Debug, Clone)]
pub struct ProductGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone)]
pub struct ScannedView {
    pub text: String,
    pub gtin: String,
    pub lot: String,
    pub expiry: String,
    pub serial: String,
}

#[derive(Debug, Clone, Default)]
pub struct CheckView {
    pub product: String,
    pub pack: String,
    pub conversion: String,
}

#[derive(Debug, Clone)]
pub struct ReceiveView {
    pub v: ReceiveFormValues,
    pub products: Vec<ProductGroup>,
    pub places: Vec<Choice>,
    pub errors: FieldErrors,
    pub scanned: Option<ScannedView>,
    pub unknown_gtin: Option<String>,
    /// "Create a product with GTIN …": the product form, told to come back
    /// here with this scan and place once the product is created.
    pub create_product_href: Option<String>,
    pub check: CheckView,
    pub currency: String,
    /// The field to put the cursor in: "gs1" (ready for the next scan) or "quantity".
    pub focus: &'static str,
    /// A save was tried (and refused): say that nothing was received.
    pub attempted: bool,
}

impl ReceiveView {
    pub fn packs(&self) -> bool {
        self.v.quantity_in == "packs"
    }
}

#[derive(Template)]
#[template(path = "receive/page.html")]
pub struct ReceivePage {
    pub frame: Frame,
    pub r: ReceiveView,
}

#[derive(Template)]
#[template(path = "receive/form_partial.html")]
pub struct ReceiveFormPartial {
    pub frame: Frame,
    pub r: ReceiveView,
}

#[derive(Template)]
#[template(path = "receive/check_partial.html")]
pub struct ReceiveCheckPartial {
    pub frame: Frame,
    pub r: ReceiveView,
}
