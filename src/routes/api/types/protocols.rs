//! Bodies of `/api/v1/protocols`: a protocol in and out.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Codes, Needle, Qty, Scalar};
use crate::services::protocols::{ProtocolDraft, ProtocolLineDraft, ProtocolView};

/// `POST /api/v1/protocols`, `PUT /api/v1/protocols/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProtocolBody {
    pub name: Option<Scalar>,
    pub indication: Option<Scalar>,
    pub needle_min_mm: Option<Scalar>,
    pub needle_max_mm: Option<Scalar>,
    #[serde(default)]
    pub addons: Codes,
    pub notes: Option<Scalar>,
    pub active: Option<bool>,
    pub lines: Option<Vec<ProtocolLineBody>>,
}

/// One line of a protocol.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProtocolLineBody {
    pub product_id: Option<Scalar>,
    pub quantity: Option<Scalar>,
}

impl ProtocolBody {
    pub fn draft(&self) -> ProtocolDraft {
        let t = Scalar::text;
        ProtocolDraft {
            name: t(&self.name),
            indication: t(&self.indication),
            needle_min_mm: t(&self.needle_min_mm),
            needle_max_mm: t(&self.needle_max_mm),
            addons: self.addons.0.clone(),
            notes: t(&self.notes),
            active: self.active,
            lines: self
                .lines
                .iter()
                .flatten()
                .map(|l| ProtocolLineDraft {
                    product_id: t(&l.product_id),
                    quantity: t(&l.quantity),
                })
                .collect(),
        }
    }
}

/// One line of a protocol, with its product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolLineOut {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub needle_length_mm: Option<Needle>,
    pub quantity: Qty,
}

/// A treatment protocol: its needle range and default lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolOut {
    pub id: i64,
    pub name: String,
    pub indication: String,
    pub needle_min_mm: Needle,
    pub needle_max_mm: Needle,
    pub addons: Vec<String>,
    pub notes: Option<String>,
    pub active: bool,
    pub lines: Vec<ProtocolLineOut>,
}

impl From<&ProtocolView> for ProtocolOut {
    fn from(v: &ProtocolView) -> Self {
        let p = &v.protocol;
        ProtocolOut {
            id: p.id,
            name: p.name.clone(),
            indication: p.indication.code().to_string(),
            needle_min_mm: Needle(p.needle_min),
            needle_max_mm: Needle(p.needle_max),
            addons: v.addons().iter().map(|a| a.code().to_string()).collect(),
            notes: p.notes.clone(),
            active: p.active,
            lines: v
                .lines
                .iter()
                .map(|(l, prod)| ProtocolLineOut {
                    product_id: l.product_id,
                    sku: prod.sku.clone(),
                    name: prod.name.clone(),
                    unit: prod.unit.code().to_string(),
                    needle_length_mm: prod.needle_length.map(Needle),
                    quantity: Qty(l.quantity),
                })
                .collect(),
        }
    }
}
