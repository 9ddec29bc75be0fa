//! Camera scanning in a real headless Chromium (issue 15, part 7): the
//! "Scan" buttons are shown where a camera API exists (127.0.0.1 counts as
//! a secure context), and a decoded string handed to the page's one entry
//! point, `ClinicScan.deliver(button, text)` (no camera in the test), fills
//! the receive form's product, lot and expiry through the server's GS1
//! parser, and names the exact lot of a session form line; a code that is
//! not GS1 is a message at the line. The vendored decoder is served.
//! Without Chromium: as browser.rs.

use crate::fixtures::days;
use crate::support::*;
use crate::webdriver::{Browser, Driver, login};

/// `ClinicScan.deliver` on the button matched by `css`, with `text` (a JS
/// string literal).
async fn deliver(b: &Browser, css: &str, text: &str) {
    let ok = b
        .script(&format!(
            "window.ClinicScan.deliver(document.querySelector(\"{css}\"), {text}); return true;"
        ))
        .await;
    assert_eq!(ok, serde_json::json!(true));
}

#[tokio::test]
async fn browser_a_scan_fills_the_receive_form() {
    let Some(driver) = Driver::start("browser_a_scan_fills_the_receive_form").await else {
        return;
    };
    let app = TestApp::new().await;
    let roller = app
        .product("RL-150")
        .roller(150)
        .gtin("09506000134352")
        .create()
        .await;
    app.add_user("mona", Role::Manager).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "mona").await;
    b.goto(&app.url("/receive")).await;
    b.wait_until(
        "the Scan button shown",
        "return window.ClinicScan && window.ClinicScan.cameraPossible() \
         && document.getElementById('scan-camera').hidden === false",
    )
    .await;
    // What a DataMatrix decoder returns: FNC1 as ASCII 29.
    deliver(
        &b,
        "#scan-camera",
        "'\\u001d01095060001343521727123110SCAN-7'",
    )
    .await;
    b.wait_until(
        "lot and expiry filled by the server's parser",
        "return document.getElementById('lot') && document.getElementById('lot').value === 'SCAN-7' \
         && document.getElementById('expiry').value === '2027-12-31'",
    )
    .await;
    let product = b
        .script("return document.getElementById('product_id').value")
        .await;
    assert_eq!(product, serde_json::json!(roller.id.to_string()));
    // The swapped form still has its (shown) button.
    b.wait_until(
        "the button after the swap",
        "return document.getElementById('scan-camera').hidden === false",
    )
    .await;
    // The decoder is served from the app, with a cache header.
    let r = reqwest::get(app.url("/static/vendor/zxing-library-0.23.0.min.js"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(r.text().await.unwrap().contains("MultiFormatReader"));
    b.quit().await;
}

#[tokio::test]
async fn browser_a_scanned_pouch_names_the_lot_of_a_session_line() {
    let Some(driver) =
        Driver::start("browser_a_scanned_pouch_names_the_lot_of_a_session_line").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let roller = app
        .product("RL-150")
        .roller(150)
        .gtin("09506000134369")
        .name("Dermaroller 1.5 mm")
        .create()
        .await;
    app.stock(&roller, "R-2401", days(40), "6").await;
    let later = app.stock(&roller, "R-2507", days(400), "10").await;
    app.add_user("nurse", Role::Practitioner).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "nurse").await;
    b.goto(&app.url("/sessions/new")).await;
    b.wait_until(
        "the line's Scan button shown",
        "return document.querySelector('#line-0 [data-scan=session-line]').hidden === false",
    )
    .await;
    let qty = b.find("#line-0 input[name=quantity]").await;
    b.type_text(&qty, "1").await;
    let expiry = days(400).format("%y%m%d").to_string();
    deliver(
        &b,
        "#line-0 [data-scan=session-line]",
        &format!("'(01)09506000134369(17){expiry}(10)R-2507'"),
    )
    .await;
    b.wait_until(
        "the line names the scanned lot (not FEFO's R-2401)",
        &format!(
            "var l = document.querySelector('#line-0'); \
             return l.querySelector('select[name=product_id]').value === '{}' \
             && l.querySelector('select[name=lot_id]').value === '{later}' \
             && document.querySelector('#hint-0 .take') !== null",
            roller.id
        ),
    )
    .await;
    let hint = b
        .script("return document.querySelector('#hint-0').textContent")
        .await;
    assert!(hint.as_str().unwrap().contains("R-2507"), "{hint}");
    // Not GS1: a message at the line, the line unchanged.
    deliver(&b, "#line-0 [data-scan=session-line]", "'hello there'").await;
    b.wait_until(
        "the refusal at the line",
        "var e = document.querySelector('#line-0 .scan-error'); \
         return e !== null && e.textContent.indexOf('not a GS1 code') >= 0",
    )
    .await;
    let lot = b
        .script("return document.querySelector('#line-0 select[name=lot_id]').value")
        .await;
    assert_eq!(lot, serde_json::json!(later.to_string()));
    b.quit().await;
}
