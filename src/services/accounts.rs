//! Users and their ways in: login sessions (cookie), API tokens (bearer),
//! the one-time setup link for the first admin, and user administration.

use chrono::Duration;

use crate::auth;
use crate::db::{self, DbConn, models::User};
use crate::domain::access::{Action, Actor, CurrentUser};
use crate::domain::vocab::Role;
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes, Who};

fn actor_of(user: &User) -> ServiceResult<Actor> {
    Ok(Actor {
        user_id: user.id,
        username: user.username.clone(),
        role: user.role,
        site_id: user.site_id,
        address: None,
    })
}

/// The name the command line acts under in the ledger and the audit log.
/// Not a valid user name (no one can create or log in as it); the account
/// is made on first use, disabled, with no usable password.
pub const COMMAND_LINE_USER: &str = "(command line)";

/// The actor for commands run on the server itself (imports): an admin
/// account that cannot log in.
pub fn command_line_actor(conn: &mut DbConn) -> ServiceResult<Actor> {
    let user = match db::users::by_username(conn, COMMAND_LINE_USER)? {
        Some(u) => u,
        None => {
            let id = db::write_tx(conn, |conn| {
                let id = db::users::insert(conn, COMMAND_LINE_USER, "!", Role::Admin.code(), None)?;
                db::users::set_active(conn, id, false)?;
                Ok::<i64, ServiceError>(id)
            })?;
            db::users::by_id(conn, id)?
                .ok_or_else(|| ServiceError::Internal("command-line user vanished".into()))?
        }
    };
    actor_of(&user)
}

/// The login session behind a cookie (active user, neither idle longer
/// than the idle timeout nor older than the absolute lifetime, both
/// settings); its flash message is handed over once and cleared. A session
/// past either limit is deleted.
pub fn resolve_session(conn: &mut DbConn, token_hash: &str) -> ServiceResult<Option<CurrentUser>> {
    let Some((session, user)) = db::users::session_by_token_hash(conn, token_hash)? else {
        return Ok(None);
    };
    let limits = super::settings::load(conn)?;
    let now = db::now();
    let last_seen = session.last_seen_at.unwrap_or(session.created_at);
    if now >= session.created_at + Duration::hours(limits.session_max_hours)
        || now >= last_seen + Duration::minutes(limits.session_idle_minutes)
    {
        db::users::delete_session(conn, token_hash)?;
        return Ok(None);
    }
    // Activity is noted at most every 30 seconds, to spare writes.
    if now - last_seen >= Duration::seconds(30) {
        db::users::touch_session(conn, session.id, now)?;
    }
    if session.flash.is_some() {
        db::users::set_flash(conn, session.id, None)?;
    }
    Ok(Some(CurrentUser {
        actor: actor_of(&user)?,
        display_name: user.display_name.clone(),
        session_id: session.id,
        csrf: session.csrf_token,
        flash: session.flash,
        alert_count: None,
    }))
}

/// How stale a token's "last used" may get before a request writes it
/// again: every bearer request reads the token, only one a minute writes.
pub const TOKEN_TOUCH_INTERVAL_SECS: i64 = 60;

/// A token's use is audited when it was not used for this long (the first
/// use in a period, not one row per request).
pub const TOKEN_USE_AUDIT_GAP_MINUTES: i64 = 60;

/// The active user behind a live API token (not revoked, not expired); the
/// token's last use is noted when the stored one is older than
/// [`TOKEN_TOUCH_INTERVAL_SECS`], so that ordinary requests write nothing
/// (no write lock on SQLite, no row update on PostgreSQL); its first use
/// after a quiet hour is audited.
pub fn resolve_token(conn: &mut DbConn, token_hash: &str) -> ServiceResult<Option<Actor>> {
    Ok(resolve_token_user(conn, token_hash)?.map(|(actor, _)| actor))
}

/// [`resolve_token`] with the user row it read (for answers that show the
/// caller's name without reading the user again).
pub fn resolve_token_user(
    conn: &mut DbConn,
    token_hash: &str,
) -> ServiceResult<Option<(Actor, User)>> {
    let Some((token_id, last_used, user)) = db::users::user_by_token_hash(conn, token_hash)? else {
        return Ok(None);
    };
    let actor = actor_of(&user)?;
    let now = db::now();
    let since = |t: chrono::NaiveDateTime| now - t;
    let quiet =
        last_used.is_none_or(|t| since(t) >= Duration::minutes(TOKEN_USE_AUDIT_GAP_MINUTES));
    let stale = last_used.is_none_or(|t| since(t) >= Duration::seconds(TOKEN_TOUCH_INTERVAL_SECS));
    if quiet {
        db::write_tx(conn, |conn| {
            // Another request may have noted the use meanwhile: one row.
            if db::tokens::touch_if_quiet(conn, token_id, now, TOKEN_USE_AUDIT_GAP_MINUTES)? == 1 {
                audit::record(
                    conn,
                    &Who::of(&actor),
                    "use",
                    "token",
                    Some(token_id),
                    &format!("API token {token_id} of {} used", user.username),
                    &Changes::new().field(
                        "last_used_at",
                        last_used.map(audit::utc),
                        audit::utc(now),
                    ),
                )?;
            }
            Ok::<_, ServiceError>(())
        })?;
    } else if stale {
        db::tokens::touch(conn, token_id, now)?;
    }
    Ok(Some((actor, user)))
}

