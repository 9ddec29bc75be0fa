//! Bringing a clinic's existing data in (API.md "Import"): suppliers,
//! products, opening stock, protocols, and sites with their locations, from
//! CSV files. One use case per kind (`suppliers`, `products`, `stock`,
//! `protocols`, `locations`), each validating every row with the same rules
//! as the forms and the API (`services::catalog`, `receiving`, `protocols`,
//! `sites`) and writing through the same db functions.
//!
//! All or nothing: the whole file runs in one write transaction; when any
//! row is refused, or for a dry run (the command line's `--dry-run`, the
//! page's preview), the transaction is rolled back and the report says what
//! each row would have done. Safe to run twice: products, suppliers and
//! protocols are matched by SKU / name and only changed fields are written;
//! stock rows whose lot is already at that location are skipped (a changed
//! quantity is reported, never applied).
//!
//! Managers bring stock only into their own site (a manager without a site
//! works for every site); admins into any. The import page's preview and
//! confirm steps are `staged`.

pub mod locations;
pub mod products;
pub mod protocols;
pub mod report;
pub mod staged;
pub mod stock;
pub mod suppliers;

use diesel::result::Error as DieselError;

use crate::db::{self, DbConn, RetryHint};
use crate::domain::access::{Action, Actor};
use crate::domain::import::cells::{self, DateOrder};
use crate::domain::import::{ImportKind, Table, read_table};
use crate::error::{ServiceError, ServiceResult};
use crate::services::audit;

pub use report::{ImportReport, RowReport, RowStatus};

/// How to run an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The site opening stock goes to (default: the actor's site, else `main`).
    pub site: Option<String>,
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// How to read `NN/NN/YYYY` dates when the file leaves it open.
    pub date_order: Option<DateOrder>,
    /// The file's name, for the report and the ledger notes.
    pub file_name: String,
}

/// Why the transaction ends without committing.
enum Stop {
    /// Roll back and hand back the report (errors, or a dry run).
    Rollback(ImportReport),
    Failed(ServiceError),
}

impl From<DieselError> for Stop {
    fn from(e: DieselError) -> Self {
        Stop::Failed(ServiceError::from(e))
    }
}

impl From<ServiceError> for Stop {
    fn from(e: ServiceError) -> Self {
        Stop::Failed(e)
    }
}

impl RetryHint for Stop {
    fn is_retryable(&self) -> bool {
        matches!(self, Stop::Failed(e) if e.is_retryable())
    }
}

/// What importing a kind needs (the permission table): managers import
/// the catalogue and stock; sites and locations are the admin's.
pub fn required_action(kind: ImportKind) -> Action {
    match kind {
        ImportKind::Locations => Action::ManageSites,
        _ => Action::ImportData,
    }
}

