//! `digest_runs`: one row per (site, local day) claims that day's digest.
//! A claim is an INSERT (the UNIQUE index lets one claimer win), or a
//! conditional UPDATE of a failed or abandoned run (one claimer wins: the
//! row is re-checked under its write lock on both backends). `attempts`
//! is the claim's fencing token: a run is finished only by
//! `WHERE id = ? AND attempts = ?`, so a claimer that lost its claim
//! cannot overwrite the winner's result.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{digest_runs, users};

/// A claim in progress.
pub const SENDING: &str = "sending";
/// A failed send: claimable again after the retry delay.
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable, PartialEq, Eq)]
#[diesel(table_name = digest_runs)]
pub struct DigestRun {
    pub id: i64,
    pub site_id: i64,
    pub local_date: NaiveDate,
    pub status: String,
    pub claimed_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub error: Option<String>,
    pub attempts: i32,
    pub recipients: Option<String>,
    pub alerts: i32,
}

/// Inserts the day's claim; `Err` with a UNIQUE violation when the day is
/// claimed already.
pub fn insert_claim(
    conn: &mut DbConn,
    site_id: i64,
    day: NaiveDate,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(digest_runs::table)
        .values((
            digest_runs::site_id.eq(site_id),
            digest_runs::local_date.eq(day),
            digest_runs::status.eq(SENDING),
            digest_runs::claimed_at.eq(now),
            digest_runs::attempts.eq(1),
            digest_runs::alerts.eq(0),
        ))
        .returning(digest_runs::id)
        .get_result(conn)
}

/// Claims the day again when its run failed at or before `failed_before`,
/// or was claimed at or before `stale_before` and never finished (its
/// claimer died). Returns rows changed (0: not claimable, or someone else
/// claimed it first).
pub fn reclaim(
    conn: &mut DbConn,
    site_id: i64,
    day: NaiveDate,
    now: NaiveDateTime,
    failed_before: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> QueryResult<usize> {
    let claimable = digest_runs::status
        .eq(FAILED)
        .and(digest_runs::claimed_at.le(failed_before))
        .or(digest_runs::status
            .eq(SENDING)
            .and(digest_runs::claimed_at.le(stale_before)));
    diesel::update(
        digest_runs::table
            .filter(digest_runs::site_id.eq(site_id))
            .filter(digest_runs::local_date.eq(day))
            .filter(claimable),
    )
    .set((
        digest_runs::status.eq(SENDING),
        digest_runs::claimed_at.eq(now),
        digest_runs::attempts.eq(digest_runs::attempts + 1),
    ))
    .execute(conn)
}

pub fn run_of(conn: &mut DbConn, site_id: i64, day: NaiveDate) -> QueryResult<Option<DigestRun>> {
    digest_runs::table
        .filter(digest_runs::site_id.eq(site_id))
        .filter(digest_runs::local_date.eq(day))
        .select(DigestRun::as_select())
        .first(conn)
        .optional()
}

/// How a claimed run ended.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub status: &'a str,
    pub sent_at: Option<NaiveDateTime>,
    pub error: Option<&'a str>,
    pub recipients: Option<&'a str>,
    pub alerts: i32,
}

/// Records the end of the claim `(id, attempts)`; 0 rows when the claim
/// was lost meanwhile.
pub fn finish(conn: &mut DbConn, id: i64, attempts: i32, f: &Finish<'_>) -> QueryResult<usize> {
    diesel::update(
        digest_runs::table
            .filter(digest_runs::id.eq(id))
            .filter(digest_runs::attempts.eq(attempts))
            .filter(digest_runs::status.eq(SENDING)),
    )
    .set((
        digest_runs::status.eq(f.status),
        digest_runs::sent_at.eq(f.sent_at),
        digest_runs::error.eq(f.error),
        digest_runs::recipients.eq(f.recipients),
        digest_runs::alerts.eq(f.alerts),
    ))
    .execute(conn)
}

/// Active managers and admins with an e-mail address who take the digest
/// of a site: admins and managers without a site take every site's,
/// managers bound to a site only theirs. (username, display name, e-mail),
/// by username.
pub fn recipients(
    conn: &mut DbConn,
    site_id: i64,
) -> QueryResult<Vec<(String, Option<String>, String)>> {
    let rows: Vec<(String, Option<String>, Option<String>)> = users::table
        .filter(users::active.eq(true))
        .filter(users::digest_enabled.eq(true))
        .filter(users::email.is_not_null())
        .filter(
            users::role.eq("admin").or(users::role
                .eq("manager")
                .and(users::site_id.is_null().or(users::site_id.eq(site_id)))),
        )
        .select((users::username, users::display_name, users::email))
        .order(users::username)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(u, d, e)| {
            let e = e?.trim().to_string();
            (!e.is_empty()).then_some((u, d, e))
        })
        .collect())
}
