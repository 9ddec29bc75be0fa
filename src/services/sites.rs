//! Sites (clinics) and locations: listing, creating and editing them. A
//! site carries its clock (IANA time zone), its identity (name, address,
//! phone, e-mail) and the local time its daily digest goes out.

use crate::db::{
    self, DbConn,
    models::{Location, Site},
    sites::SiteDetails,
};
use crate::domain::access::{Action, Actor};
use crate::domain::clock::{Clocks, SiteClock, parse_hhmm};
use crate::domain::contact;
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};
pub use crate::services::site_resolve::{by_code_or_default, resolve_in, resolve_site};

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

/// Every site's clock and the actor's own (times are shown on the clock of
/// the site they belong to; see [`Clocks`]).
pub fn clocks(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Clocks> {
    let sites = db::sites::list(conn)?;
    Ok(Clocks::new(
        sites.iter().map(|s| (s.id, s.time_zone.as_str())),
        actor.site_id,
    ))
}

/// The sites whose details the actor sees (a bound user: their own).
pub fn visible(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<Site>> {
    super::scope::visible_sites(conn, actor, Action::ViewSites)
}

/// One site by its code for an actor: 404 when there is none or it is
/// another site (hidden from a bound user).
pub fn seen_by_code(conn: &mut DbConn, actor: &Actor, code: &str) -> ServiceResult<Site> {
    let site = by_code(conn, code)?;
    super::scope::hide_unless(actor, Action::ViewSites, site.id, || {
        format!("no site with code {code}")
    })?;
    Ok(site)
}

/// One site by its code (404 when there is none).
pub fn by_code(conn: &mut DbConn, code: &str) -> ServiceResult<Site> {
    db::sites::by_code(conn, code.trim())?
        .ok_or_else(|| ServiceError::not_found(format!("no site with code {code}")))
}

/// A site's details as typed (form or API). `None` leaves a detail as it
/// is (PATCH) or at its default (create); `Some("")` clears an optional one.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SiteDraft {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub digest_time: Option<String>,
}

/// Creates a site called `name` (its zone: that of the default site).
pub fn create_site(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    name: &str,
) -> ServiceResult<Site> {
    let draft = SiteDraft {
        name: Some(name.to_string()),
        ..SiteDraft::default()
    };
    create(conn, actor, code, &draft)
}

/// Creates a site. Without a time zone it takes the default site's (a
/// second clinic of a practice is most often in the same place).
pub fn create(conn: &mut DbConn, actor: &Actor, code: &str, d: &SiteDraft) -> ServiceResult<Site> {
    actor.require(Action::ManageSites)?;
    let code = code.trim();
    let details = validate_new(conn, code, d)?;
    db::write_tx(conn, |conn| {
        let site = insert_with(conn, code, &details)?;
        audit_site(conn, actor, None, &site)?;
        Ok(site)
    })
}

fn site_fields(s: &Site) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("code", Some(s.code.clone())),
        ("name", Some(s.name.clone())),
        ("time_zone", Some(s.time_zone.clone())),
        ("address", s.address.clone()),
        ("phone", s.phone.clone()),
        ("email", s.email.clone()),
        ("digest_time", Some(s.digest_time.clone())),
    ]
}

/// The audit row of a new site (`before` None) or a changed one (none when
/// nothing changed).
fn audit_site(
    conn: &mut DbConn,
    actor: &Actor,
    before: Option<&Site>,
    after: &Site,
) -> ServiceResult<()> {
    let old = before.map(site_fields).unwrap_or_default();
    let changes = site_fields(after)
        .into_iter()
        .fold(Changes::new(), |c, (field, new)| {
            let was = old
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, v)| v.clone());
            c.field(field, was, new)
        });
    let (action, summary) = match before {
        None => ("create", format!("created site {}", after.code)),
        Some(_) if changes.is_empty() => return Ok(()),
        Some(_) => ("update", format!("changed site {}", after.code)),
    };
    let who = audit::Who::of(actor).at_site(after.id);
    audit::record(
        conn,
        &who,
        action,
        "site",
        Some(after.id),
        &summary,
        &changes,
    )
}

