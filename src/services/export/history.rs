//! The export files of history, for reading (they are not imported): the
//! ledger (the same CSV as `/ledger.csv`), sessions and their lines,
//! purchase orders and their lines, receipts, counts, users (never password
//! hashes) and settings (never secrets).

use std::io::Write;

use chrono::NaiveDateTime;

use super::csv_err;
use crate::csv_cell::{Cell, CsvOut};
use crate::db::{self, DbConn, ledger::LedgerFilter};
use crate::domain::access::Actor;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::error::ServiceResult;
use crate::services::ledger;

/// Rows read per query for the tables that grow with history.
const PAGE: i64 = 5_000;

/// A stored UTC time as RFC 3339.
pub fn utc(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

fn opt_time(t: Option<NaiveDateTime>) -> Cell<'static> {
    Cell::text(t.map(utc).unwrap_or_default())
}

fn opt_text(v: Option<String>) -> Cell<'static> {
    Cell::text(v.unwrap_or_default())
}

pub fn ledger(conn: &mut DbConn, actor: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    w.write_all(&ledger::csv_header()?).map_err(csv_err)?;
    let filter = LedgerFilter::default();
    let mut before = None;
    loop {
        let (bytes, next) = ledger::csv_chunk(conn, actor, &filter, before)?;
        w.write_all(&bytes).map_err(csv_err)?;
        match next {
            Some(id) => before = Some(id),
            None => return Ok(()),
        }
    }
}

