//! A user's own details (issue 11.2/11.4): the name people read ("Treated
//! by Pia Novak"), the e-mail address the daily digest goes to, whether
//! they want the digest, and their own password. Every user edits their own
//! record on `/account` (`Action::ManageOwnAccount`, never anyone else's);
//! admins set a user's display name and e-mail on the user page
//! (`Action::ManageUsers`). Every change is audited with the old and new
//! values (a password only as "changed", never a hash).

use crate::auth;
use crate::db::{self, DbConn, models::User, users::UserProfile};
use crate::domain::access::{Action, Actor};
use crate::domain::contact;
use crate::domain::vocab::Role;
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};

/// The longest display name (characters).
pub const DISPLAY_NAME_MAX: usize = 80;

/// A display name as typed: empty is none; otherwise one line of at most
/// [`DISPLAY_NAME_MAX`] characters without control characters.
pub fn parse_display_name(s: &str) -> Result<Option<String>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    contact::parse_line(s, DISPLAY_NAME_MAX)
        .map(Some)
        .map_err(|e| format!("a name on one line: {e}"))
}

/// An e-mail address as typed: empty is none.
pub fn parse_optional_email(s: &str) -> Result<Option<String>, String> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    contact::parse_email(s).map(Some)
}

/// Whether the daily digest means anything to this role (it goes to
/// managers and admins only).
pub fn gets_digest(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

/// The account page's details as typed.
#[derive(Debug, Clone, Default)]
pub struct ProfileDraft {
    pub display_name: String,
    pub email: String,
    /// The digest checkbox (None: not on the form, keep what is stored).
    pub digest_enabled: Option<bool>,
}

/// Checks a draft against the stored profile: the new profile, or every
/// field's problem (nothing is written).
fn validate(d: &ProfileDraft, before: &UserProfile) -> ServiceResult<UserProfile> {
    let mut p = Problems::new();
    let display_name = p.take("display_name", parse_display_name(&d.display_name));
    let email = p.take("email", parse_optional_email(&d.email));
    p.finish()?;
    Ok(UserProfile {
        display_name: display_name.flatten(),
        email: email.flatten(),
        digest_enabled: d.digest_enabled.unwrap_or(before.digest_enabled),
    })
}

fn load(conn: &mut DbConn, id: i64) -> ServiceResult<User> {
    db::users::by_id(conn, id)?.ok_or_else(|| ServiceError::not_found("no such user"))
}

/// The signed-in user's own record.
pub fn own(conn: &mut DbConn, actor: &Actor) -> ServiceResult<User> {
    actor.require(Action::ManageOwnAccount)?;
    load(conn, actor.user_id)
}

/// Writes the profile and its audit row (none when nothing changed).
fn save(
    conn: &mut DbConn,
    actor: &Actor,
    user: &User,
    new: &UserProfile,
    summary: &str,
) -> ServiceResult<()> {
    let old = UserProfile::of(user);
    let changes = Changes::new()
        .field(
            "display_name",
            old.display_name.clone(),
            new.display_name.clone(),
        )
        .field("email", old.email.clone(), new.email.clone())
        .field("digest_enabled", old.digest_enabled, new.digest_enabled);
    if changes.is_empty() {
        return Ok(());
    }
    db::users::set_profile(conn, user.id, new)?;
    audit::record(
        conn,
        &actor.into(),
        "update",
        "user",
        Some(user.id),
        summary,
        &changes,
    )
}

/// A user changes their own display name, e-mail address and (managers
/// and admins) whether they get the daily digest. Bad input: field errors,
/// nothing written.
pub fn update_own(conn: &mut DbConn, actor: &Actor, d: &ProfileDraft) -> ServiceResult<User> {
    actor.require(Action::ManageOwnAccount)?;
    let d = ProfileDraft {
        digest_enabled: d.digest_enabled.filter(|_| gets_digest(actor.role)),
        ..d.clone()
    };
    db::write_tx(conn, |conn| {
        let user = load(conn, actor.user_id)?;
        let new = validate(&d, &UserProfile::of(&user))?;
        let summary = format!("{} changed their account details", user.username);
        save(conn, actor, &user, &new, &summary)?;
        load(conn, user.id)
    })
}

/// An administrator sets a user's display name and e-mail address (the
/// digest choice stays the user's own).
pub fn set_details(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &ProfileDraft,
) -> ServiceResult<User> {
    actor.require(Action::ManageUsers)?;
    let d = ProfileDraft {
        digest_enabled: None,
        ..d.clone()
    };
    db::write_tx(conn, |conn| {
        let user = load(conn, id)?;
        let new = validate(&d, &UserProfile::of(&user))?;
        let summary = format!("changed the details of {}", user.username);
        save(conn, actor, &user, &new, &summary)?;
        load(conn, id)
    })
}

/// A password change as typed on the account page.
#[derive(Debug, Clone, Default)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub repeat: String,
}

