//! Purchase-order pages: the list, one order (edit lines while draft, send,
//! cancel, e-mail text, deliveries so far) and receiving against it.

use std::collections::HashMap;

use askama::Template;

use crate::domain::clock::SiteClock;

use super::Frame;
use super::form::FieldErrors;
use crate::db::orders::OrderReceipt;
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::services::orders::{OrderSummary, OrderView, order_number};

/// What was typed into a form and what was wrong with it, by field name.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: super::form::FieldErrors,
}

impl FormState {
    pub fn from_pairs(pairs: &[(String, String)]) -> FormState {
        FormState {
            values: pairs.iter().cloned().collect(),
            errors: FieldErrors::none(),
        }
    }

    /// The typed value, or `default` when the form was not posted.
    pub fn value(&self, name: &str, default: impl Into<String>) -> String {
        self.values
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.into())
    }
}

pub fn status_badge(code: &str) -> &'static str {
    match code {
        "draft" => "badge",
        "sent" => "badge warn",
        "partial" => "badge warn",
        "received" => "badge ok",
        _ => "badge bad",
    }
}

#[derive(Debug, Clone)]
pub struct OrderListRow {
    pub id: i64,
    pub number: String,
    pub supplier: String,
    pub site: String,
    pub status: String,
    pub status_label: String,
    pub badge: &'static str,
    pub created: String,
    pub sent: String,
    pub lines: usize,
    pub open_lines: usize,
    pub total: String,
}

impl OrderListRow {
    pub fn from_summary(s: &OrderSummary) -> OrderListRow {
        OrderListRow {
            id: s.order.id,
            number: order_number(s.order.id),
            supplier: s.supplier_name.clone(),
            site: s.site_code.clone(),
            status: s.status.code().to_string(),
            status_label: s.status.label().to_string(),
            badge: status_badge(s.status.code()),
            created: s.clock.local_date(s.order.created_at).to_string(),
            sent: s
                .order
                .sent_at
                .map(|t| s.clock.local_date(t).to_string())
                .unwrap_or_default(),
            lines: s.lines,
            open_lines: s.open_lines,
            total: fmt_money(s.total_cents),
        }
    }
}

#[derive(Template)]
#[template(path = "orders/list.html")]
pub struct OrderListPage {
    pub frame: Frame,
    pub orders: Vec<OrderListRow>,
    pub total: i64,
    pub status: String,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub suppliers: Vec<(i64, String)>,
    pub currency: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub form: FormState,
}

/// An order's header figures.
#[derive(Debug, Clone)]
pub struct OrderHead {
    pub id: i64,
    pub number: String,
    pub supplier: String,
    pub supplier_id: i64,
    pub supplier_email: String,
    pub site: String,
    pub status: String,
    pub status_label: String,
    pub badge: &'static str,
    pub created: String,
    pub created_by: String,
    pub sent: String,
    pub closed: String,
    pub note: String,
    pub total: String,
    pub email_text: String,
    /// The address the app e-mailed the order to (empty: marked sent by hand).
    pub sent_to: String,
    /// "Sent by e-mail to X at 2026-12-01 09:15 NZDT" (empty when not).
    pub sent_by_email: String,
    pub is_draft: bool,
    pub is_open: bool,
    pub can_cancel: bool,
}

impl OrderHead {
    pub fn from_view(v: &OrderView) -> OrderHead {
        let o = &v.order;
        OrderHead {
            id: o.id,
            number: v.number(),
            supplier: v.supplier.name.clone(),
            supplier_id: v.supplier.id,
            supplier_email: v.supplier.email.clone().unwrap_or_default(),
            site: format!("{} ({})", v.site.name, v.site.code),
            status: v.status.code().into(),
            status_label: v.status.label().into(),
            badge: status_badge(v.status.code()),
            created: v.site.clock().format(o.created_at),
            created_by: v.created_by.clone(),
            sent: o
                .sent_at
                .map(|t| v.site.clock().local_date(t).to_string())
                .unwrap_or_default(),
            closed: o
                .closed_at
                .map(|t| v.site.clock().local_date(t).to_string())
                .unwrap_or_default(),
            note: o.note.clone().unwrap_or_default(),
            total: fmt_money(v.total_cents()),
            email_text: o.email_text.clone().unwrap_or_default(),
            sent_to: o.sent_to.clone().unwrap_or_default(),
            sent_by_email: match (&o.sent_to, o.sent_at) {
                (Some(to), Some(at)) => format!(
                    "Sent by e-mail to {to} at {} ({})",
                    v.site.clock().format(at),
                    v.site.clock().zone()
                ),
                _ => String::new(),
            },
            is_draft: v.is_draft(),
            is_open: v.is_open(),
            can_cancel: v.can_cancel(),
        }
    }
}

/// One line of an order as shown (with form state while editing).
#[derive(Debug, Clone)]
pub struct LineRow {
    pub line_id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub gtin: String,
    pub packs: i64,
    pub pack_size: String,
    pub ordered: String,
    pub received: String,
    pub open: String,
    pub has_open: bool,
    pub pack_cost: String,
    pub cost: String,
    pub packs_value: String,
    pub cost_value: String,
    pub remove: bool,
    pub packs_error: Option<String>,
    pub cost_error: Option<String>,
}

