//! One user on the admin user page: their details, tokens and history,
//! and changing their role and site (audited, like every change to a user).

use crate::db::{self, DbConn, models::User};
use crate::domain::access::{Action, Actor};
use crate::domain::vocab::Role;
use crate::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};
use crate::services::tokens::{self, TokenInfo};

/// One user for the admin user page: the user, their site's code, their API
/// tokens and their own audit history (newest first).
pub struct UserDetail {
    pub user: User,
    pub site: Option<String>,
    pub tokens: Vec<TokenInfo>,
    pub history: Vec<audit::AuditEntry>,
}

/// How many of a record's audit rows its page shows.
pub const HISTORY_ROWS: i64 = 50;

pub fn user_detail(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<UserDetail> {
    actor.require(Action::ManageUsers)?;
    let user =
        db::users::by_id(conn, id)?.ok_or_else(|| ServiceError::not_found("no such user"))?;
    let site = match user.site_id {
        Some(s) => db::sites::by_id(conn, s)?.map(|s| s.code),
        None => None,
    };
    let tokens = tokens::list(conn, actor, Some(&user.username))?;
    let history = audit::history(conn, actor, "user", id, HISTORY_ROWS)?;
    Ok(UserDetail {
        user,
        site,
        tokens,
        history,
    })
}

/// A role and site as chosen on the user page (site: a code, empty for all sites).
#[derive(Debug, Clone, Default)]
pub struct RoleDraft {
    pub role: String,
    pub site: String,
}

fn site_code(conn: &mut DbConn, id: Option<i64>) -> ServiceResult<Option<String>> {
    Ok(match id {
        Some(id) => db::sites::by_id(conn, id)?.map(|s| s.code),
        None => None,
    })
}

/// Changes a user's role and site (admins; not their own, so that the last
/// admin cannot demote themselves by mistake). Audited with the old and new
/// values; nothing changes and nothing is written when both stay the same.
pub fn set_role(conn: &mut DbConn, actor: &Actor, id: i64, d: &RoleDraft) -> ServiceResult<User> {
    actor.require(Action::ManageUsers)?;
    let role = Role::parse(d.role.trim()).ok_or_else(|| {
        ServiceError::invalid("role", format!("choose one of {}", Role::choices()))
    })?;
    db::write_tx(conn, |conn| {
        db::users::lock_admins(conn)?;
        let user =
            db::users::by_id(conn, id)?.ok_or_else(|| ServiceError::not_found("no such user"))?;
        if user.id == actor.user_id {
            return Err(ServiceError::conflict(
                ErrorCode::CannotChangeOwnRole,
                "you cannot change your own role; ask another administrator",
            ));
        }
        if user.role == Role::Admin && user.active && role != Role::Admin {
            refuse_last_admin(conn, &user.username)?;
        }
        let site_id = match d.site.trim() {
            "" => None,
            code => Some(
                db::sites::by_code(conn, code)?
                    .ok_or_else(|| {
                        ServiceError::invalid("site", format!("no site with code {code}"))
                    })?
                    .id,
            ),
        };
        let changes = Changes::new()
            .field("role", user.role.code(), role.code())
            .field(
                "site",
                site_code(conn, user.site_id)?,
                site_code(conn, site_id)?,
            );
        if !changes.is_empty() {
            db::users::set_role(conn, id, role.code(), site_id)?;
            audit::record(
                conn,
                &actor.into(),
                "role",
                "user",
                Some(id),
                &format!("changed the role of {} to {}", user.username, role.code()),
                &changes,
            )?;
        }
        db::users::by_id(conn, id)?.ok_or_else(|| ServiceError::Internal("user vanished".into()))
    })
}

/// Refuses to take away the last active admin (demoting or disabling
/// `username`, an active admin): someone must be able to manage users.
/// Call after `db::users::lock_admins` in the same transaction.
pub fn refuse_last_admin(conn: &mut DbConn, username: &str) -> ServiceResult<()> {
    if db::users::count_active_admins(conn)? <= 1 {
        return Err(ServiceError::conflict(
            ErrorCode::LastAdmin,
            format!(
                "{username} is the last active administrator: make someone else an administrator first"
            ),
        ));
    }
    Ok(())
}