/// A user changes their own password: the current one must be right, the
/// new one follows the same rules as everywhere (`accounts`), typed twice.
/// Their other login sessions end (the one in use, `session_id`, stays);
/// API tokens are kept. Audited as "changed", never the hash.
pub fn change_own_password(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: Option<i64>,
    c: &PasswordChange,
) -> ServiceResult<()> {
    actor.require(Action::ManageOwnAccount)?;
    let mut p = Problems::new();
    if c.current.is_empty() {
        p.add("current_password", "type your current password");
    }
    super::accounts::validate_password(&mut p, "new_password", &c.new);
    if c.new != c.repeat {
        p.add("repeat_password", "the two new passwords differ");
    }
    p.finish()?;
    let user = load(conn, actor.user_id)?;
    if !verify_on_pool(&c.current, &user.password_hash)? {
        return Err(ServiceError::invalid(
            "current_password",
            "that is not your current password",
        ));
    }
    let hash = auth::hash_password(&c.new)?;
    db::write_tx(conn, |conn| {
        // The password checked above is still the stored one (no change
        // in between).
        let now = load(conn, actor.user_id)?;
        if now.password_hash != user.password_hash {
            return Err(ServiceError::conflict(
                ErrorCode::PasswordChanged,
                "your password was changed meanwhile; sign in again",
            ));
        }
        db::users::set_password(conn, user.id, &hash)?;
        let ended = match session_id {
            Some(keep) => db::users::delete_sessions_of_except(conn, user.id, keep)?,
            None => db::users::delete_sessions_of(conn, user.id)?,
        };
        let mut changes = Changes::new().field("password", "(old)", "(new)");
        if ended > 0 {
            changes = changes.field("other_sessions", ended as i64, 0);
        }
        audit::record(
            conn,
            &actor.into(),
            "password_change",
            "user",
            Some(user.id),
            &format!("{} changed their password", user.username),
            &changes,
        )
    })
}

/// Checks a password on the password pool (one Argon2 run per core).
fn verify_on_pool(password: &str, hash: &str) -> ServiceResult<bool> {
    let (password, hash) = (password.to_string(), hash.to_string());
    auth::PasswordPool::global()
        .run_blocking(move || auth::verify_password(&password, &hash))
        .ok_or_else(|| ServiceError::Internal("password pool stopped".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_as_typed() {
        assert_eq!(parse_display_name("  "), Ok(None));
        assert_eq!(
            parse_display_name(" Pia Novak ").unwrap().as_deref(),
            Some("Pia Novak")
        );
        assert!(parse_display_name("Pia\u{7}Novak").is_err());
        assert!(parse_display_name(&"x".repeat(81)).is_err());
        assert_eq!(parse_optional_email(""), Ok(None));
        assert!(parse_optional_email("pia@").is_err());
        let before = UserProfile {
            digest_enabled: true,
            ..UserProfile::default()
        };
        let bad = ProfileDraft {
            display_name: "a\nb".into(),
            email: "nope".into(),
            digest_enabled: Some(false),
        };
        let errors = match validate(&bad, &before) {
            Err(ServiceError::Invalid { errors, .. }) => errors,
            other => panic!("{other:?}"),
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["display_name", "email"]);
    }
}