pub fn set_flash(conn: &mut DbConn, session_id: i64, message: &str) -> ServiceResult<()> {
    db::users::set_flash(conn, session_id, Some(message))?;
    Ok(())
}

/// Ends the login session at once (the row is deleted server-side).
pub fn logout(conn: &mut DbConn, token_hash: &str) -> ServiceResult<()> {
    db::write_tx(conn, |conn| {
        let Some((_, user)) = db::users::session_by_token_hash(conn, token_hash)? else {
            return Ok(());
        };
        db::users::delete_session(conn, token_hash)?;
        let who = Who {
            user_id: Some(user.id),
            name: user.username.clone(),
            ..Who::default()
        };
        let summary = format!("{} signed out", user.username);
        audit::record(
            conn,
            &who,
            "logout",
            "user",
            Some(user.id),
            &summary,
            &Changes::new(),
        )
    })
}

fn validate_username(problems: &mut Problems, name: &str) {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if !ok {
        problems.add(
            "username",
            "1–64 characters: letters, digits, dot, underscore, dash or @",
        );
    }
}

/// The password rules (everywhere a password is set): 10–256 characters.
pub(crate) fn validate_password(problems: &mut Problems, field: &str, password: &str) {
    let n = password.chars().count();
    if n < 10 {
        problems.add(field, "at least 10 characters");
    } else if n > 256 {
        problems.add(field, "at most 256 characters");
    }
}

/// Input for creating a user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: String,
    pub site: Option<String>,
    /// The name people read ("Pia Novak"); empty or None: the login.
    pub display_name: Option<String>,
    /// Where the daily digest goes (managers and admins).
    pub email: Option<String>,
}

/// Who the audit log names for changes made on the server itself (the
/// command line, the setup link): no user id, a name no one can have.
pub fn system_who(name: &str) -> Who {
    Who {
        name: name.to_string(),
        ..Who::default()
    }
}

/// Creates a user (the command line's `user add`, tests): audited as made
/// from the command line.
pub fn create_user(conn: &mut DbConn, input: &NewUser) -> ServiceResult<i64> {
    create_user_by(conn, &system_who(COMMAND_LINE_USER), input)
}

/// An administrator adds a user (the users page).
pub fn add_user(conn: &mut DbConn, actor: &Actor, input: &NewUser) -> ServiceResult<i64> {
    actor.require(Action::ManageUsers)?;
    create_user_by(conn, &Who::of(actor), input)
}

/// Creates a user (admin page, `user add`, setup), audited as done by `who`.
pub fn create_user_by(conn: &mut DbConn, who: &Who, input: &NewUser) -> ServiceResult<i64> {
    let mut problems = Problems::new();
    let username = input.username.trim().to_string();
    validate_username(&mut problems, &username);
    validate_password(&mut problems, "password", &input.password);
    let role = Role::parse(&input.role);
    if role.is_none() {
        problems.add("role", format!("choose one of {}", Role::choices()));
    }
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let display_name = problems
        .take(
            "display_name",
            super::profile::parse_display_name(&text(&input.display_name)),
        )
        .flatten();
    let email = problems
        .take(
            "email",
            super::profile::parse_optional_email(&text(&input.email)),
        )
        .flatten();
    problems.finish()?;
    let role = role.unwrap_or(Role::Practitioner);
    let hash = auth::hash_password(&input.password)?;
    db::write_tx(conn, |conn| {
        let site_id = match input
            .site
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(code) => Some(
                db::sites::by_code(conn, code)?
                    .ok_or_else(|| {
                        ServiceError::invalid("site", format!("no site with code {code}"))
                    })?
                    .id,
            ),
            None => None,
        };
        if db::users::by_username(conn, &username)?.is_some() {
            return Err(ServiceError::Conflict {
                code: ErrorCode::DuplicateUsername,
                message: format!("a user named {username} already exists"),
                details: Default::default(),
            });
        }
        let id = db::users::insert(conn, &username, &hash, role.code(), site_id)?;
        if display_name.is_some() || email.is_some() {
            let profile = db::users::UserProfile {
                display_name: display_name.clone(),
                email: email.clone(),
                digest_enabled: true,
            };
            db::users::set_profile(conn, id, &profile)?;
        }
        let site_code = input
            .site
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        audit::record(
            conn,
            who,
            "create",
            "user",
            Some(id),
            &format!("created user {username} ({})", role.code()),
            &Changes::new()
                .set("username", username.as_str())
                .set("role", role.code())
                .set("site", site_code)
                .set("display_name", display_name.clone())
                .set("email", email.clone())
                .set("active", true),
        )?;
        Ok(id)
    })
}

