//! Users, login sessions and API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{LoginSession, User};
use super::schema::{api_tokens, login_sessions, users};
use super::{DbConn, now};

pub fn list(conn: &mut DbConn) -> QueryResult<Vec<User>> {
    users::table
        .select(User::as_select())
        .order(users::username)
        .load(conn)
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// Users other than the one named (the command-line account).
pub fn count_except(conn: &mut DbConn, username: &str) -> QueryResult<i64> {
    users::table
        .filter(users::username.ne(username))
        .count()
        .get_result(conn)
}

/// Takes the row locks of every active admin (a no-op update), so that two
/// transactions that each demote or disable another admin run one after
/// the other on PostgreSQL and the second sees the first (SQLite's write
/// transactions are serial anyway).
pub fn lock_admins(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(
        users::table
            .filter(users::role.eq("admin"))
            .filter(users::active.eq(true)),
    )
    .set(users::role.eq(users::role))
    .execute(conn)
}

pub fn count_active_admins(conn: &mut DbConn) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq("admin"))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

diesel::define_sql_function! {
    /// SQL `lower()` (ASCII on SQLite; usernames are ASCII).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The user with this name, whatever its case ("Manager" finds "manager"):
/// usernames are case-insensitive.
pub fn by_username(conn: &mut DbConn, name: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::username).eq(name.to_ascii_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    role: &str,
    site_id: Option<i64>,
) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::site_id.eq(site_id),
            users::active.eq(true),
            users::created_at.eq(now()),
        ))
        .returning(users::id)
        .get_result(conn)
}

pub fn set_active(conn: &mut DbConn, id: i64, active: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::active.eq(active))
        .execute(conn)
}

pub fn set_password(conn: &mut DbConn, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
}

/// What a user says about themselves: the name people read, where mail
/// reaches them, and whether they get the daily digest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserProfile {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub digest_enabled: bool,
}

impl UserProfile {
    pub fn of(u: &User) -> UserProfile {
        UserProfile {
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            digest_enabled: u.digest_enabled,
        }
    }
}

/// Writes a user's display name, e-mail address and digest choice.
pub fn set_profile(conn: &mut DbConn, id: i64, p: &UserProfile) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(&p.display_name),
            users::email.eq(&p.email),
            users::digest_enabled.eq(p.digest_enabled),
        ))
        .execute(conn)
}

/// Ends a user's login sessions except the one they are using.
pub fn delete_sessions_of_except(conn: &mut DbConn, user_id: i64, keep: i64) -> QueryResult<usize> {
    diesel::delete(
        login_sessions::table
            .filter(login_sessions::user_id.eq(user_id))
            .filter(login_sessions::id.ne(keep)),
    )
    .execute(conn)
}

pub fn set_role(
    conn: &mut DbConn,
    id: i64,
    role: &str,
    site_id: Option<i64>,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::role.eq(role), users::site_id.eq(site_id)))
        .execute(conn)
}

// ---- login sessions -------------------------------------------------------

pub fn insert_session(
    conn: &mut DbConn,
    token_hash: &str,
    user_id: i64,
    csrf: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(login_sessions::table)
        .values((
            login_sessions::token_hash.eq(token_hash),
            login_sessions::user_id.eq(user_id),
            login_sessions::csrf_token.eq(csrf),
            login_sessions::created_at.eq(now()),
            login_sessions::expires_at.eq(expires_at),
            login_sessions::last_seen_at.eq(now()),
        ))
        .returning(login_sessions::id)
        .get_result(conn)
}

/// The live session for a cookie token with its (active) user.
pub fn session_by_token_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(LoginSession, User)>> {
    login_sessions::table
        .inner_join(users::table)
        .filter(login_sessions::token_hash.eq(token_hash))
        .filter(login_sessions::expires_at.gt(now()))
        .filter(users::active.eq(true))
        .select((LoginSession::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(login_sessions::table.filter(login_sessions::token_hash.eq(token_hash)))
        .execute(conn)
}

pub fn delete_sessions_of(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(login_sessions::table.filter(login_sessions::user_id.eq(user_id))).execute(conn)
}

pub fn delete_expired_sessions(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::delete(login_sessions::table.filter(login_sessions::expires_at.le(now()))).execute(conn)
}

/// Notes activity on a session (callers skip it when recent, to spare writes).
pub fn touch_session(conn: &mut DbConn, session_id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(login_sessions::table.find(session_id))
        .set(login_sessions::last_seen_at.eq(at))
        .execute(conn)
}

/// Deletes sessions idle since before `idle_cutoff` or started before `start_cutoff`.
pub fn delete_stale_sessions(
    conn: &mut DbConn,
    idle_cutoff: NaiveDateTime,
    start_cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(
        login_sessions::table.filter(
            login_sessions::last_seen_at
                .lt(idle_cutoff)
                .or(login_sessions::created_at.lt(start_cutoff)),
        ),
    )
    .execute(conn)
}

pub fn set_flash(conn: &mut DbConn, session_id: i64, flash: Option<&str>) -> QueryResult<usize> {
    diesel::update(login_sessions::table.find(session_id))
        .set(login_sessions::flash.eq(flash))
        .execute(conn)
}

// ---- API tokens -------------------------------------------------------------

pub fn insert_token(
    conn: &mut DbConn,
    user_id: i64,
    name: &str,
    token_hash: &str,
) -> QueryResult<i64> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(now()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)
}

/// The live token behind a hash (not revoked, not expired, active user):
/// its id, when it was last used, and its user.
pub fn user_by_token_hash(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(i64, Option<NaiveDateTime>, User)>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(
            api_tokens::expires_at
                .is_null()
                .or(api_tokens::expires_at.gt(now())),
        )
        .filter(users::active.eq(true))
        .select((api_tokens::id, api_tokens::last_used_at, User::as_select()))
        .first(conn)
        .optional()
}
