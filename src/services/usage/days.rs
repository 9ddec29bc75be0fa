//! Daily digests (issue 16 item 4): what the usage report sums, kept per
//! (site, local day) in `usage_days`, so that a report reads one row per day
//! of its window instead of every ledger row, session, line and follow-up in
//! it. Every figure of the report is a sum over sessions or ledger rows, and
//! each of those falls on exactly one local day, so a window's figures are
//! the sums of its days' digests.
//!
//! A report reads the stored digests of its days and computes the missing
//! ones from the tables (each run of consecutive missing days with the same
//! window queries the report used before, bucketed by day); afterwards it
//! stores what it computed, but only while the site's stock version still
//! equals the one its snapshot read (`db::stock_version::read_locked`). Every
//! write that changes a figure deletes the digests of its day in its own
//! transaction, after moving that version (`db::stock_version::touch_day`),
//! so a stored digest never holds figures the database no longer has. A
//! digest computed in another time zone than the site's is recomputed.

use std::collections::{BTreeMap, HashMap};

use rustc_hash::FxHashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::UsageOptions;
use crate::db::models::Site;
use crate::db::reactions::Window;
use crate::db::usage::{LineSum, SessionCount};
use crate::db::{self, DbConn};
use crate::domain::reactions::EffectCounts;
use crate::domain::vocab::{Indication, SideEffect};
use crate::services::reactions::{self, Collected, LotSums};

/// (protocol, indication ([`ind_code`]), practitioner, needle length, sessions)
type SessionsRow = (Option<i64>, u8, i64, i32, i64);
/// (protocol, indication ([`ind_code`]), practitioner, product, quantity)
type LineRow = (Option<i64>, u8, i64, i64, i64);

/// The digest layout: stored before each body, a body of another layout
/// is computed again.
const FORMAT: u16 = 1;

/// An indication as stored: 0 none, else its place in
/// [`Indication::ALL`] plus one.
fn ind_code(i: Option<Indication>) -> u8 {
    i.and_then(|i| Indication::ALL.iter().position(|x| *x == i))
        .and_then(|p| u8::try_from(p + 1).ok())
        .unwrap_or(0)
}

fn ind_of(code: u8) -> Option<Indication> {
    usize::from(code)
        .checked_sub(1)
        .and_then(|i| Indication::ALL.get(i).copied())
}

/// Side-effect figures as stored: sessions, reactions, at the session, at
/// follow-up, and sessions per effect (empty when all are 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Effects(i64, i64, i64, i64, Vec<i64>);

impl Effects {
    fn of(c: &EffectCounts) -> Effects {
        let by = if c.by_effect.iter().all(|n| *n == 0) {
            Vec::new()
        } else {
            c.by_effect.clone()
        };
        Effects(c.sessions, c.reactions, c.at_session, c.at_follow_up, by)
    }

    /// Adds these figures to `c` as [`EffectCounts::add`] would have, one
    /// session at a time (a group with sessions lists every effect).
    fn add_to(&self, c: &mut EffectCounts) {
        c.sessions += self.0;
        c.reactions += self.1;
        c.at_session += self.2;
        c.at_follow_up += self.3;
        let len = SideEffect::ALL.len().max(self.4.len());
        if self.0 > 0 && c.by_effect.len() < len {
            c.by_effect.resize(len, 0);
        }
        for (a, b) in c.by_effect.iter_mut().zip(&self.4) {
            *a += b;
        }
    }
}

fn encode(d: &DayDigest) -> Option<Vec<u8>> {
    postcard::to_allocvec(&(FORMAT, d)).ok()
}

fn decode(body: &[u8]) -> Option<DayDigest> {
    match postcard::from_bytes::<(u16, DayDigest)>(body) {
        Ok((FORMAT, d)) => Some(d),
        _ => None,
    }
}

/// One local day's sums at one site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct DayDigest {
    /// (product, net `consume` + `void` delta; negative = used)
    consumption: Vec<(i64, i64)>,
    /// (protocol, indication code, practitioner, needle length, sessions)
    sessions: Vec<SessionsRow>,
    /// (protocol, indication code, practitioner, product, quantity)
    lines: Vec<LineRow>,
    /// Side effects of every session, per protocol and per needle length.
    effects: Effects,
    effects_by_protocol: Vec<(Option<i64>, Effects)>,
    effects_by_needle: Vec<(i32, Effects)>,
    /// (sealed lot, product, side effects of the sessions that used it)
    lots: Vec<(i64, i64, Effects)>,
    /// (product, sessions that used it, of which reacted)
    products: Vec<(i64, i64, i64)>,
    /// (treatment area, sessions)
    areas: Vec<(i64, i64)>,
}

