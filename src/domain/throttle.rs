//! Sign-in throttling (NIST SP 800-63B §5.2.2, OWASP ASVS 2.2.1): how long a
//! client must wait before the next password check, from the count of
//! consecutive failures kept for the account name and for the client
//! address. Pure decisions; the counters live in the database
//! (`db::throttle`) so they survive restarts and are shared by servers.
//!
//! - An account name gets [`ACCOUNT_FREE`] failures without delay; after
//!   that each attempt waits 1 s, 2 s, 4 s, … up to [`MAX_DELAY_SECS`]; at
//!   [`ACCOUNT_LOCK_AFTER`] consecutive failures it is locked until an
//!   administrator lifts the lock. A success resets it. Unknown names are
//!   counted exactly as real ones, so the answers never tell them apart.
//! - A client address gets [`ADDRESS_FREE`] failures (a clinic's staff may
//!   share one address), then the same growing delays; never a lock (that
//!   would lock the whole clinic out). Its count is forgotten after
//!   [`ADDRESS_FORGET_SECS`] without a failure.

use chrono::{Duration, NaiveDateTime};

/// Failures of one account name before delays start.
pub const ACCOUNT_FREE: i64 = 5;
/// Consecutive failures that lock an account name (NIST: at most 100).
pub const ACCOUNT_LOCK_AFTER: i64 = 100;
/// Failures from one client address before delays start.
pub const ADDRESS_FREE: i64 = 20;
/// The longest delay between two attempts.
pub const MAX_DELAY_SECS: i64 = 15 * 60;
/// An address's failures are forgotten after this long without one.
pub const ADDRESS_FORGET_SECS: i64 = 24 * 3600;
/// What `Retry-After` says for a locked account (it stays locked until an
/// administrator lifts it; retrying sooner changes nothing).
pub const LOCKED_RETRY_SECS: i64 = 3600;

/// What a counter is kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Account,
    Address,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Address => "address",
        }
    }
}

/// The stored state of one counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub last_failure_at: NaiveDateTime,
    pub locked: bool,
}

/// The answer for the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password.
    Allowed,
    /// Wait this many seconds (at least 1).
    Wait(i64),
    /// Locked until an administrator lifts it.
    Locked,
}

impl Verdict {
    /// Seconds for `Retry-After`, None when allowed.
    pub fn retry_after(self) -> Option<i64> {
        match self {
            Verdict::Allowed => None,
            Verdict::Wait(s) => Some(s.max(1)),
            Verdict::Locked => Some(LOCKED_RETRY_SECS),
        }
    }

    /// The stricter of two verdicts.
    pub fn max(self, other: Verdict) -> Verdict {
        match (self, other) {
            (Verdict::Locked, _) | (_, Verdict::Locked) => Verdict::Locked,
            (Verdict::Wait(a), Verdict::Wait(b)) => Verdict::Wait(a.max(b)),
            (Verdict::Wait(a), _) | (_, Verdict::Wait(a)) => Verdict::Wait(a),
            _ => Verdict::Allowed,
        }
    }
}

/// The delay owed after `failures` consecutive failures when `free` come
/// without one: 1 s, 2 s, 4 s, … capped at [`MAX_DELAY_SECS`].
pub fn delay_secs(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let exp = (failures - free).min(20) as u32;
    (1i64 << exp).min(MAX_DELAY_SECS)
}

/// The failures that still count for an address (forgotten after a quiet day).
pub fn live_failures(scope: Scope, c: &Counter, now: NaiveDateTime) -> i64 {
    match scope {
        Scope::Address if now - c.last_failure_at >= Duration::seconds(ADDRESS_FORGET_SECS) => 0,
        _ => c.failures,
    }
}

/// May the next attempt check a password, given this counter?
pub fn verdict(scope: Scope, counter: Option<&Counter>, now: NaiveDateTime) -> Verdict {
    let Some(c) = counter else {
        return Verdict::Allowed;
    };
    if scope == Scope::Account && (c.locked || c.failures >= ACCOUNT_LOCK_AFTER) {
        return Verdict::Locked;
    }
    let free = match scope {
        Scope::Account => ACCOUNT_FREE,
        Scope::Address => ADDRESS_FREE,
    };
    let failures = live_failures(scope, c, now);
    let delay = delay_secs(failures, free);
    if delay == 0 {
        return Verdict::Allowed;
    }
    let ready = c.last_failure_at + Duration::seconds(delay);
    if now >= ready {
        Verdict::Allowed
    } else {
        // Round up: never tell a client to come back before it may.
        let ms = (ready - now).num_milliseconds();
        Verdict::Wait((ms + 999) / 1000)
    }
}

