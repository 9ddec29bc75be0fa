//! Site scope as services apply it (DOMAIN.md "Who sees what"): a user
//! bound to a site reads and writes that site only. Every decision is asked
//! of `domain::access` ([`Actor::site_filter`], [`Actor::sees`],
//! [`Actor::check`]); this module only loads what those questions need:
//!
//! - a list or report narrowed by `?site=` ([`list_site`]): another site's
//!   code is refused (403), no code means the actor's own site (bound
//!   users) or every site;
//! - the one site a page looks at ([`one_site`]);
//! - a record fetched by id ([`hide_unless`], [`location`], [`lot_family`]):
//!   another site's answers 404, as if it did not exist.

use crate::db::{
    self, DbConn,
    models::{Location, Site},
};
use crate::domain::access::{Action, Actor, Scope};
use crate::error::{ServiceError, ServiceResult};

fn site_by_code(conn: &mut DbConn, code: &str) -> ServiceResult<Site> {
    db::sites::by_code(conn, code)?
        .ok_or_else(|| ServiceError::invalid("site", format!("no site with code {code}")))
}

fn text(code: Option<&str>) -> Option<&str> {
    code.map(str::trim).filter(|c| !c.is_empty())
}

/// The site a per-site list or report for `action` is narrowed to, given
/// the `?site=` asked for: that site (422 when there is none, 403 when it
/// is another site's for a bound actor), else the actor's own site, else
/// `None` (every site).
pub fn list_site(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    code: Option<&str>,
) -> ServiceResult<Option<Site>> {
    actor.require(action)?;
    let asked = match text(code) {
        Some(c) => Some(site_by_code(conn, c)?),
        None => None,
    };
    let id = actor.site_filter(action, asked.as_ref().map(|s| s.id))?;
    match (asked, id) {
        (Some(s), _) => Ok(Some(s)),
        (None, Some(id)) => {
            Ok(Some(db::sites::by_id(conn, id)?.ok_or_else(|| {
                ServiceError::not_found("your site no longer exists")
            })?))
        }
        (None, None) => Ok(None),
    }
}

/// [`list_site`] as an id.
pub fn list_site_id(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    code: Option<&str>,
) -> ServiceResult<Option<i64>> {
    Ok(list_site(conn, actor, action, code)?.map(|s| s.id))
}

/// The one site a page for `action` shows (dashboard, stock): the one asked
/// for (403 when another site's for a bound actor), else the actor's own,
/// else the default site.
pub fn one_site(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    code: Option<&str>,
) -> ServiceResult<Site> {
    actor.require(action)?;
    let site = super::sites::resolve_site(conn, actor, code)?;
    actor.check(action, Scope::Site(site.id))?;
    Ok(site)
}

/// A site named in a write (`site`/`place` of a form or body): 403 when it
/// is another site's for a bound actor.
pub fn write_site(actor: &Actor, action: Action, site_id: i64) -> ServiceResult<()> {
    Ok(actor.check(action, Scope::Site(site_id))?)
}

/// Sites whose data the actor sees for `action` (site pickers, lists).
pub fn visible_sites(conn: &mut DbConn, actor: &Actor, action: Action) -> ServiceResult<Vec<Site>> {
    Ok(db::sites::list(conn)?
        .into_iter()
        .filter(|s| actor.sees(action, s.id))
        .collect())
}

/// A record of `site_id` fetched by id: 403 when the actor's role may not
/// do `action` at all, 404 (`what`) when it is another site's.
pub fn hide_unless(
    actor: &Actor,
    action: Action,
    site_id: i64,
    what: impl FnOnce() -> String,
) -> ServiceResult<()> {
    actor.require(action)?;
    if actor.sees(action, site_id) {
        Ok(())
    } else {
        Err(ServiceError::not_found(what()))
    }
}

/// A location by id with its site, hidden (404) when another site's.
pub fn location(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    id: i64,
) -> ServiceResult<(Location, Site)> {
    actor.require(action)?;
    let not_found = || ServiceError::not_found(format!("no location with id {id}"));
    let loc = db::sites::location_by_id(conn, id)?.ok_or_else(not_found)?;
    if !actor.sees(action, loc.site_id) {
        return Err(not_found());
    }
    let site = db::sites::by_id(conn, loc.site_id)?
        .ok_or_else(|| ServiceError::Internal("location without site".into()))?;
    Ok((loc, site))
}

/// The site a bound actor's view of a lot is narrowed to (`None`: every
/// site), after checking they see the lot family (`ids`) at all: a lot
/// that never moved at their site is another site's (404).
pub fn lot_family(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    lot_id: i64,
    ids: &[i64],
) -> ServiceResult<Option<i64>> {
    actor.require(action)?;
    let Some(own) = actor.site_filter(action, None)? else {
        return Ok(None);
    };
    let sites = db::lots::sites_of(conn, ids)?;
    if sites.iter().any(|s| *s == own && actor.sees(action, *s)) {
        Ok(Some(own))
    } else {
        Err(ServiceError::not_found(format!("no lot with id {lot_id}")))
    }
}
