//! The window sums behind the usage report (and the reorder report's
//! consumption): consumption per (week, product) from the ledger, sessions
//! per (day, protocol, indication, practitioner, needle length) and what
//! their lines used per (protocol, indication, practitioner, product).
//!
//! Every query reads one site's window from covering indexes only:
//! `ledger_site_kind_time (site_id, kind, occurred_at, product_id, delta)`
//! for `consume`/`void` rows (a voided session's `void` rows carry the
//! session's `performed_at`, so they cancel its `consume` rows), and
//! `treatment_sessions_report` (migration `2026-11-26-140000_report_indexes`)
//! for sessions and `session_lines_window` (lines carry their session's
//! site and time, migration `2026-12-01-041627_session_lines_window`) for
//! their lines. The cost follows the rows in the window, not the history
//! around it.
//!
//! How the window is summed differs by backend, because their `GROUP BY`
//! differs: PostgreSQL hash-aggregates, so it gets one `GROUP BY` query per
//! figure; SQLite sorts every input row in a temporary b-tree, several
//! times the cost of the index scan, so on SQLite the rows are streamed
//! (one query per day or week, no date arithmetic per row) and summed here.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::connection::DefaultLoadingMode;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::DbConn;
use crate::domain::vocab::Indication;

/// Net consumption (`SUM(delta)` of `consume` + `void`; negative = used) per
/// (bucket, product) at a site in `[start, end)`. With `bounds = Some(b)`
/// bucket `i` is `[b[i], b[i+1])` (the UTC starts of the site's local weeks,
/// `b[0]` ≤ `start`), else there is one bucket, 0.
pub fn consumption_by_bucket(
    conn: &mut DbConn,
    site_id: i64,
    start: NaiveDateTime,
    end: NaiveDateTime,
    bounds: Option<&[NaiveDateTime]>,
) -> QueryResult<Vec<(i32, i64, i64)>> {
    match conn {
        DbConn::Sqlite(_) => {
            let buckets: Vec<(i32, NaiveDateTime, NaiveDateTime)> = match bounds {
                Some(b) => buckets(b, start, end),
                None => vec![(0, start, end)],
            };
            let mut out = Vec::new();
            for (b, from, to) in buckets {
                let mut sums = DenseSums::default();
                stream_consumption(conn, site_id, from, to, &mut |product, delta| {
                    sums.add(0, product, delta);
                })?;
                out.extend(sums.into_iter().map(|(_, p, s)| (b, p, s)));
            }
            Ok(out)
        }
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => {
            let bucket = match bounds {
                Some(b) => bucket_sql("occurred_at", b),
                None => "0".to_string(),
            };
            sql::<(Integer, BigInt, BigInt)>(&format!(
                "SELECT CAST({bucket} AS INTEGER), product_id, CAST(SUM(delta) AS BIGINT) \
                 FROM ledger WHERE site_id = "
            ))
            .bind::<BigInt, _>(site_id)
            .sql(" AND kind IN ('consume', 'void') AND occurred_at >= ")
            .bind::<Timestamp, _>(start)
            .sql(" AND occurred_at < ")
            .bind::<Timestamp, _>(end)
            .sql(" GROUP BY 1, 2")
            .load(conn)
        }
    }
}

/// Sessions (not voided) counted per (local day of the window, protocol,
/// indication, practitioner, needle length).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct SessionCount {
    pub day: i32,
    pub protocol_id: Option<i64>,
    pub indication: Option<Indication>,
    pub practitioner_id: i64,
    pub needle_length: i32,
    pub sessions: i64,
}

/// What the lines of those sessions used, per (local day of the window,
/// protocol, indication, practitioner, product).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct LineSum {
    pub day: i32,
    pub protocol_id: Option<i64>,
    pub indication: Option<Indication>,
    pub practitioner_id: i64,
    pub product_id: i64,
    pub quantity: i64,
}