/// The counter after one more failure at `now` (accounts lock at the limit).
pub fn after_failure(scope: Scope, counter: Option<&Counter>, now: NaiveDateTime) -> Counter {
    let failures = counter.map(|c| live_failures(scope, c, now)).unwrap_or(0) + 1;
    Counter {
        failures,
        last_failure_at: now,
        locked: scope == Scope::Account
            && (failures >= ACCOUNT_LOCK_AFTER || counter.is_some_and(|c| c.locked)),
    }
}

/// The key a client address is counted under: IPv4 as is, IPv6 by its /64
/// (one subscriber usually holds a whole /64).
pub fn address_key(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
    }
}

/// The key an account name is counted under (trimmed, lower-cased, since
/// usernames are case-insensitive, at most 64 characters: longer names
/// cannot exist).
pub fn account_key(username: &str) -> String {
    username
        .trim()
        .to_ascii_lowercase()
        .chars()
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default()
    }

    fn counter(failures: i64, at: i64) -> Counter {
        Counter {
            failures,
            last_failure_at: t(at),
            locked: false,
        }
    }

    #[test]
    fn delays_grow_after_the_free_failures_and_are_capped() {
        let d: Vec<i64> = (3..=20).map(|f| delay_secs(f, ACCOUNT_FREE)).collect();
        assert_eq!(
            d,
            vec![
                0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900, 900
            ]
        );
        assert_eq!(delay_secs(i64::MAX / 2, ADDRESS_FREE), MAX_DELAY_SECS);
    }

    #[test]
    fn an_account_waits_then_may_try_again() {
        let c = counter(7, 0);
        assert_eq!(verdict(Scope::Account, Some(&c), t(1)), Verdict::Wait(3));
        assert_eq!(verdict(Scope::Account, Some(&c), t(4)), Verdict::Allowed);
        assert_eq!(
            verdict(Scope::Account, Some(&counter(4, 0)), t(0)),
            Verdict::Allowed
        );
        assert_eq!(verdict(Scope::Account, None, t(0)), Verdict::Allowed);
    }

    #[test]
    fn an_account_locks_at_the_limit_and_stays_locked() {
        let c = after_failure(
            Scope::Account,
            Some(&counter(ACCOUNT_LOCK_AFTER - 1, 0)),
            t(5),
        );
        assert!(c.locked);
        assert_eq!(
            verdict(Scope::Account, Some(&c), t(1_000_000)),
            Verdict::Locked
        );
        assert_eq!(Verdict::Locked.retry_after(), Some(LOCKED_RETRY_SECS));
    }

    #[test]
    fn an_address_never_locks_and_forgets_after_a_quiet_day() {
        let c = counter(500, 0);
        assert_eq!(verdict(Scope::Address, Some(&c), t(10)), Verdict::Wait(890));
        assert_eq!(
            verdict(Scope::Address, Some(&c), t(ADDRESS_FORGET_SECS)),
            Verdict::Allowed
        );
        let next = after_failure(Scope::Address, Some(&c), t(ADDRESS_FORGET_SECS));
        assert_eq!(next.failures, 1);
        assert!(!next.locked);
    }

    #[test]
    fn the_stricter_verdict_wins() {
        assert_eq!(Verdict::Allowed.max(Verdict::Wait(3)), Verdict::Wait(3));
        assert_eq!(Verdict::Wait(9).max(Verdict::Wait(3)), Verdict::Wait(9));
        assert_eq!(Verdict::Wait(9).max(Verdict::Locked), Verdict::Locked);
        assert_eq!(Verdict::Allowed.max(Verdict::Allowed), Verdict::Allowed);
    }

    #[test]
    fn addresses_are_keyed_by_ipv4_or_ipv6_slash_64() {
        let k = |s: &str| address_key(s.parse().unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])));
        assert_eq!(k("192.0.2.7"), "192.0.2.7");
        assert_eq!(k("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(k("::ffff:192.0.2.7"), "192.0.2.7");
    }
}
