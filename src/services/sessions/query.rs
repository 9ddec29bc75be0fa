//! Reading sessions back: one session, the filtered and paginated list, and
//! a client's history (a CIT course is several sessions weeks apart).

use chrono::NaiveDateTime;
use diesel::Connection;

use super::request::{parse_client_ref, text};
use super::view::{self, SessionView};
use crate::db::{
    self, DbConn,
    sessions::{SessionFilter, SessionRow},
};
use crate::domain::access::{Action, Actor};
use crate::domain::clock::SiteClock;
use crate::domain::page::{PageStart, SessionKey};
use crate::domain::vocab::Indication;
use crate::error::{Problems, ServiceError, ServiceResult};
use crate::services::receiving::parse_date;

/// One session with its lines and lots.
/// Another site's session is hidden from a bound actor (404).
pub fn get(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<SessionView> {
    actor.require(Action::ViewSessions)?;
    conn.transaction(|conn| {
        let v = view::load_existing(conn, id)?;
        crate::services::scope::hide_unless(
            actor,
            Action::ViewSessions,
            v.session.site_id,
            || format!("no session {id}"),
        )?;
        Ok(v)
    })
}

/// The list's filters as typed (query string), every field text.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub site: Option<String>,
    /// `YYYY-MM-DD` (from the start of that day) or an RFC 3339 time.
    pub from: Option<String>,
    /// `YYYY-MM-DD` (to the end of that day) or an RFC 3339 time (exclusive).
    pub to: Option<String>,
    /// User id or user name.
    pub practitioner: Option<String>,
    pub indication: Option<String>,
    pub client_ref: Option<String>,
    pub lot_id: Option<String>,
    /// `yes`/`true` (only void), `no`/`false` (only not void), empty: all.
    pub voided: Option<String>,
}

fn bound(
    p: &mut Problems,
    field: &str,
    v: &Option<String>,
    end: bool,
    clock: &SiteClock,
) -> Option<NaiveDateTime> {
    let t = text(v)?;
    match parse_date(t) {
        Ok(d) => {
            let d = if end { d.succ_opt().unwrap_or(d) } else { d };
            return Some(clock.day_start(d));
        }
        Err(e) if e == crate::domain::input::DATE_RANGE_MESSAGE => {
            p.add(field, e);
            return None;
        }
        Err(_) => {}
    }
    p.take(
        field,
        clock.parse_time(t).map_err(|e| {
            if e == crate::domain::input::DATE_RANGE_MESSAGE {
                e
            } else {
                "a date as YYYY-MM-DD".to_string()
            }
        }),
    )
}

/// Turns the typed filters into a query filter (422 for bad values). Dates
/// are days at the filtered site (else the default site). A bound actor's
/// list is narrowed to their site (another site asked for: 403).
pub fn parse_filter(
    conn: &mut DbConn,
    actor: &Actor,
    q: &ListQuery,
) -> ServiceResult<SessionFilter> {
    let mut p = Problems::new();
    let mut f = SessionFilter::default();
    let mut clock = crate::services::sites::by_code_or_default(conn, None)
        .map(|s| s.clock())
        .unwrap_or_default();
    match crate::services::scope::list_site(conn, actor, Action::ViewSessions, text(&q.site)) {
        Ok(Some(s)) => {
            f.site_id = Some(s.id);
            clock = s.clock();
        }
        Ok(None) => {}
        Err(ServiceError::Invalid { errors, .. }) => {
            for e in errors {
                p.add(&e.field, e.message);
            }
        }
        Err(e) => return Err(e),
    }
    f.from = bound(&mut p, "from", &q.from, false, &clock);
    f.to = bound(&mut p, "to", &q.to, true, &clock);
    if let Some(who) = text(&q.practitioner) {
        let user = match who.parse::<i64>() {
            Ok(id) => db::users::by_id(conn, id)?,
            Err(_) => db::users::by_username(conn, who)?,
        };
        match user {
            Some(u) => f.practitioner_id = Some(u.id),
            None => p.add("practitioner", format!("no user {who}")),
        }
    }
    if let Some(i) = text(&q.indication) {
        match Indication::parse(i) {
            Some(i) => f.indication = Some(i),
            None => p.add("indication", "unknown indication"),
        }
    }
    if let Some(c) = text(&q.client_ref) {
        f.client_ref = p.take("client_ref", parse_client_ref(c));
    }
    if let Some(l) = text(&q.lot_id) {
        match l.parse::<i64>() {
            Ok(id) => f.lot_id = Some(id),
            Err(_) => p.add("lot_id", "not a lot id"),
        }
    }
    match text(&q.voided) {
        None | Some("all") | Some("any") => {}
        Some("yes" | "true" | "1") => f.voided = Some(true),
        Some("no" | "false" | "0") => f.voided = Some(false),
        Some(_) => p.add("voided", "yes, no or empty"),
    }
    p.finish()?;
    Ok(f)
}