/// Imports one file. Problems with the file or its rows are in the report
/// (`has_errors`), with nothing written; `Err` is for everything else
/// (permission, database).
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    kind: ImportKind,
    bytes: &[u8],
    opts: &ImportOptions,
) -> ServiceResult<ImportReport> {
    actor.require(required_action(kind))?;
    let mut base = ImportReport::new(kind, &opts.file_name, opts.dry_run);
    let table = match read_table(kind, bytes) {
        Ok(t) => t,
        Err(e) => {
            base.file_error = Some(e.to_string());
            return Ok(base);
        }
    };
    base.ignored_columns = table.ignored.clone();
    let date_order = match (opts.date_order, kind) {
        (Some(o), _) => Some(o),
        (None, ImportKind::Stock) => {
            let dates = table
                .rows
                .iter()
                .filter_map(|r| r.get("expiry").map(|v| (r.line, v)));
            match cells::date_order_of(dates) {
                Ok(o) => o,
                Err(e) => {
                    base.file_error = Some(e);
                    return Ok(base);
                }
            }
        }
        (None, _) => None,
    };
    let outcome = db::write_tx(conn, |conn| {
        let mut report = base.clone();
        report.rows = apply(conn, actor, &table, opts, date_order)?;
        if report.has_errors() || opts.dry_run {
            return Err(Stop::Rollback(report));
        }
        report.applied = true;
        audit_run(conn, actor, &report)?;
        Ok(report)
    });
    match outcome {
        Ok(report) | Err(Stop::Rollback(report)) => Ok(report),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// The audit row of an applied import: counts in the summary, each new or
/// updated row (what it changed) in the changes.
fn audit_run(conn: &mut DbConn, actor: &Actor, report: &ImportReport) -> ServiceResult<()> {
    let count = |s: RowStatus| report.rows.iter().filter(|r| r.status == s).count();
    let (new, updated) = (count(RowStatus::New), count(RowStatus::Updated));
    if new + updated == 0 {
        return Ok(());
    }
    let mut changes = audit::Changes::new();
    for r in report.rows.iter().take(1000) {
        let was = match r.status {
            RowStatus::New => None,
            RowStatus::Updated => Some("updated"),
            _ => continue,
        };
        let detail = if r.detail.is_empty() {
            r.status.label()
        } else {
            &r.detail
        };
        changes = changes.field(&format!("line {}: {}", r.line, r.key), was, detail);
    }
    audit::record(
        conn,
        &actor.into(),
        "import",
        "import",
        None,
        &format!(
            "imported {} from {}: {new} new, {updated} updated, {} unchanged",
            report.kind.code(),
            report.file_name,
            count(RowStatus::Unchanged)
        ),
        &changes,
    )
}

fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    table: &Table,
    opts: &ImportOptions,
    date_order: Option<DateOrder>,
) -> ServiceResult<Vec<RowReport>> {
    let formulas = formula_cells(table);
    let mut rows = match table.kind {
        ImportKind::Suppliers => suppliers::apply(conn, actor, table, &formulas)?,
        ImportKind::Products => products::apply(conn, actor, table, &formulas)?,
        ImportKind::Stock => stock::apply(conn, actor, table, opts, date_order, &formulas)?,
        ImportKind::Protocols => protocols::apply(conn, table, &formulas)?,
        ImportKind::Locations => locations::apply(conn, table, &formulas)?,
    };
    rows.sort_by_key(|r| r.line);
    Ok(rows)
}

/// Cells refused before anything else: formula-looking text and control
/// characters. (line, column, message)
pub type CellProblems = Vec<(u64, &'static str, String)>;

fn formula_cells(table: &Table) -> CellProblems {
    let mut out = Vec::new();
    for row in &table.rows {
        for col in &table.columns {
            if let Some(v) = row.cells.get(col)
                && let Err(e) = cells::not_formula(v)
            {
                out.push((row.line, *col, e));
            }
        }
    }
    out
}

/// The cells of a row with the `'` escapes of exports taken off.
pub fn unescaped(row: &crate::domain::import::Row) -> crate::domain::import::Row {
    let mut r = row.clone();
    for v in r.cells.values_mut() {
        if let Ok(clean) = cells::not_formula(v) {
            *v = clean;
        }
    }
    r
}

/// Starts a row's report with its refused cells already recorded. The row
/// is still validated (every problem is listed), but a row with an error
/// writes nothing.
pub fn start_row(
    row: &crate::domain::import::Row,
    key: impl Into<String>,
    formulas: &CellProblems,
) -> RowReport {
    let mut report = RowReport::new(row.line, key);
    for (line, col, msg) in formulas {
        if *line == row.line {
            report.error(col, msg.clone());
        }
    }
    report
}

/// Remembers the first line of each key, to name a row that repeats one.
#[derive(Debug, Default)]
pub struct FirstSeen(std::collections::HashMap<String, u64>);

impl FirstSeen {
    /// The earlier line with this key, if any (else remembers this one).
    pub fn earlier(&mut self, key: &str, line: u64) -> Option<u64> {
        match self.0.get(key) {
            Some(l) => Some(*l),
            None => {
                self.0.insert(key.to_string(), line);
                None
            }
        }
    }
}
