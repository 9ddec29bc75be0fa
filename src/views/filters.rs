//! The product filter form the products list and the stock list share
//! (`templates/partials/product_filters.html`): one set of fields, one look,
//! one place to add a filter.

use super::form::Choice;

#[derive(Debug, Clone)]
pub struct ProductFilterForm {
    /// Where the form goes (`/products`, `/stock`); also its "Clear" link.
    pub action: &'static str,
    /// The form's element id.
    pub id: &'static str,
    /// Sites to choose from: the select shows only with more than one.
    pub sites: Vec<Choice>,
    pub q: String,
    pub categories: Vec<Choice>,
    pub needles: Vec<Choice>,
    /// The products list also filters by supplier and archived status.
    pub catalogue: bool,
    pub suppliers: Vec<Choice>,
    pub archived: Vec<Choice>,
}

impl ProductFilterForm {
    pub fn several_sites(&self) -> bool {
        self.sites.len() > 1
    }
}
