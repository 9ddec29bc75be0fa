//! Protocols (session templates) and their default lines.

use diesel::prelude::*;

use super::models::{Protocol, ProtocolLine};
use super::schema::{protocol_lines, protocols};
use super::{DbConn, now};
use crate::domain::vocab::Indication;

/// The stored fields of a protocol (insert and update).
#[derive(Debug, Clone)]
pub struct ProtocolFields {
    pub name: String,
    pub indication: Indication,
    pub needle_min: i32,
    pub needle_max: i32,
    /// Comma-separated add-on codes.
    pub addons: String,
    pub notes: Option<String>,
    pub active: bool,
}

/// Protocols by name; `active_only` hides archived ones.
pub fn list(conn: &mut DbConn, active_only: bool) -> QueryResult<Vec<Protocol>> {
    let mut q = protocols::table.select(Protocol::as_select()).into_boxed();
    if active_only {
        q = q.filter(protocols::active.eq(true));
    }
    q.order((protocols::name, protocols::id)).load(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<Protocol>> {
    protocols::table
        .find(id)
        .select(Protocol::as_select())
        .first(conn)
        .optional()
}

pub fn by_name(conn: &mut DbConn, name: &str) -> QueryResult<Option<Protocol>> {
    protocols::table
        .filter(protocols::name.eq(name))
        .select(Protocol::as_select())
        .first(conn)
        .optional()
}

/// Default lines of some protocols, in position order.
pub fn lines_of(conn: &mut DbConn, protocol_ids: &[i64]) -> QueryResult<Vec<ProtocolLine>> {
    if protocol_ids.is_empty() {
        return Ok(Vec::new());
    }
    protocol_lines::table
        .filter(protocol_lines::protocol_id.eq_any(protocol_ids.to_vec()))
        .select(ProtocolLine::as_select())
        .order((
            protocol_lines::protocol_id,
            protocol_lines::position,
            protocol_lines::id,
        ))
        .load(conn)
}

pub fn insert(conn: &mut DbConn, f: &ProtocolFields) -> QueryResult<i64> {
    diesel::insert_into(protocols::table)
        .values((
            protocols::name.eq(&f.name),
            protocols::indication.eq(&f.indication),
            protocols::needle_min.eq(f.needle_min),
            protocols::needle_max.eq(f.needle_max),
            protocols::addons.eq(&f.addons),
            protocols::notes.eq(&f.notes),
            protocols::active.eq(f.active),
            protocols::created_at.eq(now()),
        ))
        .returning(protocols::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, f: &ProtocolFields) -> QueryResult<usize> {
    diesel::update(protocols::table.find(id))
        .set((
            protocols::name.eq(&f.name),
            protocols::indication.eq(&f.indication),
            protocols::needle_min.eq(f.needle_min),
            protocols::needle_max.eq(f.needle_max),
            protocols::addons.eq(&f.addons),
            protocols::notes.eq(&f.notes),
            protocols::active.eq(f.active),
        ))
        .execute(conn)
}

/// Replaces a protocol's default lines (they are a template: sessions keep
/// their own lines, so nothing refers to these rows).
pub fn replace_lines(conn: &mut DbConn, protocol_id: i64, lines: &[(i64, i64)]) -> QueryResult<()> {
    diesel::delete(protocol_lines::table.filter(protocol_lines::protocol_id.eq(protocol_id)))
        .execute(conn)?;
    for (i, (product_id, quantity)) in lines.iter().enumerate() {
        diesel::insert_into(protocol_lines::table)
            .values((
                protocol_lines::protocol_id.eq(protocol_id),
                protocol_lines::product_id.eq(product_id),
                protocol_lines::quantity.eq(quantity),
                protocol_lines::position.eq(i as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}
