//! Bodies of `/api/v1/purchase-orders`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Day, Qty, Scalar, Time};
use crate::services::orders::receive::{OrderReceiptDraft, ReceiveLineDraft};
use crate::services::orders::{LineDraft, OrderSummary, OrderView, SendDraft, order_number};
use crate::services::receiving::Received;

/// One line of an order: a product and how many packs.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderLineBody {
    pub product_id: Option<Scalar>,
    pub packs: Option<Scalar>,
    /// Price of one pack in cents (default: the product's cost × pack size).
    pub pack_cost_cents: Option<Scalar>,
}

impl OrderLineBody {
    fn draft(&self) -> LineDraft {
        LineDraft {
            product_id: Scalar::text(&self.product_id),
            packs: Scalar::text(&self.packs),
            pack_cost_cents: Scalar::text(&self.pack_cost_cents),
            pack_cost: None,
        }
    }
}

/// Lines as drafts (none when absent).
pub fn line_drafts(lines: &Option<Vec<OrderLineBody>>) -> Vec<LineDraft> {
    lines.iter().flatten().map(OrderLineBody::draft).collect()
}

/// `POST /api/v1/purchase-orders`: a draft order by hand.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderBody {
    pub site: Option<Scalar>,
    pub supplier_id: Option<Scalar>,
    pub note: Option<Scalar>,
    pub lines: Option<Vec<OrderLineBody>>,
}

/// `PATCH /api/v1/purchase-orders/{id}`: `lines`, when given, replace the
/// draft's lines.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderEditBody {
    pub note: Option<Scalar>,
    pub lines: Option<Vec<OrderLineBody>>,
}

/// A product picked from the reorder report, with packs to override the
/// suggestion.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PickBody {
    pub product_id: Option<i64>,
    pub packs: Option<Scalar>,
}

/// `POST /api/v1/purchase-orders/from-reorder`: one draft per supplier;
/// without products, every "order now" row of the report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FromReorderBody {
    pub site: Option<Scalar>,
    pub as_of: Option<Scalar>,
    pub window: Option<Scalar>,
    pub product_ids: Option<Vec<i64>>,
    pub lines: Option<Vec<PickBody>>,
}

/// `POST /api/v1/purchase-orders/{id}/send` (body optional).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendBody {
    /// The day it was sent (default today).
    pub sent_on: Option<Scalar>,
    pub email_text: Option<Scalar>,
}

impl SendBody {
    pub fn draft(&self) -> SendDraft {
        SendDraft {
            sent_on: Scalar::text(&self.sent_on),
            email_text: Scalar::text(&self.email_text),
        }
    }
}

/// `POST /api/v1/purchase-orders/{id}/cancel` (body optional).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelBody {
    pub reason: Option<Scalar>,
}

/// `POST /api/v1/purchase-orders/{id}/email`: no fields yet (body optional).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailBody {}

/// One line received against an order: by `line_id` or `product_id` (or a
/// GS1 scan), with the lot and expiry.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiveLineBody {
    pub line_id: Option<Scalar>,
    pub product_id: Option<Scalar>,
    pub gs1: Option<Scalar>,
    pub lot: Option<Scalar>,
    pub expiry: Option<Scalar>,
    pub quantity: Option<Scalar>,
    pub quantity_in: Option<Scalar>,
}

/// `POST /api/v1/purchase-orders/{id}/receive`: partial receipt allowed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderReceiveBody {
    pub location: Option<Scalar>,
    pub received_at: Option<Scalar>,
    pub note: Option<Scalar>,
    pub lines: Option<Vec<ReceiveLineBody>>,
}

impl OrderReceiveBody {
    pub fn draft(&self) -> OrderReceiptDraft {
        let t = Scalar::text;
        OrderReceiptDraft {
            location: t(&self.location),
            received_at: t(&self.received_at),
            note: t(&self.note),
            lines: self
                .lines
                .iter()
                .flatten()
                .map(|l| ReceiveLineDraft {
                    line_id: t(&l.line_id),
                    product_id: t(&l.product_id),
                    gs1: t(&l.gs1),
                    lot: t(&l.lot),
                    expiry: t(&l.expiry),
                    quantity: t(&l.quantity),
                    quantity_in: t(&l.quantity_in),
                })
                .collect(),
        }
    }
}

