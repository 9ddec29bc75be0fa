//! Which site a request means: the one it names, else the actor's own,
//! else `main`, else the first (`resolve_site`, `resolve_in`), and the
//! actor-less default (`by_code_or_default`). Re-exported by
//! `services::sites`, where callers use them.

use crate::db::{self, DbConn, models::Site};
use crate::domain::access::Actor;
use crate::error::{ServiceError, ServiceResult};

/// Resolves a site code, defaulting to the actor's own site, else `main`.
pub fn resolve_site(conn: &mut DbConn, actor: &Actor, code: Option<&str>) -> ServiceResult<Site> {
    resolve_in(db::sites::list(conn)?, actor, code)
}

/// [`resolve_site`] among sites already read (`db::sites::list`): the
/// named one; with no name the actor's own, else `main`, else the first.
pub fn resolve_in(sites: Vec<Site>, actor: &Actor, code: Option<&str>) -> ServiceResult<Site> {
    let find = |sites: &[Site], c: &str| sites.iter().position(|s| s.code == c);
    let at = match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(
            find(&sites, c)
                .ok_or_else(|| ServiceError::invalid("site", format!("no site with code {c}")))?,
        ),
        None => actor
            .site_id
            .and_then(|id| sites.iter().position(|s| s.id == id))
            .or_else(|| find(&sites, super::bootstrap::DEFAULT_SITE))
            .or((!sites.is_empty()).then_some(0)),
    };
    at.and_then(|i| sites.into_iter().nth(i))
        .ok_or_else(|| ServiceError::not_found("no site exists"))
}

/// The site with this code, else the default one (`main`, else the first):
/// the site whose calendar a request without an actor is read on.
pub fn by_code_or_default(conn: &mut DbConn, code: Option<&str>) -> ServiceResult<Site> {
    if let Some(c) = code.map(str::trim).filter(|c| !c.is_empty())
        && let Some(s) = db::sites::by_code(conn, c)?
    {
        return Ok(s);
    }
    db::sites::by_code(conn, super::bootstrap::DEFAULT_SITE)?
        .or(db::sites::list(conn)?.into_iter().next())
        .ok_or_else(|| ServiceError::not_found("no site exists"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::vocab::Role;

    fn site(id: i64, code: &str) -> Site {
        Site {
            id,
            code: code.to_string(),
            name: code.to_string(),
            created_at: chrono::NaiveDateTime::default(),
            time_zone: "UTC".to_string(),
            address: None,
            phone: None,
            email: None,
            digest_time: "07:00".to_string(),
        }
    }

    fn actor(site_id: Option<i64>) -> Actor {
        Actor {
            user_id: 1,
            username: "u".to_string(),
            role: Role::Manager,
            site_id,
            address: None,
        }
    }

    fn code_of(r: ServiceResult<Site>) -> Result<String, String> {
        r.map(|s| s.code).map_err(|e| e.to_string())
    }

    #[test]
    fn a_site_is_resolved_among_those_read_by_the_same_rules() {
        // Listed by code, as `db::sites::list` returns them.
        let all = || vec![site(3, "annex"), site(1, "main"), site(2, "north")];
        // Named (trimmed), whoever asks.
        assert_eq!(
            code_of(resolve_in(all(), &actor(Some(2)), Some(" annex "))),
            Ok("annex".into())
        );
        let unknown = code_of(resolve_in(all(), &actor(None), Some("south")));
        assert!(unknown.is_err_and(|e| e.contains("no site with code south")));
        // Unnamed: the actor's own, else `main`, else the first.
        assert_eq!(
            code_of(resolve_in(all(), &actor(Some(2)), None)),
            Ok("north".into())
        );
        assert_eq!(
            code_of(resolve_in(all(), &actor(Some(9)), Some(""))),
            Ok("main".into())
        );
        assert_eq!(
            code_of(resolve_in(all(), &actor(None), None)),
            Ok("main".into())
        );
        let no_main = vec![site(3, "annex"), site(2, "north")];
        assert_eq!(
            code_of(resolve_in(no_main, &actor(None), None)),
            Ok("annex".into())
        );
        assert!(resolve_in(Vec::new(), &actor(None), None).is_err());
    }
}
