//! Migrations, the append-only ledger, `clinic-stock check`, the command line.

use diesel::prelude::*;

use crate::support::*;
use clinic_stock::db::ledger::StockAt;
use clinic_stock::db::models::NewLedgerRow;
use clinic_stock::db::{self, DbConn, DbUrl};

/// Inserts a product, a lot and one receipt row straight through the db
/// layer (the foundation has no receiving service yet to lean on).
pub fn seed_one_lot(conn: &mut DbConn, qty: i64) -> (i64, i64, i64) {
    use clinic_stock::db::schema::{lots, products};
    let now = db::now();
    let product_id: i64 = diesel::insert_into(products::table)
        .values((
            products::sku.eq("GLV-M"),
            products::name.eq("Nitrile gloves M"),
            products::category.eq("disposable"),
            products::unit.eq("each"),
            products::pack_size.eq(100_000i64),
            products::active.eq(true),
            products::created_at.eq(now),
            products::updated_at.eq(now),
        ))
        .returning(products::id)
        .get_result(conn)
        .unwrap();
    let expiry = chrono::NaiveDate::from_ymd_opt(2099, 1, 31).unwrap();
    let lot_id: i64 = diesel::insert_into(lots::table)
        .values((
            lots::product_id.eq(product_id),
            lots::lot_number.eq("L1"),
            lots::expiry.eq(expiry),
            lots::use_by.eq(expiry),
            lots::created_at.eq(now),
        ))
        .returning(lots::id)
        .get_result(conn)
        .unwrap();
    let site = db::sites::by_code(conn, "main").unwrap().unwrap();
    let loc = db::sites::location_by_code(conn, site.id, "store")
        .unwrap()
        .unwrap();
    let user = db::users::insert(conn, "seed", "x", "admin", None).unwrap();
    db::ledger::append(
        conn,
        &NewLedgerRow::new(
            LedgerKind::Receive,
            StockAt {
                site_id: site.id,
                location_id: loc.id,
                product_id,
                lot_id,
            },
            qty,
            user,
        )
        .occurred_at(now)
        .created_at(now),
    )
    .map_err(|e| format!("{e:?}"))
    .unwrap();
    (product_id, lot_id, loc.id)
}

