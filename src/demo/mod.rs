//! `clinic-stock demo`: a believable clinic to look around in (`clinic`),
//! or with `--large` a benchmark-size one with years of history (`large`).
//! Both refuse a database that already has stock. A layer of its own between
//! `cli` and `services` (issue 12.4): it calls services and db; no service
//! names it.

mod clinic;
mod clinic_catalog;
mod large;
mod large_history;
mod large_plan;
mod rng;
pub mod sessions_history;

pub use clinic::Clinic;

use crate::auth;
use crate::db::{self, DbConn};
use crate::domain::vocab::Role;
use crate::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::accounts::{self, NewUser};

/// The password of every demo user (printed after loading).
pub const DEMO_PASSWORD: &str = "demo-password";

/// Demo users: (login, role, display name, e-mail address).
pub const DEMO_USERS: &[(&str, Role, &str, &str)] = &[
    (
        "admin",
        Role::Admin,
        "Aroha Walker",
        "aroha@lumenskin.example",
    ),
    (
        "manager",
        Role::Manager,
        "Mele Tupou",
        "mele@lumenskin.example",
    ),
    (
        "pia",
        Role::Practitioner,
        "Pia Novak",
        "pia@lumenskin.example",
    ),
    (
        "paul",
        Role::Practitioner,
        "Paul Chen",
        "paul@lumenskin.example",
    ),
];

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub large: bool,
    /// Ledger rows of history for `--large` (hidden flag; default 1,000,000).
    pub ledger_rows: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            large: false,
            ledger_rows: large::DEFAULT_LEDGER_ROWS,
        }
    }
}

/// Loads the demo; returns what to print.
pub fn run(conn: &mut DbConn, opts: &DemoOptions) -> ServiceResult<String> {
    if db::stock_summary::any_stock(conn)? {
        return Err(ServiceError::conflict(
            ErrorCode::DemoRefused,
            "this database already has stock; the demo loads only into a database without \
             any (use a new file, e.g. --database-url sqlite://demo.db)",
        ));
    }
    let users = demo_users(conn)?;
    let summary = if opts.large {
        large::load(conn, &users, opts.ledger_rows)?
    } else {
        let clinic = clinic::load(conn, &users)?;
        let history = sessions_history::load(conn, &clinic)?;
        format!("{}\n{}", clinic.summary(), history.summary())
    };
    Ok(format!(
        "{summary}\nLog in as {} with password {DEMO_PASSWORD}.",
        DEMO_USERS
            .iter()
            .map(|(n, r, _, _)| format!("{n} ({})", r.label().to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The demo users' ids, in `DEMO_USERS` order; existing users are reused.
#[derive(Debug, Clone)]
pub struct DemoUsers {
    pub admin: i64,
    pub manager: i64,
    pub practitioners: Vec<i64>,
}

fn demo_users(conn: &mut DbConn) -> ServiceResult<DemoUsers> {
    let mut ids = Vec::new();
    for (name, role, display_name, email) in DEMO_USERS {
        let id = match db::users::by_username(conn, name)? {
            Some(u) => u.id,
            None => accounts::create_user(
                conn,
                &NewUser {
                    username: (*name).to_string(),
                    password: DEMO_PASSWORD.to_string(),
                    role: role.code().to_string(),
                    site: None,
                    display_name: Some((*display_name).to_string()),
                    email: Some((*email).to_string()),
                },
            )?,
        };
        ids.push((*role, id));
    }
    let find = |r: Role| ids.iter().find(|(role, _)| *role == r).map(|(_, id)| *id);
    Ok(DemoUsers {
        admin: find(Role::Admin).unwrap_or(0),
        manager: find(Role::Manager).unwrap_or(0),
        practitioners: ids
            .iter()
            .filter(|(r, _)| *r == Role::Practitioner)
            .map(|(_, id)| *id)
            .collect(),
    })
}

/// More practitioners for the large demo (one password hash for all).
fn extra_practitioners(conn: &mut DbConn, names: &[&str]) -> ServiceResult<Vec<i64>> {
    let hash = auth::hash_password(DEMO_PASSWORD)?;
    let mut ids = Vec::new();
    db::write_tx(conn, |conn| {
        ids.clear();
        for name in names {
            let id = match db::users::by_username(conn, name)? {
                Some(u) => u.id,
                None => db::users::insert(conn, name, &hash, Role::Practitioner.code(), None)?,
            };
            ids.push(id);
        }
        Ok::<_, ServiceError>(())
    })?;
    Ok(ids)
}

/// A GTIN-13 with a valid check digit from a 12-digit body, as stored (14 digits).
pub fn gtin(body12: u64) -> String {
    let body = format!("{:012}", body12 % 1_000_000_000_000);
    let check = crate::domain::gs1::gs1_check_digit(&body).unwrap_or(0);
    format!("0{body}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_are_valid() {
        for n in [506012300001u64, 1, 999_999_999_999] {
            let g = gtin(n);
            assert_eq!(g.len(), 14);
            assert!(crate::domain::gs1::gtin_check_digit_valid(&g), "{g}");
        }
    }
}
