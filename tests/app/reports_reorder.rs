//! The reorder rule end to end on hand-computed cases: stock and consumption
//! arranged in the database, figures read back through the API, the page,
//! its CSV and its print view.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::reports_fixtures::{UsageSession, at_days_ago, today};
use crate::support::*;

fn item<'a>(report: &'a Value, sku: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == sku)
        .unwrap_or_else(|| panic!("{sku} not in report: {report}"))
}

/// `n` sessions of `qty` each, spread over the 90-day window (days 5, 14, 23, …).
async fn consume_in_window(
    app: &TestApp,
    p: &clinic_stock::db::models::Product,
    n: i64,
    qty: &str,
) {
    for i in 0..n {
        app.usage_session(UsageSession::new(at_days_ago(5 + i * 9, 10), &[(p, qty)]))
            .await;
    }
}

#[tokio::test]
async fn computed_levels_manual_levels_and_no_usage() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("DermaSupply", Some(10)).await;
    // A: computed levels. Lead 7 on the product (beats the supplier's 10).
    let a = app
        .product("A-GLOVE")
        .supplier(sup)
        .lead(7)
        .pack("10")
        .cost(150)
        .create()
        .await;
    app.stock(&a, "A1", days(400), "120").await;
    consume_in_window(&app, &a, 9, "10").await; // 90 in the window
    // Outside the window: 100 days ago, and today (the window ends before as_of).
    app.usage_session(UsageSession::new(at_days_ago(100, 10), &[(&a, "5")]))
        .await;
    app.usage_session(UsageSession::new(at_days_ago(0, 0), &[(&a, "5")]))
        .await;
    // B: manual min 5 / max 12, pack 3, no usage; lead from the supplier.
    let b = app
        .product("B-WIPE")
        .supplier(sup)
        .pack("3")
        .min("5")
        .max("12")
        .cost(100)
        .create()
        .await;
    app.stock(&b, "B1", days(300), "4").await;
    // C: nothing set, no usage, no stock.
    let c = app.product("C-SPARE").pack("10").create().await;
    let _ = c;

    let (s, r) = app.api_get(&m, "/api/v1/reports/reorder?site=main").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["window"], 90);
    assert_eq!(r["as_of"], today().to_string());

    // A: used 90 / 90 days = 1 a day; min = 1 × (7 + 14) = 21; max = 21 + 30 = 51;
    // usable = 120 − 90 − 5 − 5 = 20 ≤ 21 → order ceil((51 − 20) / 10) = 4 packs = 40;
    // cover = 20 / 1 = 20.0 days; nothing expires before use (lot in 400 days).
    let ra = item(&r, "A-GLOVE");
    assert_eq!(ra["consumed"], json!(90));
    assert_eq!(ra["usable"], json!(20));
    assert_eq!(ra["on_order"], json!(0));
    assert_eq!(ra["use_per_day"], json!(1));
    assert_eq!(ra["lead_days"], 7);
    assert_eq!(
        (ra["min_level"].clone(), ra["min_level_manual"].clone()),
        (json!(21), json!(false))
    );
    assert_eq!(
        (ra["max_level"].clone(), ra["max_level_manual"].clone()),
        (json!(51), json!(false))
    );
    assert_eq!(ra["order_packs"], 4);
    assert_eq!(ra["order_quantity"], json!(40));
    assert_eq!(ra["days_of_cover"], json!(20.0));
    assert_eq!(ra["expiring_before_use"], json!(0));
    assert_eq!(ra["status"], "order");
    assert_eq!(ra["supplier_id"], json!(sup));
    // pack cost 10 × 1.50 = 15.00; 4 packs = 60.00
    assert_eq!(ra["order_cost_cents"], 6000);

    // B: manual 5 / 12; usable 4 ≤ 5 → ceil((12 − 4) / 3) = 3 packs = 9; lead 10 from the supplier.
    let rb = item(&r, "B-WIPE");
    assert_eq!(
        (rb["min_level"].clone(), rb["min_level_manual"].clone()),
        (json!(5), json!(true))
    );
    assert_eq!(
        (rb["max_level"].clone(), rb["max_level_manual"].clone()),
        (json!(12), json!(true))
    );
    assert_eq!(rb["lead_days"], 10);
    assert_eq!(rb["order_packs"], 3);
    assert_eq!(rb["order_quantity"], json!(9));
    assert_eq!(rb["use_per_day"], json!(0));
    assert_eq!(rb["days_of_cover"], Value::Null);

    // C: no usage, nothing set → no order, no cover figure, lead falls back to 14.
    let rc = item(&r, "C-SPARE");
    assert_eq!(rc["order_packs"], 0);
    assert_eq!(rc["order_quantity"], json!(0));
    assert_eq!(rc["min_level"], json!(0));
    assert_eq!(rc["days_of_cover"], Value::Null);
    assert_eq!(rc["lead_days"], 14);
    assert_eq!(rc["status"], "ok");
    assert_eq!(rc["supplier_id"], Value::Null);

    // A shorter window changes use per day: 30 days hold sessions at days 5, 14, 23 = 30 used.
    let (_, r30) = app.api_get(&m, "/api/v1/reports/reorder?window=30").await;
    let a30 = item(&r30, "A-GLOVE");
    assert_eq!(a30["consumed"], json!(30));
    assert_eq!(a30["use_per_day"], json!(1));
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn pack_rounding_exact_multiple_and_round_up() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    // Manual 10 / 40, packs of 15: usable 10 → ceil(30 / 15) = 2 (exact);
    // usable 9 → ceil(31 / 15) = 3 (rounded up).
    let exact = app
        .product("P-EXACT")
        .pack("15")
        .min("10")
        .max("40")
        .create()
        .await;
    app.stock(&exact, "E1", days(200), "10").await;
    let up = app
        .product("P-UP")
        .pack("15")
        .min("10")
        .max("40")
        .create()
        .await;
    app.stock(&up, "U1", days(200), "9").await;
    // Grams: 2.5 g packs, manual 1 / 6 g, 0.5 g on hand → ceil(5.5 / 2.5) = 3 packs = 7.5 g.
    let gel = app
        .product("P-GEL")
        .anesthetic()
        .pack("2.5")
        .min("1")
        .max("6")
        .create()
        .await;
    app.stock(&gel, "G1", days(200), "0.5").await;
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    assert_eq!(item(&r, "P-EXACT")["order_packs"], 2);
    assert_eq!(item(&r, "P-EXACT")["order_quantity"], json!(30));
    assert_eq!(item(&r, "P-UP")["order_packs"], 3);
    assert_eq!(item(&r, "P-UP")["order_quantity"], json!(45));
    assert_eq!(item(&r, "P-GEL")["order_packs"], 3);
    assert_eq!(item(&r, "P-GEL")["order_quantity"], json!(7.5));
}