/// Sessions of a site in the local days whose UTC starts are `days` (day
/// `i` is `[days[i], days[i+1])`, the window `[days[0], days[last])`) and
/// what their lines used.
pub fn session_sums(
    conn: &mut DbConn,
    site_id: i64,
    days: &[NaiveDateTime],
) -> QueryResult<(Vec<SessionCount>, Vec<LineSum>)> {
    let (Some(start), Some(end)) = (days.first().copied(), days.last().copied()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    match conn {
        DbConn::Sqlite(_) => sqlite_session_sums(conn, site_id, days, start, end),
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => {
            let day = bucket_sql("performed_at", days);
            let counts = sql::<(
                Integer,
                Nullable<BigInt>,
                Nullable<Text>,
                BigInt,
                Integer,
                BigInt,
            )>(&format!(
                "SELECT CAST({day} AS INTEGER), protocol_id, indication, practitioner_id, \
                     needle_length, COUNT(*) FROM treatment_sessions WHERE site_id = "
            ))
            .bind::<BigInt, _>(site_id)
            .sql(" AND performed_at >= ")
            .bind::<Timestamp, _>(start)
            .sql(" AND performed_at < ")
            .bind::<Timestamp, _>(end)
            .sql(" AND voided_at IS NULL GROUP BY 1, 2, 3, 4, 5")
            .load(conn)?;
            // The window's lines are one range of `session_lines_window`
            // (they carry their session's site and time), joined by hash
            // to the window's sessions (not voided) for their group.
            let line_day = bucket_sql("l.performed_at", days);
            let lines = sql::<(
                Integer,
                Nullable<BigInt>,
                Nullable<Text>,
                BigInt,
                BigInt,
                BigInt,
            )>(&format!(
                "SELECT CAST({line_day} AS INTEGER), s.protocol_id, s.indication, \
                 s.practitioner_id, l.product_id, CAST(SUM(l.quantity) AS BIGINT) \
                 FROM session_lines l JOIN treatment_sessions s ON s.id = l.session_id \
                 WHERE l.site_id = "
            ))
            .bind::<BigInt, _>(site_id)
            .sql(" AND l.performed_at >= ")
            .bind::<Timestamp, _>(start)
            .sql(" AND l.performed_at < ")
            .bind::<Timestamp, _>(end)
            .sql(" AND s.site_id = ")
            .bind::<BigInt, _>(site_id)
            .sql(" AND s.performed_at >= ")
            .bind::<Timestamp, _>(start)
            .sql(" AND s.performed_at < ")
            .bind::<Timestamp, _>(end)
            .sql(" AND s.voided_at IS NULL GROUP BY 1, 2, 3, 4, 5")
            .load(conn)?;
            Ok((counts, lines))
        }
    }
}

/// (protocol, indication, practitioner, needle length)
type GroupKey = (Option<i64>, Option<Indication>, i64, i32);
/// (protocol, indication, practitioner, product)
type LineKey = (Option<i64>, Option<Indication>, i64, i64);

/// SQLite: day by day, the sessions (each one's group looked up once), then
/// their lines summed per (group, product).
fn sqlite_session_sums(
    conn: &mut DbConn,
    site_id: i64,
    days: &[NaiveDateTime],
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<(Vec<SessionCount>, Vec<LineSum>)> {
    let mut groups: HashMap<GroupKey, usize> = HashMap::new();
    let mut keys: Vec<GroupKey> = Vec::new();
    let mut counts: HashMap<(i32, usize), i64> = HashMap::new();
    // Lines are reported without the needle length: groups that differ
    // only by it are folded.
    let mut folded: HashMap<(i32, LineKey), i64> = HashMap::new();
    let mut session_group: HashMap<i64, usize> = HashMap::new();
    for (day, from, to) in buckets(days, start, end) {
        session_group.clear();
        let mut lines = DenseSums::default();
        stream_sessions(conn, site_id, from, to, &mut |r| {
            let key = (
                r.protocol_id,
                r.indication,
                r.practitioner_id,
                r.needle_length,
            );
            let g = match groups.get(&key) {
                Some(g) => *g,
                None => {
                    keys.push(key);
                    groups.insert(key, keys.len() - 1);
                    keys.len() - 1
                }
            };
            *counts.entry((day, g)).or_default() += 1;
            session_group.insert(r.id, g);
        })?;
        stream_session_lines(conn, site_id, from, to, &mut |session, product, q| {
            if let Some(g) = session_group.get(&session) {
                lines.add(*g, product, q);
            }
        })?;
        for (g, product, q) in lines.into_iter() {
            if let Some((p, i, u, _)) = keys.get(g) {
                *folded.entry((day, (*p, *i, *u, product))).or_default() += q;
            }
        }
    }
    let counts = counts
        .into_iter()
        .filter_map(|((day, g), sessions)| {
            let (protocol_id, indication, practitioner_id, needle_length) = *keys.get(g)?;
            Some(SessionCount {
                day,
                protocol_id,
                indication,
                practitioner_id,
                needle_length,
                sessions,
            })
        })
        .collect();
    let lines = folded
        .into_iter()
        .map(
            |((day, (protocol_id, indication, practitioner_id, product_id)), quantity)| LineSum {
                day,
                protocol_id,
                indication,
                practitioner_id,
                product_id,
                quantity,
            },
        )
        .collect();
    Ok((counts, lines))
}

/// Sums per (group, id) without hashing each row: ids (small positive
/// integers: product ids) map to dense columns through a lookup table;
/// other ids fall back to a hash map.
#[derive(Default)]
struct DenseSums {
    column_of: Vec<u32>,
    ids: Vec<i64>,
    /// group → one sum per column
    rows: Vec<Vec<i64>>,
    other: HashMap<(usize, i64), i64>,
}

impl DenseSums {
    const NONE: u32 = u32::MAX;
    const MAX_DENSE_ID: usize = 1 << 22;

    fn add(&mut self, group: usize, id: i64, value: i64) {
        let Some(i) = usize::try_from(id).ok().filter(|i| *i < Self::MAX_DENSE_ID) else {
            *self.other.entry((group, id)).or_default() += value;
            return;
        };
        if i >= self.column_of.len() {
            self.column_of.resize(i + 1, Self::NONE);
        }
        let mut column = self.column_of[i];
        if column == Self::NONE {
            column = u32::try_from(self.ids.len()).unwrap_or(Self::NONE - 1);
            self.column_of[i] = column;
            self.ids.push(id);
        }
        if group >= self.rows.len() {
            self.rows.resize_with(group + 1, Vec::new);
        }
        let row = &mut self.rows[group];
        let c = column as usize;
        if c >= row.len() {
            row.resize(c + 1, 0);
        }
        row[c] += value;
    }

    /// (group, id, sum) for every non-zero sum.
    fn into_iter(self) -> impl Iterator<Item = (usize, i64, i64)> {
        let ids = self.ids;
        self.rows
            .into_iter()
            .enumerate()
            .flat_map(move |(g, row)| {
                row.into_iter()
                    .enumerate()
                    .filter(|(_, s)| *s != 0)
                    .filter_map(|(c, s)| Some((g, *ids.get(c)?, s)))
                    .collect::<Vec<_>>()
            })
            .chain(self.other.into_iter().map(|((g, id), s)| (g, id, s)))
    }
}

/// `(bucket index, from, to)` for the buckets `[b[i], b[i+1])`, clipped to
/// `[start, end)`.
fn buckets(
    bounds: &[NaiveDateTime],
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Vec<(i32, NaiveDateTime, NaiveDateTime)> {
    bounds
        .windows(2)
        .enumerate()
        .filter_map(|(i, w)| {
            let (from, to) = (w[0].max(start), w[1].min(end));
            (from < to).then(|| (i32::try_from(i).unwrap_or(i32::MAX), from, to))
        })
        .collect()
}

/// PostgreSQL: the 0-based bucket of `column` among the boundaries `b`
/// (`width_bucket` over an array of UTC instants we format ourselves, never
/// user text): the site's local days or weeks, whatever their length in
/// hours.
#[cfg(feature = "postgres")]
fn bucket_sql(column: &str, b: &[NaiveDateTime]) -> String {
    let list: Vec<String> = b
        .iter()
        .map(|t| format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f")))
        .collect();
    format!(
        "(width_bucket({column}, ARRAY[{}]::timestamp[]) - 1)",
        list.join(", ")
    )
}

/// SQLite: streams the `consume` and `void` rows of a site in `[from, to)`
/// to `f` as (product, delta), from the covering index
/// `ledger_site_kind_time` (named with `INDEXED BY`: left to itself the
/// planner prefers `ledger_product_time` and reads the table row by row).
fn stream_consumption(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    f: &mut dyn FnMut(i64, i64),
) -> QueryResult<()> {
    let hint = match conn {
        DbConn::Sqlite(_) => " INDEXED BY ledger_site_kind_time",
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => "",
    };
    let query = sql::<(BigInt, BigInt)>(&format!(
        "SELECT product_id, delta FROM ledger{hint} WHERE site_id = "
    ))
    .bind::<BigInt, _>(site_id)
    .sql(" AND kind IN ('consume', 'void') AND occurred_at >= ")
    .bind::<Timestamp, _>(from)
    .sql(" AND occurred_at < ")
    .bind::<Timestamp, _>(to);
    for row in query.load_iter::<(i64, i64), DefaultLoadingMode>(conn)? {
        let (product, delta) = row?;
        f(product, delta);
    }
    Ok(())
}

/// A session (not voided) of the window with what the reports group
/// sessions by.
#[derive(Debug, Clone, Queryable)]
struct SessionRow {
    pub id: i64,
    pub protocol_id: Option<i64>,
    pub indication: Option<Indication>,
    pub practitioner_id: i64,
    pub needle_length: i32,
}

fn session_hints(conn: &DbConn) -> (&'static str, &'static str) {
    match conn {
        // Without statistics for the new indexes SQLite would pick
        // `session_lines_session` and read the table.
        DbConn::Sqlite(_) => (
            " INDEXED BY treatment_sessions_report",
            " INDEXED BY session_lines_window",
        ),
        #[cfg(feature = "postgres")]
        DbConn::Pg(_) => ("", ""),
    }
}

/// Streams the sessions (not voided) of a site in `[from, to)` to `f`, from
/// the covering index `treatment_sessions_report (site_id, performed_at,
/// voided_at, protocol_id, practitioner_id, needle_length, indication)`.
fn stream_sessions(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    f: &mut dyn FnMut(SessionRow),
) -> QueryResult<()> {
    let (s_hint, _) = session_hints(conn);
    let query = sql::<(BigInt, Nullable<BigInt>, Nullable<Text>, BigInt, Integer)>(&format!(
        "SELECT s.id, s.protocol_id, s.indication, s.practitioner_id, s.needle_length \
         FROM treatment_sessions s{s_hint} WHERE s.site_id = "
    ))
    .bind::<BigInt, _>(site_id)
    .sql(" AND s.performed_at >= ")
    .bind::<Timestamp, _>(from)
    .sql(" AND s.performed_at < ")
    .bind::<Timestamp, _>(to)
    .sql(" AND s.voided_at IS NULL");
    for row in query.load_iter::<SessionRow, DefaultLoadingMode>(conn)? {
        f(row?);
    }
    Ok(())
}

/// Streams the lines of the sessions of a site in `[from, to)` to `f` as
/// (session, product, quantity), voided sessions' too (the caller keeps
/// the sessions it streamed): one range of the covering index
/// `session_lines_window (site_id, performed_at, session_id, product_id,
/// quantity)`; the table is not read.
fn stream_session_lines(
    conn: &mut DbConn,
    site_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
    f: &mut dyn FnMut(i64, i64, i64),
) -> QueryResult<()> {
    let (_, l_hint) = session_hints(conn);
    let query = sql::<(BigInt, BigInt, BigInt)>(&format!(
        "SELECT l.session_id, l.product_id, l.quantity FROM session_lines l{l_hint} \
         WHERE l.site_id = "
    ))
    .bind::<BigInt, _>(site_id)
    .sql(" AND l.performed_at >= ")
    .bind::<Timestamp, _>(from)
    .sql(" AND l.performed_at < ")
    .bind::<Timestamp, _>(to);
    for row in query.load_iter::<(i64, i64, i64), DefaultLoadingMode>(conn)? {
        let (session, product, quantity) = row?;
        f(session, product, quantity);
    }
    Ok(())
}
