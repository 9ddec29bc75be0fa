//! Everything a clinic owns, as CSV files (API.md "Export"): the import
//! formats where one exists (locations, suppliers, products, protocols,
//! stock), so that an export imports cleanly into an empty installation,
//! plus the history that cannot be imported (ledger, sessions and their
//! lines, their follow-ups, lots, purchase orders, receipts, counts, users, settings, the
//! audit log). Written
//! to a folder (`clinic-stock export DIR`) or a zip (the page's button)
//! through [`ExportSink`]; every cell goes through `csv_cell` (no formulas).

mod follow_ups;
mod history;
mod sink;
mod tables;

use std::io::Write;

use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::{ServiceError, ServiceResult};

pub use sink::{DirSink, ExportSink, ZipSink};

/// Writes one export file.
type Writer = fn(&mut DbConn, &Actor, &mut dyn Write) -> ServiceResult<()>;

/// The files, in the order to import them back (import formats first).
const FILES: &[(&str, Writer)] = &[
    ("locations.csv", tables::locations),
    ("suppliers.csv", tables::suppliers),
    ("products.csv", tables::products),
    ("protocols.csv", tables::protocols),
    ("stock.csv", tables::stock),
    ("lots.csv", tables::lots),
    ("ledger.csv", history::ledger),
    ("treatment_areas.csv", history::areas),
    ("indication_ranges.csv", history::needle_ranges),
    ("sessions.csv", history::sessions),
    ("session_lines.csv", history::session_lines),
    ("follow-ups.csv", follow_ups::follow_ups),
    ("purchase_orders.csv", history::orders),
    ("purchase_order_lines.csv", history::order_lines),
    ("receipts.csv", history::receipts),
    ("counts.csv", history::counts),
    ("users.csv", history::users),
    ("settings.csv", history::settings),
    ("audit.csv", crate::services::audit::export_csv),
];

const README: &str = "clinic-stock export\n\
\n\
Import into another installation in this order (clinic-stock import KIND FILE):\n\
  locations.csv  suppliers.csv  products.csv  protocols.csv  stock.csv\n\
The other files are the history (ledger, treatment areas, needle ranges, sessions,\n\
follow-ups, orders, receipts, counts, users, settings, the audit log) for\n\
reading; they are not imported.\n";

pub(crate) fn csv_err(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("export: {e}"))
}

/// Writes every file into the sink (admin: the export holds users and the
/// whole history); each file is read in one snapshot. Returns the names.
pub fn export(
    conn: &mut DbConn,
    actor: &Actor,
    sink: &mut dyn ExportSink,
) -> ServiceResult<Vec<String>> {
    actor.require(Action::ExportData)?;
    let mut names = vec!["README.txt".to_string()];
    sink.file("README.txt", &mut |w| {
        w.write_all(README.as_bytes()).map_err(csv_err)
    })?;
    for (name, write) in FILES {
        sink.file(name, &mut |w| {
            db::read_tx(conn, |conn| Ok(write(conn, actor, w)))?
        })?;
        names.push((*name).to_string());
    }
    Ok(names)
}