impl DayDigest {
    /// Every list in key order: one day's figures have one text, whatever
    /// order the database returned them in.
    fn normalized(mut self) -> DayDigest {
        self.consumption.sort_unstable();
        self.sessions.sort_unstable();
        self.lines.sort_unstable();
        self.effects_by_protocol.sort_by_key(|(k, _)| *k);
        self.effects_by_needle.sort_by_key(|(k, _)| *k);
        self.lots.sort_by_key(|(lot, product, _)| (*lot, *product));
        self.products.sort_unstable();
        self.areas.sort_unstable();
        self
    }
}

/// Side effects over the window (additive over days).
#[derive(Debug, Clone, Default)]
pub(super) struct EffectSums {
    pub total: EffectCounts,
    pub by_protocol: BTreeMap<Option<i64>, EffectCounts>,
    pub by_needle: BTreeMap<i32, EffectCounts>,
    pub lots: LotSums,
}

/// The window's sums, shaped as the report's parts read them.
#[derive(Debug, Clone, Default)]
pub(super) struct WindowSums {
    /// (week from [`UsageOptions::week_origin`], product, net delta)
    pub consumption: Vec<(i32, i64, i64)>,
    /// Day = index from `from`.
    pub session_counts: Vec<SessionCount>,
    pub lines: Vec<LineSum>,
    pub effects: EffectSums,
    /// area → sessions
    pub areas: HashMap<i64, i64>,
}

/// Digests computed by a report, to store once its snapshot is over.
#[derive(Debug, Clone)]
pub(super) struct ToStore {
    site_id: i64,
    time_zone: String,
    /// The site's stock version the digests were read under.
    version: db::stock_version::Version,
    days: Vec<(NaiveDate, Vec<u8>)>,
}

/// The window's sums from the stored digests and, for days without one,
/// from the tables; and the digests computed, to [`store`].
pub(super) fn window(
    conn: &mut DbConn,
    o: &UsageOptions,
) -> diesel::QueryResult<(WindowSums, Option<ToStore>)> {
    let site = &o.site;
    let version = db::stock_version::read(conn, site.id)?;
    let mut days: BTreeMap<NaiveDate, DayDigest> = BTreeMap::new();
    for (day, body) in db::usage_days::read(conn, site.id, o.from, o.to, &site.time_zone)? {
        // A body this build cannot read is computed again.
        if let Some(d) = decode(&body) {
            days.insert(day, d);
        }
    }
    let mut computed = Vec::new();
    for (from, to) in missing_runs(o.from, o.to, &days) {
        for (day, digest) in compute(conn, site, from, to)? {
            if let Some(body) = encode(&digest) {
                computed.push((day, body));
            }
            days.insert(day, digest);
        }
    }
    let to_store = (!computed.is_empty()).then(|| ToStore {
        site_id: site.id,
        time_zone: site.time_zone.clone(),
        version,
        days: computed,
    });
    Ok((merge(o, &days), to_store))
}

