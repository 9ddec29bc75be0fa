//! CSV formula injection (issue 10 finding 6, API.md "CSV"): text cells that
//! begin with `=`, `+`, `-`, `@`, TAB or CR are written with a leading `'`
//! in every CSV the app writes; numeric columns stay numbers.

use serde_json::json;

use crate::fixtures::days;
use crate::movements_fixtures::csv_rows;
use crate::reports_fixtures::{UsageSession, at_days_ago};
use crate::support::*;

const EVIL_NAME: &str = "=HYPERLINK(\"http://evil.example\",\"click\")";
const EVIL_SKU: &str = "@SUM(A1)";
const EVIL_LOT: &str = "+1-2";

fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

/// The cell of `col` in the first row whose `key_col` equals `key`.
fn cell(body: &str, key_col: &str, key: &str, col: &str) -> String {
    let (header, rows) = csv_rows(strip_bom(body));
    let k = header.iter().position(|h| h == key_col).unwrap();
    let c = header.iter().position(|h| h == col).unwrap();
    rows.iter()
        .find(|r| r[k] == key)
        .unwrap_or_else(|| panic!("no row with {key_col} = {key} in {body}"))[c]
        .clone()
}

async fn text_of(client: &reqwest::Client, url: String) -> String {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn every_csv_defuses_formulas_and_keeps_numbers() {
    let app = TestApp::new().await;
    let p = app
        .product(EVIL_SKU)
        .name(EVIL_NAME)
        .min("50")
        .cost(250)
        .create()
        .await;
    let lot = app.stock(&p, EVIL_LOT, days(200), "40").await;
    app.usage_session(UsageSession::new(at_days_ago(2, 10), &[(&p, "3")]))
        .await;
    let t = app.token_for(Role::Manager).await;
    let (s, _) = app
        .api_post(
            &t,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": -2, "reason": "waste"}),
        )
        .await;
    assert_eq!(s, 201);
    let manager = app.manager().await;
    let quoted_name = format!("'{EVIL_NAME}");
    let quoted_sku = format!("'{EVIL_SKU}");

    // The ledger: the product name and lot are quoted, the deltas stay numbers.
    let ledger = text_of(&manager, app.url("/ledger.csv")).await;
    let (header, rows) = csv_rows(strip_bom(&ledger));
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r[col("product")], quoted_name);
        assert_eq!(r[col("sku")], quoted_sku);
        assert_eq!(r[col("lot")], format!("'{EVIL_LOT}"));
        assert!(
            r[col("delta")].parse::<f64>().is_ok(),
            "delta stays a number: {:?}",
            r[col("delta")]
        );
    }
    assert!(rows.iter().any(|r| r[col("delta")] == "-2"), "{ledger}");

    // The reorder report, page and API.
    for url in [
        "/reports/reorder.csv?site=main",
        "/api/v1/reports/reorder.csv?site=main",
    ] {
        let body = if url.starts_with("/api") {
            let r = reqwest::Client::new()
                .get(app.url(url))
                .bearer_auth(&t)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        } else {
            text_of(&manager, app.url(url)).await
        };
        assert_eq!(
            cell(&body, "SKU", &quoted_sku, "Product"),
            quoted_name,
            "{url}"
        );
        assert_eq!(
            cell(&body, "SKU", &quoted_sku, "Pack cost"),
            "250.00",
            "{url}"
        );
    }

    // The usage CSVs.
    let (from, to) = (days(-30), days(0));
    let usage = text_of(
        &manager,
        app.url(&format!(
            "/reports/usage.csv?report=products&from={from}&to={to}"
        )),
    )
    .await;
    assert_eq!(cell(&usage, "SKU", &quoted_sku, "Product"), quoted_name);
    assert_eq!(cell(&usage, "SKU", &quoted_sku, "Quantity"), "3");
    let waste = text_of(
        &manager,
        app.url(&format!(
            "/reports/usage.csv?report=waste&from={from}&to={to}"
        )),
    )
    .await;
    assert_eq!(cell(&waste, "SKU", &quoted_sku, "Product"), quoted_name);

    // The recall CSV.
    let recall = text_of(&manager, app.url(&format!("/lots/{lot}/recall.csv"))).await;
    assert_eq!(cell(&recall, "sku", &quoted_sku, "product"), quoted_name);
    assert_eq!(
        cell(&recall, "sku", &quoted_sku, "lot"),
        format!("'{EVIL_LOT}")
    );
    assert_eq!(cell(&recall, "sku", &quoted_sku, "quantity"), "3");
}
