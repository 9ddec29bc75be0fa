//! End-to-end in a real headless Chromium (Debian `chromium` +
//! `chromium-driver`): a practitioner logs in, picks a protocol (htmx fills
//! the lines), saves, and the stock goes down; a double click on Save records
//! one session. Saves `target/screenshots/session-form-768.png`.
//! Without Chromium the tests print a loud notice and pass, unless
//! `CLINIC_STOCK_REQUIRE_BROWSER=1` (CI), where they fail.

use serde_json::json;

use crate::fixtures::days;
use crate::support::*;
use crate::webdriver::{Browser, Driver, login};

/// A clinic with a protocol: returns (protocol id, roller id).
async fn clinic(app: &TestApp) -> (i64, clinic_stock::db::models::Product, String) {
    let m = app.token_for(Role::Manager).await;
    let roller = app
        .product("RL-150")
        .roller(150)
        .name("Dermaroller 1.5 mm")
        .create()
        .await;
    let lido = app
        .product("AN-LIDO")
        .anesthetic()
        .name("Lidocaine 5% cream")
        .max_per_session("5")
        .create()
        .await;
    let spf = app
        .product("SPF-50")
        .spf()
        .name("Mineral SPF 50")
        .create()
        .await;
    app.stock(&roller, "R-2401", days(40), "6").await;
    app.stock(&roller, "R-2507", days(400), "10").await;
    app.stock(&lido, "L-88", days(120), "30").await;
    app.stock(&spf, "S-12", days(200), "50").await;
    let (s, p) = app
        .api_post(
            &m,
            "/api/v1/protocols",
            &json!({"name": "Acne scars face", "indication": "acne_scars", "needle_min_mm": 1.0,
                "needle_max_mm": 2.0, "addons": ["vitamin_serum"],
                "lines": [{"product_id": roller.id, "quantity": 1}, {"product_id": lido.id, "quantity": 3},
                          {"product_id": spf.id, "quantity": 2}]}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    (p["id"].as_i64().unwrap(), roller, m)
}

/// Fills the form: client code, protocol (htmx fills the lines).
async fn fill_form(b: &Browser, protocol_id: i64, roller_id: i64) {
    let client = b.find("input[name=client_ref]").await;
    b.type_text(&client, "C-2024").await;
    b.click(
        &b.find(&format!(
            "select[name=protocol_id] option[value='{protocol_id}']"
        ))
        .await,
    )
    .await;
    b.wait_until(
        "the protocol's lines",
        &format!(
            "return document.querySelector('select[name=product_id]').value === '{roller_id}' \
             && document.querySelector('#hint-0 .take') !== null"
        ),
    )
    .await;
    b.wait_until(
        "the needle length from the protocol",
        "return document.querySelector('input[name=needle_length_mm]').value === '1.5'",
    )
    .await;
}

async fn usable(app: &TestApp, token: &str, product_id: i64) -> serde_json::Value {
    let (s, stock) = app
        .api_get(
            token,
            &format!("/api/v1/stock?site=main&product_id={product_id}"),
        )
        .await;
    assert_eq!(s, 200);
    stock["items"][0]["usable"].clone()
}

#[tokio::test]
async fn browser_practitioner_logs_a_session_from_a_protocol() {
    let Some(driver) = Driver::start("browser_practitioner_logs_a_session_from_a_protocol").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let (protocol_id, roller, token) = clinic(&app).await;
    assert_eq!(usable(&app, &token, roller.id).await, json!(16));
    app.add_user("nurse", Role::Practitioner).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "nurse").await;
    b.goto(&app.url("/sessions/new")).await;
    fill_form(&b, protocol_id, roller.id).await;
    // The hint is re-rendered by htmx while the form settles: read it in the
    // page rather than through an element handle that a swap can make stale.
    b.wait_until(
        "FEFO shows the earliest lot (R-2401) in the hint",
        "const h = document.querySelector('#hint-0'); return h !== null && h.textContent.includes('R-2401')",
    )
    .await;

    // Look at it on a tablet.
    let png = b.full_screenshot().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("session-form-768.png"), &png).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");

    b.click(&b.find("#save").await).await;
    b.wait_until(
        "the session page",
        "return /^\\/sessions\\/\\d+$/.test(location.pathname)",
    )
    .await;
    let used = b.text(&b.find("#used").await).await;
    assert!(used.contains("R-2401") && used.contains("L-88"), "{used}");
    std::fs::write(dir.join("session-page-768.png"), b.full_screenshot().await).unwrap();
    b.click(&b.find("#aftercare-link").await).await;
    b.find("#aftercare").await;
    std::fs::write(dir.join("aftercare-768.png"), b.full_screenshot().await).unwrap();
    assert_eq!(usable(&app, &token, roller.id).await, json!(15));
    assert_eq!(app.session_rows().await, (1, 3));
    b.quit().await;
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn browser_double_click_on_save_records_one_session() {
    let Some(driver) = Driver::start("browser_double_click_on_save_records_one_session").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let (protocol_id, roller, token) = clinic(&app).await;
    app.add_user("nurse", Role::Practitioner).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "nurse").await;
    b.goto(&app.url("/sessions/new")).await;
    fill_form(&b, protocol_id, roller.id).await;
    let save = b.find("#save").await;
    b.double_click(&save).await;
    b.wait_until(
        "the session page",
        "return /^\\/sessions\\/\\d+$/.test(location.pathname)",
    )
    .await;
    // Give a second request, had one been sent, time to land.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.session_rows().await, (1, 3));
    assert_eq!(usable(&app, &token, roller.id).await, json!(15));
    b.quit().await;
    app.assert_ledger_consistent().await;
}