#[tokio::test]
async fn open_orders_suppress_a_new_order_and_drafts_do_not() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("NeedleCo", Some(7)).await;
    let e = app
        .product("E-ROLL")
        .roller(150)
        .supplier(sup)
        .create()
        .await; // pack 10, lead 7 via supplier
    app.stock(&e, "E1", days(400), "105").await;
    consume_in_window(&app, &e, 9, "10").await; // 90 used; usable 15; min 21
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    assert_eq!(item(&r, "E-ROLL")["status"], "order");
    assert_eq!(item(&r, "E-ROLL")["order_packs"], 4); // ceil((51 − 15) / 10)

    // A draft of 5 packs does not count as on order (it is shown as in_draft).
    let (s, draft) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"supplier_id": sup, "lines": [{"product_id": e.id, "packs": 5}]}),
        )
        .await;
    assert_eq!(s, 201, "{draft}");
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    assert_eq!(item(&r, "E-ROLL")["on_order"], json!(0));
    assert_eq!(item(&r, "E-ROLL")["in_draft"], json!(50));
    assert_eq!(item(&r, "E-ROLL")["status"], "order");

    // One pack sent: position 15 + 10 = 25 > 21 → no order; 25 ≤ 1.25 × 21 → watch.
    let (_, sent) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"supplier_id": sup, "lines": [{"product_id": e.id, "packs": 1}]}),
        )
        .await;
    let (s, _) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{}/send", sent["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    let row = item(&r, "E-ROLL");
    assert_eq!(row["on_order"], json!(10));
    assert_eq!(row["position"], json!(25));
    assert_eq!(row["order_packs"], 0);
    assert_eq!(row["status"], "watch");

    // Cancelled: no longer on order.
    let (s, _) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{}/cancel", sent["id"]),
            &json!({"reason": "supplier out of stock"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    assert_eq!(item(&r, "E-ROLL")["on_order"], json!(0));
    assert_eq!(item(&r, "E-ROLL")["status"], "order");
}

#[tokio::test]
async fn voided_sessions_are_not_counted() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let f = app.product("F-SERUM").serum().lead(7).create().await; // ml, pack 5
    app.stock(&f, "F1", days(400), "200").await;
    consume_in_window(&app, &f, 9, "10").await; // 90 ml
    // Performed in the window, voided later (now): its consume and void rows cancel.
    let voided = app
        .usage_session(UsageSession::new(at_days_ago(40, 9), &[(&f, "45")]))
        .await;
    app.usage_void(voided).await;
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    let row = item(&r, "F-SERUM");
    assert_eq!(row["consumed"], json!(90));
    assert_eq!(row["use_per_day"], json!(1));
    assert_eq!(row["usable"], json!(110)); // 200 − 90 (the voided 45 came back)

    // As of 10 days ago with a 30-day window ([40, 10) days ago): sessions at
    // days 14, 23 and 32 (30 ml); the one at day 40 is voided, and a session at
    // day 20 voided today (after as_of) does not count either.
    let late = app
        .usage_session(UsageSession::new(at_days_ago(20, 9), &[(&f, "7")]))
        .await;
    app.usage_void(late).await;
    let as_of = today() - chrono::Duration::days(10);
    let (_, r) = app
        .api_get(
            &m,
            &format!("/api/v1/reports/reorder?as_of={as_of}&window=30"),
        )
        .await;
    assert_eq!(item(&r, "F-SERUM")["consumed"], json!(30));
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn expired_and_quarantined_stock_is_not_usable() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let g = app
        .product("G-SPF")
        .spf()
        .min("60")
        .max("200")
        .create()
        .await; // ml, pack 50
    app.stock(&g, "OLD", days(-1), "50").await; // expired yesterday
    let q = app.stock(&g, "HELD", days(100), "30").await;
    app.usage_quarantine(q).await;
    app.stock(&g, "GOOD", days(100), "5").await;
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    let row = item(&r, "G-SPF");
    assert_eq!(row["usable"], json!(5));
    // 5 ≤ 60 → ceil((200 − 5) / 50) = 4 packs
    assert_eq!(row["order_packs"], 4);
    // As of 5 days ago the lot that expired yesterday was still usable.
    let as_of = today() - chrono::Duration::days(5);
    let (_, r) = app
        .api_get(&m, &format!("/api/v1/reports/reorder?as_of={as_of}"))
        .await;
    assert_eq!(item(&r, "G-SPF")["usable"], json!(55));
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn quantity_expiring_before_use() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let h = app.product("H-CART").cartridge(100).lead(7).create().await;
    app.stock(&h, "H0", days(400), "90").await;
    consume_in_window(&app, &h, 9, "10").await; // all of H0; 1 a day
    // 15 expiring in 10 days: 11 days of use (through its expiry day) = 11 used, 4 expire.
    // 20 expiring in 40 days: 41 − 11 = 30 ≥ 20 → all used.
    app.stock(&h, "H1", days(10), "15").await;
    app.stock(&h, "H2", days(40), "20").await;
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    let row = item(&r, "H-CART");
    assert_eq!(row["usable"], json!(35));
    assert_eq!(row["expiring_before_use"], json!(4));
    assert_eq!(row["days_of_cover"], json!(35.0));
}

