//! The site's day: every site has an IANA time zone, and every date rule
//! ("today", use-by and discard-by, report windows, per-day figures, the
//! digest hour) is judged on the site's local calendar while stored times
//! stay UTC. [`SiteClock`] is the one place that turns a UTC instant into
//! the site's local date and time, and a local day or typed local time back
//! into UTC instants. Zones come from chrono-tz (the IANA database compiled
//! into the binary, version [`TZDB_VERSION`]).

use std::fmt;

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::{OffsetName, Tz};

/// The IANA time zone database version compiled in.
pub const TZDB_VERSION: &str = chrono_tz::IANA_TZDB_VERSION;

/// A site's clock: its IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteClock {
    tz: Tz,
}

/// A typed local time the site's calendar cannot place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalTimeError {
    /// Skipped when the clocks went forward (e.g. 02:30 on a spring-forward night).
    Skipped(NaiveDateTime),
}

impl fmt::Display for LocalTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalTimeError::Skipped(t) => write!(
                f,
                "{} does not exist at the site: the clocks went forward",
                t.format("%Y-%m-%d %H:%M")
            ),
        }
    }
}

impl Default for SiteClock {
    fn default() -> Self {
        SiteClock::utc()
    }
}

impl SiteClock {
    pub fn new(tz: Tz) -> SiteClock {
        SiteClock { tz }
    }

    pub fn utc() -> SiteClock {
        SiteClock { tz: Tz::UTC }
    }

    /// Parses an IANA zone name (`Europe/London`, `Pacific/Auckland`, `UTC`).
    pub fn parse(name: &str) -> Result<SiteClock, String> {
        let name = name.trim();
        name.parse::<Tz>().map(SiteClock::new).map_err(|_| {
            if name.is_empty() {
                "choose the site's time zone".to_string()
            } else {
                format!("{name} is not an IANA time zone (e.g. Europe/London, Pacific/Auckland)")
            }
        })
    }

    /// The clock of a stored zone name; an unreadable one (never written by
    /// this app, which validates it) falls back to UTC rather than failing.
    pub fn from_stored(name: &str) -> SiteClock {
        SiteClock::parse(name).unwrap_or_default()
    }

    /// The IANA name, e.g. `Pacific/Auckland`.
    pub fn zone(&self) -> &'static str {
        self.tz.name()
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The local date and time of a UTC instant.
    pub fn local(&self, utc: NaiveDateTime) -> NaiveDateTime {
        self.tz.from_utc_datetime(&utc).naive_local()
    }

    /// The site's calendar day of a UTC instant.
    pub fn local_date(&self, utc: NaiveDateTime) -> NaiveDate {
        self.local(utc).date()
    }

    /// "Today" at the site when the UTC time is `now`.
    pub fn today(&self, now: NaiveDateTime) -> NaiveDate {
        self.local_date(now)
    }

    /// The zone's abbreviation at that instant (`NZDT`, `PST`, `GMT`), or
    /// its offset (`+13`) for zones without one.
    pub fn abbreviation(&self, utc: NaiveDateTime) -> String {
        let offset = self.tz.offset_from_utc_datetime(&utc);
        match offset.abbreviation() {
            Some(a) if !a.is_empty() => a.to_string(),
            _ => offset.to_string(),
        }
    }

    /// The UTC instant the local day `day` begins (local midnight, or the
    /// first local time that exists that day where the clocks jump at
    /// midnight).
    pub fn day_start(&self, day: NaiveDate) -> NaiveDateTime {
        let mut t = day.and_time(NaiveTime::MIN);
        // Transitions move the clock by at most a few hours; step through a
        // skipped stretch in quarter hours.
        for _ in 0..(4 * 26) {
            match self.tz.from_local_datetime(&t) {
                LocalResult::Single(x) => return x.naive_utc(),
                LocalResult::Ambiguous(a, _) => return a.naive_utc(),
                LocalResult::None => t += Duration::minutes(15),
            }
        }
        day.and_time(NaiveTime::MIN)
    }

