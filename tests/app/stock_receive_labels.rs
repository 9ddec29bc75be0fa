//! Receiving from GS1 labels as they really are (issue 15): counts,
//! measures, expiry date and time, Digital Link URIs from 2D codes, plain
//! GTINs; a scan that is not GS1 is a field error and writes nothing.

use scraper::Html;
use serde_json::json;

use crate::fixtures::days;
use crate::support::*;

const GTIN: &str = "04006381333931";

async fn lot_expiry(app: &TestApp, product_id: i64, lot: &str) -> Option<chrono::NaiveDate> {
    let lot = lot.to_string();
    app.with_conn(move |c| {
        clinic_stock::db::lots::find(c, product_id, &lot)
            .unwrap()
            .map(|l| l.expiry)
    })
    .await
}

#[tokio::test]
async fn the_api_receives_labels_with_counts_measures_times_and_digital_links() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let p = app.product("SR-HA").serum().gtin(GTIN).create().await;
    let exp = days(500);
    let yymmdd = exp.format("%y%m%d").to_string();
    let scans = [
        (format!("(01){GTIN}(17){yymmdd}(10)L-37(37)24"), "L-37"),
        (
            format!("01{GTIN}3103000250") + &format!("17{yymmdd}10L-3103"),
            "L-3103",
        ),
        (format!("(01){GTIN}(7003){yymmdd}2359(10)L-7003"), "L-7003"),
        (
            format!("https://id.example.com/01/{GTIN}/10/L-DL?17={yymmdd}"),
            "L-DL",
        ),
        (
            format!(
                "]Q1https://brand.example/x/01/{}/10/L%2FQR?17={yymmdd}&linkType=all",
                &GTIN[1..]
            ),
            "L/QR",
        ),
    ];
    for (scan, lot) in &scans {
        let (s, r) = app
            .api_post(
                &m,
                "/api/v1/receipts",
                &json!({"site": "main", "location": "store", "gs1": scan, "quantity": 2}),
            )
            .await;
        assert_eq!(s, 201, "{scan}: {r}");
        assert_eq!(r["product_id"], json!(p.id), "{scan}");
        assert_eq!(r["lot"], json!(lot), "{scan}");
        assert_eq!(r["expiry"], json!(exp.to_string()), "{scan}");
        assert_eq!(lot_expiry(&app, p.id, lot).await, Some(exp), "{scan}");
    }
    let rows_before = app.ledger_rows().await;
    for (scan, why) in [
        ("hello world", "expected an application identifier"),
        ("https://example.com/menu", "not a GS1 Digital Link"),
        ("]Q1WIFI:S:clinic;;", "not a GS1 barcode"),
        (
            "(00)106141411234567897(37)12",
            "no GTIN, lot, serial number or expiry date",
        ),
    ] {
        let (s, r) = app
            .api_post(
                &m,
                "/api/v1/receipts",
                &json!({"site": "main", "location": "store", "gs1": scan, "quantity": 2}),
            )
            .await;
        assert_eq!(s, 422, "{scan}: {r}");
        assert_eq!(r["error"]["field"], "gs1", "{scan}: {r}");
        let msg = r["error"]["message"].as_str().unwrap_or_default();
        assert!(msg.contains(why), "{scan}: {msg}");
    }
    assert_eq!(
        app.ledger_rows().await,
        rows_before,
        "refusals write nothing"
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn the_receive_page_reads_a_digital_link_and_refuses_a_non_gs1_scan_at_the_field() {
    let app = TestApp::new().await;
    let p = app.product("RL-100").roller(100).gtin(GTIN).create().await;
    let m = app.manager().await;
    let exp = days(450);
    let dl = format!(
        "https://id.gs1.org/01/{GTIN}/10/PG-DL?17={}",
        exp.format("%y%m%d")
    );
    let fields = |scan: &str| {
        vec![
            ("gs1", scan.to_string()),
            ("product_id", String::new()),
            ("lot", String::new()),
            ("expiry", String::new()),
            ("quantity", "3".into()),
            ("quantity_in", "units".into()),
        ]
    };
    let f = fields(&dl);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(&m, "/receive", "/receive", &f).await;
    assert_eq!(r.status(), 303);
    assert_eq!(lot_expiry(&app, p.id, "PG-DL").await, Some(exp));

    let before = app.ledger_rows().await;
    let f = fields("NOT-A-BARCODE");
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(&m, "/receive", "/receive", &f).await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let msg = text(&doc, "small.field-error[data-field=\"gs1\"]");
    assert!(
        msg.contains("expected an application identifier"),
        "{msg:?}"
    );
    assert_eq!(app.ledger_rows().await, before);
}
