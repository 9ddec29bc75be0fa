//! Reading the ledger: filters as typed (page, CSV export and API share
//! them), one page of rows, and CSV written in keyset chunks so an export
//! of a million rows never sits in memory at once.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::adjustments::text;
use crate::csv_cell::{Cell, CsvOut};
use crate::db::{
    self, DbConn,
    ledger::{LedgerEntry, LedgerFilter},
};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::clock::SiteClock;
use crate::domain::input;
use crate::domain::page::PageStart;
use crate::domain::vocab::LedgerKind;
use crate::error::{Problems, ServiceError, ServiceResult};

/// Rows per page on the ledger page.
pub const PAGE_SIZE: i64 = 50;
/// Rows per database round trip of the CSV export.
pub const CSV_CHUNK: i64 = 1000;

/// Ledger filters as typed in the query string, every field as text.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct LedgerQuery {
    /// Site code.
    pub site: Option<String>,
    pub product_id: Option<String>,
    pub lot_id: Option<String>,
    /// A lot number: every lot (and opened container) with it.
    pub lot: Option<String>,
    pub location_id: Option<String>,
    pub kind: Option<String>,
    /// User name.
    pub user: Option<String>,
    /// `YYYY-MM-DD` (from the start of that day) or an RFC 3339 time.
    pub from: Option<String>,
    /// `YYYY-MM-DD` (up to the end of that day) or an RFC 3339 time.
    pub to: Option<String>,
    pub page: Option<String>,
}

fn parse_id(p: &mut Problems, field: &str, v: &Option<String>) -> Option<i64> {
    let t = text(v)?;
    match t.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            p.add(field, "a numeric id");
            None
        }
    }
}

/// A date (a whole day at the site) or a time; `end` turns a date into the
/// site's next midnight.
pub(crate) fn parse_bound(
    p: &mut Problems,
    field: &str,
    v: &Option<String>,
    end: bool,
    clock: &SiteClock,
) -> Option<NaiveDateTime> {
    let t = text(v)?;
    if NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok() {
        let d = p.take(field, super::receiving::parse_date(t))?;
        let d = if end { d + Duration::days(1) } else { d };
        return Some(clock.day_start(d));
    }
    match clock.parse_time(t) {
        Ok(ts) => Some(ts),
        Err(e) if e == input::DATE_RANGE_MESSAGE => {
            p.add(field, e);
            None
        }
        Err(_) => {
            p.add(field, "a date as YYYY-MM-DD or an RFC 3339 time");
            None
        }
    }
}

/// Turns typed filters into a ledger filter (422 naming the bad field). A
/// bound actor's filter is narrowed to their site (another site: 403).
pub fn filter(conn: &mut DbConn, actor: &Actor, q: &LedgerQuery) -> ServiceResult<LedgerFilter> {
    let mut p = Problems::new();
    let mut f = LedgerFilter::default();
    let mut clock = super::sites::by_code_or_default(conn, None)
        .map(|s| s.clock())
        .unwrap_or_default();
    match super::scope::list_site(conn, actor, Action::ViewLedger, text(&q.site)) {
        Ok(Some(s)) => {
            f.site_id = Some(s.id);
            clock = s.clock();
        }
        Ok(None) => {}
        Err(ServiceError::Invalid { errors, .. }) => {
            for e in errors {
                p.add(&e.field, e.message);
            }
        }
        Err(e) => return Err(e),
    }
    f.product_id = parse_id(&mut p, "product_id", &q.product_id);
    f.lot_id = parse_id(&mut p, "lot_id", &q.lot_id);
    f.location_id = parse_id(&mut p, "location_id", &q.location_id);
    if let Some(number) = text(&q.lot) {
        let ids: Vec<i64> = db::lots::by_number_of(conn, f.product_id, number)?
            .iter()
            .map(|l| l.id)
            .collect();
        // No such lot: an empty set matches nothing, as it should.
        f.lot_ids = Some(ids);
    }
    if let Some(k) = text(&q.kind) {
        match LedgerKind::parse(k) {
            Some(k) => f.kind = Some(k),
            None => p.add("kind", format!("one of {}", LedgerKind::choices())),
        }
    }
    if let Some(name) = text(&q.user) {
        match db::users::by_username(conn, name)? {
            Some(u) => f.user_id = Some(u.id),
            None => p.add("user", format!("no user {name}")),
        }
    }
    // Dates are days at the filtered site (else the default site).
    f.from = parse_bound(&mut p, "from", &q.from, false, &clock);
    f.to = parse_bound(&mut p, "to", &q.to, true, &clock);
    p.finish()?;
    Ok(f)
}

/// One page of the ledger.
#[derive(Debug, Clone)]
pub struct LedgerPage {
    pub entries: Vec<LedgerEntry>,
    pub total: i64,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
}

/// The page number typed (1 when absent or bad).
pub fn page_number(q: &LedgerQuery) -> i64 {
    text(&q.page)
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or(1)
        .max(1)
}

/// Newest first, `PAGE_SIZE` rows per page (managers).
pub fn page(
    conn: &mut DbConn,
    actor: &Actor,
    f: &LedgerFilter,
    page: i64,
) -> ServiceResult<LedgerPage> {
    actor.require(Action::ViewLedger)?;
    let start = PageStart::Offset((page - 1) * PAGE_SIZE);
    let (entries, total) = list(conn, actor, f, PAGE_SIZE, start)?;
    Ok(LedgerPage {
        entries,
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    })
}

/// Up to this many matches, a page is read through the filter's index and
/// sorted; beyond it, matches are dense enough that walking the ledger
/// newest-first finds a page quickly.
const INDEXED_PAGE_LIMIT: i64 = 5000;