/// A page of sessions (newest first) and the number matching.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    q: &ListQuery,
    limit: i64,
    start: PageStart<SessionKey>,
) -> ServiceResult<(Vec<SessionRow>, i64)> {
    actor.require(Action::ViewSessions)?;
    let filter = parse_filter(conn, actor, q)?;
    Ok(db::read_tx(conn, |conn| {
        let total = db::sessions::count(conn, &filter)?;
        let rows = match start {
            PageStart::Offset(offset) => db::sessions::page(conn, &filter, limit, offset)?,
            PageStart::After(k) => db::sessions::page_after(conn, &filter, Some(k), limit)?,
        };
        Ok((rows, total))
    })?)
}

/// Most sessions a client history shows.
pub const HISTORY_LIMIT: i64 = 500;

/// Every session of one client, newest first (void ones included, marked);
/// a bound actor sees their site's sessions only.
pub fn client_history(
    conn: &mut DbConn,
    actor: &Actor,
    client_ref: &str,
) -> ServiceResult<(String, Vec<SessionRow>)> {
    actor.require(Action::ViewSessions)?;
    let code = parse_client_ref(client_ref).map_err(|e| ServiceError::invalid("client_ref", e))?;
    let site_id = crate::services::scope::list_site_id(conn, actor, Action::ViewSessions, None)?;
    let filter = SessionFilter {
        site_id,
        client_ref: Some(code.clone()),
        ..SessionFilter::default()
    };
    let rows = db::read_tx(conn, |conn| {
        db::sessions::page(conn, &filter, HISTORY_LIMIT, 0)
    })?;
    Ok((code, rows))
}

/// Most sessions "My sessions today" lists.
pub const TODAY_LIMIT: i64 = 50;

/// "My sessions today" (issue 14 item 11): the actor's own sessions at one
/// site on that site's local today (`now` is UTC), newest first, void ones
/// included (marked). Another site than the actor's is refused.
pub fn my_sessions_today(
    conn: &mut DbConn,
    actor: &Actor,
    site_id: i64,
    now: NaiveDateTime,
) -> ServiceResult<(chrono::NaiveDate, Vec<SessionRow>)> {
    actor.check(
        Action::ViewSessions,
        crate::domain::access::Scope::Site(site_id),
    )?;
    let site = db::sites::by_id(conn, site_id)?
        .ok_or_else(|| ServiceError::not_found(format!("no site {site_id}")))?;
    let clock = site.clock();
    let today = clock.today(now);
    let (from, to) = clock.days(today, today);
    let filter = SessionFilter {
        site_id: Some(site_id),
        from: Some(from),
        to: Some(to),
        practitioner_id: Some(actor.user_id),
        ..SessionFilter::default()
    };
    let rows = db::read_tx(conn, |conn| {
        db::sessions::page(conn, &filter, TODAY_LIMIT, 0)
    })?;
    Ok((today, rows))
}

/// Users who may appear as practitioners in the list filter: (id, login,
/// shown name: the display name, else the login); a bound actor's site's
/// people only.
pub fn practitioners(
    conn: &mut DbConn,
    actor: &Actor,
) -> ServiceResult<Vec<(i64, String, String)>> {
    let site = crate::services::scope::list_site_id(conn, actor, Action::ViewSessions, None)?;
    Ok(db::sessions::practitioners(conn, site)?
        .into_iter()
        .map(|(id, login, display)| {
            let shown = display
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| login.clone());
            (id, login, shown)
        })
        .collect())
}