/// The side effects per lot of a site's local days `from..=to`, from the
/// stored digests and, for days without one, from the tables (not stored:
/// callers read inside their own snapshot; a report stores them).
pub(super) fn lot_sums(
    conn: &mut DbConn,
    site: &Site,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<LotSums> {
    let mut days: BTreeMap<NaiveDate, DayDigest> = BTreeMap::new();
    for (day, body) in db::usage_days::read(conn, site.id, from, to, &site.time_zone)? {
        if let Some(d) = decode(&body) {
            days.insert(day, d);
        }
    }
    for (a, b) in missing_runs(from, to, &days) {
        days.extend(compute(conn, site, a, b)?);
    }
    let mut e = EffectAcc::default();
    for d in days.values() {
        e.add(d);
    }
    Ok(e.finish().lots)
}

/// Stores computed digests unless the site's stock version moved since they
/// were read (then a later report computes them again). In its own write
/// transaction, after the report's snapshot.
pub(super) fn store(conn: &mut DbConn, s: &ToStore) -> diesel::QueryResult<bool> {
    db::write_tx(conn, |conn| {
        if db::stock_version::read_locked(conn, s.site_id)? != s.version {
            return Ok(false);
        }
        db::usage_days::store(conn, s.site_id, &s.time_zone, &s.days)?;
        Ok(true)
    })
}

/// Compares every stored digest (of its site's current time zone: others
/// are never read) with the same day computed from the tables, for
/// `clinic-stock check`: (digests compared, (site, day) of those that differ).
pub fn stale_digests(conn: &mut DbConn) -> diesel::QueryResult<(usize, Vec<(i64, NaiveDate)>)> {
    let mut checked = 0;
    let mut stale = Vec::new();
    for site in db::sites::list(conn)? {
        let stored: BTreeMap<NaiveDate, Vec<u8>> =
            db::usage_days::of_site(conn, site.id, &site.time_zone)?
                .into_iter()
                .collect();
        let (Some(first), Some(last)) = (
            stored.keys().next().copied(),
            stored.keys().next_back().copied(),
        ) else {
            continue;
        };
        // Runs of stored days: the gaps between them are what is missing.
        let gaps: BTreeMap<NaiveDate, DayDigest> =
            stored.keys().map(|d| (*d, DayDigest::default())).collect();
        let mut runs = Vec::new();
        let mut start = first;
        for (from, to) in missing_runs(first, last, &gaps) {
            runs.push((start, from - Duration::days(1)));
            start = to + Duration::days(1);
        }
        runs.push((start, last));
        for (from, to) in runs {
            for (day, fresh) in compute(conn, &site, from, to)? {
                let Some(body) = stored.get(&day) else {
                    continue;
                };
                checked += 1;
                let same = decode(body).is_some_and(|d| d.normalized() == fresh);
                if !same {
                    stale.push((site.id, day));
                }
            }
        }
    }
    Ok((checked, stale))
}

/// Runs `(first, last)` of consecutive days in `from..=to` without a digest.
fn missing_runs(
    from: NaiveDate,
    to: NaiveDate,
    have: &BTreeMap<NaiveDate, DayDigest>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut day = from;
    while day <= to {
        if !have.contains_key(&day) {
            match runs.last_mut() {
                Some((_, last)) if *last + Duration::days(1) == day => *last = day,
                _ => runs.push((day, day)),
            }
        }
        day += Duration::days(1);
    }
    runs
}

/// The day (index into `bounds`' buckets) an instant falls on.
fn day_of(bounds: &[NaiveDateTime], at: NaiveDateTime) -> Option<usize> {
    bounds.partition_point(|b| *b <= at).checked_sub(1)
}

/// Digests of the local days `from..=to` at a site, from the tables: the
/// report's window queries over the run, bucketed by day.
fn compute(
    conn: &mut DbConn,
    site: &Site,
    from: NaiveDate,
    to: NaiveDate,
) -> diesel::QueryResult<Vec<(NaiveDate, DayDigest)>> {
    let bounds = site.clock().boundaries(from, 1, to);
    let (Some(start), Some(end)) = (bounds.first().copied(), bounds.last().copied()) else {
        return Ok(Vec::new());
    };
    let n = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
    let mut out: Vec<DayDigest> = vec![DayDigest::default(); n];
    let day = |i: i32| usize::try_from(i).ok().filter(|i| *i < n);
    for (d, product, sum) in
        db::usage::consumption_by_bucket(conn, site.id, start, end, Some(&bounds))?
    {
        if let Some(d) = day(d) {
            out[d].consumption.push((product, sum));
        }
    }
    let (counts, lines) = db::usage::session_sums(conn, site.id, &bounds)?;
    for c in counts {
        if let Some(d) = day(c.day) {
            out[d].sessions.push((
                c.protocol_id,
                ind_code(c.indication),
                c.practitioner_id,
                c.needle_length,
                c.sessions,
            ));
        }
    }
    for l in lines {
        if let Some(d) = day(l.day) {
            out[d].lines.push((
                l.protocol_id,
                ind_code(l.indication),
                l.practitioner_id,
                l.product_id,
                l.quantity,
            ));
        }
    }
    effects_by_day(conn, site.id, &bounds, &mut out)?;
    let mut areas: Vec<BTreeMap<i64, i64>> = vec![BTreeMap::new(); n];
    for (at, area) in db::areas::session_area_times(conn, site.id, start, end)? {
        if let Some(d) = day_of(&bounds, at).filter(|d| *d < n) {
            *areas[d].entry(area).or_default() += 1;
        }
    }
    for (d, a) in areas.into_iter().enumerate() {
        out[d].areas = a.into_iter().collect();
    }
    Ok(out
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let day = from + Duration::days(i64::try_from(i).unwrap_or(0));
            (day, d.normalized())
        })
        .collect())
}

