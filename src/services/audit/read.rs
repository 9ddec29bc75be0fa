//! Reading the audit log (admins): filters as typed, pages, an entity's
//! own history, the CSV (page download and the export's `audit.csv`).

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::csv_cell::{Cell, CsvOut};
use crate::db::{
    self, DbConn,
    audit::{AuditFilter, AuditRow},
};
use crate::domain::access::{Action, Actor};
use crate::domain::page::PageStart;
use crate::error::{Problems, ServiceError, ServiceResult};
use crate::services::adjustments::text;

/// The entity names rows are recorded under (the `entity` filter's choices).
pub const ENTITIES: &[&str] = &[
    "product",
    "supplier",
    "lot",
    "protocol",
    "order",
    "user",
    "token",
    "settings",
    "site",
    "location",
    "import",
    "digest",
    "treatment_area",
    "indication_range",
];

/// Rows per page on the audit page; rows per chunk of the CSV.
pub const PAGE_SIZE: i64 = 50;
pub const CSV_CHUNK: i64 = 1000;

/// Filters as typed in a query string, every field as text.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// The actor's user name.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// `YYYY-MM-DD` (from the start of that day) or an RFC 3339 time.
    pub from: Option<String>,
    /// `YYYY-MM-DD` (up to the end of that day) or an RFC 3339 time.
    pub to: Option<String>,
    pub page: Option<String>,
}

fn word(p: &mut Problems, field: &str, v: &Option<String>, max: usize) -> Option<String> {
    let t = text(v)?;
    if t.chars().count() > max || t.chars().any(char::is_control) {
        p.add(
            field,
            format!("at most {max} characters, no control characters"),
        );
        return None;
    }
    Some(t.to_string())
}

/// Turns typed filters into a filter (422 naming the bad field). Dates are
/// days of the default site's calendar, as on the ledger.
pub fn filter(conn: &mut DbConn, q: &AuditQuery) -> ServiceResult<AuditFilter> {
    let mut p = Problems::new();
    let clock = crate::services::sites::by_code_or_default(conn, None)
        .map(|s| s.clock())
        .unwrap_or_default();
    let entity = word(&mut p, "entity", &q.entity, 40);
    if let Some(e) = &entity
        && !ENTITIES.contains(&e.as_str())
    {
        p.add("entity", format!("one of {}", ENTITIES.join(", ")));
    }
    let action = word(&mut p, "action", &q.action, 40);
    if let Some(a) = &action
        && !a.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        p.add(
            "action",
            "an action name such as create, update or login_failed",
        );
    }
    let from = crate::services::ledger::parse_bound(&mut p, "from", &q.from, false, &clock);
    let to = crate::services::ledger::parse_bound(&mut p, "to", &q.to, true, &clock);
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        p.add("to", "must be after from");
    }
    let f = AuditFilter {
        entity,
        entity_id: word(&mut p, "entity_id", &q.entity_id, 64),
        actor: word(&mut p, "actor", &q.actor, 80),
        action,
        from,
        to,
    };
    p.finish()?;
    Ok(f)
}

/// An audit row with its changes parsed.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub row: AuditRow,
    pub changes: Map<String, Value>,
}

impl AuditEntry {
    fn of(row: AuditRow) -> AuditEntry {
        let changes = match serde_json::from_str::<Value>(&row.changes) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        AuditEntry { row, changes }
    }