pub fn line_rows(v: &OrderView, form: &FormState) -> Vec<LineRow> {
    v.lines
        .iter()
        .map(|l| {
            let id = l.line.id;
            LineRow {
                line_id: id,
                product_id: l.product.id,
                sku: l.product.sku.clone(),
                name: l.product.name.clone(),
                unit: l.product.unit.code().to_string(),
                gtin: l.product.gtin.clone().unwrap_or_default(),
                packs: l.line.packs,
                pack_size: fmt_qty(l.line.pack_size),
                ordered: fmt_qty(l.ordered()),
                received: fmt_qty(l.line.received_quantity),
                open: fmt_qty(l.open()),
                has_open: l.open() > 0,
                pack_cost: fmt_money(l.line.pack_cost_cents),
                cost: fmt_money(l.cost_cents()),
                packs_value: form.value(&format!("packs_{id}"), l.line.packs.to_string()),
                cost_value: form.value(&format!("cost_{id}"), fmt_money(l.line.pack_cost_cents)),
                remove: form.values.contains_key(&format!("remove_{id}")),
                packs_error: form.errors.get(&format!("packs_{id}")).map(str::to_string),
                cost_error: form.errors.get(&format!("cost_{id}")).map(str::to_string),
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct ReceiptRow {
    pub when: String,
    pub sku: String,
    pub lot: String,
    pub expiry: String,
    pub location: String,
    pub quantity: String,
    pub unit: String,
}

/// The order's receipts, times on the order's site clock.
pub fn receipt_rows(rows: &[OrderReceipt], clock: SiteClock) -> Vec<ReceiptRow> {
    rows.iter()
        .map(|r| ReceiptRow {
            when: clock.format(r.occurred_at),
            sku: r.sku.clone(),
            lot: r.lot_number.clone(),
            expiry: r.expiry.to_string(),
            location: r.location_code.clone(),
            quantity: fmt_qty(r.quantity),
            unit: r.unit.code().to_string(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "orders/show.html")]
pub struct OrderPage {
    pub frame: Frame,
    pub head: OrderHead,
    pub lines: Vec<LineRow>,
    pub products: Vec<(i64, String)>,
    pub currency: String,
    pub receipts: Vec<ReceiptRow>,
    /// The ordering clinic (the order's site): the delivery and invoice block.
    pub clinic: crate::views::clinic::ClinicBlock,
    /// Proposed e-mail text for the send form (drafts).
    pub draft_email: String,
    /// Mail is set up on this server ("Send to supplier" can work).
    pub mail_ready: bool,
    pub today: String,
    pub form: FormState,
    pub form_errors: Vec<String>,
    /// This record's audit rows (None: the viewer may not read the audit log).
    pub audit_history: Option<Vec<crate::views::audit::AuditLine>>,
}

/// One open line on the receive form.
#[derive(Debug, Clone)]
pub struct ReceiveRow {
    pub line_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub gtin: String,
    pub ordered: String,
    pub received: String,
    pub open: String,
    pub gs1: String,
    pub lot: String,
    pub expiry: String,
    pub quantity: String,
    pub quantity_in: String,
    pub errors: Vec<String>,
    pub gs1_error: Option<String>,
    pub lot_error: Option<String>,
    pub expiry_error: Option<String>,
    pub quantity_error: Option<String>,
    /// The quantity to type next (a scan was just read into this line).
    pub focus: bool,
}

pub fn receive_rows(v: &OrderView, form: &FormState) -> Vec<ReceiveRow> {
    v.lines
        .iter()
        .filter(|l| l.open() > 0)
        .map(|l| {
            let id = l.line.id;
            let f = |n: &str| format!("{n}_{id}");
            ReceiveRow {
                line_id: id,
                sku: l.product.sku.clone(),
                name: l.product.name.clone(),
                unit: l.product.unit.code().to_string(),
                gtin: l.product.gtin.clone().unwrap_or_default(),
                ordered: fmt_qty(l.ordered()),
                received: fmt_qty(l.line.received_quantity),
                open: fmt_qty(l.open()),
                gs1: form.value(&f("gs1"), ""),
                lot: form.value(&f("lot"), ""),
                expiry: form.value(&f("expiry"), ""),
                quantity: form.value(&f("quantity"), ""),
                quantity_in: form.value(&f("quantity_in"), "units"),
                errors: form
                    .errors
                    .iter()
                    .filter(|e| {
                        e.field.ends_with(&format!("_{id}"))
                            && !["gs1", "lot", "expiry", "quantity"]
                                .iter()
                                .any(|n| e.field == f(n))
                    })
                    .map(|e| e.message.clone())
                    .collect(),
                gs1_error: form.errors.get(&f("gs1")).map(str::to_string),
                lot_error: form.errors.get(&f("lot")).map(str::to_string),
                expiry_error: form.errors.get(&f("expiry")).map(str::to_string),
                quantity_error: form.errors.get(&f("quantity")).map(str::to_string),
                focus: false,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "orders/receive.html")]
pub struct ReceivePage {
    pub frame: Frame,
    pub head: OrderHead,
    pub rows: Vec<ReceiveRow>,
    pub locations: Vec<(String, String)>,
    pub location: String,
    pub received_at: String,
    pub note: String,
    pub form_errors: Vec<String>,
}