    /// The UTC instants `[start, end)` covering the local days `from..=to`.
    pub fn days(&self, from: NaiveDate, to: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
        (self.day_start(from), self.day_start(next_day(to)))
    }

    /// Bucket boundaries: the UTC starts of the local days `origin`,
    /// `origin + step`, … up to the first one at or after `end_day`'s end,
    /// so that bucket `i` is `[b[i], b[i+1])`.
    pub fn boundaries(
        &self,
        origin: NaiveDate,
        step_days: i64,
        end: NaiveDate,
    ) -> Vec<NaiveDateTime> {
        let step = step_days.max(1);
        let mut out = Vec::new();
        let mut day = origin;
        loop {
            out.push(self.day_start(day));
            if day > end {
                break;
            }
            day += Duration::days(step);
        }
        out
    }

    /// A local time typed at the site, as UTC. An hour that happens twice
    /// (the clocks went back) means its first occurrence.
    pub fn to_utc(&self, local: NaiveDateTime) -> Result<NaiveDateTime, LocalTimeError> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(x) => Ok(x.naive_utc()),
            LocalResult::Ambiguous(a, _) => Ok(a.naive_utc()),
            LocalResult::None => Err(LocalTimeError::Skipped(local)),
        }
    }

    /// A typed time as UTC: RFC 3339 with its offset (`2026-11-26T09:30:00Z`,
    /// `…+13:00`) as given, a time without an offset (`2026-11-26T09:30`,
    /// what a form's `datetime-local` field sends) as the site's local time.
    pub fn parse_time(&self, s: &str) -> Result<NaiveDateTime, String> {
        let s = s.trim();
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
            return super::input::check_time(t.naive_utc());
        }
        for f in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
                super::input::check_time(t)?;
                return self.to_utc(t).map_err(|e| e.to_string());
            }
        }
        Err(format!(
            "a time as YYYY-MM-DDTHH:MM ({} time) or RFC 3339 with an offset",
            self.zone()
        ))
    }

    /// `2026-11-30 14:05 NZDT`: a UTC instant as the site reads it.
    pub fn format(&self, utc: NaiveDateTime) -> String {
        format!(
            "{} {}",
            self.local(utc).format("%Y-%m-%d %H:%M"),
            self.abbreviation(utc)
        )
    }

    /// An end instant as people say it: `2026-12-31 (end of day)` when it
    /// is a local midnight (a validity that runs through that day), else
    /// like [`SiteClock::format`].
    pub fn format_until(&self, utc: NaiveDateTime) -> String {
        let local = self.local(utc);
        if local.time() == NaiveTime::MIN {
            let day = local.date().pred_opt().unwrap_or(local.date());
            format!("{day} (end of day)")
        } else {
            self.format(utc)
        }
    }

    /// `14:05`: the local time of day alone.
    pub fn format_time(&self, utc: NaiveDateTime) -> String {
        self.local(utc).format("%H:%M").to_string()
    }

    /// The value of an `<input type="datetime-local">` showing a UTC instant.
    pub fn input_value(&self, utc: NaiveDateTime) -> String {
        self.local(utc).format("%Y-%m-%dT%H:%M").to_string()
    }
}

/// Every site's clock, and the reader's: times of a site's records are
/// shown on that site's clock; times that belong to no site (sign-ins,
/// tokens, the audit log) on the reader's (their own site's, else the first
/// site's). Each shown time carries its zone's abbreviation, so two clocks
/// on one page cannot be mistaken for each other.
#[derive(Debug, Clone, Default)]
pub struct Clocks {
    by_site: std::collections::HashMap<i64, SiteClock>,
    reader: SiteClock,
}