fn migration_names(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let p = e.path();
            assert!(p.join("up.sql").exists(), "{p:?} has up.sql");
            assert!(p.join("down.sql").exists(), "{p:?} has down.sql");
            e.file_name().to_string_lossy().to_string()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn migration_folders_stay_in_step() {
    let root = env!("CARGO_MANIFEST_DIR");
    let sqlite = migration_names(&format!("{root}/migrations/sqlite"));
    let postgres = migration_names(&format!("{root}/migrations/postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "the two migration sets must have the same folders"
    );
}

#[test]
fn migrations_go_up_down_and_up_again() {
    let test_db = TestDb::new();
    let url = DbUrl::parse(&test_db.url).unwrap();
    let mut conn = db::establish(&url).unwrap();
    db::migrations::run(&mut conn).unwrap();
    let first = db::migrations::applied(&mut conn).unwrap();
    assert!(!first.is_empty());
    db::migrations::revert_all(&mut conn).unwrap();
    assert!(db::migrations::applied(&mut conn).unwrap().is_empty());
    db::migrations::run(&mut conn).unwrap();
    assert_eq!(db::migrations::applied(&mut conn).unwrap(), first);
    drop(conn);
}

#[tokio::test]
async fn the_first_start_creates_site_main_and_location_store() {
    let app = TestApp::new().await;
    let (site, locs) = app
        .with_conn(|c| {
            let s = db::sites::by_code(c, "main").unwrap().unwrap();
            let l = db::sites::locations(c, Some(s.id)).unwrap();
            (s, l)
        })
        .await;
    assert_eq!(site.code, "main");
    assert_eq!(locs.len(), 1);
    assert_eq!(locs[0].code, "store");
}

#[tokio::test]
async fn triggers_refuse_ledger_updates_and_deletes() {
    let app = TestApp::new().await;
    let (update, delete, rows, sum) = app
        .with_conn(|c| {
            seed_one_lot(c, 5000);
            let update = diesel::sql_query("UPDATE ledger SET delta = 9000").execute(c);
            let delete = diesel::sql_query("DELETE FROM ledger").execute(c);
            use clinic_stock::db::schema::ledger::dsl::*;
            let rows: i64 = ledger.count().get_result(c).unwrap();
            let sum: Vec<i64> = ledger.select(delta).load(c).unwrap();
            (update, delete, rows, sum)
        })
        .await;
    let update_err = update.expect_err("UPDATE must be refused").to_string();
    assert!(update_err.contains("append-only"), "{update_err}");
    assert!(
        delete
            .expect_err("DELETE must be refused")
            .to_string()
            .contains("append-only")
    );
    assert_eq!(rows, 1);
    assert_eq!(sum, vec![5000]);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn check_detects_a_tampered_balance() {
    let app = TestApp::new().await;
    let report = app
        .with_conn(|c| {
            seed_one_lot(c, 5000);
            diesel::sql_query("UPDATE balances SET quantity = quantity + 1000")
                .execute(c)
                .unwrap();
            clinic_stock::services::maintenance::check(c).unwrap()
        })
        .await;
    assert_eq!(report.discrepancies.len(), 1);
    assert_eq!(report.discrepancies[0].balance, Some(6000));
    assert_eq!(report.discrepancies[0].ledger_sum, 5000);

    // The command line says so with exit code 1 and the offending row.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-stock"))
        .args(["--database-url", &app.db.url, "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("balance 6000 but ledger sums to 5000"),
        "{stdout}"
    );
}

#[tokio::test]
async fn check_fails_on_a_missing_balance_row() {
    let app = TestApp::new().await;
    let report = app
        .with_conn(|c| {
            seed_one_lot(c, 5000);
            diesel::sql_query("DELETE FROM balances")
                .execute(c)
                .unwrap();
            clinic_stock::services::maintenance::check(c).unwrap()
        })
        .await;
    assert_eq!(report.discrepancies.len(), 1);
    assert_eq!(report.discrepancies[0].balance, None);
}

#[tokio::test]
async fn a_decrement_below_zero_is_refused_by_the_ledger() {
    let app = TestApp::new().await;
    let (refused, balance) = app
        .with_conn(|c| {
            let (product_id, lot_id, location_id) = seed_one_lot(c, 2000);
            let site = db::sites::by_code(c, "main").unwrap().unwrap();
            let user = db::users::by_username(c, "seed").unwrap().unwrap().id;
            let at = StockAt {
                site_id: site.id,
                location_id,
                product_id,
                lot_id,
            };
            let row = NewLedgerRow::new(LedgerKind::Adjust, at, -3000, user).reason("waste");
            let refused = matches!(
                db::ledger::append(c, &row),
                Err(db::ledger::AppendError::Insufficient { available: 2000 })
            );
            (
                refused,
                db::balances::quantity_at(c, lot_id, location_id).unwrap(),
            )
        })
        .await;
    assert!(refused);
    assert_eq!(balance, 2000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn command_line_user_token_check_and_backup() {
    let app = TestApp::new().await;
    let bin = env!("CARGO_BIN_EXE_clinic-stock");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(["--database-url", &app.db.url])
            .args(args)
            .env("CLINIC_STOCK_PASSWORD", "cli password 1")
            .output()
            .unwrap()
    };
    let out = run(&[
        "user", "add", "clara", "--role", "manager", "--site", "main",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["user", "add", "clara", "--role", "manager"]);
    assert_eq!(out.status.code(), Some(1), "duplicate user refused");
    let out = run(&["user", "add", "x", "--role", "boss"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("role"));

    let out = run(&["token", "create", "clara"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert_eq!(token.len(), 64);
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 200);

    let out = run(&["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok:"));

    let backup_path = std::env::temp_dir().join(format!("cs-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&backup_path);
    let out = run(&["backup", backup_path.to_str().unwrap()]);
    if backend() == "sqlite" {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let copy = DbUrl::parse(backup_path.to_str().unwrap()).unwrap();
        let mut c = db::establish(&copy).unwrap();
        assert!(db::users::by_username(&mut c, "clara").unwrap().is_some());
        let _ = std::fs::remove_file(&backup_path);
    } else {
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    }
}

/// The backend comes from the URL, explicitly (issue 12.5): an unreachable
/// PostgreSQL or an unusable SQLite path is named in the error, with the
/// address but never the password.
#[test]
fn an_unreachable_database_is_named_in_the_error() {
    let bin = env!("CARGO_BIN_EXE_clinic-stock");
    let run = |url: &str| {
        let out = std::process::Command::new(bin)
            .args(["--database-url", url, "check"])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = run("postgres://clinic:s3cret@127.0.0.1:1/nowhere");
    assert!(!ok);
    if cfg!(feature = "postgres") {
        assert!(
            err.contains("cannot connect to PostgreSQL at 127.0.0.1:1: "),
            "{err}"
        );
    } else {
        assert!(err.contains("no PostgreSQL support"), "{err}");
    }
    assert!(!err.contains("s3cret"), "the password is not shown: {err}");
    assert!(!err.to_lowercase().contains("multiconnection"), "{err}");

    let (ok, err) = run("sqlite:///nonexistent-dir-cs/sub/clinic.db");
    assert!(!ok);
    assert!(
        err.contains("cannot open SQLite database /nonexistent-dir-cs/sub/clinic.db: "),
        "{err}"
    );
}
