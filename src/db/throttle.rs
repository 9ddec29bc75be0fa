//! Login failure counters per account name and per client address
//! (`domain::throttle` decides what they mean).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::login_throttle;
use crate::domain::throttle::{Counter, Scope};

/// One stored counter.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_throttle)]
pub struct ThrottleRow {
    pub scope: String,
    pub subject: String,
    pub failures: i64,
    pub last_failure_at: NaiveDateTime,
    pub locked_at: Option<NaiveDateTime>,
}

impl ThrottleRow {
    pub fn counter(&self) -> Counter {
        Counter {
            failures: self.failures,
            last_failure_at: self.last_failure_at,
            locked: self.locked_at.is_some(),
        }
    }
}

pub fn get(conn: &mut DbConn, scope: Scope, subject: &str) -> QueryResult<Option<ThrottleRow>> {
    login_throttle::table
        .filter(login_throttle::scope.eq(scope.code()))
        .filter(login_throttle::subject.eq(subject))
        .select(ThrottleRow::as_select())
        .first(conn)
        .optional()
}

/// Every counter of one scope (for the admin users page).
pub fn all_of(conn: &mut DbConn, scope: Scope) -> QueryResult<Vec<ThrottleRow>> {
    login_throttle::table
        .filter(login_throttle::scope.eq(scope.code()))
        .select(ThrottleRow::as_select())
        .order(login_throttle::subject)
        .load(conn)
}

/// Stores a counter (callers hold a write transaction).
pub fn put(
    conn: &mut DbConn,
    scope: Scope,
    subject: &str,
    counter: &Counter,
    locked_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    let changed = diesel::update(
        login_throttle::table
            .filter(login_throttle::scope.eq(scope.code()))
            .filter(login_throttle::subject.eq(subject)),
    )
    .set((
        login_throttle::failures.eq(counter.failures),
        login_throttle::last_failure_at.eq(counter.last_failure_at),
        login_throttle::locked_at.eq(locked_at),
    ))
    .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(login_throttle::table)
            .values((
                login_throttle::scope.eq(scope.code()),
                login_throttle::subject.eq(subject),
                login_throttle::failures.eq(counter.failures),
                login_throttle::last_failure_at.eq(counter.last_failure_at),
                login_throttle::locked_at.eq(locked_at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets a counter (a success, or an administrator lifting a lock).
pub fn clear(conn: &mut DbConn, scope: Scope, subject: &str) -> QueryResult<usize> {
    diesel::delete(
        login_throttle::table
            .filter(login_throttle::scope.eq(scope.code()))
            .filter(login_throttle::subject.eq(subject)),
    )
    .execute(conn)
}
