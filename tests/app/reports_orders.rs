//! Purchase orders: drafted from the reorder report (one per supplier),
//! edited, sent, received against (partly, then fully; GS1 scans), cancelled;
//! every refusal writes nothing.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::support::*;
use clinic_stock::db::schema::{ledger, purchase_orders, receipts};

/// (ledger rows, receipts, orders) — what a refusal must leave unchanged.
async fn counts(app: &TestApp) -> (i64, i64, i64) {
    app.with_conn(|c| {
        (
            ledger::table.count().get_result(c).unwrap(),
            receipts::table.count().get_result(c).unwrap(),
            purchase_orders::table.count().get_result(c).unwrap(),
        )
    })
    .await
}

fn item<'a>(report: &'a Value, sku: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == sku)
        .unwrap()
}

/// Alpha Medical's AL-1 (3 packs due) and AL-2 (2 packs due), Beta Derm's
/// BE-1, and NO-SUP without a supplier.
struct ReorderClinic {
    app: TestApp,
    a1: clinic_stock::db::models::Product,
    a2: clinic_stock::db::models::Product,
    b1: clinic_stock::db::models::Product,
    nos: clinic_stock::db::models::Product,
}

async fn reorder_clinic() -> ReorderClinic {
    let app = TestApp::new().await;
    let alpha = app.supplier("Alpha Medical", Some(5)).await;
    let beta = app.supplier("Beta Derm", Some(3)).await;
    let a1 = app
        .product("AL-1")
        .supplier(alpha)
        .pack("10")
        .min("5")
        .max("30")
        .cost(100)
        .create()
        .await;
    let a2 = app
        .product("AL-2")
        .supplier(alpha)
        .pack("5")
        .min("5")
        .max("12")
        .cost(300)
        .create()
        .await;
    let b1 = app
        .product("BE-1")
        .supplier(beta)
        .pack("10")
        .min("5")
        .max("20")
        .create()
        .await;
    let nos = app
        .product("NO-SUP")
        .pack("10")
        .min("5")
        .max("20")
        .create()
        .await;
    app.stock(&a1, "L", days(300), "2").await; // ceil(28 / 10) = 3 packs
    app.stock(&a2, "L", days(300), "2").await; // ceil(10 / 5) = 2 packs
    ReorderClinic {
        app,
        a1,
        a2,
        b1,
        nos,
    }
}