impl Clocks {
    /// `sites`: (site id, stored zone name); `reader_site`: the reader's
    /// own site, if any.
    pub fn new<'a>(
        sites: impl IntoIterator<Item = (i64, &'a str)>,
        reader_site: Option<i64>,
    ) -> Clocks {
        let mut first: Option<(i64, SiteClock)> = None;
        let mut by_site = std::collections::HashMap::new();
        for (id, zone) in sites {
            let clock = SiteClock::from_stored(zone);
            if first.is_none_or(|(f, _)| id < f) {
                first = Some((id, clock));
            }
            by_site.insert(id, clock);
        }
        let reader = reader_site
            .and_then(|id| by_site.get(&id).copied())
            .or(first.map(|(_, c)| c))
            .unwrap_or_default();
        Clocks { by_site, reader }
    }

    /// The clock of a site (the reader's for an unknown id).
    pub fn site(&self, site_id: i64) -> SiteClock {
        self.by_site.get(&site_id).copied().unwrap_or(self.reader)
    }

    /// The reader's clock, for times of no site.
    pub fn reader(&self) -> SiteClock {
        self.reader
    }

    /// `2026-11-30 14:05 NZDT` on the site's clock.
    pub fn format(&self, site_id: i64, utc: NaiveDateTime) -> String {
        self.site(site_id).format(utc)
    }
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// Zones offered in pickers: canonical `Area/City` names and `UTC`, sorted
/// (aliases such as `US/Pacific` or `Etc/GMT+5` are accepted when typed but
/// not listed).
pub fn zone_choices() -> Vec<&'static str> {
    const AREAS: [&str; 10] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
        "Arctic/",
    ];
    let mut v: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name())
        .filter(|n| AREAS.iter().any(|a| n.starts_with(a)))
        .collect();
    v.push("UTC");
    v.sort_unstable();
    v.dedup();
    v
}