/// The side-effect sums of each day: the window's sessions, follow-ups and
/// lots read once, split by the day each session was performed on.
fn effects_by_day(
    conn: &mut DbConn,
    site_id: i64,
    bounds: &[NaiveDateTime],
    out: &mut [DayDigest],
) -> diesel::QueryResult<()> {
    let (Some(start), Some(end)) = (bounds.first().copied(), bounds.last().copied()) else {
        return Ok(());
    };
    let w = Window {
        site_id: Some(site_id),
        start,
        end,
        product_id: None,
    };
    let c = reactions::collect(conn, &w)?;
    let mut per_day: Vec<Collected> = vec![Collected::default(); out.len()];
    let mut day_of_session: HashMap<i64, usize> = HashMap::new();
    for (s, e) in c.sessions {
        if let Some(d) = day_of(bounds, s.performed_at).filter(|d| *d < out.len()) {
            day_of_session.insert(s.id, d);
            per_day[d].sessions.push((s, e));
        }
    }
    for l in c.lots {
        if let Some(d) = day_of_session.get(&l.session_id) {
            per_day[*d].lots.push(l);
        }
    }
    for (digest, c) in out.iter_mut().zip(per_day) {
        let mut by_protocol: BTreeMap<Option<i64>, EffectCounts> = BTreeMap::new();
        let mut by_needle: BTreeMap<i32, EffectCounts> = BTreeMap::new();
        let mut total = EffectCounts::default();
        for (s, e) in &c.sessions {
            total.add(e);
            by_protocol.entry(s.protocol_id).or_default().add(e);
            by_needle.entry(s.needle_length).or_default().add(e);
        }
        digest.effects = Effects::of(&total);
        digest.effects_by_protocol = by_protocol
            .iter()
            .map(|(k, c)| (*k, Effects::of(c)))
            .collect();
        digest.effects_by_needle = by_needle
            .iter()
            .map(|(k, c)| (*k, Effects::of(c)))
            .collect();
        let sums = reactions::lot_sums(&c);
        digest.lots = sums
            .lots
            .iter()
            .map(|(lot, (product, counts))| (*lot, *product, Effects::of(counts)))
            .collect();
        let mut products: Vec<(i64, i64, i64)> = sums
            .products
            .into_iter()
            .map(|(p, t)| (p, t.sessions, t.reactions))
            .collect();
        products.sort_unstable();
        digest.products = products;
    }
    Ok(())
}

/// Adds the days' digests up into the window's sums.
fn merge(o: &UsageOptions, days: &BTreeMap<NaiveDate, DayDigest>) -> WindowSums {
    let origin = o.week_origin();
    let mut consumption: FxHashMap<(i32, i64), i64> = FxHashMap::default();
    let mut lines: FxHashMap<(Option<i64>, u8, i64, i64), i64> = FxHashMap::default();
    let mut effects = EffectAcc::default();
    let mut w = WindowSums::default();
    for (date, d) in days.range(o.from..=o.to) {
        let week = i32::try_from((*date - origin).num_days() / 7).unwrap_or(i32::MAX);
        let index = i32::try_from((*date - o.from).num_days()).unwrap_or(i32::MAX);
        for (product, sum) in &d.consumption {
            *consumption.entry((week, *product)).or_default() += sum;
        }
        for (protocol_id, ind, practitioner_id, needle_length, sessions) in &d.sessions {
            w.session_counts.push(SessionCount {
                day: index,
                protocol_id: *protocol_id,
                indication: ind_of(*ind),
                practitioner_id: *practitioner_id,
                needle_length: *needle_length,
                sessions: *sessions,
            });
        }
        for (protocol_id, ind, practitioner_id, product, quantity) in &d.lines {
            *lines
                .entry((*protocol_id, *ind, *practitioner_id, *product))
                .or_default() += quantity;
        }
        effects.add(d);
        for (area, n) in &d.areas {
            *w.areas.entry(*area).or_default() += n;
        }
    }
    w.consumption = consumption
        .into_iter()
        .map(|((week, product), sum)| (week, product, sum))
        .collect();
    w.lines = lines
        .into_iter()
        .map(
            |((protocol_id, ind, practitioner_id, product_id), quantity)| LineSum {
                day: 0,
                protocol_id,
                indication: ind_of(ind),
                practitioner_id,
                product_id,
                quantity,
            },
        )
        .collect();
    w.effects = effects.finish();
    w
}

