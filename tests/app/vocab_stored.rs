//! Typed vocabularies in the database layer (issue 12.3): the closed sets
//! stored as text codes (products.unit and .category, users.role,
//! purchase_orders.status, protocols.addons, …) are read as the domain's
//! enums by `db::vocab_sql`. A code written by the app reads back as the
//! same value; a code outside the set, written behind the app's back, is
//! an error that names the value, the column and the row, and the request
//! that meets it answers a plain 500 (page or JSON) without a panic.

use std::sync::Mutex;

use diesel::prelude::*;

use crate::support::*;
use clinic_stock::db::vocab_sql::{self, CodeList};
use clinic_stock::db::{self, DbConn};
use clinic_stock::domain::vocab::{Addon, Category, OrderStatus, Role};
use clinic_stock::error::ServiceError;
use clinic_stock::services::{accounts, catalog, orders};

/// Panic messages seen while these tests run (any thread), so that a test
/// can say that its bad value made nothing panic.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut seen) = PANICS.lock() {
                seen.push(info.to_string());
            }
            previous(info);
        }));
    });
}

/// No panic anywhere in the process mentioned `marker`.
fn assert_no_panic_about(marker: &str) {
    let seen = PANICS.lock().unwrap();
    let about: Vec<&String> = seen.iter().filter(|m| m.contains(marker)).collect();
    assert!(about.is_empty(), "panicked: {about:?}");
}

/// Writes `value` into `table.column` of row `id` with raw SQL, around the
/// CHECK constraint that guards the column where there is one (SQLite:
/// `ignore_check_constraints` on this connection; PostgreSQL: the
/// constraint dropped on this test's own database), as an older database,
/// a manual edit or another program could have left it.
async fn write_raw(app: &TestApp, table: &'static str, column: &'static str, id: i64, value: &str) {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        conname: String,
    }
    let update = format!("UPDATE {table} SET {column} = '{value}' WHERE id = {id}");
    app.with_conn(move |c: &mut DbConn| {
        let run = |c: &mut DbConn, sql: &str| {
            diesel::sql_query(sql)
                .execute(c)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        };
        match db::backend_of(c) {
            db::Backend::Sqlite => {
                run(c, "PRAGMA ignore_check_constraints = ON");
                run(c, &update);
                run(c, "PRAGMA ignore_check_constraints = OFF");
            }
            db::Backend::Postgres => {
                let checks: Vec<Name> = diesel::sql_query(format!(
                    "SELECT conname FROM pg_constraint WHERE conrelid = '{table}'::regclass \
                     AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%{column}%'"
                ))
                .load(c)
                .unwrap();
                for n in checks {
                    run(
                        c,
                        &format!("ALTER TABLE {table} DROP CONSTRAINT \"{}\"", n.conname),
                    );
                }
                run(c, &update);
            }
        }
    })
    .await;
}

/// The error a service met, as the log shows it.
fn logged(e: &ServiceError) -> String {
    e.to_string()
}

#[actix_web::test]
async fn typed_codes_round_trip() {
    let app = TestApp::new().await;
    let p = app.product("VOC-1").serum().create().await;
    assert_eq!(p.category, Category::Serum);
    let id = p.id;
    let back = app
        .with_conn(move |c| catalog::product(c, id).unwrap())
        .await;
    assert_eq!((back.category, back.unit), (p.category, p.unit));
    // Stored as the code, not the label.
    let stored: Vec<(String, String)> = app
        .with_conn(move |c| {
            use clinic_stock::db::schema::products::dsl as pr;
            pr::products
                .filter(pr::id.eq(id))
                .select((pr::category, pr::unit))
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(stored, vec![("serum".into(), p.unit.code().to_string())]);
    // Filtering by a typed value.
    let found = app
        .with_conn(|c| {
            db::catalog::list_products(
                c,
                &db::catalog::ProductFilter {
                    category: Some(Category::Serum),
                    ..Default::default()
                },
                10,
                0,
            )
            .unwrap()
        })
        .await;
    assert_eq!(found.iter().map(|f| f.id).collect::<Vec<_>>(), vec![id]);

    let uid = app.add_user("vocab-manager", Role::Manager).await;
    let user = app
        .with_conn(move |c| db::users::by_id(c, uid).unwrap().unwrap())
        .await;
    assert_eq!(user.role, Role::Manager);

    // Over HTTP the codes are unchanged.
    let token = app.token_for(Role::Manager).await;
    let (status, body) = app.api_get(&token, &format!("/api/v1/products/{id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["category"], "serum", "{body}");
    assert_eq!(body["unit"], p.unit.code(), "{body}");
}

#[actix_web::test]
async fn typed_lists_read_in_stored_order() {
    let app = TestApp::new().await;
    let list: CodeList<Addon> = app
        .with_conn(|c| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "'minoxidil,prp'",
            ))
            .get_result(c)
            .unwrap()
        })
        .await;
    assert_eq!(list.0, vec![Addon::Minoxidil, Addon::Prp]);
    let bad: QueryResult<CodeList<Addon>> = app
        .with_conn(|c| {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "'prp,teleport'",
            ))
            .get_result(c)
        })
        .await;
    let text = vocab_sql::error_text(&bad.unwrap_err());
    assert!(
        text.contains("unknown add-on 'teleport' in protocols.addons or treatment_sessions.addons"),
        "{text}"
    );
}