/// The treatment areas (admin list), retired ones included.
pub fn areas(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&["id", "code", "name", "position", "active", "created_at"])
        .map_err(csv_err)?;
    for a in db::areas::all(conn)? {
        out.row([
            Cell::int(a.id),
            Cell::text(a.code),
            Cell::text(a.name),
            Cell::int(i64::from(a.position)),
            Cell::text(if a.active { "yes" } else { "no" }),
            Cell::text(utc(a.created_at)),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

/// The indications' usual needle ranges (mm).
pub fn needle_ranges(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "indication",
        "needle_min_mm",
        "needle_max_mm",
        "updated_at",
    ])
    .map_err(csv_err)?;
    for r in db::needle_ranges::all(conn)? {
        out.row([
            Cell::int(r.id),
            Cell::text(r.indication.code()),
            Cell::num(fmt_needle(r.needle_min)),
            Cell::num(fmt_needle(r.needle_max)),
            Cell::text(utc(r.updated_at)),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn sessions(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "site_id",
        "practitioner_id",
        "client_ref",
        "performed_at",
        "indication",
        "needle_length_mm",
        "protocol_id",
        "addons",
        "side_effects",
        "side_effect_other",
        "notes",
        "warnings",
        "warnings_confirmed_by",
        "warnings_confirmed_at",
        "voided_at",
        "voided_by",
        "void_reason",
        "created_at",
        "areas",
        "duration_minutes",
        "anaesthetic_applied_at",
        "anaesthetic_contact_minutes",
    ])
    .map_err(csv_err)?;
    let mut after = 0;
    loop {
        let page = db::export::sessions_after(conn, after, PAGE)?;
        let ids: Vec<i64> = page.iter().map(|s| s.id).collect();
        let mut areas: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for (session_id, a) in db::areas::of_sessions(conn, &ids)? {
            areas.entry(session_id).or_default().push(a.code);
        }
        let checks: std::collections::HashMap<i64, (i64, NaiveDateTime)> =
            db::needle_ranges::checks_of(conn, &ids)?
                .into_iter()
                .map(|(id, by, at)| (id, (by, at)))
                .collect();
        for s in &page {
            out.row([
                Cell::int(s.id),
                Cell::int(s.site_id),
                Cell::int(s.practitioner_id),
                Cell::text(s.client_ref.as_str()),
                Cell::text(utc(s.performed_at)),
                opt_text(s.indication.map(|v| v.code().to_string())),
                Cell::num(fmt_needle(s.needle_length)),
                Cell::opt_int(s.protocol_id),
                Cell::text(s.addons.text()),
                Cell::text(s.side_effects.text()),
                opt_text(s.side_effect_other.clone()),
                opt_text(s.notes.clone()),
                Cell::text(s.warnings.as_str()),
                Cell::opt_int(checks.get(&s.id).map(|c| c.0)),
                opt_time(checks.get(&s.id).map(|c| c.1)),
                opt_time(s.voided_at),
                Cell::opt_int(s.voided_by),
                opt_text(s.void_reason.clone()),
                Cell::text(utc(s.created_at)),
                Cell::text(areas.get(&s.id).map(|a| a.join(",")).unwrap_or_default()),
                Cell::opt_int(s.duration_minutes.map(i64::from)),
                opt_time(s.anaesthetic_applied_at),
                Cell::opt_int(s.anaesthetic_contact_minutes.map(i64::from)),
            ])
            .map_err(csv_err)?;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = last.id,
            _ => break,
        }
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn session_lines(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "session_id",
        "position",
        "sku",
        "quantity",
        "named_lot_id",
    ])
    .map_err(csv_err)?;
    let mut after = 0;
    loop {
        let page = db::export::session_lines_after(conn, after, PAGE)?;
        for (l, sku) in &page {
            out.row([
                Cell::int(l.id),
                Cell::int(l.session_id),
                Cell::int(i64::from(l.position)),
                Cell::text(sku.as_str()),
                Cell::num(fmt_qty(l.quantity)),
                Cell::opt_int(l.named_lot_id),
            ])
            .map_err(csv_err)?;
        }
        match page.last() {
            Some((last, _)) if page.len() as i64 == PAGE => after = last.id,
            _ => break,
        }
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn orders(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "site_id",
        "supplier_id",
        "status",
        "created_by",
        "created_at",
        "sent_at",
        "closed_at",
        "note",
        "email_text",
        "sent_to",
    ])
    .map_err(csv_err)?;
    for o in db::export::orders(conn)? {
        out.row([
            Cell::int(o.id),
            Cell::int(o.site_id),
            Cell::int(o.supplier_id),
            Cell::text(o.status.code()),
            Cell::int(o.created_by),
            Cell::text(utc(o.created_at)),
            opt_time(o.sent_at),
            opt_time(o.closed_at),
            opt_text(o.note),
            opt_text(o.email_text),
            opt_text(o.sent_to),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn order_lines(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "purchase_order_id",
        "sku",
        "packs",
        "pack_size",
        "pack_cost",
        "received_quantity",
    ])
    .map_err(csv_err)?;
    for (l, sku) in db::export::order_lines(conn)? {
        out.row([
            Cell::int(l.id),
            Cell::int(l.purchase_order_id),
            Cell::text(sku),
            Cell::int(l.packs),
            Cell::num(fmt_qty(l.pack_size)),
            Cell::num(fmt_money(l.pack_cost_cents)),
            Cell::num(fmt_qty(l.received_quantity)),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn receipts(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "site_id",
        "location_id",
        "user_id",
        "purchase_order_id",
        "unit_cost",
        "note",
        "received_at",
    ])
    .map_err(csv_err)?;
    for (id, site, loc, user, order, cost, note, at) in db::export::receipts(conn)? {
        out.row([
            Cell::int(id),
            Cell::int(site),
            Cell::int(loc),
            Cell::int(user),
            Cell::opt_int(order),
            Cell::num(cost.map(fmt_money).unwrap_or_default()),
            opt_text(note),
            Cell::text(utc(at)),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn counts(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "location_id",
        "user_id",
        "blind",
        "lines_counted",
        "discrepancies",
        "created_at",
    ])
    .map_err(csv_err)?;
    for (id, loc, user, blind, lines, disc, at) in db::export::counts(conn)? {
        out.row([
            Cell::int(id),
            Cell::int(loc),
            Cell::int(user),
            Cell::text(if blind { "yes" } else { "no" }),
            Cell::int(i64::from(lines)),
            Cell::int(i64::from(disc)),
            Cell::text(utc(at)),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

pub fn users(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&["username", "role", "site", "active", "created_at"])
        .map_err(csv_err)?;
    for (name, role, site, active, at) in db::export::users(conn)? {
        out.row([
            Cell::text(name),
            Cell::text(role),
            opt_text(site),
            Cell::text(if active { "yes" } else { "no" }),
            Cell::text(utc(at)),
        ])
        .map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}

/// Settings, without anything secret (the one-time setup link's hash).
pub fn settings(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&["key", "value"]).map_err(csv_err)?;
    for (k, v) in db::settings::all(conn)? {
        if k.contains("hash") || k.contains("token") || k.contains("secret") {
            continue;
        }
        out.row([Cell::text(k), Cell::text(v)]).map_err(csv_err)?;
    }
    out.into_inner().map_err(csv_err).map(drop)
}