/// Two suppliers: Alpha Medical (one product to order, one to watch, one
/// with enough) and Beta Derm (one to order); returns AL-ORDER.
async fn two_suppliers() -> (TestApp, clinic_stock::db::models::Product) {
    let app = TestApp::new().await;
    let alpha = app.supplier("Alpha Medical", Some(5)).await;
    let beta = app.supplier("Beta Derm", None).await;
    // Alpha: one to order (manual 5/12, pack 3, 2.00 each: 3 packs × 3 × 2.00 = 18.00),
    // one to watch (min 10, usable 12), one with enough.
    let a1 = app
        .product("AL-ORDER")
        .supplier(alpha)
        .pack("3")
        .min("5")
        .max("12")
        .cost(200)
        .create()
        .await;
    app.stock(&a1, "L1", days(300), "4").await;
    let a2 = app
        .product("AL-WATCH")
        .supplier(alpha)
        .pack("10")
        .min("10")
        .max("30")
        .cost(100)
        .create()
        .await;
    app.stock(&a2, "L2", days(300), "12").await;
    let a3 = app
        .product("AL-FINE")
        .supplier(alpha)
        .pack("10")
        .min("1")
        .max("5")
        .create()
        .await;
    app.stock(&a3, "L3", days(300), "50").await;
    // Beta: one to order, 1 pack of 30 g at 0.50/g = 15.00.
    let b1 = app
        .product("BE-GEL")
        .anesthetic()
        .supplier(beta)
        .min("10")
        .max("20")
        .cost(50)
        .create()
        .await;
    app.stock(&b1, "L4", days(300), "5").await;
    (app, a1)
}

