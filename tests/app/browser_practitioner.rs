//! Practitioners' shortcuts in a real headless Chromium at 768 px (issue 14
//! item 11): from the home page's "My sessions today" to the session,
//! "Repeat this session", Save (a new session, the roller from today's
//! FEFO lot), then void it themselves with a reason — each a tap, no
//! typing but the reason. Without Chromium: as browser.rs.

use serde_json::json;

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;
use crate::webdriver::{Driver, login};

#[tokio::test]
async fn browser_repeat_todays_session_then_void_it_within_thirty_minutes() {
    let Some(driver) =
        Driver::start("browser_repeat_todays_session_then_void_it_within_thirty_minutes").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let roller = app.product("R15").roller(150).create().await;
    let spf = app.product("SPF").spf().create().await;
    let lot_a = app.stock(&roller, "R-A", days(200), "5").await;
    let lot_b = app.stock(&roller, "R-B", days(60), "5").await;
    app.stock(&spf, "S-1", days(200), "10").await;
    let (s, p) = app
        .api_post(
            &m,
            "/api/v1/protocols",
            &json!({"name": "Acne scars face", "indication": "acne_scars", "needle_min_mm": 1.0,
                "needle_max_mm": 2.0, "addons": ["prp"],
                "lines": [{"product_id": roller.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let pia = app.token_for(Role::Practitioner).await;
    let body = json!({"site": "main", "client_ref": "C-4242", "needle_length_mm": 1.5,
        "protocol_id": p["id"], "indication": "acne_scars", "addons": ["prp"],
        "lines": [{"product_id": roller.id, "quantity": 1, "lot_id": lot_a},
                  {"product_id": spf.id, "quantity": 1}]});
    let (s, first) = app.post_session(&pia, &new_key(), &body).await;
    assert_eq!(s, 201, "{first}");
    let first_id = first["id"].as_i64().unwrap();

    let b = driver.session(768, 1024).await;
    login(&app, &b, "practitioner-api").await;
    b.goto(&app.url("/")).await;
    let mut taps = 0;
    // 1: today's session.
    b.click(
        &b.find(&format!(
            "#today-sessions tr[data-session='{first_id}'] td.time a"
        ))
        .await,
    )
    .await;
    taps += 1;
    b.wait_until(
        "the session page",
        &format!("return location.pathname === '/sessions/{first_id}'"),
    )
    .await;
    // 2: Repeat.
    b.click(&b.find("#repeat-session").await).await;
    taps += 1;
    b.wait_until(
        "the form, filled",
        "return location.pathname === '/sessions/new' \
         && document.querySelector('input[name=client_ref]').value === 'C-4242'",
    )
    .await;
    // 3: Save (and, if it asks, tick the warnings and save again).
    b.click(&b.find("#save").await).await;
    taps += 1;
    b.wait_until(
        "saved, or asked to check warnings",
        "return /^\\/sessions\\/\\d+$/.test(location.pathname) \
         || !!document.querySelector('#warnings-confirm.asked input[name=confirm_warnings]')",
    )
    .await;
    // Only the answer to a save has `asked`: the preview may show the
    // checkbox before saving, and waiting for it alone raced the POST.
    if b.try_find("#warnings-confirm.asked input[name=confirm_warnings]")
        .await
        .is_some()
    {
        b.click(&b.find("input[name=confirm_warnings]").await).await;
        b.click(&b.find("#save").await).await;
        taps += 2;
    }
    b.wait_until(
        "the new session's page",
        &format!(
            "return /^\\/sessions\\/\\d+$/.test(location.pathname) \
             && location.pathname !== '/sessions/{first_id}'"
        ),
    )
    .await;
    assert!(taps <= 6, "{taps} taps from the home page");
    let lots = b
        .script("return Array.from(document.querySelectorAll('#used td.lot')).map(t => t.textContent.trim())")
        .await;
    assert_eq!(
        lots,
        json!(["R-B", "S-1"]),
        "today's FEFO, not the named R-A"
    );
    let url = b.current_url().await;
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(app.balance(lot_b, "store").await, 4000);

    // Void it: open the box, give a reason, confirm.
    b.click(&b.find("details.void summary").await).await;
    b.type_text(
        &b.find("#void-form input[name=reason]").await,
        "repeated by mistake",
    )
    .await;
    b.click(&b.find("#void-form button[type=submit]").await)
        .await;
    b.wait_until("voided", "return !!document.querySelector('#void-state')")
        .await;
    let (s, v) = app.api_get(&m, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["voided"], json!(true));
    assert_eq!(v["void_reason"], "repeated by mistake");
    assert_eq!(app.balance(lot_b, "store").await, 5000);
    b.quit().await;
    app.assert_ledger_consistent().await;
}

/// Issue 14 item 11c on a tablet (768 px): choose the anaesthetic, type the
/// quantity, tick "New tube opened", Save; the session page shows the tube
/// opened (lot, tube, use-by after opening) and the stock came from it.
#[tokio::test]
async fn browser_tick_new_tube_opened_on_a_tablet_and_save() {
    let Some(driver) = Driver::start("browser_tick_new_tube_opened_on_a_tablet_and_save").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let lido = app
        .product("LIDO")
        .anesthetic()
        .use_within(28)
        .create()
        .await;
    let lot = app.stock(&lido, "L-TAB", days(200), "60").await;
    app.add_user("nurse", Role::Practitioner).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "nurse").await;
    b.goto(&app.url("/sessions/new")).await;
    b.type_text(&b.find("input[name=client_ref]").await, "C-5150")
        .await;
    b.type_text(&b.find("input[name=needle_length_mm]").await, "1.5")
        .await;
    // Leaving the field redraws the lines for that length: wait for it.
    b.script("document.querySelector('input[name=needle_length_mm]').blur(); return true")
        .await;
    b.wait_until(
        "the lines redrawn for 1.5 mm",
        "return document.querySelector('input[name=lines_needle]').value === '1.5'",
    )
    .await;
    b.click(
        &b.find(&format!(
            "#line-0 select[name=product_id] option[value='{}']",
            lido.id
        ))
        .await,
    )
    .await;
    b.wait_until(
        "the lines block swapped (the unit shown)",
        "return document.querySelector('#line-0 label.qty').textContent.includes('(g)')",
    )
    .await;
    b.type_text(&b.find("#line-0 input[name=quantity]").await, "2")
        .await;
    // The tick is on screen at tablet width and big enough to tap.
    let rect = b
        .script(
            "const l = document.querySelector('#line-0 label.open-new').getBoundingClientRect(); \
             return [l.right <= window.innerWidth, l.height >= 40, \
                     document.documentElement.scrollWidth <= window.innerWidth]",
        )
        .await;
    assert_eq!(rect, json!([true, true, true]), "the tick fits at 768 px");
    b.click(&b.find("#line-0 label.open-new").await).await;
    b.wait_until(
        "the preview says a tube will be opened",
        "const o = document.querySelector('#hint-0 .opens'); \
         return !!o && o.textContent.includes('L-TAB')",
    )
    .await;
    b.click(&b.find("#save").await).await;
    b.wait_until(
        "saved, or asked to check warnings",
        "return /^\\/sessions\\/\\d+$/.test(location.pathname) \
         || !!document.querySelector('#warnings-confirm.asked input[name=confirm_warnings]')",
    )
    .await;
    // Only the answer to a save has `asked`: the preview may show the
    // checkbox before saving, and waiting for it alone raced the POST.
    if b.try_find("#warnings-confirm.asked input[name=confirm_warnings]")
        .await
        .is_some()
    {
        assert_eq!(
            b.script("return document.querySelector('#line-0 input[name=open_new]').checked")
                .await,
            json!(true),
            "the tick is kept while warnings are confirmed"
        );
        b.click(&b.find("input[name=confirm_warnings]").await).await;
        b.click(&b.find("#save").await).await;
    }
    b.wait_until(
        "the session's page",
        "return /^\\/sessions\\/\\d+$/.test(location.pathname)",
    )
    .await;
    let said = b.text(&b.find("#used .opened-tube").await).await;
    assert_eq!(
        said,
        format!(
            "New tube opened: lot L-TAB · tube 1 · store · use by {}",
            days(28)
        )
    );
    assert_eq!(app.balance(lot, "store").await, 30_000);
    let lots = b
        .script("return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(lots, json!(true), "the session page fits at 768 px");
    b.quit().await;
    app.assert_ledger_consistent().await;
}
