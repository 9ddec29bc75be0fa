//! The product filter of the products and stock lists: its query parameters,
//! what they mean as a `ProductFilter`, the parameters a pager keeps, and the
//! form shown again (`views::filters::ProductFilterForm`).

use serde::Deserialize;

use crate::db::catalog::ProductFilter;
use crate::db::models::Supplier;
use crate::domain::NeedleLength;
use crate::domain::needle::fmt_needle;
use crate::domain::vocab::Category;
use crate::services::dashboard;
use crate::views::filters::ProductFilterForm;
use crate::views::form::Choice;

/// The filter's query parameters, as typed (every one optional).
#[derive(Deserialize, Default, Clone, Debug)]
pub struct ProductFilterParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub needle_length_mm: String,
    #[serde(default)]
    pub supplier_id: String,
    #[serde(default)]
    pub archived: String,
}

/// The filter understood: unknown values are ignored (a filter, not a form).
#[derive(Debug, Clone)]
pub struct ProductFilterQuery {
    pub filter: ProductFilter,
    q: String,
    category: Option<Category>,
    needle: Option<i32>,
    supplier_id: Option<i64>,
    /// "", "only" or "all".
    archived: String,
}

impl ProductFilterParams {
    pub fn parse(&self) -> ProductFilterQuery {
        let q = self.q.trim().to_string();
        let category = Category::parse(&self.category);
        let needle = NeedleLength::parse(&self.needle_length_mm)
            .ok()
            .map(|n| n.0);
        let supplier_id = self.supplier_id.trim().parse::<i64>().ok();
        let archived = match self.archived.as_str() {
            "only" | "all" => self.archived.clone(),
            _ => String::new(),
        };
        let filter = ProductFilter {
            search: Some(q.clone()).filter(|s| !s.is_empty()),
            category,
            needle_length: needle,
            supplier_id,
            archived: match archived.as_str() {
                "only" => Some(true),
                "all" => Some(false),
                _ => None,
            },
            ids: None,
        };
        ProductFilterQuery {
            filter,
            q,
            category,
            needle,
            supplier_id,
            archived,
        }
    }
}

impl ProductFilterQuery {
    /// The parameters a pager link keeps (empty ones are dropped by the pager).
    pub fn keep(&self) -> Vec<(&'static str, String)> {
        vec![
            ("q", self.q.clone()),
            (
                "category",
                self.category
                    .map(|c| c.code().to_string())
                    .unwrap_or_default(),
            ),
            (
                "needle_length_mm",
                self.needle.map(fmt_needle).unwrap_or_default(),
            ),
            (
                "supplier_id",
                self.supplier_id.map(|s| s.to_string()).unwrap_or_default(),
            ),
            ("archived", self.archived.clone()),
        ]
    }

    /// The form of the stock list: sites, search, category and needle.
    pub fn stock_form(&self, sites: Vec<Choice>) -> ProductFilterForm {
        ProductFilterForm {
            action: "/stock",
            id: "stock-filters",
            sites,
            q: self.q.clone(),
            categories: category_choices(self.category.map(Category::code).unwrap_or("")),
            needles: needle_choices(self.needle),
            catalogue: false,
            suppliers: Vec::new(),
            archived: Vec::new(),
        }
    }

    /// The form of the products list: also supplier and archived status.
    pub fn catalogue_form(&self, suppliers: &[Supplier]) -> ProductFilterForm {
        ProductFilterForm {
            action: "/products",
            id: "product-filters",
            sites: Vec::new(),
            q: self.q.clone(),
            categories: category_choices(self.category.map(Category::code).unwrap_or("")),
            needles: needle_choices(self.needle),
            catalogue: true,
            suppliers: suppliers
                .iter()
                .map(|s| Choice {
                    value: s.id.to_string(),
                    label: s.name.clone(),
                    selected: Some(s.id) == self.supplier_id,
                })
                .collect(),
            archived: [("", "Active"), ("only", "Archived"), ("all", "All")]
                .iter()
                .map(|(v, l)| Choice::new(*v, *l, &self.archived))
                .collect(),
        }
    }
}

/// Category choices for filter selects.
pub fn category_choices(selected: &str) -> Vec<Choice> {
    Category::ALL
        .iter()
        .map(|c| Choice::new(c.code(), c.label(), selected))
        .collect()
}

/// Needle-length choices (the standard lengths plus the selected one).
pub fn needle_choices(selected: Option<i32>) -> Vec<Choice> {
    let mut lengths: Vec<i32> = dashboard::STANDARD_NEEDLES.to_vec();
    if let Some(n) = selected
        && !lengths.contains(&n)
    {
        lengths.push(n);
        lengths.sort_unstable();
    }
    lengths
        .into_iter()
        .map(|n| Choice {
            value: fmt_needle(n),
            label: format!("{} mm", fmt_needle(n)),
            selected: Some(n) == selected,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_ignored_and_known_ones_kept() {
        let p = ProductFilterParams {
            q: "  roller ".into(),
            category: "nonsense".into(),
            needle_length_mm: "1.5".into(),
            supplier_id: "x".into(),
            archived: "only".into(),
        };
        let f = p.parse();
        assert_eq!(f.filter.search.as_deref(), Some("roller"));
        assert_eq!(f.filter.category, None);
        assert_eq!(f.filter.needle_length, Some(150));
        assert_eq!(f.filter.supplier_id, None);
        assert_eq!(f.filter.archived, Some(true));
        let keep = f.keep();
        assert!(keep.contains(&("needle_length_mm", "1.5".to_string())));
        assert!(keep.contains(&("archived", "only".to_string())));
        let form = f.catalogue_form(&[]);
        assert!(form.needles.iter().any(|n| n.selected && n.value == "1.5"));
        assert!(
            form.archived
                .iter()
                .any(|a| a.selected && a.value == "only")
        );
    }
}
