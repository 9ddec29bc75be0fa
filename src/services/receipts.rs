//! Reading receipts back (API `GET /api/v1/receipts`, `GET /api/v1/receipts/{id}`):
//! who received what, where, with the ledger rows each receipt wrote.
//! Managers (the `receive_stock` action), per site: a bound manager sees
//! their site's receipts, another site's receipt is 404.

use std::collections::HashMap;

use crate::db::ledger::LedgerEntry;
use crate::db::receiving::Receipt;
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::{ServiceError, ServiceResult};

use super::scope;

/// A receipt with the names a person reads and its ledger rows (its lines).
#[derive(Debug, Clone)]
pub struct ReceiptView {
    pub receipt: Receipt,
    pub site: String,
    pub location: String,
    pub user: String,
    pub lines: Vec<LedgerEntry>,
}

/// One page of receipts, newest first, of the site asked for (`?site=`),
/// else the actor's own site, else every site; with the total.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    site: Option<&str>,
    limit: i64,
    offset: i64,
) -> ServiceResult<(Vec<ReceiptView>, i64)> {
    let site_id = scope::list_site_id(conn, actor, Action::ReceiveStock, site)?;
    let rows = db::receiving::page(conn, site_id, limit, offset)?;
    let total = db::receiving::count(conn, site_id)?;
    Ok((views(conn, rows)?, total))
}

/// One receipt: 404 when there is none or it is another site's.
pub fn show(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<ReceiptView> {
    actor.require(Action::ReceiveStock)?;
    let missing = || format!("no receipt with id {id}");
    let r = db::receiving::by_id(conn, id)?.ok_or_else(|| ServiceError::not_found(missing()))?;
    scope::hide_unless(actor, Action::ReceiveStock, r.site_id, missing)?;
    views(conn, vec![r])?
        .pop()
        .ok_or_else(|| ServiceError::Internal("receipt vanished".into()))
}

fn views(conn: &mut DbConn, rows: Vec<Receipt>) -> ServiceResult<Vec<ReceiptView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let entry_ids = db::receiving::ledger_ids(conn, &ids)?;
    let mut lines: HashMap<i64, Vec<LedgerEntry>> = HashMap::new();
    let mut entries = db::ledger::by_ids(conn, &entry_ids)?;
    entries.sort_by_key(|e| e.row.id);
    for e in entries {
        if let Some(r) = e.row.receipt_id {
            lines.entry(r).or_default().push(e);
        }
    }
    let sites: HashMap<i64, String> = db::sites::list(conn)?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let locations: HashMap<i64, String> = db::sites::locations(conn, None)?
        .into_iter()
        .map(|l| (l.id, l.code))
        .collect();
    let mut users: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = users.entry(r.user_id) {
            slot.insert(
                db::users::by_id(conn, r.user_id)?
                    .map(|u| u.username)
                    .unwrap_or_default(),
            );
        }
        out.push(ReceiptView {
            site: sites.get(&r.site_id).cloned().unwrap_or_default(),
            location: locations.get(&r.location_id).cloned().unwrap_or_default(),
            user: users.get(&r.user_id).cloned().unwrap_or_default(),
            lines: lines.remove(&r.id).unwrap_or_default(),
            receipt: r,
        });
    }
    Ok(out)
}