/// The filter with every site listed when no site is chosen but a kind or a
/// date is: the same rows, reachable through the site-led indexes.
fn with_site_hint(conn: &mut DbConn, f: &LedgerFilter) -> diesel::QueryResult<LedgerFilter> {
    let mut hinted = f.clone();
    if f.site_id.is_none()
        && f.site_ids.is_none()
        && (f.kind.is_some() || f.from.is_some() || f.to.is_some())
    {
        hinted.site_ids = Some(db::sites::list(conn)?.iter().map(|s| s.id).collect());
    }
    Ok(hinted)
}

/// Rows and the total matching (API `limit`/`offset`). Cost follows what
/// is shown, not the size of the ledger: the count uses an index for kind
/// and date filters, and the page takes the cheaper of the two paths.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    f: &LedgerFilter,
    limit: i64,
    start: PageStart<i64>,
) -> ServiceResult<(Vec<LedgerEntry>, i64)> {
    actor.require(Action::ViewLedger)?;
    Ok(db::read_tx(conn, |conn| {
        let hinted = with_site_hint(conn, f)?;
        let total = db::ledger::count(conn, &hinted)?;
        let path = if total <= INDEXED_PAGE_LIMIT {
            &hinted
        } else {
            f
        };
        let entries = match start {
            PageStart::Offset(offset) => db::ledger::page(conn, path, limit, offset)?,
            PageStart::After(id) => db::ledger::page_before(conn, path, Some(id), limit)?,
        };
        Ok((entries, total))
    })?)
}

/// The CSV header row.
pub const CSV_HEADER: [&str; 17] = [
    "id",
    "occurred_at",
    "kind",
    "reason",
    "site_id",
    "location",
    "product_id",
    "sku",
    "product",
    "lot_id",
    "lot",
    "expiry",
    "delta",
    "unit",
    "user",
    "session_id",
    "receipt_id",
];

/// The CSV cells of one entry (same order as [`CSV_HEADER`]).
fn csv_record(e: &LedgerEntry) -> [Cell<'_>; 17] {
    [
        Cell::int(e.row.id),
        Cell::text(e.row.occurred_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        Cell::text(e.row.kind.code()),
        Cell::text(e.row.reason.as_deref().unwrap_or_default()),
        Cell::int(e.row.site_id),
        Cell::text(e.location_code.as_str()),
        Cell::int(e.row.product_id),
        Cell::text(e.sku.as_str()),
        Cell::text(e.product_name.as_str()),
        Cell::int(e.row.lot_id),
        Cell::text(e.lot_number.as_str()),
        Cell::text(e.expiry.to_string()),
        Cell::num(Quantity(e.row.delta).to_string()),
        Cell::text(e.unit.code()),
        Cell::text(e.username.as_str()),
        Cell::opt_int(e.row.session_id),
        Cell::opt_int(e.row.receipt_id),
    ]
}

fn csv_err(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("csv: {e}"))
}

/// The header line as CSV bytes.
pub fn csv_header() -> ServiceResult<Vec<u8>> {
    let mut w = CsvOut::in_memory(256);
    w.header(&CSV_HEADER).map_err(csv_err)?;
    w.into_inner().map_err(csv_err)
}

/// The next chunk of the export: rows older than `before_id`, as CSV bytes,
/// and where to continue (None when done).
pub fn csv_chunk(
    conn: &mut DbConn,
    actor: &Actor,
    f: &LedgerFilter,
    before_id: Option<i64>,
) -> ServiceResult<(Vec<u8>, Option<i64>)> {
    actor.require(Action::ViewLedger)?;
    let entries = db::ledger::page_before(conn, f, before_id, CSV_CHUNK)?;
    let mut w = CsvOut::in_memory(entries.len() * 160);
    for e in &entries {
        w.row(csv_record(e)).map_err(csv_err)?;
    }
    let next = if (entries.len() as i64) < CSV_CHUNK {
        None
    } else {
        entries.last().map(|e| e.row.id)
    };
    Ok((w.into_inner().map_err(csv_err)?, next))
}

/// What the filter selects offer: sites, products (archived too) and
/// locations, each as (value, label).
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub sites: Vec<(String, String)>,
    pub products: Vec<(String, String)>,
    pub locations: Vec<(String, String)>,
}

/// The choices of the sites the actor sees (`action`).
pub fn choices(conn: &mut DbConn, actor: &Actor, action: Action) -> ServiceResult<Choices> {
    Ok(db::read_tx(conn, |conn| {
        let sites: Vec<_> = db::sites::list(conn)?
            .into_iter()
            .filter(|s| actor.sees(action, s.id))
            .collect();
        let site_code = |id: i64| {
            sites
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.code.clone())
                .unwrap_or_default()
        };
        let locations = db::sites::locations(conn, None)?
            .into_iter()
            .filter(|l| sites.iter().any(|s| s.id == l.site_id))
            .map(|l| {
                (
                    l.id.to_string(),
                    format!("{} / {} ({})", site_code(l.site_id), l.code, l.name),
                )
            })
            .collect();
        let filter = db::catalog::ProductFilter {
            archived: Some(false),
            ..Default::default()
        };
        let mut products: Vec<(String, String)> =
            db::catalog::list_products(conn, &filter, 5000, 0)?
                .into_iter()
                .map(|p| (p.id.to_string(), format!("{} ({})", p.name, p.sku)))
                .collect();
        products.sort_by_key(|a| a.1.to_lowercase());
        Ok(Choices {
            sites: sites
                .iter()
                .map(|s| (s.code.clone(), format!("{} ({})", s.name, s.code)))
                .collect(),
            products,
            locations,
        })
    })?)
}
