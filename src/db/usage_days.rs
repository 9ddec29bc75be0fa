//! The usage report's daily digests (`usage_days`, issue 16 item 4): one
//! binary body per (site, local day), with the time zone it was computed in.
//! What a body holds is `services::usage::days`; this module reads, stores
//! and forgets rows.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::DbConn;
use super::schema::usage_days;

/// The stored digests of a site's local days `from..=to` computed in `time_zone`.
pub fn read(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDate,
    to: NaiveDate,
    time_zone: &str,
) -> QueryResult<Vec<(NaiveDate, Vec<u8>)>> {
    usage_days::table
        .filter(usage_days::site_id.eq(site_id))
        .filter(usage_days::day.ge(from))
        .filter(usage_days::day.le(to))
        .filter(usage_days::time_zone.eq(time_zone))
        .select((usage_days::day, usage_days::body))
        .load(conn)
}

/// Every stored digest of a site computed in `time_zone`, by day.
pub fn of_site(
    conn: &mut DbConn,
    site_id: i64,
    time_zone: &str,
) -> QueryResult<Vec<(NaiveDate, Vec<u8>)>> {
    usage_days::table
        .filter(usage_days::site_id.eq(site_id))
        .filter(usage_days::time_zone.eq(time_zone))
        .order(usage_days::day)
        .select((usage_days::day, usage_days::body))
        .load(conn)
}

/// Stores digests of a site's days (replacing any of another time zone).
pub fn store(
    conn: &mut DbConn,
    site_id: i64,
    time_zone: &str,
    days: &[(NaiveDate, Vec<u8>)],
) -> QueryResult<()> {
    for (day, body) in days {
        let row = (
            usage_days::site_id.eq(site_id),
            usage_days::day.eq(*day),
            usage_days::time_zone.eq(time_zone),
            usage_days::body.eq(body),
        );
        let set = (
            usage_days::time_zone.eq(time_zone),
            usage_days::body.eq(body),
        );
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(usage_days::table)
                .values(row)
                .on_conflict((usage_days::site_id, usage_days::day))
                .do_update()
                .set(set)
                .execute(c)?,
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => diesel::insert_into(usage_days::table)
                .values(row)
                .on_conflict((usage_days::site_id, usage_days::day))
                .do_update()
                .set(set)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Deletes the digests of every local day that can hold an instant of the
/// given (site, UTC date)s: the UTC date and the days either side of it
/// (time zones lie within a day of UTC).
pub fn forget(conn: &mut DbConn, days: &[(i64, NaiveDate)]) -> QueryResult<()> {
    let mut i = 0;
    while i < days.len() {
        // Runs of consecutive dates of one site go in one statement.
        let (site, first) = days[i];
        let mut last = first;
        let mut j = i + 1;
        while j < days.len() && days[j].0 == site && days[j].1 <= last + Duration::days(1) {
            last = last.max(days[j].1);
            j += 1;
        }
        diesel::delete(
            usage_days::table
                .filter(usage_days::site_id.eq(site))
                .filter(usage_days::day.ge(first - Duration::days(1)))
                .filter(usage_days::day.le(last + Duration::days(1))),
        )
        .execute(conn)?;
        i = j;
    }
    Ok(())
}

/// Deletes every digest (bulk loads).
pub fn clear(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(usage_days::table).execute(conn)
}
