//! The e-mail that sends a purchase order to its supplier (issue 11 part 5):
//! a readable order in plain text and HTML (`templates/mail/order.txt`,
//! `templates/mail/order.html`) — the clinic's name, address, phone and
//! e-mail from the order's site, the order number, the local date with the
//! site's zone, the lines (SKU, product, packs, pack size, pack price, line
//! total), the total and who sent it — and the lines as a CSV attachment
//! (every cell through `csv_cell`, like every CSV the app writes).

use askama::Template;
use chrono::NaiveDateTime;

use crate::csv_cell::{Cell, CsvOut};
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::mail::{MailAttachment, Outgoing};
use crate::services::orders::email::EmailPlan;

/// One order line as the message shows it.
#[derive(Debug, Clone)]
pub struct MailLine {
    pub sku: String,
    pub name: String,
    pub gtin: String,
    pub packs: i64,
    /// `10 each`, `30 g`.
    pub pack_size: String,
    pub pack_price: String,
    pub line_total: String,
}

/// What both bodies say.
#[derive(Debug, Clone)]
pub struct OrderMail {
    pub number: String,
    pub clinic: String,
    pub address_lines: Vec<String>,
    pub phone: String,
    pub email: String,
    pub supplier: String,
    /// The sending day at the site, `YYYY-MM-DD`, and the site's zone.
    pub date: String,
    pub zone: String,
    pub lines: Vec<MailLine>,
    pub total: String,
    pub currency: String,
    pub sender: String,
    pub filename: String,
}

#[derive(Template)]
#[template(path = "mail/order.txt")]
struct OrderText<'a> {
    o: &'a OrderMail,
}

#[derive(Template)]
#[template(path = "mail/order.html")]
struct OrderHtml<'a> {
    o: &'a OrderMail,
}

fn text_of(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or("").to_string()
}

impl OrderMail {
    pub fn from_plan(plan: &EmailPlan, now: NaiveDateTime) -> OrderMail {
        let v = &plan.view;
        let clock = v.site.clock();
        let number = v.number();
        OrderMail {
            clinic: v.site.name.clone(),
            address_lines: text_of(&v.site.address)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            phone: text_of(&v.site.phone),
            email: text_of(&v.site.email),
            supplier: v.supplier.name.clone(),
            date: clock.local_date(now).format("%Y-%m-%d").to_string(),
            zone: clock.zone().to_string(),
            lines: v
                .lines
                .iter()
                .map(|l| MailLine {
                    sku: l.product.sku.clone(),
                    name: l.product.name.clone(),
                    gtin: l.product.gtin.clone().unwrap_or_default(),
                    packs: l.line.packs,
                    pack_size: format!("{} {}", fmt_qty(l.line.pack_size), l.product.unit),
                    pack_price: fmt_money(l.line.pack_cost_cents),
                    line_total: fmt_money(l.cost_cents()),
                })
                .collect(),
            total: fmt_money(v.total_cents()),
            currency: plan.currency.clone(),
            sender: plan.sender_name.clone(),
            filename: format!("{number}.csv"),
            number,
        }
    }

    pub fn subject(&self) -> String {
        format!("Purchase order {} from {}", self.number, self.clinic)
    }
}

/// The lines as CSV (UTF-8 with BOM, one header row; numbers stay numbers).
pub fn lines_csv(plan: &EmailPlan) -> Result<Vec<u8>, String> {
    let v = &plan.view;
    let number = v.number();
    let mut out = CsvOut::with_bom();
    let e = |e: csv::Error| format!("the CSV could not be written: {e}");
    out.header(&[
        "order",
        "sku",
        "name",
        "gtin",
        "packs",
        "pack_size",
        "unit",
        "pack_price",
        "line_total",
        "currency",
    ])
    .map_err(e)?;
    for l in &v.lines {
        out.row([
            Cell::text(number.as_str()),
            Cell::text(l.product.sku.as_str()),
            Cell::text(l.product.name.as_str()),
            Cell::text(l.product.gtin.as_deref().unwrap_or("")),
            Cell::int(l.line.packs),
            Cell::num(fmt_qty(l.line.pack_size)),
            Cell::text(l.product.unit.code()),
            Cell::num(fmt_money(l.line.pack_cost_cents)),
            Cell::num(fmt_money(l.cost_cents())),
            Cell::text(plan.currency.as_str()),
        ])
        .map_err(e)?;
    }
    out.into_inner().map_err(e)
}

/// The whole message to the supplier. Replies go to the site's e-mail when
/// it has one, else to the sender's own address.
pub fn compose(plan: &EmailPlan, now: NaiveDateTime) -> Result<Outgoing, String> {
    let o = OrderMail::from_plan(plan, now);
    let render = |e: askama::Error| format!("the order e-mail could not be written: {e}");
    let text = OrderText { o: &o }.render().map_err(render)?;
    let html = OrderHtml { o: &o }.render().map_err(render)?;
    let reply_to = Some(o.email.clone())
        .filter(|e| !e.is_empty())
        .or_else(|| plan.sender_email.clone());
    Ok(Outgoing {
        to: vec![plan.to.clone()],
        reply_to,
        subject: o.subject(),
        text,
        html: Some(html),
        attachments: vec![MailAttachment {
            filename: o.filename.clone(),
            content_type: "text/csv; charset=utf-8".into(),
            bytes: lines_csv(plan)?,
        }],
    })
}