    /// `field: old → new; …` for pages and the CSV.
    pub fn changes_text(&self) -> String {
        let show = |v: &Value| match v {
            Value::Null => "—".to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.changes
            .iter()
            .map(|(k, v)| match v.as_array().map(Vec::as_slice) {
                Some([old, new]) => format!("{k}: {} → {}", show(old), show(new)),
                _ => format!("{k}: {}", show(v)),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A page of entries (newest first) and the total matching (admins).
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    f: &AuditFilter,
    limit: i64,
    start: PageStart<i64>,
) -> ServiceResult<(Vec<AuditEntry>, i64)> {
    actor.require(Action::ViewAudit)?;
    Ok(db::read_tx(conn, |conn| {
        let total = db::audit::count(conn, f)?;
        let rows = match start {
            PageStart::Offset(offset) => db::audit::page(conn, f, limit, offset)?,
            PageStart::After(id) => db::audit::page_before(conn, f, Some(id), limit)?,
        };
        Ok((rows.into_iter().map(AuditEntry::of).collect(), total))
    })?)
}

/// The newest `limit` entries about one record (a product's, lot's,
/// order's or user's own history); empty for those who may not read the
/// audit log.
pub fn history(
    conn: &mut DbConn,
    actor: &Actor,
    entity: &str,
    id: i64,
    limit: i64,
) -> ServiceResult<Vec<AuditEntry>> {
    if !actor.may(Action::ViewAudit, crate::domain::access::Scope::Anywhere) {
        return Ok(Vec::new());
    }
    let f = AuditFilter {
        entity: Some(entity.to_string()),
        entity_id: Some(id.to_string()),
        ..AuditFilter::default()
    };
    Ok(db::audit::page(conn, &f, limit, 0)?
        .into_iter()
        .map(AuditEntry::of)
        .collect())
}

/// The page number asked for (1 when absent or bad).
pub fn page_number(q: &AuditQuery) -> i64 {
    text(&q.page)
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1)
}

pub const CSV_HEADER: [&str; 10] = [
    "id",
    "at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "summary",
    "changes",
    "site_id",
    "client_address",
];

/// RFC 3339 UTC, as the API and the exports write times.
pub fn utc(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn csv_err(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("csv: {e}"))
}

fn write_rows(w: &mut CsvOut<Vec<u8>>, rows: &[AuditRow]) -> ServiceResult<()> {
    for r in rows {
        w.row([
            Cell::int(r.id),
            Cell::text(utc(r.at)),
            Cell::text(r.actor_name.as_str()),
            Cell::text(r.action.as_str()),
            Cell::text(r.entity.as_str()),
            Cell::text(r.entity_id.clone().unwrap_or_default()),
            Cell::text(r.summary.as_str()),
            Cell::text(r.changes.as_str()),
            Cell::opt_int(r.site_id),
            Cell::text(r.client_address.clone().unwrap_or_default()),
        ])
        .map_err(csv_err)?;
    }
    Ok(())
}

/// The header line as CSV bytes.
pub fn csv_header() -> ServiceResult<Vec<u8>> {
    let mut w = CsvOut::in_memory(256);
    w.header(&CSV_HEADER).map_err(csv_err)?;
    w.into_inner().map_err(csv_err)
}

/// The next chunk of the filtered export: rows older than `before_id`
/// (newest first), as CSV bytes, and where to continue (None when done).
pub fn csv_chunk(
    conn: &mut DbConn,
    actor: &Actor,
    f: &AuditFilter,
    before_id: Option<i64>,
) -> ServiceResult<(Vec<u8>, Option<i64>)> {
    actor.require(Action::ViewAudit)?;
    let rows = db::audit::page_before(conn, f, before_id, CSV_CHUNK)?;
    let mut w = CsvOut::in_memory(rows.len() * 200);
    write_rows(&mut w, &rows)?;
    let next = if (rows.len() as i64) < CSV_CHUNK {
        None
    } else {
        rows.last().map(|r| r.id)
    };
    Ok((w.into_inner().map_err(csv_err)?, next))
}

/// The whole log as `audit.csv` (the export, API.md "Export"), newest
/// first like the page.
pub fn export_csv(
    conn: &mut DbConn,
    actor: &Actor,
    w: &mut dyn std::io::Write,
) -> ServiceResult<()> {
    w.write_all(&csv_header()?).map_err(csv_err)?;
    let f = AuditFilter::default();
    let mut before = None;
    loop {
        let (bytes, next) = csv_chunk(conn, actor, &f, before)?;
        w.write_all(&bytes).map_err(csv_err)?;
        match next {
            Some(id) => before = Some(id),
            None => return Ok(()),
        }
    }
}
