//! Issue 14's traps in a real headless Chromium (as `browser`): a double
//! press or Back-and-again on "Create purchase orders" drafts nothing new;
//! "Mark as sent" after editing packs sends the edited packs; "Write off
//! all expired stock" asks first, on a page that lists it. Without Chromium
//! they skip loudly unless `CLINIC_STOCK_REQUIRE_BROWSER=1`.

use crate::fixtures::days;
use crate::support::*;
use crate::webdriver::{Browser, Driver, login};
use crate::workflow_traps::{draft_of_four, due_from_two_suppliers, order_rows, order_state};

async fn manager(app: &TestApp, b: &Browser) {
    app.add_user("boss", Role::Manager).await;
    login(app, b, "boss").await;
}

#[tokio::test]
async fn browser_create_purchase_orders_again_after_back_drafts_nothing_new() {
    let Some(driver) = Driver::start("browser_create_purchase_orders_again").await else {
        return;
    };
    let app = TestApp::new().await;
    due_from_two_suppliers(&app).await;
    let b = driver.session(768, 1024).await;
    manager(&app, &b).await;
    b.goto(&app.url("/reports/reorder")).await;
    b.double_click(&b.find("#create-orders").await).await;
    b.wait_until("the drafts", "return location.pathname === '/orders'")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(order_rows(&app).await, (2, 3), "one draft per supplier");
    // Back to the report (as it was) and press again.
    b.script("history.back(); return true").await;
    b.wait_until(
        "the report again",
        "return location.pathname === '/reports/reorder' && document.querySelector('#create-orders') !== null",
    )
    .await;
    b.click(&b.find("#create-orders").await).await;
    b.wait_until(
        "an answer",
        "return location.pathname !== '/reports/reorder' || document.querySelector('#form-errors') !== null",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(order_rows(&app).await, (2, 3), "nothing new drafted");
    b.quit().await;
}

#[tokio::test]
async fn browser_mark_as_sent_sends_the_packs_just_edited() {
    let Some(driver) = Driver::start("browser_mark_as_sent_sends_the_packs_just_edited").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let (id, line) = draft_of_four(&app).await;
    let b = driver.session(768, 1024).await;
    manager(&app, &b).await;
    b.goto(&app.url(&format!("/orders/{id}"))).await;
    let packs = b.find(&format!("input[name=packs_{line}]")).await;
    b.clear(&packs).await;
    b.type_text(&packs, "99").await;
    b.click(&b.find("#send-button").await).await;
    b.wait_until(
        "the order as sent",
        "const s = document.querySelector('#order-status'); return s !== null && s.dataset.status === 'sent'",
    )
    .await;
    let (status, packs_now, email) = order_state(&app, id).await;
    assert_eq!((status.as_str(), packs_now), ("sent", 99));
    assert!(email.unwrap().contains("- 99 × pack of 10"));
    let shown = b
        .script("return document.querySelector('tr[data-sku=\"RL-1\"] td.packs').textContent")
        .await;
    assert!(shown.as_str().unwrap().trim().starts_with("99"), "{shown}");
    b.quit().await;
}

#[tokio::test]
async fn browser_write_off_expired_asks_first_with_the_list() {
    let Some(driver) = Driver::start("browser_write_off_expired_asks_first_with_the_list").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let roller = app.product("RL-1").roller(150).create().await;
    let old = crate::stock_dashboard::expired_lot(&app, &roller, "R-OLD", days(-5), 2000).await;
    let b = driver.session(768, 1024).await;
    manager(&app, &b).await;
    let before = app.ledger_rows().await;
    b.goto(&app.url("/")).await;
    b.click(&b.find("form#write-off button[type=submit]").await)
        .await;
    b.wait_until(
        "the list to confirm",
        "return document.querySelector('#write-off-list') !== null",
    )
    .await;
    assert_eq!(app.ledger_rows().await, before, "one tap writes nothing");
    let listed = b.text(&b.find("#write-off-list tbody").await).await;
    assert!(listed.contains("R-OLD"), "{listed}");
    b.click(&b.find("#write-off-button").await).await;
    b.wait_until("the dashboard", "return location.pathname === '/'")
        .await;
    let flash = b.text(&b.find("p.flash").await).await;
    assert!(flash.starts_with("Wrote off 1 lot"), "{flash}");
    assert_eq!(app.ledger_rows().await, before + 1);
    assert_eq!(app.balance(old, "store").await, 0);
    b.quit().await;
}