#[actix_web::test]
async fn unknown_unit_is_a_clean_error_naming_value_column_and_row() {
    record_panics();
    let app = TestApp::new().await;
    let p = app.product("VOC-UNIT").create().await;
    let id = p.id;
    write_raw(&app, "products", "unit", id, "box-zz1").await;

    // The service's error, as logged: value, column and row.
    let err = app
        .state
        .run(move |c| catalog::product(c, id))
        .await
        .unwrap_err();
    let text = logged(&err);
    assert!(
        text.contains(&format!(
            "unknown unit 'box-zz1' in products.unit (row id {id})"
        )),
        "{text}"
    );
    assert_eq!(err.status(), 500);

    // A page: the plain error page.
    let manager = app.manager().await;
    let (status, doc) = app.page(&manager, &format!("/products/{id}")).await;
    assert_eq!(status, 500);
    let html = doc.html();
    assert!(html.contains("something went wrong"), "{html}");
    assert!(!html.contains("box-zz1"), "the page leaks nothing");

    // The API: the documented JSON error.
    let token = app.token_for(Role::Manager).await;
    let (status, body) = app.api_get(&token, &format!("/api/v1/products/{id}")).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "internal_error", "{body}");
    check_api_error("/api/v1/products/{id}", status, &body);

    // The server goes on serving.
    let (status, _) = app.page(&manager, "/products").await;
    assert_eq!(status, 500, "the list holds the bad row too");
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 200);
    assert_no_panic_about("box-zz1");
}

#[actix_web::test]
async fn unknown_category_role_and_status_are_errors_too() {
    record_panics();
    let app = TestApp::new().await;
    let p = app.product("VOC-CAT").create().await;
    let pid = p.id;
    write_raw(&app, "products", "category", pid, "gadget-zz2").await;
    let text = logged(
        &app.state
            .run(move |c| catalog::product(c, pid))
            .await
            .unwrap_err(),
    );
    assert!(
        text.contains(&format!(
            "unknown category 'gadget-zz2' in products.category (row id {pid})"
        )),
        "{text}"
    );

    // A user whose stored role is unknown: their own requests fail cleanly
    // (never read as some default role).
    let token = app.token_for(Role::Practitioner).await;
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 200);
    let uid = app
        .with_conn(|c| {
            use clinic_stock::db::schema::users::dsl as u;
            u::users
                .filter(u::role.eq("practitioner"))
                .select(u::id)
                .first::<i64>(c)
                .unwrap()
        })
        .await;
    write_raw(&app, "users", "role", uid, "overlord-zz3").await;
    let (status, body) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "internal_error", "{body}");
    let text = logged(&app.state.run(accounts::list_users).await.unwrap_err());
    assert!(
        text.contains(&format!(
            "unknown role 'overlord-zz3' in users.role (row id {uid})"
        )),
        "{text}"
    );

    write_raw(&app, "users", "role", uid, "practitioner").await;
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 200);

    // An order whose stored status is unknown.
    let supplier = app.supplier("Vocab supplies", None).await;
    let oid = app
        .with_conn(move |c| {
            use clinic_stock::db::schema::purchase_orders::dsl as o;
            let site = db::sites::list(c).unwrap()[0].id;
            let admin = db::users::list(c)
                .unwrap()
                .into_iter()
                .find(|u| u.role == Role::Admin)
                .unwrap()
                .id;
            diesel::insert_into(o::purchase_orders)
                .values((
                    o::site_id.eq(site),
                    o::supplier_id.eq(supplier),
                    o::status.eq(OrderStatus::Draft),
                    o::created_by.eq(admin),
                    o::created_at.eq(db::now()),
                ))
                .returning(o::id)
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    let view = app.with_conn(move |c| orders::load(c, oid).unwrap()).await;
    assert_eq!(view.order.status, OrderStatus::Draft);
    write_raw(&app, "purchase_orders", "status", oid, "lost-zz4").await;
    let manager = app.manager().await;
    let (status, _) = app.page(&manager, &format!("/orders/{oid}")).await;
    assert_eq!(status, 500);
    let text = logged(
        &app.state
            .run(move |c| orders::load(c, oid))
            .await
            .unwrap_err(),
    );
    assert!(
        text.contains(&format!(
            "unknown order status 'lost-zz4' in purchase_orders.status (row id {oid})"
        )),
        "{text}"
    );
    for marker in ["gadget-zz2", "overlord-zz3", "lost-zz4"] {
        assert_no_panic_about(marker);
    }
}