/// Creates an API token for a user; returns the token (shown once).
pub fn create_token(conn: &mut DbConn, username: &str, label: &str) -> ServiceResult<String> {
    let token = auth::random_token();
    let hash = auth::hash_token(&token);
    db::write_tx(conn, |conn| {
        let user = db::users::by_username(conn, username)?
            .ok_or_else(|| ServiceError::not_found(format!("no user named {username}")))?;
        let id = db::users::insert_token(conn, user.id, label, &hash)?;
        audit::record(
            conn,
            &system_who(COMMAND_LINE_USER),
            "create",
            "token",
            Some(id),
            &format!("created API token {label} for {username}"),
            &Changes::new().set("user", username).set("name", label),
        )?;
        Ok::<_, ServiceError>(())
    })?;
    Ok(token)
}

pub use super::setup::{complete_setup, issue_setup_token, setup_pending, setup_token_valid};

// ---- user administration ----------------------------------------------------

/// Disables or re-enables a user; disabling ends their sessions and revokes
/// their API tokens at once (re-enabling does not bring the tokens back).
pub fn set_user_active(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    active: bool,
) -> ServiceResult<User> {
    actor.require(Action::ManageUsers)?;
    db::write_tx(conn, |conn| {
        db::users::lock_admins(conn)?;
        let user = db::users::by_id(conn, user_id)?
            .ok_or_else(|| ServiceError::not_found("no such user"))?;
        if !active && user.id == actor.user_id {
            return Err(ServiceError::conflict(
                ErrorCode::CannotDisableSelf,
                "you cannot disable your own account",
            ));
        }
        if !active && user.active && user.role == Role::Admin {
            super::users::refuse_last_admin(conn, &user.username)?;
        }
        db::users::set_active(conn, user_id, active)?;
        let mut revoked = 0;
        if !active {
            db::users::delete_sessions_of(conn, user_id)?;
            revoked = db::tokens::revoke_all_of(conn, user_id)?;
        }
        if user.active != active {
            let (action, verb) = if active {
                ("enable", "re-enabled")
            } else {
                ("disable", "disabled")
            };
            let mut changes = Changes::new().field("active", user.active, active);
            if revoked > 0 {
                changes = changes.field("live_tokens", revoked as i64, 0);
            }
            audit::record(
                conn,
                &actor.into(),
                action,
                "user",
                Some(user.id),
                &format!("{verb} user {}", user.username),
                &changes,
            )?;
        }
        Ok(user)
    })
}

/// Sets a new password; the user's sessions end (they log in again) and
/// their API tokens are revoked. An administrator resetting their own
/// password keeps the session they are using.
pub fn reset_password(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    password: &str,
) -> ServiceResult<User> {
    actor.require(Action::ManageUsers)?;
    let mut problems = Problems::new();
    validate_password(&mut problems, "password", password);
    problems.finish()?;
    let hash = auth::hash_password(password)?;
    db::write_tx(conn, |conn| {
        let user = db::users::by_id(conn, user_id)?
            .ok_or_else(|| ServiceError::not_found("no such user"))?;
        db::users::set_password(conn, user_id, &hash)?;
        if user_id != actor.user_id {
            db::users::delete_sessions_of(conn, user_id)?;
        }
        let revoked = db::tokens::revoke_all_of(conn, user_id)?;
        // Never the hash: only that it changed.
        let mut changes = Changes::new().field("password", "(old)", "(new)");
        if revoked > 0 {
            changes = changes.field("live_tokens", revoked as i64, 0);
        }
        audit::record(
            conn,
            &actor.into(),
            "password_reset",
            "user",
            Some(user.id),
            &format!("reset the password of {}", user.username),
            &changes,
        )?;
        Ok(user)
    })
}

/// Users with their site codes, for the admin list.
pub fn list_users(conn: &mut DbConn) -> ServiceResult<Vec<(User, Option<String>)>> {
    let sites = db::sites::list(conn)?;
    let users = db::users::list(conn)?;
    Ok(users
        .into_iter()
        .map(|u| {
            let site = u
                .site_id
                .and_then(|id| sites.iter().find(|s| s.id == id).map(|s| s.code.clone()));
            (u, site)
        })
        .collect())
}
