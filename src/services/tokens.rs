//! API tokens (API.md "Tokens"): create with an optional expiry, list with
//! their last use, revoke. Only the SHA-256 of a token is stored; the token
//! itself is shown once. A password reset or disabling a user revokes their
//! tokens (`accounts`), and re-enabling the user does not bring them back.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::auth;
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};

/// A token as listed.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

impl TokenInfo {
    /// "active", "revoked" or "expired" at `now`.
    pub fn status(&self, now: NaiveDateTime) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

/// When a new token stops working, as typed: nothing, a number of days, or
/// a date (the token works through that day, UTC).
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    pub username: String,
    pub name: String,
    pub expires_in_days: Option<String>,
    pub expires_on: Option<String>,
}

/// Longest expiry that may be asked for.
const MAX_DAYS: i64 = 3650;

fn expiry(p: &mut Problems, t: &NewToken, now: NaiveDateTime) -> Option<NaiveDateTime> {
    let days = t
        .expires_in_days
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let date = t
        .expires_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    match (days, date) {
        (Some(_), Some(_)) => {
            p.add(
                "expires_in_days",
                "give a number of days or a date, not both",
            );
            None
        }
        (Some(d), None) => match d.parse::<i64>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => Some(now + Duration::days(n)),
            _ => {
                p.add(
                    "expires_in_days",
                    format!("a whole number of days from 1 to {MAX_DAYS}"),
                );
                None
            }
        },
        (None, Some(s)) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if d > now.date() && d <= (now + Duration::days(MAX_DAYS)).date() => {
                d.succ_opt().and_then(|n| n.and_hms_opt(0, 0, 0))
            }
            _ => {
                p.add("expires_on", "a future date (YYYY-MM-DD) within ten years");
                None
            }
        },
        (None, None) => None,
    }
}

/// Creates a token for a user; returns (id, token). The token is shown once.
pub fn create(conn: &mut DbConn, actor: &Actor, t: &NewToken) -> ServiceResult<(i64, String)> {
    let username = t.username.trim().to_string();
    if username.is_empty() {
        return Err(crate::error::ServiceError::invalid(
            "username",
            "choose a user",
        ));
    }
    let own = username == actor.username;
    if !own {
        actor.require(Action::ManageUsers)?;
    }
    let now = db::now();
    let mut p = Problems::new();
    let name = t.name.trim().to_string();
    if name.chars().count() > 80 {
        p.add("name", "at most 80 characters");
    }
    let expires_at = expiry(&mut p, t, now);
    p.finish()?;
    let name = if name.is_empty() {
        "api".to_string()
    } else {
        name
    };
    let token = auth::random_token();
    let hash = auth::hash_token(&token);
    let id = db::write_tx(conn, |conn| {
        let user = db::users::by_username(conn, &username)?
            .ok_or_else(|| ServiceError::not_found(format!("no user named {username}")))?;
        if !user.active {
            return Err(ServiceError::conflict(
                ErrorCode::UserDisabled,
                format!("{username} is disabled; re-enable the account first"),
            ));
        }
        let id = db::users::insert_token(conn, user.id, &name, &hash)?;
        if expires_at.is_some() {
            db::tokens::set_expiry(conn, id, expires_at)?;
        }
        audit::record(
            conn,
            &actor.into(),
            "create",
            "token",
            Some(id),
            &format!("created API token {name} for {username}"),
            &Changes::new()
                .set("user", username.as_str())
                .set("name", name.as_str())
                .set("expires_at", expires_at.map(audit::utc)),
        )?;
        Ok(id)
    })?;
    Ok((id, token))
}

/// Tokens of one user (by name) or of everyone; admins see all, others their own.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    username: Option<&str>,
) -> ServiceResult<Vec<TokenInfo>> {
    let username = username.map(str::trim).filter(|s| !s.is_empty());
    if username != Some(actor.username.as_str()) {
        actor.require(Action::ManageUsers)?;
    }
    let user_id = match username {
        Some(name) => Some(
            db::users::by_username(conn, name)?
                .ok_or_else(|| ServiceError::not_found(format!("no user named {name}")))?
                .id,
        ),
        None => None,
    };
    Ok(db::tokens::list(conn, user_id)?
        .into_iter()
        .map(|(t, username)| TokenInfo {
            id: t.id,
            username,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Revokes a token (admins any, others their own); returns its owner's id.
/// Revoking a revoked token changes nothing.
pub fn revoke(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<i64> {
    db::write_tx(conn, |conn| {
        let t = db::tokens::by_id(conn, id)?
            .ok_or_else(|| ServiceError::not_found(format!("no token with id {id}")))?;
        if t.user_id != actor.user_id {
            actor.require(Action::ManageUsers)?;
        }
        if db::tokens::revoke(conn, id)? == 1 {
            audit::record(
                conn,
                &actor.into(),
                "revoke",
                "token",
                Some(id),
                &format!("revoked API token {} ({id})", t.name),
                &Changes::new().field("revoked", false, true),
            )?;
        }
        Ok(t.user_id)
    })
}
