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
//!
//! A change to what the usage report sums ([`touch_day`]: ledger rows,
//! sessions, voids, follow-ups) also notes the day it is dated on; after the
//! counters are moved, the daily digests ([`super::usage_days`]) of those
//! days are deleted in the same transaction. Counter first, then digests: a
//! report storing a digest holds the counter's row (and compares it), so a
//! digest computed before a change can never be stored after it.

use std::cell::RefCell;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::stock_versions;

/// The row every site's dashboard also depends on (catalogue, quarantine,
/// bulk loads).
pub const EVERY_SITE: i64 = 0;

thread_local! {
    /// What the running `write_tx` on this thread touched (None: no
    /// `write_tx` is running).
    static PENDING: RefCell<Option<Touched>> = const { RefCell::new(None) };
}

/// Sites whose counters move and (site, UTC date) days whose usage digests
/// go, at the end of one transaction.
#[derive(Debug, Default)]
pub struct Touched {
    sites: Vec<i64>,
    days: Vec<(i64, NaiveDate)>,
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
    note(conn, site_id, None)
}

/// Notes that the stock of a site changes and that what the usage report
/// sums for the day holding `at` (UTC) changes with it: a ledger row, a
/// session, a void, a follow-up dated then.
pub fn touch_day(conn: &mut DbConn, site_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    note(conn, site_id, Some(at.date()))
}

/// Inside `write_tx`: adds the site (and day) to what its end moves and
/// forgets; outside: moves the counter, then forgets the day's digests.
fn note(conn: &mut DbConn, site_id: i64, day: Option<NaiveDate>) -> QueryResult<()> {
    let day = day.map(|d| (site_id, d));
    let deferred = PENDING.with(|p| match p.borrow_mut().as_mut() {
        Some(t) => {
            if !t.sites.contains(&site_id) {
                t.sites.push(site_id);
            }
            if let Some(d) = day.filter(|d| !t.days.contains(d)) {
                t.days.push(d);
            }
            true
        }
        None => false,
    });
    if deferred {
        return Ok(());
    }
    bump(conn, site_id)?;
    match day {
        Some(d) => super::usage_days::forget(conn, &[d]),
        None => Ok(()),
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

/// How much the running `write_tx` had touched at one point.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    sites: usize,
    days: usize,
}

/// Where the touches stand now (a savepoint about to run a body).
pub(super) fn mark() -> Mark {
    PENDING.with(|p| match p.borrow().as_ref() {
        Some(t) => Mark {
            sites: t.sites.len(),
            days: t.days.len(),
        },
        None => Mark { sites: 0, days: 0 },
    })
}

/// Forgets the touches made since `m` (their savepoint was rolled back:
/// nothing they noted was written).
pub(super) fn rollback_to(m: Mark) {
    PENDING.with(|p| {
        if let Some(t) = p.borrow_mut().as_mut() {
            t.sites.truncate(m.sites);
            t.days.truncate(m.days);
        }
    });
}

/// Collects the touches of one `write_tx` on this thread; stops when
/// dropped (also when the body panics, so a later touch outside `write_tx`
/// is never left waiting for a commit that does not come).
pub(super) struct Deferred(());

impl Deferred {
    pub(super) fn begin() -> Deferred {
        PENDING.with(|p| *p.borrow_mut() = Some(Touched::default()));
        Deferred(())
    }

    /// Stops collecting: the touched sites, in order, and days.
    pub(super) fn take(self) -> Touched {
        let mut t = PENDING.with(|p| p.borrow_mut().take()).unwrap_or_default();
        t.sites.sort_unstable();
        t.days.sort_unstable();
        t
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        PENDING.with(|p| *p.borrow_mut() = None);
    }
}

/// Moves the counters of the touched sites, in site order, then deletes
/// the usage digests of the touched days, inside the transaction about to
/// commit.
pub(super) fn bump_all(conn: &mut DbConn, touched: &Touched) -> QueryResult<()> {
    for s in &touched.sites {
        bump(conn, *s)?;
    }
    super::usage_days::forget(conn, &touched.days)
}

/// Reads the two counters of a site ([`read`]) holding their rows until the
/// transaction ends (PostgreSQL: `FOR UPDATE` in site order, after creating
/// the site's at 0 if missing, so a writer's bump waits; SQLite: the
/// caller's write transaction already excludes every writer).
pub fn read_locked(conn: &mut DbConn, site_id: i64) -> QueryResult<Version> {
    match conn {
        DbConn::Sqlite(_) => read(conn, site_id),
        #[cfg(feature = "postgres")]
        DbConn::Pg(c) => {
            diesel::insert_into(stock_versions::table)
                .values((
                    stock_versions::site_id.eq(site_id),
                    stock_versions::version.eq(0i64),
                ))
                .on_conflict_do_nothing()
                .execute(c)?;
            let rows: Vec<(i64, i64)> = stock_versions::table
                .filter(stock_versions::site_id.eq_any([EVERY_SITE, site_id]))
                .order(stock_versions::site_id)
                .select((stock_versions::site_id, stock_versions::version))
                .for_update()
                .load(c)?;
            let of = |id: i64| {
                rows.iter()
                    .find(|(s, _)| *s == id)
                    .map(|(_, v)| *v)
                    .unwrap_or(0)
            };
            Ok((of(EVERY_SITE), of(site_id)))
        }
    }
}
