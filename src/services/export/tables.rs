//! The export files in the import formats (locations, suppliers, products,
//! protocols, stock: `clinic-stock import` reads them back as they are),
//! and the lots.

use std::collections::HashMap;
use std::io::Write;

use super::csv_err;
use crate::csv_cell::{Cell, CsvOut};
use crate::db::{self, DbConn};
use crate::domain::access::Actor;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::error::ServiceResult;

fn yes_no(b: bool) -> Cell<'static> {
    Cell::text(if b { "yes" } else { "no" })
}

fn opt_text(v: Option<String>) -> Cell<'static> {
    Cell::text(v.unwrap_or_default())
}

fn opt_num<T: ToString>(v: Option<T>) -> Cell<'static> {
    Cell::num(v.map(|x| x.to_string()).unwrap_or_default())
}

pub fn locations(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&["site", "code", "name", "site_name"])
        .map_err(csv_err)?;
    for (site, code, name, site_name) in db::export::locations(conn)? {
        out.row([
            Cell::text(site),
            Cell::text(code),
            Cell::text(name),
            Cell::text(site_name),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn suppliers(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&["name", "email", "lead_time_days"])
        .map_err(csv_err)?;
    for s in db::catalog::suppliers(conn)? {
        out.row([
            Cell::text(s.name),
            opt_text(s.email),
            opt_num(s.lead_time_days),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub const PRODUCT_COLUMNS: [&str; 16] = [
    "sku",
    "name",
    "category",
    "unit",
    "pack_size",
    "needle_length_mm",
    "gtin",
    "supplier",
    "unit_cost",
    "min_level",
    "max_level",
    "lead_time_days",
    "max_per_session",
    "use_within_days_of_opening",
    "active",
    "max_contact_minutes",
];

pub fn products(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let suppliers: HashMap<i64, String> = db::catalog::suppliers(conn)?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let filter = db::catalog::ProductFilter {
        archived: Some(false),
        ..Default::default()
    };
    let total = db::catalog::count_products(conn, &filter)?;
    let mut out = CsvOut::new(w);
    out.header(&PRODUCT_COLUMNS).map_err(csv_err)?;
    for p in db::catalog::list_products(conn, &filter, total.max(1), 0)? {
        out.row([
            Cell::text(p.sku),
            Cell::text(p.name),
            Cell::text(p.category.code()),
            Cell::text(p.unit.code()),
            Cell::num(fmt_qty(p.pack_size)),
            Cell::num(p.needle_length.map(fmt_needle).unwrap_or_default()),
            opt_text(p.gtin),
            opt_text(p.supplier_id.and_then(|id| suppliers.get(&id).cloned())),
            Cell::num(p.unit_cost_cents.map(fmt_money).unwrap_or_default()),
            Cell::num(p.min_level.map(fmt_qty).unwrap_or_default()),
            Cell::num(p.max_level.map(fmt_qty).unwrap_or_default()),
            opt_num(p.lead_time_days),
            Cell::num(p.max_per_session.map(fmt_qty).unwrap_or_default()),
            opt_num(p.use_within_days),
            yes_no(p.active),
            opt_num(p.max_contact_minutes),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn protocols(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "name",
        "indication",
        "needle_min_mm",
        "needle_max_mm",
        "sku",
        "quantity",
        "addons",
        "notes",
        "active",
    ])
    .map_err(csv_err)?;
    for (p, lines) in db::export::protocols(conn)? {
        let head = |sku: String, qty: String| {
            [
                Cell::text(p.name.clone()),
                Cell::text(p.indication.code()),
                Cell::num(fmt_needle(p.needle_min)),
                Cell::num(fmt_needle(p.needle_max)),
                Cell::text(sku),
                Cell::num(qty),
                Cell::text(p.addons.text()),
                opt_text(p.notes.clone()),
                yes_no(p.active),
            ]
        };
        if lines.is_empty() {
            out.row(head(String::new(), String::new()))
                .map_err(csv_err)?;
        }
        for (l, sku) in lines {
            out.row(head(sku, fmt_qty(l.quantity))).map_err(csv_err)?;
        }
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn stock(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "sku",
        "lot",
        "expiry",
        "quantity",
        "location",
        "site",
        "quarantined",
    ])
    .map_err(csv_err)?;
    for r in db::export::stock(conn)? {
        out.row([
            Cell::text(r.sku),
            Cell::text(r.lot_number),
            Cell::text(r.expiry.to_string()),
            Cell::num(fmt_qty(r.quantity)),
            Cell::text(r.location),
            Cell::text(r.site),
            yes_no(r.quarantined),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn lots(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "sku",
        "lot",
        "expiry",
        "container",
        "parent_lot_id",
        "opened_at",
        "discard_by",
        "use_by",
        "quarantined",
        "created_at",
    ])
    .map_err(csv_err)?;
    for (l, sku) in db::export::lots(conn)? {
        out.row([
            Cell::int(l.id),
            Cell::text(sku),
            Cell::text(l.lot_number),
            Cell::text(l.expiry.to_string()),
            Cell::int(i64::from(l.container)),
            Cell::opt_int(l.parent_lot_id),
            Cell::text(l.opened_at.map(super::history::utc).unwrap_or_default()),
            Cell::text(l.discard_by.map(|d| d.to_string()).unwrap_or_default()),
            Cell::text(l.use_by.to_string()),
            yes_no(l.quarantined),
            Cell::text(super::history::utc(l.created_at)),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}
