//! Reading a scan on an order's receiving page (issue 14 item 3): a GS1
//! string typed or scanned into a line's scan field fills the lot and
//! expiry of the order line it names (by GTIN), like `/receive` does.
//! Read-only: nothing is written.

use crate::db::DbConn;
use crate::domain::access::{Action, Actor};
use crate::error::{ServiceError, ServiceResult};
use crate::services::receiving;

/// What one scan field read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanRead {
    /// The line whose scan field held the text.
    pub from_line: i64,
    /// The open line the scan belongs to (its GTIN, else the field's line).
    pub line: Option<i64>,
    pub lot: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry: Option<String>,
    /// Why the scan could not be read or placed.
    pub error: Option<String>,
}

/// Reads each (line id, scan text); blank texts are skipped.
pub fn read_scans(
    conn: &mut DbConn,
    actor: &Actor,
    order_id: i64,
    scans: &[(i64, String)],
) -> ServiceResult<Vec<ScanRead>> {
    actor.require(Action::ManageOrders)?;
    let view = super::get(conn, actor, order_id)?;
    let open: Vec<_> = view.lines.iter().filter(|l| l.open() > 0).collect();
    let mut out = Vec::new();
    for (from_line, text) in scans {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let mut read = ScanRead {
            from_line: *from_line,
            ..ScanRead::default()
        };
        let data = match receiving::parse_scan(conn, text) {
            Ok(d) => d,
            Err(ServiceError::Invalid { errors, .. }) => {
                read.error = errors.first().map(|e| e.message.clone());
                out.push(read);
                continue;
            }
            Err(e) => return Err(e),
        };
        let own = open.iter().find(|l| l.line.id == *from_line);
        let line = match &data.gtin {
            Some(g) => open
                .iter()
                .find(|l| l.product.gtin.as_deref() == Some(g.as_str()))
                .or(own.filter(|l| l.product.gtin.is_none())),
            None => own,
        };
        match line {
            Some(l) => {
                read.line = Some(l.line.id);
                read.lot = data.lot.clone();
                read.expiry = data.expiry.map(|d| d.format("%Y-%m-%d").to_string());
            }
            None => {
                read.error = Some(format!(
                    "this barcode (GTIN {}) is not on this order's open lines",
                    data.gtin.unwrap_or_default()
                ));
            }
        }
        out.push(read);
    }
    Ok(out)
}