/// One line of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderLineOut {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub packs: i64,
    pub pack_size: Qty,
    pub pack_cost_cents: i64,
    pub cost_cents: i64,
    pub ordered: Qty,
    pub received: Qty,
    pub open: Qty,
}

/// A purchase order with its lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    pub id: i64,
    pub number: String,
    pub site: String,
    pub supplier_id: i64,
    pub supplier: String,
    /// `draft`, `sent`, `partial`, `received` or `cancelled`.
    pub status: String,
    pub created_at: Time,
    pub created_by_name: String,
    pub sent_at: Option<Time>,
    pub closed_at: Option<Time>,
    pub note: Option<String>,
    pub email_text: Option<String>,
    pub sent_to: Option<String>,
    pub total_cents: i64,
    pub lines: Vec<OrderLineOut>,
}

impl From<&OrderView> for OrderOut {
    fn from(v: &OrderView) -> Self {
        let o = &v.order;
        OrderOut {
            id: o.id,
            number: v.number(),
            site: v.site.code.clone(),
            supplier_id: v.supplier.id,
            supplier: v.supplier.name.clone(),
            status: v.status.code().to_string(),
            created_at: Time(o.created_at),
            created_by_name: v.created_by.clone(),
            sent_at: o.sent_at.map(Time),
            closed_at: o.closed_at.map(Time),
            note: o.note.clone(),
            email_text: o.email_text.clone(),
            sent_to: o.sent_to.clone(),
            total_cents: v.total_cents(),
            lines: v
                .lines
                .iter()
                .map(|l| OrderLineOut {
                    id: l.line.id,
                    product_id: l.product.id,
                    sku: l.product.sku.clone(),
                    name: l.product.name.clone(),
                    unit: l.product.unit.code().to_string(),
                    packs: l.line.packs,
                    pack_size: Qty(l.line.pack_size),
                    pack_cost_cents: l.line.pack_cost_cents,
                    cost_cents: l.cost_cents(),
                    ordered: Qty(l.ordered()),
                    received: Qty(l.line.received_quantity),
                    open: Qty(l.open()),
                })
                .collect(),
        }
    }
}

/// A row of the order list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummaryOut {
    pub id: i64,
    pub number: String,
    pub site: String,
    pub supplier_id: i64,
    pub supplier: String,
    pub status: String,
    pub created_at: Time,
    pub sent_at: Option<Time>,
    pub lines: usize,
    pub open_lines: usize,
    pub total_cents: i64,
}

impl From<&OrderSummary> for OrderSummaryOut {
    fn from(s: &OrderSummary) -> Self {
        OrderSummaryOut {
            id: s.order.id,
            number: order_number(s.order.id),
            site: s.site_code.clone(),
            supplier_id: s.order.supplier_id,
            supplier: s.supplier_name.clone(),
            status: s.status.code().to_string(),
            created_at: Time(s.order.created_at),
            sent_at: s.order.sent_at.map(Time),
            lines: s.lines,
            open_lines: s.open_lines,
            total_cents: s.total_cents,
        }
    }
}

/// One lot received against an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedOut {
    pub receipt_id: i64,
    pub lot_id: i64,
    pub product_id: i64,
    pub lot: String,
    pub expiry: Day,
    pub location: String,
    pub quantity: Qty,
}

impl From<&Received> for ReceivedOut {
    fn from(r: &Received) -> Self {
        ReceivedOut {
            receipt_id: r.receipt_id,
            lot_id: r.lot_id,
            product_id: r.product.id,
            lot: r.lot.clone(),
            expiry: Day(r.expiry),
            location: r.location_code.clone(),
            quantity: Qty(r.quantity),
        }
    }
}

/// The 201 of receiving against an order: the order after, and what came in.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderReceivedOut {
    pub order: OrderOut,
    pub received: Vec<ReceivedOut>,
}
