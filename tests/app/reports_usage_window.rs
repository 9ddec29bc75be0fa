//! Session lines carry their session's site and time (issue 16), so that
//! the usage report reads a window's lines as one index range: written with
//! every line, filled in for the lines already there by the migration, and
//! the report's figures unchanged (tests/app/reports_usage.rs checks them).
//! Both backends.

use diesel::prelude::*;
use diesel_migrations::MigrationHarness;

use clinic_stock::db::{self, DbConn, schema::session_lines, schema::treatment_sessions};

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

const MIGRATION: &str = "2026-12-01-041627";

/// (line site, session site, line time, session time) of every line.
type Pair = (
    Option<i64>,
    i64,
    Option<chrono::NaiveDateTime>,
    chrono::NaiveDateTime,
);

fn pairs(conn: &mut DbConn) -> Vec<Pair> {
    session_lines::table
        .inner_join(treatment_sessions::table)
        .select((
            session_lines::site_id,
            treatment_sessions::site_id,
            session_lines::performed_at,
            treatment_sessions::performed_at,
        ))
        .load(conn)
        .unwrap()
}

fn assert_carried(rows: &[Pair], lines: usize) {
    assert_eq!(rows.len(), lines);
    for (line_site, site, line_at, at) in rows {
        assert_eq!(*line_site, Some(*site));
        assert_eq!(*line_at, Some(*at));
    }
}

/// Reverts migrations until ours is undone, then applies them all again.
fn redo_migration(conn: &mut DbConn) {
    let applied = |c: &mut DbConn| db::migrations::applied(c).unwrap();
    while applied(conn).iter().any(|m| m.starts_with(MIGRATION)) {
        match conn {
            DbConn::Sqlite(c) => {
                c.revert_last_migration(db::migrations::SQLITE).unwrap();
            }
            #[cfg(feature = "postgres")]
            DbConn::Pg(c) => {
                c.revert_last_migration(db::migrations::POSTGRES).unwrap();
            }
        }
    }
    db::migrations::run(conn).unwrap();
}

#[tokio::test]
async fn lines_carry_their_sessions_site_and_time_and_the_migration_fills_them() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let serum = app.product("SR-HA").serum().create().await;
    app.stock(&roller, "R1", days(200), "10").await;
    app.stock(&serum, "S1", days(200), "50").await;
    for i in 0..2 {
        let b = body(&format!("C-{i}"), 1.5, &[(&roller, 1.0), (&serum, 2.0)]);
        let (status, json) = app.post_session(&token, &new_key(), &b).await;
        assert_eq!(status, 201, "{json}");
    }
    let rows = app.with_conn(pairs).await;
    assert_carried(&rows, 4);

    // Lines written before the migration: it fills their site and time.
    let rows = app
        .with_conn(|c| {
            redo_migration(c);
            pairs(c)
        })
        .await;
    assert_carried(&rows, 4);
    app.assert_ledger_consistent().await;
}