/// Creates drafts from the report page: AL-1 (4 packs), AL-2, BE-1.
async fn order_from_the_report_page(c: &ReorderClinic, client: &reqwest::Client) {
    let (a1_packs, a2_packs, b1_packs) = (
        format!("packs_{}", c.a1.id),
        format!("packs_{}", c.a2.id),
        format!("packs_{}", c.b1.id),
    );
    // Tick AL-1 (3 suggested, changed to 4), AL-2 (suggested) and BE-1 (1 pack).
    let resp = c
        .app
        .post_form(
            client,
            "/reports/reorder",
            "/reports/reorder/orders",
            &[
                ("site", "main"),
                ("window", "90"),
                ("pick", &c.a1.id.to_string()),
                (&a1_packs, "4"),
                ("pick", &c.a2.id.to_string()),
                (&a2_packs, "2"),
                ("pick", &c.b1.id.to_string()),
                (&b1_packs, "1"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn ordering_without_a_supplier_or_with_bad_packs_writes_nothing() {
    let ReorderClinic { app, a1, nos, .. } = reorder_clinic().await;
    let client = app.manager().await;
    // A product without a supplier cannot be ordered: 422, the report again, nothing written.
    let before = counts(&app).await;
    let nos_packs = format!("packs_{}", nos.id);
    let resp = app
        .post_form(
            &client,
            "/reports/reorder",
            "/reports/reorder/orders",
            &[
                ("pick", &nos.id.to_string()),
                (&nos_packs, "2"),
                ("window", "90"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    assert!(text(&doc, "tr[data-sku='NO-SUP'] .field-error").contains("no supplier"));
    assert_eq!(counts(&app).await, before);

    // Bad packs: 422 with the typed value kept.
    let a1_packs = format!("packs_{}", a1.id);
    let resp = app
        .post_form(
            &client,
            "/reports/reorder",
            "/reports/reorder/orders",
            &[("pick", &a1.id.to_string()), (&a1_packs, "lots")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    let sel = Selector::parse(&format!("input[name={a1_packs}]")).unwrap();
    assert_eq!(
        doc.select(&sel).next().unwrap().value().attr("value"),
        Some("lots")
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn create_purchase_orders_from_the_report_page_one_per_supplier() {
    let c = reorder_clinic().await;
    let app = &c.app;
    let client = app.manager().await;
    // Tick AL-1 (3 suggested, changed to 4), AL-2 (suggested) and BE-1 (1 pack).
    order_from_the_report_page(&c, &client).await;
    let m = app.token_for(Role::Manager).await;
    let (_, list) = app
        .api_get(&m, "/api/v1/purchase-orders?status=draft")
        .await;
    assert_eq!(list["total"], 2, "{list}");
    let (_, orders) = app.api_get(&m, "/api/v1/purchase-orders").await;
    let alpha_order = orders["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["supplier"] == "Alpha Medical")
        .unwrap();
    let (_, po) = app
        .api_get(
            &m,
            &format!("/api/v1/purchase-orders/{}", alpha_order["id"]),
        )
        .await;
    assert_eq!(po["status"], "draft");
    let lines = po["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let l1 = lines.iter().find(|l| l["sku"] == "AL-1").unwrap();
    assert_eq!(
        (l1["packs"].clone(), l1["pack_cost_cents"].clone()),
        (json!(4), json!(1000))
    );
    let l2 = lines.iter().find(|l| l["sku"] == "AL-2").unwrap();
    assert_eq!(
        (l2["packs"].clone(), l2["pack_cost_cents"].clone()),
        (json!(2), json!(1500))
    );
    assert_eq!(po["total_cents"], 7000);
    // The reorder page shows them as in draft, not on order.
    let (_, doc) = app.page(&client, "/reports/reorder").await;
    assert_eq!(
        text(&doc, "tr[data-sku='AL-1'] td.on-order"),
        "0 +40 in draft"
    );
}

#[tokio::test]
async fn the_api_drafts_one_order_per_supplier_from_the_report() {
    let c = reorder_clinic().await;
    let app = &c.app;
    let client = app.manager().await;
    order_from_the_report_page(&c, &client).await;
    let m = app.token_for(Role::Manager).await;
    // The same through the API: every "order now" row, one draft per supplier.
    let (s, made) = app
        .api_post(&m, "/api/v1/purchase-orders/from-reorder", &json!({}))
        .await;
    assert_eq!(s, 201, "{made}");
    assert_eq!(
        made["total"], 2,
        "Alpha and Beta have rows due (NO-SUP has no supplier)"
    );
    let alpha_new = made["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["supplier"] == "Alpha Medical")
        .unwrap();
    assert_eq!(alpha_new["lines"].as_array().unwrap().len(), 2);
}

/// The line of an order for a SKU.
fn line(v: &Value, sku: &str) -> Value {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == sku)
        .unwrap()
        .clone()
}

/// An order at one stage of its life: drafted from the reorder report for
/// a roller (5 packs) and a gel (3 packs), then edited to 4 packs of
/// rollers; `sent`; `partial` after 25 rollers came by GS1 scan.
struct Order {
    app: TestApp,
    m: String,
    id: i64,
    roller: clinic_stock::db::models::Product,
    gel: clinic_stock::db::models::Product,
    roller_line: i64,
    gel_line: i64,
    /// The answer of the last step.
    last: Value,
}

const SCAN: &str = "(01)09506000134352(17)281231(10)RLOT7";

/// Drafted from the reorder report; `last` is the answer of the creation.
async fn drafted_order() -> Order {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("NeedleCo", Some(7)).await;
    let roller = app
        .product("RL-150")
        .roller(150)
        .gtin("09506000134352")
        .supplier(sup)
        .min("20")
        .max("50")
        .cost(450)
        .create()
        .await;
    let gel = app
        .product("AN-LIDO")
        .anesthetic()
        .supplier(sup)
        .min("30")
        .max("90")
        .cost(20)
        .create()
        .await;
    let (s, made) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders/from-reorder",
            &json!({"product_ids": [roller.id, gel.id]}),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let po = made["items"][0].clone();
    let id = po["id"].as_i64().unwrap();
    Order {
        app,
        m,
        id,
        roller,
        gel,
        roller_line: 0,
        gel_line: 0,
        last: po,
    }
}

/// Drafted and edited: `last` is the edited order.
async fn edited_order() -> Order {
    let mut o = drafted_order().await;
    let Order { app, m, id, .. } = &o;
    let (id, roller, gel) = (*id, &o.roller, &o.gel);
    // Edit while draft: roller down to 4 packs.
    let (s, edited) = app
        .api_send(reqwest::Method::PATCH, m, &format!("/api/v1/purchase-orders/{id}"),
            &json!({"lines": [{"product_id": roller.id, "packs": 4}, {"product_id": gel.id, "packs": 3}]}), None)
        .await;
    assert_eq!(s, 200, "{edited}");
    assert_eq!(line(&edited, "RL-150")["ordered"], json!(40));
    let roller_line = line(&edited, "RL-150")["id"].as_i64().unwrap();
    let gel_line = line(&edited, "AN-LIDO")["id"].as_i64().unwrap();
    o.roller_line = roller_line;
    o.gel_line = gel_line;
    o.last = edited;
    o
}

/// Sent: `last` is the sent order.
async fn sent_order() -> Order {
    let mut o = edited_order().await;
    let Order { app, m, id, .. } = &o;
    // Send: date and a generated e-mail listing the lines.
    let (s, sent) = app
        .api_post(m, &format!("/api/v1/purchase-orders/{id}/send"), &json!({}))
        .await;
    assert_eq!(s, 200, "{sent}");
    o.last = sent;
    o
}

/// 25 rollers received by scan: `last` is the receiving answer.
async fn partly_received_order() -> Order {
    let mut o = sent_order().await;
    let Order {
        app,
        m,
        id,
        roller_line,
        ..
    } = &o;
    // Partial delivery: 25 rollers by GS1 scan (lot and expiry from the barcode).
    let (s, got) = app
        .api_post(
            m,
            &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [{"line_id": *roller_line, "gs1": SCAN, "quantity": 25}]}),
        )
        .await;
    assert_eq!(s, 201, "{got}");
    o.last = got;
    o
}

#[tokio::test]
async fn an_order_is_drafted_from_the_reorder_report() {
    let Order { last: po, .. } = drafted_order().await;
    let po = &po;
    // roller: ceil(50 / 10) = 5 packs; gel: ceil(90 / 30) = 3 packs.
    assert_eq!(line(po, "RL-150")["packs"], 5);
    assert_eq!(line(po, "AN-LIDO")["packs"], 3);
}

#[tokio::test]
async fn an_edited_draft_is_not_received_into() {
    let Order {
        last: edited,
        roller_line,
        app,
        m,
        id,
        ..
    } = edited_order().await;
    assert_eq!(line(&edited, "RL-150")["ordered"], json!(40));
    // Receiving into a draft is refused.
    let before = counts(&app).await;
    let (s, e) = app
        .api_post(&m, &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [{"line_id": roller_line, "lot": "R1", "expiry": days(300).to_string(), "quantity": 10}]}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("order_not_open"))
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn a_sent_order_has_its_email_is_no_longer_edited_and_is_on_order() {
    let Order {
        app,
        m,
        id,
        last: sent,
        ..
    } = sent_order().await;
    assert_eq!(sent["status"], "sent");
    assert!(sent["sent_at"].is_string());
    let email = sent["email_text"].as_str().unwrap();
    assert!(email.contains("4 × pack of 10 each — RL-150"), "{email}");
    assert!(email.contains("NeedleCo"));
    // A sent order can no longer be edited.
    let (s, e) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/purchase-orders/{id}"),
            &json!({"lines": []}),
            None,
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("order_not_draft"))
    );
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    assert_eq!(item(&r, "RL-150")["on_order"], json!(40));
    assert_eq!(item(&r, "AN-LIDO")["on_order"], json!(90));
}

#[tokio::test]
async fn a_partial_delivery_by_scan_links_the_ledger_and_the_receipt_to_the_order() {
    let Order {
        app,
        m,
        id,
        roller_line,
        last: got,
        ..
    } = partly_received_order().await;
    assert_eq!(got["order"]["status"], "partial");
    assert_eq!(got["received"][0]["lot"], "RLOT7");
    assert_eq!(got["received"][0]["expiry"], "2028-12-31");
    assert_eq!(line(&got["order"], "RL-150")["open"], json!(15));
    let linked: Vec<(Option<i64>, Option<i64>, i64)> = app
        .with_conn(move |c| {
            ledger::table
                .filter(ledger::kind.eq("receive"))
                .select((
                    ledger::purchase_order_id,
                    ledger::purchase_order_line_id,
                    ledger::delta,
                ))
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(linked, vec![(Some(id), Some(roller_line), 25_000)]);
    let receipt_orders: Vec<Option<i64>> = app
        .with_conn(|c| {
            receipts::table
                .select(receipts::purchase_order_id)
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(receipt_orders, vec![Some(id)]);
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    assert_eq!(item(&r, "RL-150")["on_order"], json!(15));
    assert_eq!(item(&r, "RL-150")["usable"], json!(25));
}

#[tokio::test]
async fn over_deliveries_wrong_barcodes_and_expired_lots_write_nothing() {
    let Order {
        app,
        m,
        id,
        roller_line,
        gel_line,
        ..
    } = partly_received_order().await;
    // More than is open is refused (409) and nothing of the delivery is written,
    // even the good line before it.
    let before = counts(&app).await;
    let (s, e) = app
        .api_post(&m, &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [
                {"line_id": gel_line, "lot": "G1", "expiry": days(200).to_string(), "quantity": 30},
                {"line_id": roller_line, "lot": "R2", "expiry": days(300).to_string(), "quantity": 16}]}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("exceeds_open_quantity")),
        "{e}"
    );
    assert_eq!(e["error"]["open"], json!(15));
    assert_eq!(counts(&app).await, before);
    // A barcode of another product is refused at its field.
    let (s, e) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [{"line_id": gel_line, "gs1": SCAN, "quantity": 30}]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["field"], "lines[0].gs1");
    // An expired lot is refused with the receiving rule's code.
    let (s, e) = app
        .api_post(&m, &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [{"line_id": gel_line, "lot": "OLD", "expiry": days(-3).to_string(), "quantity": 30}]}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("expired_on_receipt"))
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn the_rest_of_the_delivery_closes_the_order() {
    let Order {
        app,
        m,
        id,
        roller_line,
        gel,
        ..
    } = partly_received_order().await;
    // The rest: 15 rollers, and the gel in 3 packs (quantity in packs) → received.
    let (s, got) = app
        .api_post(&m, &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [
                {"line_id": roller_line, "lot": "R2", "expiry": days(300).to_string(), "quantity": 15},
                {"product_id": gel.id, "lot": "G1", "expiry": days(200).to_string(), "quantity": 3, "quantity_in": "packs"}]}))
        .await;
    assert_eq!(s, 201, "{got}");
    assert_eq!(got["order"]["status"], "received");
    assert!(got["order"]["closed_at"].is_string());
    assert_eq!(line(&got["order"], "AN-LIDO")["received"], json!(90));
    let (_, r) = app.api_get(&m, "/api/v1/reports/reorder").await;
    assert_eq!(item(&r, "RL-150")["on_order"], json!(0));
    assert_eq!(item(&r, "RL-150")["usable"], json!(40));
    // Nothing more can be received or cancelled.
    let (s, e) = app
        .api_post(&m, &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [{"line_id": roller_line, "lot": "R3", "expiry": days(300).to_string(), "quantity": 1}]}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("order_not_open"))
    );
    let (s, _) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 409);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn cancelled_orders_refuse_receipts_and_bad_drafts_write_nothing() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("Gamma", None).await;
    let p = app.product("GA-1").supplier(sup).pack("10").create().await;
    let before = counts(&app).await;
    for bad in [
        json!({"lines": [{"product_id": p.id, "packs": 1}]}),
        json!({"supplier_id": 999, "lines": []}),
        json!({"supplier_id": sup, "lines": [{"product_id": p.id, "packs": 0}]}),
        json!({"supplier_id": sup, "lines": [{"product_id": 999, "packs": 1}]}),
        json!({"supplier_id": sup, "lines": [{"product_id": p.id, "packs": 1}, {"product_id": p.id, "packs": 2}]}),
    ] {
        let (s, e) = app.api_post(&m, "/api/v1/purchase-orders", &bad).await;
        assert_eq!(s, 422, "{bad} → {e}");
    }
    assert_eq!(counts(&app).await, before);
    // An empty draft cannot be sent.
    let (_, empty) = app
        .api_post(&m, "/api/v1/purchase-orders", &json!({"supplier_id": sup}))
        .await;
    let (s, e) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{}/send", empty["id"]),
            &json!({}),
        )
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("order_empty")));

    let (_, po) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"supplier_id": sup, "lines": [{"product_id": p.id, "packs": 2}]}),
        )
        .await;
    let id = po["id"].as_i64().unwrap();
    app.api_post(
        &m,
        &format!("/api/v1/purchase-orders/{id}/send"),
        &json!({"sent_on": days(-2).to_string(), "email_text": "Hi, 2 boxes please."}),
    )
    .await;
    let (_, got) = app
        .api_get(&m, &format!("/api/v1/purchase-orders/{id}"))
        .await;
    assert_eq!(got["email_text"], "Hi, 2 boxes please.");
    assert!(
        got["sent_at"]
            .as_str()
            .unwrap()
            .starts_with(&days(-2).to_string())
    );
    let (s, c) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/cancel"),
            &json!({"reason": "found elsewhere"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(c["status"], "cancelled");
    assert!(c["note"].as_str().unwrap().contains("found elsewhere"));
    let before = counts(&app).await;
    let (s, e) = app
        .api_post(&m, &format!("/api/v1/purchase-orders/{id}/receive"),
            &json!({"lines": [{"product_id": p.id, "lot": "X", "expiry": days(100).to_string(), "quantity": 5}]}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("order_not_open"))
    );
    assert_eq!(counts(&app).await, before);
    let (s, _) = app.api_get(&m, "/api/v1/purchase-orders/424242").await;
    assert_eq!(s, 404);
    let pr = app.token_for(Role::Practitioner).await;
    let (s, _) = app.api_get(&pr, "/api/v1/purchase-orders").await;
    assert_eq!(s, 403);
}

/// A draft for Delta made on the order pages, with 3 packs of DE-CART
/// (added on its page); `sent_page_order` sends it.
struct PageOrder {
    app: TestApp,
    client: reqwest::Client,
    /// The order page's path.
    page: String,
    /// The DE-CART line's id.
    line_id: String,
    /// The other product, DE-SERUM.
    q: clinic_stock::db::models::Product,
}

async fn drafted_page_order() -> PageOrder {
    let app = TestApp::new().await;
    let sup = app.supplier("Delta", Some(4)).await;
    let p = app
        .product("DE-CART")
        .cartridge(50)
        .gtin("09506000134352")
        .supplier(sup)
        .cost(120)
        .create()
        .await;
    let q = app
        .product("DE-SERUM")
        .serum()
        .supplier(sup)
        .cost(400)
        .create()
        .await;
    let client = app.manager().await;

    // Start a draft for Delta, then add a line on its page.
    let resp = app
        .post_form(
            &client,
            "/orders",
            "/orders",
            &[("supplier_id", &sup.to_string())],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let page = resp.headers()["location"].to_str().unwrap().to_string();
    let resp = app
        .post_form(
            &client,
            &page,
            &format!("{page}/lines"),
            &[
                ("add_product", &p.id.to_string()),
                ("add_packs", "3"),
                ("note", "urgent"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, doc) = app.page(&client, &page).await;
    let line_id: String = {
        let sel = Selector::parse("tr[data-sku='DE-CART']").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("data-line")
            .unwrap()
            .to_string()
    };
    PageOrder {
        app,
        client,
        page,
        line_id,
        q,
    }
}

async fn sent_page_order() -> PageOrder {
    let o = drafted_page_order().await;
    let PageOrder {
        app, client, page, ..
    } = &o;
    // Send with the proposed e-mail text.
    let (_, doc) = app.page(client, page).await;
    let email = text(&doc, "textarea[name=email_text]");
    assert!(email.contains("DE-CART"), "{email}");
    let resp = app
        .post_form(
            client,
            page,
            &format!("{page}/send"),
            &[("sent_on", &days(0).to_string()), ("email_text", &email)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    o
}

#[tokio::test]
async fn order_pages_draft_an_order_and_refuse_bad_packs() {
    let PageOrder {
        app,
        client,
        page,
        line_id,
        q,
    } = drafted_page_order().await;
    let (_, doc) = app.page(&client, &page).await;
    assert_eq!(text(&doc, "#order-status"), "Draft");
    assert_eq!(text(&doc, "tr[data-sku='DE-CART'] td.ordered"), "30");
    assert_eq!(text(&doc, "#order-total"), "36.00"); // 10 × 1.20 × 3
    // Bad packs: 422, the typed value back at its field, nothing changed.
    let packs_field = format!("packs_{line_id}");
    let resp = app
        .post_form(
            &client,
            &page,
            &format!("{page}/lines"),
            &[
                (&packs_field, "-1"),
                ("add_product", &q.id.to_string()),
                ("add_packs", "2"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    assert_eq!(
        count(
            &doc,
            &format!("input[name={packs_field}][aria-invalid=true]")
        ),
        1
    );
    let (_, doc) = app.page(&client, &page).await;
    assert_eq!(count(&doc, "#lines tr[data-sku]"), 1);
}

#[tokio::test]
async fn order_pages_send_with_the_proposed_email_text() {
    let PageOrder {
        app, client, page, ..
    } = sent_page_order().await;
    let (_, doc) = app.page(&client, &page).await;
    assert_eq!(text(&doc, "#order-status"), "Sent");
    assert!(text(&doc, "#email-text").contains("DE-CART"));
}

#[tokio::test]
async fn order_pages_refuse_a_past_expiry_at_its_field() {
    let PageOrder {
        app,
        client,
        page,
        line_id,
        ..
    } = sent_page_order().await;
    // Receive 10 by scanning; a wrong lot field is overridden by the scan.
    let receive = format!("{page}/receive");
    let (s, doc) = app.page(&client, &receive).await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, &format!("input[name=gs1_{line_id}]")), 1);
    let qty = format!("quantity_{line_id}");
    // A past expiry is refused at the field; nothing received.
    let (lot, expiry) = (format!("lot_{line_id}"), format!("expiry_{line_id}"));
    let before = counts(&app).await;
    let resp = app
        .post_form(
            &client,
            &receive,
            &receive,
            &[(&lot, "L1"), (&expiry, &days(-1).to_string()), (&qty, "10")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    assert_eq!(
        count(&doc, &format!("input[name={expiry}][aria-invalid=true]")),
        1
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn order_pages_receive_by_scan_and_refuse_over_receipt() {
    let PageOrder {
        app,
        client,
        page,
        line_id,
        ..
    } = sent_page_order().await;
    // Receive 10 by scanning; a wrong lot field is overridden by the scan.
    let receive = format!("{page}/receive");
    let (gs1, qty) = (format!("gs1_{line_id}"), format!("quantity_{line_id}"));
    let (lot, expiry) = (format!("lot_{line_id}"), format!("expiry_{line_id}"));
    let resp = app
        .post_form(
            &client,
            &receive,
            &receive,
            &[
                (&gs1, "]d2010950600013435217281130102024X"),
                (&qty, "10"),
                ("location", "store"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, doc) = app.page(&client, &page).await;
    assert_eq!(text(&doc, "#order-status"), "Partly received");
    assert_eq!(text(&doc, "#receipts td.lot"), "2024X");
    assert_eq!(text(&doc, "tr[data-sku='DE-CART'] td.open"), "20");
    // Over-receipt on the page: 409 and the message shown; nothing received.
    let before = counts(&app).await;
    let resp = app
        .post_form(
            &client,
            &receive,
            &receive,
            &[(&lot, "L9"), (&expiry, &days(90).to_string()), (&qty, "21")],
        )
        .await;
    assert_eq!(resp.status(), 409);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    assert!(
        text(
            &doc,
            &format!("fieldset[data-line='{line_id}'] .field-error")
        )
        .contains("still open")
    );
    assert_eq!(counts(&app).await, before);
    // The order list shows it.
    let (_, doc) = app.page(&client, "/orders?status=open").await;
    assert_eq!(texts(&doc, "#orders td.supplier"), vec!["Delta"]);
    app.assert_ledger_consistent().await;
}
