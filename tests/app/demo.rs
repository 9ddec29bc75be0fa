//! `clinic-stock demo` and `demo --large` on the test database (both backends).

use diesel::prelude::*;

use crate::support::*;
use clinic_stock::db::schema::{ledger, lots, products, session_lines, treatment_sessions};
use clinic_stock::demo::{self, DemoOptions};
use clinic_stock::services::maintenance;

#[tokio::test]
async fn demo_loads_a_believable_clinic_once() {
    let app = TestApp::new().await;
    let summary = app
        .with_conn(|c| demo::run(c, &DemoOptions::default()).unwrap())
        .await;
    assert!(summary.contains("demo-password"), "{summary}");
    let (n_products, n_lots, report) = app
        .with_conn(|c| {
            (
                products::table.count().get_result::<i64>(c).unwrap(),
                lots::table.count().get_result::<i64>(c).unwrap(),
                maintenance::check(c).unwrap(),
            )
        })
        .await;
    assert!((35..=45).contains(&n_products), "{n_products} products");
    assert!(n_lots >= 60, "{n_lots} lots");
    assert!(report.discrepancies.is_empty());

    // The manager's dashboard has something in every list.
    let m = app.login_as("manager", demo::DEMO_PASSWORD).await;
    let (status, doc) = app.page(&m, "/").await;
    assert_eq!(status, 200);
    assert!(count(&doc, "#expired tbody tr") >= 3);
    assert!(count(&doc, "#low-stock tbody tr") >= 3);
    assert!(!text(&doc, "#categories tr[data-category=\"roller\"] td.expiring").starts_with('0'));
    for n in ["0.25", "0.5", "0.75", "1", "1.5", "2", "2.5"] {
        let usable = text(
            &doc,
            &format!("#needle-grid tr[data-needle=\"{n}\"] td[data-col=\"roller-usable\"]"),
        );
        assert!(
            usable.parse::<i64>().unwrap_or(0) > 0,
            "rollers at {n} mm: {usable}"
        );
    }
    let p = app.login_as("pia", demo::DEMO_PASSWORD).await;
    assert_eq!(app.page(&p, "/").await.0, 200);
    // People have names, the clinic has its details (issue 11.2): the menu
    // says who is signed in, and a session's sheet says who treated and
    // how to reach the clinic.
    let (_, doc) = app.page(&p, "/sessions").await;
    assert_eq!(text(&doc, "#account-link"), "Pia Novak");
    let first = doc
        .select(&scraper::Selector::parse("#sessions tr[data-session]").unwrap())
        .next()
        .and_then(|r| r.value().attr("data-session"))
        .unwrap()
        .to_string();
    let (_, sheet) = app.page(&p, &format!("/sessions/{first}/aftercare")).await;
    assert_eq!(text(&sheet, "#aftercare h1"), "Lumen Skin Clinic");
    assert!(text(&sheet, "#questions").starts_with("Questions? Call +64 9 555 0142"));
    assert!(text(&sheet, "#treated-by").starts_with("Treated by "));
    assert!(!text(&sheet, "#treated-by").contains("Treated by pia"));

    // A second run refuses: there is stock now.
    let again = app
        .with_conn(|c| demo::run(c, &DemoOptions::default()).map(|_| ()))
        .await;
    assert!(again.is_err());
    assert_eq!(
        app.with_conn(|c| products::table.count().get_result::<i64>(c).unwrap())
            .await,
        n_products
    );
}

#[tokio::test]
async fn large_demo_writes_consistent_history_of_the_asked_size() {
    let app = TestApp::new().await;
    let opts = DemoOptions {
        large: true,
        ledger_rows: 20_000,
    };
    let summary = app.with_conn(move |c| demo::run(c, &opts).unwrap()).await;
    assert!(summary.contains("20000 ledger rows"), "{summary}");
    let counts = app
        .with_conn(|c| {
            let rows = |c: &mut clinic_stock::db::DbConn, kind: &str| {
                ledger::table
                    .filter(ledger::kind.eq(kind.to_string()))
                    .count()
                    .get_result::<i64>(c)
                    .unwrap()
            };
            (
                ledger::table.count().get_result::<i64>(c).unwrap(),
                rows(c, "receive"),
                rows(c, "consume"),
                rows(c, "void"),
                products::table.count().get_result::<i64>(c).unwrap(),
                lots::table.count().get_result::<i64>(c).unwrap(),
                treatment_sessions::table
                    .count()
                    .get_result::<i64>(c)
                    .unwrap(),
                treatment_sessions::table
                    .filter(treatment_sessions::voided_at.is_not_null())
                    .count()
                    .get_result::<i64>(c)
                    .unwrap(),
                session_lines::table.count().get_result::<i64>(c).unwrap(),
            )
        })
        .await;
    let (all, receive, consume, void, n_products, n_lots, sessions, voided, lines) = counts;
    assert_eq!(all, 20_000);
    assert_eq!(n_products, 500);
    assert_eq!(n_lots, 5_000);
    assert_eq!(receive, 5_000, "one receipt per lot");
    assert_eq!(consume, lines, "one consume row per session line");
    assert!(sessions > 4_000, "{sessions} sessions");
    assert!((2.0..=3.0).contains(&(lines as f64 / sessions as f64)));
    assert!(voided > 0 && void > 0);
    app.assert_ledger_consistent().await;

    // The dashboard's sums (over positions, in Rust) agree with the SQL
    // aggregate the product list uses.
    app.with_conn(|c| {
        use clinic_stock::db::stock_summary;
        use clinic_stock::services::dashboard;
        let today = clinic_stock::db::sites::by_id(c, 1)
            .unwrap()
            .unwrap()
            .today();
        let soon = today + chrono::Duration::days(60);
        let mut sql = stock_summary::product_totals(c, Some(1), None, today, soon).unwrap();
        let positions = stock_summary::positions(c, 1).unwrap();
        let mut rust: Vec<_> = dashboard::totals(&positions, today, soon)
            .into_values()
            .collect();
        sql.sort_by_key(|t| t.product_id);
        rust.sort_by_key(|t| t.product_id);
        assert!(sql.len() > 400, "{} products with stock", sql.len());
        assert_eq!(sql, rust);
        assert!(sql.iter().any(|t| t.expiring > 0));
    })
    .await;

    // The app keeps working on top of it: new rows get fresh ids.
    let p = app.product("NEW-1").roller(150).create().await;
    assert!(p.id > 500);
    let m = app.login_as("manager", demo::DEMO_PASSWORD).await;
    let (status, doc) = app.page(&m, "/").await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#needle-grid tbody tr"), 7);
    let (status, doc) = app.page(&m, &format!("/products/{}", 1)).await;
    assert_eq!(status, 200);
    assert!(count(&doc, "#history tbody tr") > 0);
    let token = app
        .with_conn(|c| clinic_stock::services::accounts::create_token(c, "manager", "t").unwrap())
        .await;
    let (status, body) = app.api_get(&token, "/api/v1/stock?limit=1000").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 501);
}
