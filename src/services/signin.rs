//! Signing in with a password, throttled per account name and per client
//! address (`domain::throttle`), and the administrator lifting a lock.
//!
//! A sign-in is two short transactions around the password check, which
//! runs on the password pool (`auth::PasswordPool`) with no database
//! connection held:
//! 1. [`begin`] refuses a throttled attempt before any password is looked at
//!    (so the answer is the same whatever the password), else counts the
//!    attempt as a failure up front, so that parallel attempts cannot slip
//!    past the limits, and hands back the stored hash to check;
//! 2. [`finish`] turns a good password of an active account into a login
//!    session and clears the account's count (and takes back the address's
//!    up-front count); anything else stays a failure, and the failure that
//!    reaches the limit locks the account name. A disabled account is
//!    answered exactly as a wrong password.

use chrono::Duration;

use crate::auth;
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::domain::throttle::{self, Scope, Verdict};
use crate::error::{ServiceError, ServiceResult};
use crate::services::audit::{self, Changes, Who};
use crate::services::settings;

/// A password check that may go ahead.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The throttle key (lower-cased: usernames are case-insensitive).
    account: String,
    /// The name as typed (trimmed), which the audit log shows.
    typed: String,
    address: String,
    user_id: Option<i64>,
    active: bool,
    /// The stored hash to check against (None: no such user, check a dummy).
    pub hash: Option<String>,
}

impl Attempt {
    /// Who the audit log names for this attempt: the name typed and the
    /// client address (no user id until the password is right).
    fn who(&self) -> Who {
        Who {
            user_id: None,
            name: self.typed.clone(),
            site_id: None,
            address: Some(self.address.clone()),
        }
    }
}

/// A throttled sign-in is audited at most once a minute per account name
/// (a flood of refused attempts must not flood the log).
fn audit_throttled(
    conn: &mut DbConn,
    account: &str,
    address: &str,
    locked: bool,
) -> ServiceResult<()> {
    let since = db::now() - Duration::seconds(60);
    let name = audit::clean(account, 80);
    if db::audit::recent_action(conn, &name, "login_throttled", since)? {
        return Ok(());
    }
    let user_id = db::users::by_username(conn, account)?.map(|u| u.id);
    let why = if locked { "locked" } else { "throttled" };
    audit::record(
        conn,
        &Who {
            user_id: None,
            name: account.to_string(),
            site_id: None,
            address: Some(address.to_string()),
        },
        "login_throttled",
        "user",
        user_id,
        &format!("sign-in as {account} refused: {why}"),
        &Changes::new(),
    )
}

/// What [`begin`] decided.
#[derive(Debug, Clone)]
pub enum Begin {
    /// Too many failures: answer 429 with `Retry-After` (seconds).
    Throttled { retry_after: i64, locked: bool },
    /// Check the password, then call [`finish`].
    Check(Attempt),
}

/// What [`finish`] decided.
#[derive(Debug, Clone)]
pub enum Finish {
    /// A new login session: the cookie token and how long it may live.
    SignedIn { token: String, max_age_secs: i64 },
    /// Wrong user name or password (or a disabled account).
    Refused,
}

fn stored(
    conn: &mut DbConn,
    scope: Scope,
    key: &str,
) -> ServiceResult<Option<db::throttle::ThrottleRow>> {
    Ok(db::throttle::get(conn, scope, key)?)
}

/// Checks the throttles for this account name and client address and, when
/// the attempt may go ahead, counts it (see the module notes).
pub fn begin(conn: &mut DbConn, username: &str, address: &str) -> ServiceResult<Begin> {
    let account = throttle::account_key(username);
    let typed: String = username.trim().chars().take(64).collect();
    let address = address.to_string();
    db::write_tx(conn, |conn| {
        let now = db::now();
        let acc = stored(conn, Scope::Account, &account)?;
        let adr = stored(conn, Scope::Address, &address)?;
        let verdict = throttle::verdict(
            Scope::Account,
            acc.as_ref().map(|r| r.counter()).as_ref(),
            now,
        )
        .max(throttle::verdict(
            Scope::Address,
            adr.as_ref().map(|r| r.counter()).as_ref(),
            now,
        ));
        if let Some(retry_after) = verdict.retry_after() {
            audit_throttled(conn, &typed, &address, verdict == Verdict::Locked)?;
            return Ok(Begin::Throttled {
                retry_after,
                locked: verdict == Verdict::Locked,
            });
        }
        for (scope, key, row) in [
            (Scope::Account, &account, &acc),
            (Scope::Address, &address, &adr),
        ] {
            let next =
                throttle::after_failure(scope, row.as_ref().map(|r| r.counter()).as_ref(), now);
            // The lock itself is set by `finish` once the failure is known.
            let locked_at = row.as_ref().and_then(|r| r.locked_at);
            db::throttle::put(conn, scope, key, &next, locked_at)?;
        }
        let user = db::users::by_username(conn, &account)?;
        Ok(Begin::Check(Attempt {
            account: account.clone(),
            typed: typed.clone(),
            address: address.clone(),
            user_id: user.as_ref().map(|u| u.id),
            active: user.as_ref().is_some_and(|u| u.active),
            hash: user.map(|u| u.password_hash),
        }))
    })
}

