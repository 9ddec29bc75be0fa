//! Receiving against an order, without JavaScript (issue 14 item 3): Enter
//! in a line's scan field presses the form's first button, "read scans":
//! the lot and expiry of the line the barcode names (by GTIN) are filled,
//! the scan moves to that line, everything typed is kept and nothing is
//! received. A scan that can not be read or names no open line is a field
//! error (422), nothing written.

use scraper::{Html, Selector};
use serde_json::json;

use crate::fixtures::days;
use crate::support::*;

pub const GTIN_A: &str = "09506000134352";
pub const GTIN_B: &str = "09506000134369";

/// A GS1 element string: GTIN, expiry (YYMMDD), lot.
pub fn gs1(gtin: &str, expiry: chrono::NaiveDate, lot: &str) -> String {
    format!("]d201{gtin}17{}10{lot}", expiry.format("%y%m%d"))
}

/// A sent order with two lines (A, B); returns (token, order id, [line A, line B]).
pub async fn sent_order(app: &TestApp) -> (String, i64, [i64; 2]) {
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("Derma Supply", Some(5)).await;
    let a = app
        .product("SER-A")
        .serum()
        .gtin(GTIN_A)
        .supplier(sup)
        .create()
        .await;
    let b = app
        .product("SPF-B")
        .spf()
        .gtin(GTIN_B)
        .supplier(sup)
        .create()
        .await;
    let (s, po) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"site": "main", "supplier_id": sup,
                "lines": [{"product_id": a.id, "packs": 2}, {"product_id": b.id, "packs": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{po}");
    let id = po["id"].as_i64().unwrap();
    let (s, v) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/send"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let line = |p: i64| {
        v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["product_id"].as_i64() == Some(p))
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    (m, id, [line(a.id), line(b.id)])
}

fn attr(doc: &Html, css: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_string))
}

fn val(doc: &Html, name: &str) -> String {
    attr(doc, &format!("input[name={name}]"), "value").unwrap_or_default()
}

pub async fn received(app: &TestApp, m: &str, id: i64) -> Vec<f64> {
    let (s, v) = app
        .api_get(m, &format!("/api/v1/purchase-orders/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["received"].as_f64().unwrap_or(-1.0))
        .collect()
}

#[tokio::test]
async fn enter_in_an_order_scan_field_reads_the_scan_and_receives_nothing() {
    let app = TestApp::new().await;
    let (m, id, [la, lb]) = sent_order(&app).await;
    let client = app.manager().await;
    let page = format!("/orders/{id}/receive");
    let (s, doc) = app.page(&client, &page).await;
    assert_eq!(s, 200);
    // The first submit button (what Enter presses) reads the scans.
    assert_eq!(
        attr(&doc, "#receive-form button[type=submit]", "value").as_deref(),
        Some("read_scan")
    );
    let before = received(&app, &m, id).await;

    // B's barcode scanned into A's field (the wrong line), A's quantity typed.
    let scan = gs1(GTIN_B, days(400), "SPF24B");
    let (ga, gb) = (format!("gs1_{la}"), format!("gs1_{lb}"));
    let (qa, qb) = (format!("quantity_{la}"), format!("quantity_{lb}"));
    let resp = app
        .post_form(
            &client,
            &page,
            &page,
            &[
                (&ga, &scan),
                (&qa, "5"),
                ("note", "box dented"),
                ("action", "read_scan"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    assert_eq!(val(&doc, &format!("lot_{lb}")), "SPF24B");
    assert_eq!(val(&doc, &format!("expiry_{lb}")), days(400).to_string());
    assert_eq!(val(&doc, &gb), scan, "the scan moved to its line");
    assert_eq!(val(&doc, &ga), "");
    assert_eq!(val(&doc, &format!("lot_{la}")), "");
    assert_eq!(val(&doc, &qa), "5", "typed quantity kept");
    assert_eq!(val(&doc, "note"), "box dented");
    assert!(
        attr(&doc, &format!("input[name={qb}]"), "autofocus").is_some(),
        "the quantity of the scanned line is next"
    );
    assert_eq!(received(&app, &m, id).await, before, "nothing received");

    // An unreadable scan and a product not on the order: field errors, 422.
    for bad in ["not a barcode ~~", &gs1("09506000134376", days(400), "X1")] {
        let resp = app
            .post_form(
                &client,
                &page,
                &page,
                &[(&ga, bad), ("action", "read_scan")],
            )
            .await;
        assert_eq!(resp.status(), 422, "{bad}");
        let doc = Html::parse_document(&resp.text().await.unwrap());
        assert_eq!(
            attr(&doc, &format!("input[name={ga}]"), "aria-invalid").as_deref(),
            Some("true"),
            "{bad}"
        );
        assert_eq!(val(&doc, &ga), bad, "the scan is kept to correct");
    }
    assert_eq!(received(&app, &m, id).await, before);

    // Receive (the visible button posts no action) with what the scan filled.
    let resp = app
        .post_form(
            &client,
            &page,
            &page,
            &[
                (&gb, &scan),
                (&format!("lot_{lb}"), "SPF24B"),
                (&format!("expiry_{lb}"), &days(400).to_string()),
                (&qb, "50"),
                ("location", "store"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let got = received(&app, &m, id).await;
    assert!(got.contains(&50.0), "{got:?}");
    app.assert_ledger_consistent().await;
}
