//! API tokens: listing, revoking, expiry and last use. (Creating one and
//! resolving a bearer token are in `db::users`.)

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, users};
use super::{DbConn, now};

/// A token as listed (never its hash).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
}

/// Tokens with their owner's user name, newest first; one user's or all.
pub fn list(conn: &mut DbConn, user_id: Option<i64>) -> QueryResult<Vec<(TokenRow, String)>> {
    let mut q = api_tokens::table
        .inner_join(users::table)
        .select((TokenRow::as_select(), users::username))
        .order(api_tokens::id.desc())
        .into_boxed();
    if let Some(u) = user_id {
        q = q.filter(api_tokens::user_id.eq(u));
    }
    q.load(conn)
}

pub fn by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<TokenRow>> {
    api_tokens::table
        .find(id)
        .select(TokenRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_expiry(
    conn: &mut DbConn,
    id: i64,
    expires_at: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::expires_at.eq(expires_at))
        .execute(conn)
}

/// Revokes one token (no change when already revoked).
pub fn revoke(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now()))
    .execute(conn)
}

/// Revokes every live token of a user; returns how many.
pub fn revoke_all_of(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now()))
    .execute(conn)
}

/// Notes a use of a token (at most once a minute, to spare writes).
pub fn touch(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    let stale = at - chrono::Duration::seconds(60);
    diesel::update(
        api_tokens::table.find(id).filter(
            api_tokens::last_used_at
                .is_null()
                .or(api_tokens::last_used_at.lt(stale)),
        ),
    )
    .set(api_tokens::last_used_at.eq(at))
    .execute(conn)
}

/// Notes a use of a token unused for `quiet_minutes` (or never used);
/// returns 1 when this call noted it, 0 when another did meanwhile.
pub fn touch_if_quiet(
    conn: &mut DbConn,
    id: i64,
    at: NaiveDateTime,
    quiet_minutes: i64,
) -> QueryResult<usize> {
    let stale = at - chrono::Duration::minutes(quiet_minutes);
    diesel::update(
        api_tokens::table.find(id).filter(
            api_tokens::last_used_at
                .is_null()
                .or(api_tokens::last_used_at.le(stale)),
        ),
    )
    .set(api_tokens::last_used_at.eq(at))
    .execute(conn)
}
