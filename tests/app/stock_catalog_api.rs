//! Products, suppliers, receipts and the stock endpoint through the JSON API.

use serde_json::json;

use crate::fixtures::days;
use crate::support::*;

#[tokio::test]
async fn manager_creates_products_and_refusals_write_nothing() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let (s, sup) = app
        .api_post(
            &m,
            "/api/v1/suppliers",
            &json!({"name": "DermaSupply", "email": "o@ds.example", "lead_time_days": 7}),
        )
        .await;
    assert_eq!(s, 201, "{sup}");
    let roller = json!({"sku": "RL-150", "name": "Roller 1.5 mm", "category": "roller", "unit": "each",
        "pack_size": 10, "needle_length_mm": 1.5, "supplier_id": sup["id"], "unit_cost_cents": 450,
        "min_level": 5, "active": true});
    let (s, p) = app.api_post(&m, "/api/v1/products", &roller).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["needle_length_mm"], json!(1.5));
    assert_eq!(p["pack_size"], json!(10));

    // Refusals: duplicate SKU 409, needle length on a serum 422, 4 decimals 422.
    let (s, e) = app.api_post(&m, "/api/v1/products", &roller).await;
    assert_eq!(s, 409);
    assert_eq!(e["error"]["code"], "duplicate_sku");
    let serum = json!({"sku": "SR-HA", "name": "HA serum", "category": "serum", "unit": "ml",
        "pack_size": 5, "needle_length_mm": 0.5});
    let (s, e) = app.api_post(&m, "/api/v1/products", &serum).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["field"], "needle_length_mm");
    let lido = json!({"sku": "AN-LIDO", "name": "Lidocaine 30 g", "category": "anesthetic", "unit": "g",
        "pack_size": 30.0001});
    let (s, e) = app.api_post(&m, "/api/v1/products", &lido).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["field"], "pack_size");
    let (_, listed) = app.api_get(&m, "/api/v1/products").await;
    assert_eq!(listed["total"], 1, "only the good product was written");

    // Practitioners read but cannot write.
    let pr = app.token_for(Role::Practitioner).await;
    let (s, _) = app
        .api_get(&pr, &format!("/api/v1/products/{}", p["id"]))
        .await;
    assert_eq!(s, 200);
    let (s, _) = app.api_post(&pr, "/api/v1/products", &serum).await;
    assert_eq!(s, 403);

    // PATCH changes only what is given.
    let (s, patched) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/products/{}", p["id"]),
            &json!({"max_level": 20, "name": "Roller 1.5"}),
            None,
        )
        .await;
    assert_eq!(s, 200, "{patched}");
    assert_eq!(patched["max_level"], json!(20));
    assert_eq!(patched["min_level"], json!(5));
    assert_eq!(patched["name"], "Roller 1.5");
}

#[tokio::test]
async fn receiving_by_id_gtin_and_gs1_scan() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let p = app
        .product("RL-100")
        .roller(100)
        .gtin("09506000134352")
        .create()
        .await;
    let expiry = days(400);
    let (s, r) = app
        .api_post(
            &m,
            "/api/v1/receipts",
            &json!({"site": "main", "location": "store", "product_id": p.id,
            "lot": "A1", "expiry": expiry.to_string(), "quantity": 20}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["quantity"], json!(20));
    let yymmdd = expiry.format("%y%m%d").to_string();
    let scan = format!("]d2010950600013435217{yymmdd}10B2\u{1d}21SER1");
    let (s, r2) = app
        .api_post(
            &m,
            "/api/v1/receipts",
            &json!({"site": "main", "location": "store", "gs1": scan, "quantity": 5}),
        )
        .await;
    assert_eq!(s, 201, "{r2}");
    assert_eq!(r2["lot"], "B2");
    assert_eq!(r2["product_id"], json!(p.id));
    let (s, r3) = app
        .api_post(
            &m,
            "/api/v1/receipts",
            &json!({"site": "main", "location": "store", "gtin": "9506000134352",
            "lot": "A1", "expiry": expiry.to_string(), "quantity": 1}),
        )
        .await;
    assert_eq!(s, 201, "{r3}");
    assert_eq!(
        r3["lot_id"], r["lot_id"],
        "same lot number and expiry → same lot"
    );

    let (s, stock) = app
        .api_get(&m, &format!("/api/v1/stock?site=main&product_id={}", p.id))
        .await;
    assert_eq!(s, 200);
    assert_eq!(stock["items"][0]["usable"], json!(26));
    assert_eq!(stock["items"][0]["lots"].as_array().unwrap().len(), 2);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn receiving_refusals_write_nothing() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let p = app.product("AN-LIDO").anesthetic().create().await;
    app.stock(&p, "L1", days(100), "30").await;
    let before = app.ledger_rows().await;
    let cases = [
        (
            json!({"product_id": p.id, "lot": "L2", "expiry": days(-1).to_string(), "quantity": 30}),
            422,
            "expired_on_receipt",
        ),
        (
            json!({"product_id": p.id, "lot": "L1", "expiry": days(101).to_string(), "quantity": 30}),
            409,
            "lot_expiry_mismatch",
        ),
        (
            json!({"product_id": p.id, "lot": "L3", "expiry": days(100).to_string(), "quantity": 1.2345}),
            422,
            "validation_failed",
        ),
        (
            json!({"product_id": 99999, "lot": "L3", "expiry": days(100).to_string(), "quantity": 1}),
            422,
            "unknown_product",
        ),
        (
            json!({"gtin": "09506000134352", "lot": "L3", "expiry": days(100).to_string(), "quantity": 1}),
            422,
            "unknown_product",
        ),
        (
            json!({"gs1": "(01)09506000134353(10)X", "quantity": 1}),
            422,
            "invalid_gs1",
        ),
        (
            json!({"product_id": p.id, "lot": "L3", "expiry": days(100).to_string(), "quantity": -2}),
            422,
            "validation_failed",
        ),
        (
            json!({"product_id": p.id, "location": "nowhere", "lot": "L3", "expiry": days(100).to_string(), "quantity": 2}),
            422,
            "validation_failed",
        ),
    ];
    for (body, status, code) in cases {
        let (s, e) = app.api_post(&m, "/api/v1/receipts", &body).await;
        assert_eq!(s, status, "{body} → {e}");
        assert_eq!(e["error"]["code"], code, "{body} → {e}");
    }
    assert_eq!(app.ledger_rows().await, before);
    app.assert_ledger_consistent().await;
}

/// `GET /api/v1/stock` resolves its token in the hop that reads the stock
/// and parses its query string after: the refusals keep their order (a
/// token that is not live is 401 whatever the query; a live one with a bad
/// query is 400 naming the query string), and a good request still reads.
#[tokio::test]
async fn stock_list_refusals_keep_their_order() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let p = app.product("ORDER-1").create().await;
    app.stock(&p, "L-1", days(100), "7").await;
    let (s, body) = app
        .api_get("not-a-live-token", "/api/v1/stock?limit=abc")
        .await;
    assert_eq!(s, 401, "{body}");
    let (s, body) = app.api_get(&m, "/api/v1/stock?limit=abc").await;
    assert_eq!(s, 400, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("query string:"), "{body}");
    let (s, body) = app
        .api_get(&m, "/api/v1/stock?needle_length_mm=banana")
        .await;
    assert_eq!(s, 422, "{body}");
    let (s, body) = app
        .api_get(&m, &format!("/api/v1/stock?site=main&product_id={}", p.id))
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["items"][0]["usable"], json!(7));
    assert_eq!(body["total"], json!(1));
}