/// A digest time as typed: `HH:MM` on the 24-hour clock.
pub fn parse_hhmm(s: &str) -> Result<NaiveTime, String> {
    let s = s.trim();
    let ok = s.len() == 5 && s.as_bytes()[2] == b':';
    match (ok, NaiveTime::parse_from_str(s, "%H:%M")) {
        (true, Ok(t)) => Ok(t),
        _ => Err("a time of day as HH:MM (24-hour), e.g. 07:30".to_string()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clocks_pick_the_site_then_the_reader() {
        let c = super::Clocks::new([(2, "Pacific/Auckland"), (1, "UTC")], Some(2));
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(1, 5, 0))
            .unwrap_or_default();
        assert_eq!(c.format(2, t), "2026-11-30 14:05 NZDT");
        assert_eq!(c.format(1, t), "2026-11-30 01:05 UTC");
        assert_eq!(c.format(9, t), "2026-11-30 14:05 NZDT", "unknown: reader's");
        let first = super::Clocks::new([(2, "Pacific/Auckland"), (1, "UTC")], None);
        assert_eq!(first.reader().format(t), "2026-11-30 01:05 UTC");
        let midnight = chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        assert_eq!(
            first.reader().format_until(midnight),
            "2026-12-31 (end of day)"
        );
        assert_eq!(c.site(2).format_until(midnight), "2027-01-01 13:00 NZDT");
    }

    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn auckland_is_a_day_ahead_of_utc_in_the_morning() {
        let c = SiteClock::parse("Pacific/Auckland").unwrap();
        // 2026-03-01 00:00 NZDT (+13) is 2026-02-28 11:00 UTC.
        assert_eq!(
            c.to_utc(dt("2026-03-01 00:00")).unwrap(),
            dt("2026-02-28 11:00")
        );
        assert_eq!(c.local_date(dt("2026-02-28 11:00")), d("2026-03-01"));
        assert_eq!(c.local_date(dt("2026-02-28 10:59")), d("2026-02-28"));
        assert_eq!(c.abbreviation(dt("2026-02-28 11:00")), "NZDT");
        assert_eq!(c.format(dt("2026-02-28 11:00")), "2026-03-01 00:00 NZDT");
    }

    #[test]
    fn los_angeles_evening_is_the_next_utc_day() {
        let c = SiteClock::parse("America/Los_Angeles").unwrap();
        // 2026-07-10 23:30 PDT (−7) is 2026-07-11 06:30 UTC.
        assert_eq!(c.local_date(dt("2026-07-11 06:30")), d("2026-07-10"));
        assert_eq!(c.day_start(d("2026-07-11")), dt("2026-07-11 07:00"));
        assert_eq!(c.abbreviation(dt("2026-01-11 06:30")), "PST");
    }

    #[test]
    fn days_across_a_dst_change_are_23_or_25_hours() {
        let c = SiteClock::parse("Europe/London").unwrap();
        // Clocks go forward on 2026-03-29, back on 2026-10-25.
        let (s, e) = c.days(d("2026-03-29"), d("2026-03-29"));
        assert_eq!(e - s, Duration::hours(23));
        let (s, e) = c.days(d("2026-10-25"), d("2026-10-25"));
        assert_eq!(e - s, Duration::hours(25));
        let b = c.boundaries(d("2026-03-27"), 1, d("2026-03-31"));
        assert_eq!(b.len(), 6);
        assert_eq!(b[2], dt("2026-03-29 00:00"));
        assert_eq!(b[3], dt("2026-03-29 23:00"));
    }

    #[test]
    fn skipped_and_repeated_local_times() {
        let c = SiteClock::parse("Europe/London").unwrap();
        assert!(c.to_utc(dt("2026-03-29 01:30")).is_err());
        // 01:30 on 2026-10-25 happens twice: the first one (BST) is meant.
        assert_eq!(
            c.to_utc(dt("2026-10-25 01:30")).unwrap(),
            dt("2026-10-25 00:30")
        );
    }

    #[test]
    fn a_day_that_starts_after_midnight() {
        // Chile's clocks go forward at 24:00 on 2026-09-05: 2026-09-06 has no 00:00.
        let c = SiteClock::parse("America/Santiago").unwrap();
        let start = c.day_start(d("2026-09-06"));
        assert_eq!(c.local(start), dt("2026-09-06 01:00"));
        assert_eq!(c.local_date(start - Duration::seconds(1)), d("2026-09-05"));
    }

    #[test]
    fn typed_times_without_an_offset_are_local() {
        let c = SiteClock::parse("Pacific/Auckland").unwrap();
        assert_eq!(
            c.parse_time("2026-03-01T00:00").unwrap(),
            dt("2026-02-28 11:00")
        );
        assert_eq!(
            c.parse_time("2026-03-01 00:00:00").unwrap(),
            dt("2026-02-28 11:00")
        );
        assert_eq!(
            c.parse_time("2026-03-01T00:00:00Z").unwrap(),
            dt("2026-03-01 00:00")
        );
        assert_eq!(
            c.parse_time("2026-03-01T00:00:00+13:00").unwrap(),
            dt("2026-02-28 11:00")
        );
        assert!(
            c.parse_time("yesterday")
                .unwrap_err()
                .contains("Pacific/Auckland")
        );
        let london = SiteClock::parse("Europe/London").unwrap();
        assert!(
            london
                .parse_time("2026-03-29T01:30")
                .unwrap_err()
                .contains("clocks went forward")
        );
    }

    #[test]
    fn unknown_zones_and_times_are_refused() {
        assert!(SiteClock::parse("Mars/Olympus").is_err());
        assert!(SiteClock::parse("").is_err());
        assert_eq!(SiteClock::from_stored("nonsense").zone(), "UTC");
        assert!(parse_hhmm("7:30").is_err());
        assert!(parse_hhmm("24:00").is_err());
        assert!(parse_hhmm("07:30am").is_err());
        assert_eq!(
            parse_hhmm("07:30").unwrap(),
            NaiveTime::from_hms_opt(7, 30, 0).unwrap()
        );
        let zones = zone_choices();
        assert!(zones.contains(&"Pacific/Auckland") && zones.contains(&"UTC"));
        assert!(!zones.contains(&"US/Pacific"));
    }
}
