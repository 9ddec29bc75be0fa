//! The stock version: a counter per site (and one for every site, row 0)
//! moved in the same transaction as every change the stock dashboard shows,
//! so that a computed dashboard can be reused while its counters stand.
//!
//! Inside [`super::write_tx`] a change only notes its site ([`touch`]); the
//! counters are moved just before COMMIT, once per site and in site order.
//! On PostgreSQL that keeps the counter's row lock for the shortest time and
//! lets no two transactions take it in different orders (a counter moved at
//! the first ledger row of a session would be held across the next line's
//! balance update: two sessions could deadlock). Outside `write_tx` a touch
//! moves the counter at once, in whatever transaction the caller has.

use std::cell::RefCell;

use diesel::prelude::*;

use super::DbConn;
use super::schema::stock_versions;

/// The row every site's dashboard also depends on (catalogue, quarantine,
/// bulk loads).
pub const EVERY_SITE: i64 = 0;

thread_local! {
    /// Sites touched by the running `write_tx` on this thread (None: no
    /// `write_tx` is running).
    static PENDING: RefCell<Option<Vec<i64>>> = const { RefCell::new(None) };
}

/// The counters a site's dashboard depends on: (every site, this site).
pub type Version = (i64, i64);

/// Reads the two counters of a site: one primary-key lookup.
pub fn read(conn: &mut DbConn, site_id: i64) -> QueryResult<Version> {
    let rows: Vec<(i64, i64)> = stock_versions::table
        .filter(stock_versions::site_id.eq_any([EVERY_SITE, site_id]))
        .select((stock_versions::site_id, stock_versions::version))
        .load(conn)?;
    let of = |id: i64| {
        rows.iter()
            .find(|(s, _)| *s == id)
            .map(|(_, v)| *v)
            .unwrap_or(0)
    };
    Ok((of(EVERY_SITE), of(site_id)))
}

/// Notes that the stock of a site (or, with [`EVERY_SITE`], of every site)
/// changes in the current transaction.
pub fn touch(conn: &mut DbConn, site_id: i64) -> QueryResult<()> {
    let deferred = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(sites) => {
            if !sites.contains(&site_id) {
                sites.push(site_id);
            }
            true
        }
        None => false,
    });
    if deferred {
        Ok(())
    } else {
        bump(conn, site_id)
    }
}

/// Moves one counter by one (creates it at 1).
pub fn bump(conn: &mut DbConn, site_id: i64) -> QueryResult<()> {
    let changed = diesel::update(stock_versions::table.find(site_id))
        .set(stock_versions::version.eq(stock_versions::version + 1))
        .execute(conn)?;
    if changed == 1 {
        return Ok(());
    }
    let row = (
        stock_versions::site_id.eq(site_id),
        stock_versions::version.eq(1i64),
    );
    match conn {
        DbConn::Sqlite(c) => {
            diesel::insert_into(stock_versions::table)
                .values(row)
                .on_conflict(stock_versions::site_id)
                .do_update()
                .set(stock_versions::version.eq(stock_versions::version + 1))
                .execute(c)?;
        }
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => {
            diesel::insert_into(stock_versions::table)
                .values(row)
                .on_conflict(stock_versions::site_id)
                .do_update()
                .set(stock_versions::version.eq(stock_versions::version + 1))
                .execute(c)?;
        }
    }
    Ok(())
}

/// Collects the touches of one `write_tx` on this thread; stops when
/// dropped (also when the body panics, so a later touch outside `write_tx`
/// is never left waiting for a commit that does not come).
pub(super) struct Deferred(());

impl Deferred {
    pub(super) fn begin() -> Deferred {
        PENDING.with(|p| *p.borrow_mut() = Some(Vec::new()));
        Deferred(())
    }

    /// Stops collecting: the touched sites, in order.
    pub(super) fn take(self) -> Vec<i64> {
        let mut sites = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
        sites.sort_unstable();
        sites
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        PENDING.with(|p| *p.borrow_mut() = None);
    }
}

/// Moves the counters of the touched sites, in site order, inside the
/// transaction about to commit.
pub(super) fn bump_all(conn: &mut DbConn, sites: &[i64]) -> QueryResult<()> {
    for s in sites {
        bump(conn, *s)?;
    }
    Ok(())
}
