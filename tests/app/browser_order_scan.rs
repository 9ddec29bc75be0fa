//! Receiving against an order in a real headless Chromium (issue 14 item
//! 3): a keyboard-wedge scanner types the GS1 string into a line's scan
//! field and presses Enter. The scan is read (htmx): the lot and expiry of
//! the line it names are filled and its quantity is focused; nothing is
//! received until "Receive". Without Chromium: as browser.rs.

use crate::fixtures::days;
use crate::orders_receive_scan::{GTIN_B, gs1, received, sent_order};
use crate::support::*;
use crate::webdriver::{Driver, login};

#[tokio::test]
async fn browser_a_scanners_enter_on_an_order_reads_the_scan_instead_of_receiving() {
    let Some(driver) =
        Driver::start("browser_a_scanners_enter_on_an_order_reads_the_scan_instead_of_receiving")
            .await
    else {
        return;
    };
    let app = TestApp::new().await;
    let (m, id, [la, lb]) = sent_order(&app).await;
    app.add_user("boss", Role::Manager).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "boss").await;
    let page = format!("/orders/{id}/receive");
    b.goto(&app.url(&page)).await;
    b.type_text(&b.find(&format!("input[name=quantity_{la}]")).await, "4")
        .await;

    // The scanner: B's barcode into A's scan field, then Enter.
    let scan = gs1(GTIN_B, days(400), "SPF24B");
    let field = b.find(&format!("input[name=gs1_{la}]")).await;
    b.type_text(&field, &scan).await;
    b.type_text(&field, "\u{e007}").await;
    b.wait_until(
        "the scan read into its line",
        &format!(
            "return document.querySelector('input[name=lot_{lb}]').value === 'SPF24B' \
             && document.querySelector('input[name=expiry_{lb}]').value === '{}'",
            days(400)
        ),
    )
    .await;
    assert!(b.current_url().await.ends_with(&page), "still on the form");
    assert_eq!(
        b.script(&format!(
            "return [document.querySelector('input[name=quantity_{la}]').value, \
             document.querySelector('input[name=gs1_{la}]').value, \
             document.activeElement && document.activeElement.name]"
        ))
        .await,
        serde_json::json!(["4", "", format!("quantity_{lb}")]),
        "typed quantity kept, the scanned line's quantity is next"
    );
    assert_eq!(app.ledger_rows().await, 0, "nothing received by Enter");

    // A's quantity was a slip: cleared; B's quantity, then Receive.
    b.clear(&b.find(&format!("input[name=quantity_{la}]")).await)
        .await;
    b.type_text(&b.find(&format!("input[name=quantity_{lb}]")).await, "50")
        .await;
    b.click(&b.find("#receive-button").await).await;
    b.wait_until(
        "the order page",
        &format!("return location.pathname === '/orders/{id}'"),
    )
    .await;
    assert_eq!(received(&app, &m, id).await, [0.0, 50.0]);
    b.quit().await;
    app.assert_ledger_consistent().await;
}