#[tokio::test]
async fn page_groups_by_supplier_with_subtotals() {
    let (app, a1) = two_suppliers().await;
    let client = app.manager().await;
    let (s, doc) = app.page(&client, "/reports/reorder").await;
    assert_eq!(s, 200);
    assert_eq!(
        texts(&doc, "section.supplier-group > h2")
            .iter()
            .map(|t| t.split(" lead").next().unwrap().to_string())
            .collect::<Vec<_>>(),
        vec!["Alpha Medical", "Beta Derm"]
    );
    assert_eq!(
        text(&doc, "section[data-supplier='Alpha Medical'] .subtotal"),
        "18.00"
    );
    assert_eq!(
        text(&doc, "section[data-supplier='Beta Derm'] .subtotal"),
        "15.00"
    );
    assert_eq!(text(&doc, "#order-total"), "33.00 EUR");
    assert_eq!(
        count(
            &doc,
            "section[data-supplier='Alpha Medical'] tbody.order tr[data-sku]"
        ),
        1
    );
    assert_eq!(
        count(
            &doc,
            "section[data-supplier='Alpha Medical'] tbody.watch tr[data-sku='AL-WATCH']"
        ),
        1
    );
    // The rest is collapsed.
    assert_eq!(
        count(
            &doc,
            "section[data-supplier='Alpha Medical'] details.rest tr[data-sku='AL-FINE']"
        ),
        1
    );
    let row = "tr[data-sku='AL-ORDER']";
    assert_eq!(text(&doc, &format!("{row} td.usable")), "4");
    assert_eq!(text(&doc, &format!("{row} td.min")), "5 set");
    assert_eq!(text(&doc, &format!("{row} td.max")), "12 set");
    assert_eq!(text(&doc, &format!("{row} td.lead")), "5");
    assert_eq!(text(&doc, &format!("{row} td.cover")), "—");
    assert_eq!(text(&doc, &format!("{row} td.consumed")), "0 0/day");
    assert_eq!(text(&doc, &format!("{row} .order-qty")), "= 9");
    assert_eq!(text(&doc, &format!("{row} td.cost")), "18.00");
    // A watch row has nothing to order: it says so rather than "= 0".
    assert_eq!(
        text(&doc, "tr[data-sku='AL-WATCH'] .order-qty"),
        "none suggested"
    );
    // Order rows are ticked for "Create purchase orders", others not.
    assert_eq!(
        count(&doc, "tr[data-sku='AL-ORDER'] input[name=pick][checked]"),
        1
    );
    assert_eq!(
        count(&doc, "tr[data-sku='AL-WATCH'] input[name=pick][checked]"),
        0
    );
    assert_eq!(count(&doc, &format!("input[name=packs_{}]", a1.id)), 1);
    assert_eq!(count(&doc, "[style]"), 0, "no inline styles (CSP)");
}

