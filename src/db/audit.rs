//! The audit log: appending a row (never updating or deleting one: the
//! database refuses it), and reading rows by filter, newest first, a page
//! or a keyset chunk at a time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::audit_log;

/// One stored audit row.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub summary: String,
    /// `{"field":[old,new]}` as JSON text.
    pub changes: String,
    pub site_id: Option<i64>,
    pub client_address: Option<String>,
}

/// A row to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow<'a> {
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<&'a str>,
    pub summary: &'a str,
    pub changes: &'a str,
    pub site_id: Option<i64>,
    pub client_address: Option<&'a str>,
}

/// Appends one row (callers hold the write transaction of the change).
pub fn append(conn: &mut DbConn, row: &NewAuditRow<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// What to select; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// The actor's name as recorded.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// From this time (inclusive).
    pub from: Option<NaiveDateTime>,
    /// Before this time (exclusive).
    pub to: Option<NaiveDateTime>,
}

fn filtered(f: &AuditFilter) -> audit_log::BoxedQuery<'static, super::MultiBackend> {
    let mut q = audit_log::table.into_boxed();
    if let Some(e) = &f.entity {
        q = q.filter(audit_log::entity.eq(e.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(a) = &f.actor {
        q = q.filter(audit_log::actor_name.eq(a.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_log::at.ge(t));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_log::at.lt(t));
    }
    q
}

pub fn count(conn: &mut DbConn, f: &AuditFilter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn)
}

/// One page, newest first.
pub fn page(
    conn: &mut DbConn,
    f: &AuditFilter,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<AuditRow>> {
    filtered(f)
        .select(AuditRow::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// Up to `limit` rows older than `before_id` (all when None), newest first:
/// the CSV export walks the log in these chunks.
pub fn page_before(
    conn: &mut DbConn,
    f: &AuditFilter,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = filtered(f).select(AuditRow::as_select());
    if let Some(b) = before_id {
        q = q.filter(audit_log::id.lt(b));
    }
    q.order(audit_log::id.desc()).limit(limit).load(conn)
}

/// Up to `limit` rows from `after_id` on (oldest first): the export walks
/// the whole log in these chunks.
pub fn chunk_after(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::id.gt(after_id))
        .select(AuditRow::as_select())
        .order(audit_log::id.asc())
        .limit(limit)
        .load(conn)
}

/// True when `actor_name` has a row of `action` at or after `since`.
pub fn recent_action(
    conn: &mut DbConn,
    actor_name: &str,
    action: &str,
    since: NaiveDateTime,
) -> QueryResult<bool> {
    let found: Option<i64> = audit_log::table
        .filter(audit_log::actor_name.eq(actor_name))
        .filter(audit_log::action.eq(action))
        .filter(audit_log::at.ge(since))
        .select(audit_log::id)
        .order(audit_log::id.desc())
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}
