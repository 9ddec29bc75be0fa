//! Exact reorder arithmetic (DOMAIN.md, "Reorder arithmetic is exact"): the
//! report rounds min, max and packs once, at the end; a manual max below the
//! min is refused when the product is saved (page and API).

use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::reports_fixtures::{UsageSession, at_days_ago};
use crate::support::*;

fn item<'a>(report: &'a Value, sku: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == sku)
        .unwrap_or_else(|| panic!("{sku} not in report: {report}"))
}

#[tokio::test]
async fn ten_used_in_ninety_days_lead_19_position_2_orders_5_packs_of_1() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let p = app.product("GL-BOX").lead(19).pack("1").create().await;
    app.stock(&p, "G1", days(400), "12").await;
    for i in 0..10 {
        app.usage_session(UsageSession::new(at_days_ago(3 + i * 8, 10), &[(&p, "1")]))
            .await;
    }
    let (s, r) = app.api_get(&m, "/api/v1/reports/reorder?site=main").await;
    assert_eq!(s, 200, "{r}");
    let row = item(&r, "GL-BOX");
    assert_eq!(row["consumed"], json!(10));
    assert_eq!(row["usable"], json!(2));
    assert_eq!(row["lead_days"], 19);
    // min = 10/90 × (19 + 14) = 3.666…, shown rounded up; max = 10/90 × 63 = 7.
    assert_eq!(row["min_level"], json!(3.667));
    assert_eq!(row["max_level"], json!(7));
    assert_eq!(row["order_packs"], 5);
    assert_eq!(row["order_quantity"], json!(5));
    assert_eq!(row["status"], "order");
    // The CSV says the same.
    let csv = app
        .client()
        .get(app.url("/api/v1/reports/reorder.csv?site=main"))
        .bearer_auth(&m)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut rd = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
    };
    let rec = rd
        .records()
        .map(|r| r.unwrap())
        .find(|r| &r[col("SKU")] == "GL-BOX")
        .unwrap();
    assert_eq!(&rec[col("Order packs")], "5");
    assert_eq!(&rec[col("Max level")], "7");
}

#[tokio::test]
async fn position_at_min_and_max_set_by_hand_orders_one_pack() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let p = app
        .product("WP-TUB")
        .pack("10")
        .min("4")
        .max("4")
        .create()
        .await;
    app.stock(&p, "W1", days(300), "4").await;
    let (s, r) = app.api_get(&m, "/api/v1/reports/reorder?site=main").await;
    assert_eq!(s, 200, "{r}");
    let row = item(&r, "WP-TUB");
    assert_eq!(
        (row["min_level"].clone(), row["max_level"].clone()),
        (json!(4), json!(4))
    );
    assert_eq!(row["order_packs"], 1);
    assert_eq!(row["order_quantity"], json!(10));
}

#[tokio::test]
async fn api_refuses_a_manual_max_below_the_min() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let body = json!({"sku": "MX-1", "name": "Gloves", "category": "disposable",
        "unit": "each", "pack_size": 100, "min_level": 10, "max_level": 5});
    let (s, r) = app.api_post(&m, "/api/v1/products", &body).await;
    assert_eq!(s, 422, "{r}");
    assert_eq!(r["error"]["field"], "max_level", "{r}");
    let (_, list) = app.api_get(&m, "/api/v1/products").await;
    assert_eq!(list["total"], 0, "nothing saved: {list}");

    // A PATCH that lowers the max (or raises the min) past the other is refused too.
    let ok = json!({"sku": "MX-1", "name": "Gloves", "category": "disposable",
        "unit": "each", "pack_size": 100, "min_level": 10, "max_level": 20});
    let (s, created) = app.api_post(&m, "/api/v1/products", &ok).await;
    assert_eq!(s, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    for patch in [json!({"max_level": 9.5}), json!({"min_level": 25})] {
        let (s, r) = app
            .api_send(
                reqwest::Method::PATCH,
                &m,
                &format!("/api/v1/products/{id}"),
                &patch,
                None,
            )
            .await;
        assert_eq!(s, 422, "{patch}: {r}");
        assert_eq!(r["error"]["field"], "max_level", "{r}");
    }
    let (_, p) = app.api_get(&m, &format!("/api/v1/products/{id}")).await;
    assert_eq!(
        (p["min_level"].clone(), p["max_level"].clone()),
        (json!(10), json!(20))
    );
    // Equal is fine.
    let (s, r) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/products/{id}"),
            &json!({"max_level": 10}),
            None,
        )
        .await;
    assert_eq!(s, 200, "{r}");
}

#[tokio::test]
async fn product_page_refuses_a_manual_max_below_the_min_at_the_field() {
    let app = TestApp::new().await;
    let m = app.manager().await;
    let fields = [
        ("sku", "MX-2"),
        ("name", "Wipes"),
        ("category", "disposable"),
        ("unit", "each"),
        ("pack_size", "50"),
        ("needle_length_mm", ""),
        ("gtin", ""),
        ("supplier_id", ""),
        ("unit_cost", ""),
        ("lead_time_days", ""),
        ("min_level", "8"),
        ("max_level", "3"),
        ("max_per_session", ""),
        ("use_within_days_of_opening", ""),
    ];
    let r = app
        .post_form(&m, "/products/new", "/products", &fields)
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let sel = Selector::parse("small.field-error[data-field=\"max_level\"]").unwrap();
    let msg = doc
        .select(&sel)
        .next()
        .map(|e| e.text().collect::<String>())
        .unwrap_or_default();
    assert!(msg.contains("below the min"), "{msg:?}");
    let sel = Selector::parse("input[name=\"max_level\"]").unwrap();
    assert_eq!(
        doc.select(&sel)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("3"),
        "the user's value is kept"
    );
    let t = app.token_for(Role::Manager).await;
    let (_, list) = app.api_get(&t, "/api/v1/products").await;
    assert_eq!(list["total"], 0, "nothing saved: {list}");
}