#[tokio::test]
async fn csv_of_the_page_and_of_the_api_is_the_same_table() {
    let (app, _) = two_suppliers().await;
    let client = app.manager().await;
    // CSV with the same filters.
    let r = client
        .get(app.url("/reports/reorder.csv?window=60"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.text().await.unwrap();
    let mut rdr = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    let gel = rows.iter().find(|r| &r[col("SKU")] == "BE-GEL").unwrap();
    assert_eq!(&gel[col("Supplier")], "Beta Derm");
    assert_eq!(&gel[col("Order quantity")], "30");
    assert_eq!(&gel[col("Order cost")], "15.00");
    assert_eq!(&gel[col("Window days")], "60");
    assert_eq!(&gel[col("Min level set")], "by hand");
    assert_eq!(&gel[col("Days of cover")], "");

    // The API CSV is the same table.
    let m = app.token_for(Role::Manager).await;
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/reports/reorder.csv?window=60"))
        .bearer_auth(&m)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), body);
}

#[tokio::test]
async fn print_view_has_every_group_and_row_and_no_form_fields() {
    let (app, _) = two_suppliers().await;
    let client = app.manager().await;
    // Print view: every group and row, no form fields.
    let (s, doc) = app.page(&client, "/reports/reorder/print").await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "body.print-sheet tr[data-sku]"), 4);
    assert_eq!(count(&doc, "input"), 0);
    assert_eq!(text(&doc, "tr[data-sku='AL-ORDER'] td.packs"), "3 = 9");
}

#[tokio::test]
async fn bad_filters_are_field_errors_and_reports_need_a_manager() {
    let app = TestApp::new().await;
    let client = app.manager().await;
    let (s, doc) = app
        .page(&client, "/reports/reorder?window=0&as_of=2026-13-01")
        .await;
    assert_eq!(s, 422);
    assert_eq!(count(&doc, "input[name=window][aria-invalid=true]"), 1);
    assert_eq!(count(&doc, "input[name=as_of][aria-invalid=true]"), 1);
    let m = app.token_for(Role::Manager).await;
    let (s, e) = app.api_get(&m, "/api/v1/reports/reorder?window=abc").await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["field"], "window");
    let (s, _) = app
        .api_get(&m, "/api/v1/reports/reorder?site=nowhere")
        .await;
    assert_eq!(s, 422);
    let p = app.token_for(Role::Practitioner).await;
    let (s, _) = app.api_get(&p, "/api/v1/reports/reorder").await;
    assert_eq!(s, 403);
    let pc = app.practitioner().await;
    let (s, _) = app.page(&pc, "/reports/reorder").await;
    assert_eq!(s, 403);
    let (s, _) = app.page(&pc, "/reports/usage").await;
    assert_eq!(s, 403);
}