/// Side effects being added up over days.
#[derive(Default)]
struct EffectAcc {
    total: EffectCounts,
    by_protocol: BTreeMap<Option<i64>, EffectCounts>,
    by_needle: BTreeMap<i32, EffectCounts>,
    lots: FxHashMap<i64, (i64, EffectCounts)>,
    products: FxHashMap<i64, (i64, i64)>,
}

impl EffectAcc {
    fn add(&mut self, d: &DayDigest) {
        d.effects.add_to(&mut self.total);
        for (p, c) in &d.effects_by_protocol {
            c.add_to(self.by_protocol.entry(*p).or_default());
        }
        for (n, c) in &d.effects_by_needle {
            c.add_to(self.by_needle.entry(*n).or_default());
        }
        for (lot, product, c) in &d.lots {
            let e = self
                .lots
                .entry(*lot)
                .or_insert_with(|| (*product, EffectCounts::default()));
            c.add_to(&mut e.1);
        }
        for (product, sessions, reactions) in &d.products {
            let e = self.products.entry(*product).or_default();
            e.0 += sessions;
            e.1 += reactions;
        }
    }

    fn finish(self) -> EffectSums {
        EffectSums {
            total: self.total,
            by_protocol: self.by_protocol,
            by_needle: self.by_needle,
            lots: LotSums {
                lots: self.lots.into_iter().collect(),
                products: self
                    .products
                    .into_iter()
                    .map(|(p, (s, r))| (p, crate::domain::reactions::Tally::new(s, r)))
                    .collect(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn missing_days_come_in_runs() {
        let mut have = BTreeMap::new();
        have.insert(date("2026-01-03"), DayDigest::default());
        have.insert(date("2026-01-04"), DayDigest::default());
        have.insert(date("2026-01-07"), DayDigest::default());
        assert_eq!(
            missing_runs(date("2026-01-01"), date("2026-01-08"), &have),
            vec![
                (date("2026-01-01"), date("2026-01-02")),
                (date("2026-01-05"), date("2026-01-06")),
                (date("2026-01-08"), date("2026-01-08")),
            ]
        );
        assert!(missing_runs(date("2026-01-03"), date("2026-01-04"), &have).is_empty());
    }

    #[test]
    fn an_instant_falls_on_the_day_whose_start_it_follows() {
        let b: Vec<NaiveDateTime> = ["2026-01-01", "2026-01-02", "2026-01-03"]
            .iter()
            .map(|d| date(d).and_hms_opt(5, 0, 0).unwrap())
            .collect();
        assert_eq!(
            day_of(&b, date("2026-01-01").and_hms_opt(4, 59, 0).unwrap()),
            None
        );
        assert_eq!(day_of(&b, b[0]), Some(0));
        assert_eq!(
            day_of(&b, date("2026-01-02").and_hms_opt(4, 0, 0).unwrap()),
            Some(0)
        );
        assert_eq!(day_of(&b, b[1]), Some(1));
    }

    #[test]
    fn a_digest_survives_its_encoding() {
        let d = DayDigest {
            consumption: vec![(1, -3000)],
            sessions: vec![(Some(2), ind_code(Some(Indication::AcneScars)), 3, 150, 4)],
            lines: vec![(None, 0, 3, 1, 3000)],
            lots: vec![(7, 1, Effects(2, 1, 1, 0, vec![1, 0, 0, 0, 0, 0]))],
            areas: vec![(5, 2)],
            ..DayDigest::default()
        };
        let body = encode(&d).unwrap();
        assert_eq!(decode(&body), Some(d.clone()));
        let other = postcard::to_allocvec(&(FORMAT + 1, &d)).unwrap();
        assert_eq!(decode(&other), None, "a body of another layout is not read");
        assert_eq!(
            ind_of(ind_code(Some(Indication::AcneScars))),
            Some(Indication::AcneScars)
        );
        assert_eq!(ind_of(ind_code(None)), None);
    }
}