/// Settles an attempt once its password has been checked (`password_ok`).
pub fn finish(conn: &mut DbConn, attempt: &Attempt, password_ok: bool) -> ServiceResult<Finish> {
    let lifetimes = settings::load(conn)?;
    db::write_tx(conn, |conn| {
        let now = db::now();
        match (password_ok && attempt.active, attempt.user_id) {
            (true, Some(user_id)) => {
                db::throttle::clear(conn, Scope::Account, &attempt.account)?;
                // Take back the up-front count of this attempt.
                if let Some(row) = stored(conn, Scope::Address, &attempt.address)? {
                    if row.failures <= 1 {
                        db::throttle::clear(conn, Scope::Address, &attempt.address)?;
                    } else {
                        let mut c = row.counter();
                        c.failures -= 1;
                        db::throttle::put(conn, Scope::Address, &attempt.address, &c, None)?;
                    }
                }
                let who = Who {
                    user_id: Some(user_id),
                    ..attempt.who()
                };
                open_session(conn, &lifetimes, &who)
            }
            _ => {
                // The failure was counted by `begin`; the one reaching the
                // limit locks the account name.
                let row = stored(conn, Scope::Account, &attempt.account)?;
                let failures = row.as_ref().map_or(0, |r| r.failures);
                audit::record(
                    conn,
                    &attempt.who(),
                    "login_failed",
                    "user",
                    attempt.user_id,
                    &format!("failed sign-in as {}", attempt.typed),
                    &Changes::new().field("failures", (failures - 1).max(0), failures),
                )?;
                if let Some(row) = row
                    && row.locked_at.is_none()
                    && row.failures >= throttle::ACCOUNT_LOCK_AFTER
                {
                    audit::record(
                        conn,
                        &attempt.who(),
                        "lockout",
                        "user",
                        attempt.user_id,
                        &format!(
                            "sign-in of {} locked after {} failures",
                            attempt.typed, row.failures
                        ),
                        &Changes::new().field("locked", false, true),
                    )?;
                    let mut c = row.counter();
                    c.locked = true;
                    db::throttle::put(conn, Scope::Account, &attempt.account, &c, Some(now))?;
                    tracing::warn!(
                        account = %attempt.account,
                        failures = row.failures,
                        "sign-in locked after too many failures"
                    );
                }
                Ok(Finish::Refused)
            }
        }
    })
}

/// A new login session for `who.user_id`, audited as a sign-in (inside the
/// caller's write transaction).
fn open_session(
    conn: &mut DbConn,
    lifetimes: &settings::Settings,
    who: &Who,
) -> ServiceResult<Finish> {
    let user_id = who
        .user_id
        .ok_or_else(|| ServiceError::Internal("a session needs a user".into()))?;
    let now = db::now();
    let token = auth::random_token();
    let csrf = auth::random_token();
    let max_age = Duration::hours(lifetimes.session_max_hours);
    let idle = Duration::minutes(lifetimes.session_idle_minutes);
    db::users::delete_stale_sessions(conn, now - idle, now - max_age)?;
    db::users::delete_expired_sessions(conn)?;
    db::users::insert_session(
        conn,
        &auth::hash_token(&token),
        user_id,
        &csrf,
        now + max_age,
    )?;
    let summary = format!("{} signed in", who.name);
    audit::record(
        conn,
        who,
        "login",
        "user",
        Some(user_id),
        &summary,
        &Changes::new(),
    )?;
    Ok(Finish::SignedIn {
        token,
        max_age_secs: max_age.num_seconds(),
    })
}

/// Signs in the first admin the setup link has just created (no password
/// check: they typed it a moment ago); refused for anyone else, and once a
/// second user exists.
pub fn sign_in_after_setup(
    conn: &mut DbConn,
    user_id: i64,
    address: &str,
) -> ServiceResult<Finish> {
    let lifetimes = settings::load(conn)?;
    db::write_tx(conn, |conn| {
        let only =
            db::users::count_except(conn, crate::services::accounts::COMMAND_LINE_USER)? == 1;
        let user = db::users::by_id(conn, user_id)?
            .filter(|u| only && u.active && u.role == crate::domain::vocab::Role::Admin)
            .ok_or_else(|| ServiceError::not_found("no such admin"))?;
        let who = Who {
            user_id: Some(user.id),
            name: user.username.clone(),
            site_id: None,
            address: Some(address.to_string()),
        };
        open_session(conn, &lifetimes, &who)
    })
}

/// An account name's failed sign-ins, for the users page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountThrottle {
    pub username: String,
    pub failures: i64,
    pub locked: bool,
}

/// Every account name with failures counted.
pub fn account_throttles(conn: &mut DbConn) -> ServiceResult<Vec<AccountThrottle>> {
    Ok(db::throttle::all_of(conn, Scope::Account)?
        .into_iter()
        .map(|r| AccountThrottle {
            locked: r.locked_at.is_some() || r.failures >= throttle::ACCOUNT_LOCK_AFTER,
            username: r.subject,
            failures: r.failures,
        })
        .collect())
}

/// Lifts a lock (and any delay) on a user's sign-in; returns whether there
/// was anything to lift.
pub fn unlock(conn: &mut DbConn, actor: &Actor, username: &str) -> ServiceResult<bool> {
    actor.require(Action::ManageUsers)?;
    let key = throttle::account_key(username);
    db::write_tx(conn, |conn| {
        if db::users::by_username(conn, &key)?.is_none() {
            return Err(ServiceError::not_found(format!("no user named {key}")));
        }
        let before = stored(conn, Scope::Account, &key)?;
        let cleared = db::throttle::clear(conn, Scope::Account, &key)?;
        if let Some(row) = before.filter(|_| cleared > 0) {
            let user_id = db::users::by_username(conn, &key)?.map(|u| u.id);
            audit::record(
                conn,
                &actor.into(),
                "unlock",
                "user",
                user_id,
                &format!("lifted the sign-in lock of {key}"),
                &Changes::new().field("failures", row.failures, 0).field(
                    "locked",
                    row.locked_at.is_some(),
                    false,
                ),
            )?;
        }
        Ok(cleared > 0)
    })
}
