//! The one-time setup link that creates the first admin (and sets the
//! clinic's time zone): issued on start while no user exists, dead once used.

use crate::auth;
use crate::db::{self, DbConn};
use crate::domain::vocab::Role;
use crate::error::{ServiceError, ServiceResult};
use crate::services::accounts::{COMMAND_LINE_USER, NewUser, create_user_by, system_who};
use crate::services::audit::{self, Changes, Who};

const SETUP_KEY: &str = "setup_token_hash";

/// When no user exists, makes a new one-time setup token (replacing any
/// earlier one) and returns it; None once users exist.
pub fn issue_setup_token(conn: &mut DbConn) -> ServiceResult<Option<String>> {
    db::write_tx(conn, |conn| {
        // The command-line account (made by an import) is nobody's login.
        if db::users::count_except(conn, COMMAND_LINE_USER)? > 0 {
            db::settings::delete(conn, SETUP_KEY)?;
            return Ok(None);
        }
        let token = auth::random_token();
        db::settings::set(conn, SETUP_KEY, &auth::hash_token(&token))?;
        Ok(Some(token))
    })
}

/// True while no one can sign in yet: no user exists but the command-line
/// account (the login page then says that setup is pending).
pub fn setup_pending(conn: &mut DbConn) -> ServiceResult<bool> {
    Ok(db::users::count_except(conn, COMMAND_LINE_USER)? == 0)
}

/// True when the setup token is the live one and no admin exists yet.
pub fn setup_token_valid(conn: &mut DbConn, token: &str) -> ServiceResult<bool> {
    let stored = db::settings::get(conn, SETUP_KEY)?;
    Ok(match stored {
        Some(h) => {
            auth::same_token(&h, &auth::hash_token(token))
                && db::users::count_except(conn, COMMAND_LINE_USER)? == 0
        }
        None => false,
    })
}

/// Creates the first admin through the setup link; the link dies with it.
pub fn complete_setup(
    conn: &mut DbConn,
    token: &str,
    username: &str,
    password: &str,
    time_zone: &str,
) -> ServiceResult<i64> {
    if !setup_token_valid(conn, token)? {
        return Err(ServiceError::NotFound(
            "this setup link has already been used or is not valid".into(),
        ));
    }
    // The clinic's clock: checked before anything is written.
    let zone = match time_zone.trim() {
        "" => None,
        z => Some(
            crate::domain::clock::SiteClock::parse(z)
                .map_err(|e| ServiceError::invalid("time_zone", e))?,
        ),
    };
    let id = create_user_by(
        conn,
        &system_who("(setup link)"),
        &NewUser {
            username: username.to_string(),
            password: password.to_string(),
            role: Role::Admin.code().into(),
            site: None,
            ..NewUser::default()
        },
    )?;
    db::write_tx(conn, |conn| {
        if let Some(zone) = zone
            && let Some(site) = db::sites::by_code(conn, super::bootstrap::DEFAULT_SITE)?
        {
            let details = db::sites::SiteDetails {
                time_zone: zone.zone().to_string(),
                ..db::sites::SiteDetails::of(&site)
            };
            db::sites::update(conn, site.id, &details)?;
            let changes = Changes::new().field("time_zone", site.time_zone.as_str(), zone.zone());
            if !changes.is_empty() {
                let who = Who {
                    site_id: Some(site.id),
                    ..system_who("(setup link)")
                };
                let summary = format!("set the time zone of site {}", site.code);
                audit::record(
                    conn,
                    &who,
                    "update",
                    "site",
                    Some(site.id),
                    &summary,
                    &changes,
                )?;
            }
        }
        db::settings::delete(conn, SETUP_KEY)?;
        Ok::<_, ServiceError>(())
    })?;
    Ok(id)
}
