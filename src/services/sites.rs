//! Sites (clinics) and locations: listing and creating them.

use crate::db::{
    self, DbConn,
    models::{Location, Site},
};
use crate::domain::access::Actor;
use crate::domain::vocab::Role;
use crate::error::{Problems, ServiceError, ServiceResult};

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub fn list(conn: &mut DbConn) -> ServiceResult<Vec<Site>> {
    Ok(db::sites::list(conn)?)
}

pub fn create_site(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    name: &str,
) -> ServiceResult<Site> {
    actor.require(Role::Admin)?;
    let (code, name) = validate_site(code, name)?;
    db::write_tx(conn, |conn| insert_site(conn, code, name))
}

/// The rules for a site's code and name (pure).
pub fn validate_site<'a>(code: &'a str, name: &'a str) -> ServiceResult<(&'a str, &'a str)> {
    let (code, name) = (code.trim(), name.trim());
    let mut p = Problems::new();
    if !valid_code(code) {
        p.add("code", "1–32 letters, digits, - or _");
    }
    if name.is_empty() || name.len() > 100 {
        p.add("name", "enter a name (up to 100 characters)");
    }
    p.finish()?;
    Ok((code, name))
}

/// Creates a site inside the caller's transaction (409 `duplicate_site` when the code is taken).
pub fn insert_site(conn: &mut DbConn, code: &str, name: &str) -> ServiceResult<Site> {
    if db::sites::by_code(conn, code)?.is_some() {
        return Err(ServiceError::Conflict {
            code: "duplicate_site",
            message: format!("a site with code {code} already exists"),
            details: [("field".to_string(), "code".into())].into_iter().collect(),
        });
    }
    let id = db::sites::insert(conn, code, name)?;
    db::sites::by_id(conn, id)?.ok_or_else(|| ServiceError::Internal("site vanished".into()))
}

/// Resolves a site code, defaulting to the actor's own site, else `main`.
pub fn resolve_site(conn: &mut DbConn, actor: &Actor, code: Option<&str>) -> ServiceResult<Site> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => db::sites::by_code(conn, c)?
            .ok_or_else(|| ServiceError::invalid("site", format!("no site with code {c}"))),
        None => {
            if let Some(id) = actor.site_id
                && let Some(s) = db::sites::by_id(conn, id)?
            {
                return Ok(s);
            }
            db::sites::by_code(conn, super::bootstrap::DEFAULT_SITE)?
                .or(db::sites::list(conn)?.into_iter().next())
                .ok_or_else(|| ServiceError::not_found("no site exists"))
        }
    }
}

pub fn locations(conn: &mut DbConn, site: Option<&str>) -> ServiceResult<Vec<(Location, String)>> {
    let sites = db::sites::list(conn)?;
    let site_id = match site.map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(
            sites
                .iter()
                .find(|s| s.code == code)
                .map(|s| s.id)
                .ok_or_else(|| {
                    ServiceError::invalid("site", format!("no site with code {code}"))
                })?,
        ),
        None => None,
    };
    let locs = db::sites::locations(conn, site_id)?;
    Ok(locs
        .into_iter()
        .map(|l| {
            let code = sites
                .iter()
                .find(|s| s.id == l.site_id)
                .map(|s| s.code.clone())
                .unwrap_or_default();
            (l, code)
        })
        .collect())
}

/// The rules for a location's code and name (pure).
pub fn validate_location<'a>(code: &'a str, name: &'a str) -> ServiceResult<(&'a str, &'a str)> {
    let (code, name) = (code.trim(), name.trim());
    let mut p = Problems::new();
    if !valid_code(code) {
        p.add("code", "1–32 letters, digits, - or _");
    }
    if name.is_empty() || name.len() > 100 {
        p.add("name", "enter a name (up to 100 characters)");
    }
    p.finish()?;
    Ok((code, name))
}

pub fn create_location(
    conn: &mut DbConn,
    actor: &Actor,
    site: &str,
    code: &str,
    name: &str,
) -> ServiceResult<(Location, String)> {
    actor.require(Role::Admin)?;
    let (code, name) = validate_location(code, name)?;
    db::write_tx(conn, |conn| {
        let s = db::sites::by_code(conn, site.trim())?
            .ok_or_else(|| ServiceError::invalid("site", format!("no site with code {site}")))?;
        if db::sites::location_by_code(conn, s.id, code)?.is_some() {
            return Err(ServiceError::Conflict {
                code: "duplicate_location",
                message: format!("site {} already has a location {code}", s.code),
                details: [("field".to_string(), "code".into())].into_iter().collect(),
            });
        }
        let order = db::sites::locations(conn, Some(s.id))?.len() as i32;
        let id = db::sites::insert_location(conn, s.id, code, name, order)?;
        let loc = db::sites::location_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("location vanished".into()))?;
        Ok((loc, s.code))
    })
}

fn valid_name(p: &mut Problems, name: &str) {
    if name.is_empty() || name.len() > 100 {
        p.add("name", "enter a name (up to 100 characters)");
    }
}

/// Gives a site a new name (its code, used in URLs and the API, stays).
pub fn rename_site(conn: &mut DbConn, actor: &Actor, id: i64, name: &str) -> ServiceResult<Site> {
    actor.require(Role::Admin)?;
    let name = name.trim();
    let mut p = Problems::new();
    valid_name(&mut p, name);
    p.finish()?;
    db::write_tx(conn, |conn| {
        if db::sites::rename(conn, id, name)? == 0 {
            return Err(ServiceError::not_found("no such site"));
        }
        db::sites::by_id(conn, id)?.ok_or_else(|| ServiceError::Internal("site vanished".into()))
    })
}

/// Gives a location a new name (its code stays).
pub fn rename_location(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    name: &str,
) -> ServiceResult<Location> {
    actor.require(Role::Admin)?;
    let name = name.trim();
    let mut p = Problems::new();
    valid_name(&mut p, name);
    p.finish()?;
    db::write_tx(conn, |conn| {
        if db::sites::rename_location(conn, id, name)? == 0 {
            return Err(ServiceError::not_found("no such location"));
        }
        db::sites::location_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("location vanished".into()))
    })
}

/// Creates a site together with its store room (`store`), as the admin
/// page does: a site without a location cannot receive stock.
pub fn create_site_with_store(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    name: &str,
) -> ServiceResult<Site> {
    actor.require(Role::Admin)?;
    let (code, name) = validate_site(code, name)?;
    db::write_tx(conn, |conn| {
        let site = insert_site(conn, code, name)?;
        db::sites::insert_location(
            conn,
            site.id,
            super::bootstrap::DEFAULT_LOCATION,
            "Store room",
            0,
        )?;
        Ok(site)
    })
}
