//! Bodies of `/api/v1/products` and `/api/v1/suppliers`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Needle, Qty, Scalar, present};
use crate::db::models::{Product, Supplier};
use crate::services::catalog::{ProductDraft, SupplierDraft};

/// `POST /api/v1/products` and `PATCH /api/v1/products/{id}`. On a patch a
/// field left out is unchanged and `null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProductBody {
    #[serde(default, deserialize_with = "present")]
    pub sku: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Scalar>,
    /// `disposable`, `roller`, `cartridge`, `serum`, …
    #[serde(default, deserialize_with = "present")]
    pub category: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub unit: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub pack_size: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub needle_length_mm: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub gtin: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub supplier_id: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub unit_cost_cents: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub lead_time_days: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub min_level: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub max_level: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub max_per_session: Option<Scalar>,
    #[serde(default, deserialize_with = "present")]
    pub use_within_days_of_opening: Option<Scalar>,
    /// Longest contact time of a topical anaesthetic, minutes.
    #[serde(default, deserialize_with = "present")]
    pub max_contact_minutes: Option<Scalar>,
    pub active: Option<bool>,
}

impl ProductBody {
    pub fn draft(self) -> ProductDraft {
        let r = |v: Option<Scalar>| v.map(|s| s.0);
        ProductDraft {
            sku: r(self.sku),
            name: r(self.name),
            category: r(self.category),
            unit: r(self.unit),
            pack_size: r(self.pack_size),
            needle_length_mm: r(self.needle_length_mm),
            gtin: r(self.gtin),
            supplier_id: r(self.supplier_id),
            unit_cost_cents: r(self.unit_cost_cents),
            unit_cost: None,
            lead_time_days: r(self.lead_time_days),
            min_level: r(self.min_level),
            max_level: r(self.max_level),
            max_per_session: r(self.max_per_session),
            use_within_days_of_opening: r(self.use_within_days_of_opening),
            max_contact_minutes: r(self.max_contact_minutes),
            active: self.active,
        }
    }
}

/// A product of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductOut {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub unit: String,
    pub pack_size: Qty,
    pub needle_length_mm: Option<Needle>,
    pub gtin: Option<String>,
    pub supplier_id: Option<i64>,
    pub unit_cost_cents: Option<i64>,
    pub lead_time_days: Option<i32>,
    pub min_level: Option<Qty>,
    pub max_level: Option<Qty>,
    pub max_per_session: Option<Qty>,
    pub use_within_days_of_opening: Option<i32>,
    pub max_contact_minutes: Option<i32>,
    pub active: bool,
}

impl From<&Product> for ProductOut {
    fn from(p: &Product) -> Self {
        ProductOut {
            id: p.id,
            sku: p.sku.clone(),
            name: p.name.clone(),
            category: p.category.code().to_string(),
            unit: p.unit.code().to_string(),
            pack_size: Qty(p.pack_size),
            needle_length_mm: p.needle_length.map(Needle),
            gtin: p.gtin.clone(),
            supplier_id: p.supplier_id,
            unit_cost_cents: p.unit_cost_cents,
            lead_time_days: p.lead_time_days,
            min_level: p.min_level.map(Qty),
            max_level: p.max_level.map(Qty),
            max_per_session: p.max_per_session.map(Qty),
            use_within_days_of_opening: p.use_within_days,
            max_contact_minutes: p.max_contact_minutes,
            active: p.active,
        }
    }
}

/// `POST /api/v1/suppliers`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SupplierBody {
    pub name: String,
    pub email: Option<String>,
    pub lead_time_days: Option<Scalar>,
}

impl SupplierBody {
    pub fn draft(self) -> SupplierDraft {
        SupplierDraft {
            name: self.name,
            email: self.email,
            lead_time_days: self.lead_time_days.map(|s| s.0),
        }
    }
}

/// A supplier.
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierOut {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub lead_time_days: Option<i32>,
}

impl From<&Supplier> for SupplierOut {
    fn from(s: &Supplier) -> Self {
        SupplierOut {
            id: s.id,
            name: s.name.clone(),
            email: s.email.clone(),
            lead_time_days: s.lead_time_days,
        }
    }
}
