//! Where a page of a newest-first list starts: after some rows (`offset`),
//! or after the last row of the page before (a keyset cursor, the `next`
//! link of `/api/v1/ledger`, `/sessions` and `/audit`). A cursor page never
//! repeats or skips a row when rows are added while someone pages, which an
//! offset cannot promise; it also costs the same on page 1,000 as on page 1.
//!
//! Cursors are opaque to clients; here they are the row's sort key in text:
//! `123` (an id: ledger and audit, ordered by id) or `20261201T093000.000000Z.123`
//! (a session: its time, then its id).

use chrono::NaiveDateTime;

/// The start of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStart<K> {
    /// Skip this many rows (0: the first page).
    Offset(i64),
    /// The rows that sort after this key (older, in a newest-first list).
    After(K),
}

/// A sort key that travels as a cursor.
pub trait CursorKey: Sized {
    fn to_cursor(&self) -> String;
    fn from_cursor(s: &str) -> Option<Self>;
}

/// Ids: the ledger and the audit log, newest first by id.
impl CursorKey for i64 {
    fn to_cursor(&self) -> String {
        self.to_string()
    }

    fn from_cursor(s: &str) -> Option<i64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().filter(|id| *id > 0)
    }
}

/// A session's place in the list: newest `performed_at` first, then id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionKey {
    pub performed_at: NaiveDateTime,
    pub id: i64,
}

const TIME_FORMAT: &str = "%Y%m%dT%H%M%S%.6fZ";

impl CursorKey for SessionKey {
    fn to_cursor(&self) -> String {
        format!("{}.{}", self.performed_at.format(TIME_FORMAT), self.id)
    }

    fn from_cursor(s: &str) -> Option<SessionKey> {
        let (time, id) = s.rsplit_once('.')?;
        let id = i64::from_cursor(id)?;
        let performed_at = NaiveDateTime::parse_from_str(time, TIME_FORMAT).ok()?;
        Some(SessionKey { performed_at, id })
    }
}

/// What a `cursor` parameter must look like, for the field error.
pub const CURSOR_MESSAGE: &str = "not a cursor from a `next` link of this list";

/// Reads the page start from the `offset` and `cursor` parameters; a
/// cursor that does not parse, or both at once, is an error message.
pub fn start<K: CursorKey>(
    offset: Option<i64>,
    cursor: Option<&str>,
) -> Result<PageStart<K>, (&'static str, &'static str)> {
    match (cursor.map(str::trim).filter(|c| !c.is_empty()), offset) {
        (None, o) => Ok(PageStart::Offset(o.unwrap_or(0).max(0))),
        (Some(_), Some(o)) if o != 0 => Err(("offset", "use either offset or cursor, not both")),
        (Some(c), _) => K::from_cursor(c)
            .map(PageStart::After)
            .ok_or(("cursor", CURSOR_MESSAGE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_refuse_junk() {
        assert_eq!(i64::from_cursor(&42i64.to_cursor()), Some(42));
        for bad in ["", "-1", "0", "1.5", "abc", "99999999999999999999", " 7"] {
            assert_eq!(i64::from_cursor(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn session_keys_round_trip_to_the_microsecond() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_micro_opt(9, 30, 5, 123_456)
            .unwrap();
        let k = SessionKey {
            performed_at: t,
            id: 77,
        };
        assert_eq!(k.to_cursor(), "20261201T093005.123456Z.77");
        assert_eq!(SessionKey::from_cursor(&k.to_cursor()), Some(k));
        for bad in [
            "",
            "77",
            "20261201T093005Z",
            "20261301T093005.000000Z.1",
            "x.1",
            "20261201T093005.000000Z.-1",
        ] {
            assert_eq!(SessionKey::from_cursor(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn offset_or_cursor() {
        assert_eq!(start::<i64>(None, None), Ok(PageStart::Offset(0)));
        assert_eq!(start::<i64>(Some(-5), None), Ok(PageStart::Offset(0)));
        assert_eq!(start::<i64>(Some(20), Some("")), Ok(PageStart::Offset(20)));
        assert_eq!(start::<i64>(None, Some("9")), Ok(PageStart::After(9)));
        assert_eq!(start::<i64>(Some(0), Some("9")), Ok(PageStart::After(9)));
        assert_eq!(start::<i64>(Some(10), Some("9")).unwrap_err().0, "offset");
        assert_eq!(start::<i64>(None, Some("nine")).unwrap_err().0, "cursor");
    }
}