fn audit_location(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    old_name: Option<&str>,
    loc: &Location,
) -> ServiceResult<()> {
    let mut changes = Changes::new().field("name", old_name, loc.name.as_str());
    if old_name.is_none() {
        changes = changes.set("code", loc.code.as_str());
    }
    if changes.is_empty() {
        return Ok(());
    }
    let who = audit::Who::of(actor).at_site(loc.site_id);
    let summary = format!("{action}d location {}", loc.code);
    audit::record(
        conn,
        &who,
        action,
        "location",
        Some(loc.id),
        &summary,
        &changes,
    )
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

fn validate_new(conn: &mut DbConn, code: &str, d: &SiteDraft) -> ServiceResult<SiteDetails> {
    let mut p = Problems::new();
    if !valid_code(code) {
        p.add("code", "1–32 letters, digits, - or _");
    }
    if d.name.as_deref().map(str::trim).unwrap_or("").is_empty() {
        p.add("name", "enter a name (up to 100 characters)");
    }
    let details = merge(&mut p, new_site_base(conn), d);
    p.finish()?;
    Ok(details)
}

/// What a new site starts from: the default site's zone and digest time,
/// no contact details.
fn new_site_base(conn: &mut DbConn) -> SiteDetails {
    match by_code_or_default(conn, None) {
        Ok(s) => SiteDetails {
            name: String::new(),
            address: None,
            phone: None,
            email: None,
            ..SiteDetails::of(&s)
        },
        Err(_) => super::bootstrap::default_details(""),
    }
}

/// Applies the typed details over `base`, recording every problem at its
/// field (`time_zone`, `email`, `digest_time`, …).
fn merge(p: &mut Problems, mut base: SiteDetails, d: &SiteDraft) -> SiteDetails {
    let optional = |p: &mut Problems,
                    field: &str,
                    v: &Option<String>,
                    current: Option<String>,
                    parse: &dyn Fn(&str) -> Result<String, String>|
     -> Option<String> {
        match v.as_deref().map(str::trim) {
            None => current,
            Some("") => None,
            Some(t) => p.take(field, parse(t)),
        }
    };
    if let Some(n) = &d.name {
        match contact::parse_line(n, 100) {
            Ok(n) => base.name = n,
            Err(_) => p.add("name", "enter a name (up to 100 characters)"),
        }
    }
    if let Some(z) = &d.time_zone
        && let Some(c) = p.take("time_zone", SiteClock::parse(z))
    {
        base.time_zone = c.zone().to_string();
    }
    if let Some(t) = &d.digest_time
        && let Some(t) = p.take("digest_time", parse_hhmm(t))
    {
        base.digest_time = t.format("%H:%M").to_string();
    }
    base.address = optional(
        p,
        "address",
        &d.address,
        base.address.take(),
        &contact::parse_address,
    );
    base.phone = optional(
        p,
        "phone",
        &d.phone,
        base.phone.take(),
        &contact::parse_phone,
    );
    base.email = optional(
        p,
        "email",
        &d.email,
        base.email.take(),
        &contact::parse_email,
    );
    base
}

/// Creates a site called `name` inside the caller's transaction, its other
/// details the defaults (the default site's zone); 409 `duplicate_site`
/// when the code is taken.
pub fn insert_site(conn: &mut DbConn, code: &str, name: &str) -> ServiceResult<Site> {
    let details = SiteDetails {
        name: name.to_string(),
        ..new_site_base(conn)
    };
    insert_with(conn, code, &details)
}

fn insert_with(conn: &mut DbConn, code: &str, d: &SiteDetails) -> ServiceResult<Site> {
    if db::sites::by_code(conn, code)?.is_some() {
        return Err(ServiceError::Conflict {
            code: ErrorCode::DuplicateSite,
            message: format!("a site with code {code} already exists"),
            details: [("field".to_string(), "code".into())].into_iter().collect(),
        });
    }
    let id = db::sites::insert(conn, code, d)?;
    db::sites::by_id(conn, id)?.ok_or_else(|| ServiceError::Internal("site vanished".into()))
}

/// Changes a site's details (admins): name, time zone, address, phone,
/// e-mail, digest time. Its code, used in links and the API, stays.
/// Nothing is saved unless every given detail is valid.
pub fn update(conn: &mut DbConn, actor: &Actor, code: &str, d: &SiteDraft) -> ServiceResult<Site> {
    actor.require(Action::ManageSites)?;
    db::write_tx(conn, |conn| {
        let site = db::sites::by_code(conn, code.trim())?
            .ok_or_else(|| ServiceError::not_found(format!("no site with code {code}")))?;
        let mut p = Problems::new();
        let details = merge(&mut p, SiteDetails::of(&site), d);
        p.finish()?;
        db::sites::update(conn, site.id, &details)?;
        let after = db::sites::by_id(conn, site.id)?
            .ok_or_else(|| ServiceError::Internal("site vanished".into()))?;
        audit_site(conn, actor, Some(&site), &after)?;
        Ok(after)
    })
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
    with_site_codes(conn, &sites, site_id)
}

/// The locations of the sites the actor sees for `action`: of the site
/// asked for (another site's: 403), else of their own site (bound users),
/// else of every site.
pub fn locations_for(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    site: Option<&str>,
) -> ServiceResult<Vec<(Location, String)>> {
    let site_id = super::scope::list_site_id(conn, actor, action, site)?;
    let sites = db::sites::list(conn)?;
    with_site_codes(conn, &sites, site_id)
}

fn with_site_codes(
    conn: &mut DbConn,
    sites: &[Site],
    site_id: Option<i64>,
) -> ServiceResult<Vec<(Location, String)>> {
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
    actor.require(Action::ManageSites)?;
    let (code, name) = validate_location(code, name)?;
    db::write_tx(conn, |conn| {
        let s = db::sites::by_code(conn, site.trim())?
            .ok_or_else(|| ServiceError::invalid("site", format!("no site with code {site}")))?;
        if db::sites::location_by_code(conn, s.id, code)?.is_some() {
            return Err(ServiceError::Conflict {
                code: ErrorCode::DuplicateLocation,
                message: format!("site {} already has a location {code}", s.code),
                details: [("field".to_string(), "code".into())].into_iter().collect(),
            });
        }
        let order = db::sites::locations(conn, Some(s.id))?.len() as i32;
        let id = db::sites::insert_location(conn, s.id, code, name, order)?;
        let loc = db::sites::location_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("location vanished".into()))?;
        audit_location(conn, actor, "create", None, &loc)?;
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
    let site =
        db::sites::by_id(conn, id)?.ok_or_else(|| ServiceError::not_found("no such site"))?;
    let draft = SiteDraft {
        name: Some(name.to_string()),
        ..SiteDraft::default()
    };
    update(conn, actor, &site.code, &draft)
}

/// Gives a location a new name (its code stays).
pub fn rename_location(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    name: &str,
) -> ServiceResult<Location> {
    actor.require(Action::ManageSites)?;
    let name = name.trim();
    let mut p = Problems::new();
    valid_name(&mut p, name);
    p.finish()?;
    db::write_tx(conn, |conn| {
        let before = db::sites::location_by_id(conn, id)?
            .ok_or_else(|| ServiceError::not_found("no such location"))?;
        if db::sites::rename_location(conn, id, name)? == 0 {
            return Err(ServiceError::not_found("no such location"));
        }
        let loc = db::sites::location_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("location vanished".into()))?;
        audit_location(conn, actor, "update", Some(&before.name), &loc)?;
        Ok(loc)
    })
}

/// Creates a site together with its store room (`store`), as the admin
/// page does: a site without a location cannot receive stock.
pub fn create_site_with_store(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    d: &SiteDraft,
) -> ServiceResult<Site> {
    actor.require(Action::ManageSites)?;
    let code = code.trim();
    let details = validate_new(conn, code, d)?;
    db::write_tx(conn, |conn| {
        let site = insert_with(conn, code, &details)?;
        let loc = db::sites::insert_location(
            conn,
            site.id,
            super::bootstrap::DEFAULT_LOCATION,
            "Store room",
            0,
        )?;
        audit_site(conn, actor, None, &site)?;
        if let Some(loc) = db::sites::location_by_id(conn, loc)? {
            audit_location(conn, actor, "create", None, &loc)?;
        }
        Ok(site)
    })
}
