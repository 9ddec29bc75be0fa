//! The session form in a real headless Chromium (issue 14 item 4): a
//! second protocol replaces the first one's indication, needle length,
//! add-ons and lines (htmx) and keeps the client, notes and a line the
//! person added; changing the needle length swaps the roller; the saved
//! session has the second protocol's values. Without Chromium: as browser.rs.

use serde_json::json;

use crate::fixtures::days;
use crate::support::*;
use crate::webdriver::{Browser, Driver};

async fn login(app: &TestApp, b: &Browser, name: &str) {
    b.goto(&app.url("/login")).await;
    let user = b.find("input[name=username]").await;
    b.type_text(&user, name).await;
    let pass = b.find("input[name=password]").await;
    b.type_text(&pass, PASSWORD).await;
    b.click(&b.find("form[action='/login'] button[type=submit]").await)
        .await;
    wait(
        b,
        "logged in",
        "return !location.pathname.startsWith('/login')",
    )
    .await;
}

/// Waits like `Browser::wait_until`, and on a time-out says what the form holds.
async fn wait(b: &Browser, what: &str, script: &str) {
    for _ in 0..100 {
        if b.script(script).await == json!(true) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let state = b
        .script(&format!(
            "return [{PRODUCTS}, document.querySelector('input[name=needle_length_mm]').value, \
             document.querySelector('select[name=indication]').value, \
             Array.from(document.querySelectorAll('input[name=addons]:checked')).map(i => i.value).join(','), \
             document.querySelector('input[name=lines_needle]').value]"
        ))
        .await;
    panic!("timed out waiting for {what}; the form holds {state}");
}

/// JS: the chosen products of the non-blank rows, joined by commas.
const PRODUCTS: &str = "Array.from(document.querySelectorAll('select[name=product_id]')).map(s => s.value).filter(v => v).join(',')";

/// Five products in stock and two protocols: "Acne scars face" (1.5 mm
/// roller, SPF; PRP) and "Fine lines" (1 mm roller, SPF, serum; vitamin
/// serum), `ids` in that order; `m` a manager's token.
struct Clinic {
    m: String,
    r150: clinic_stock::db::models::Product,
    r100: clinic_stock::db::models::Product,
    spf: clinic_stock::db::models::Product,
    serum: clinic_stock::db::models::Product,
    lido: clinic_stock::db::models::Product,
    ids: Vec<String>,
}

async fn two_protocols(app: &TestApp) -> Clinic {
    let m = app.token_for(Role::Manager).await;
    let r150 = app.product("RL-150").roller(150).create().await;
    let r100 = app.product("RL-100").roller(100).create().await;
    let spf = app.product("SPF-50").spf().create().await;
    let serum = app.product("SER-HA").serum().create().await;
    let lido = app.product("AN-LIDO").anesthetic().create().await;
    for (p, lot) in [
        (&r150, "R15"),
        (&r100, "R10"),
        (&spf, "S1"),
        (&serum, "H1"),
        (&lido, "L1"),
    ] {
        app.stock(p, lot, days(200), "20").await;
    }
    let mut ids = Vec::new();
    for body in [
        json!({"name": "Acne scars face", "indication": "acne_scars", "needle_min_mm": 1.0,
            "needle_max_mm": 2.0, "addons": ["prp"],
            "lines": [{"product_id": r150.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1}]}),
        json!({"name": "Fine lines", "indication": "fine_lines", "needle_min_mm": 0.5,
            "needle_max_mm": 1.0, "addons": ["vitamin_serum"],
            "lines": [{"product_id": r100.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1},
                      {"product_id": serum.id, "quantity": 2}]}),
    ] {
        let (s, p) = app.api_post(&m, "/api/v1/protocols", &body).await;
        assert_eq!(s, 201, "{p}");
        ids.push(p["id"].to_string());
    }
    Clinic {
        m,
        r150,
        r100,
        spf,
        serum,
        lido,
        ids,
    }
}

#[tokio::test]
async fn browser_a_second_protocol_replaces_the_first_and_the_needle_swaps_the_roller() {
    let Some(driver) = Driver::start(
        "browser_a_second_protocol_replaces_the_first_and_the_needle_swaps_the_roller",
    )
    .await
    else {
        return;
    };
    let app = TestApp::new().await;
    let Clinic {
        m,
        r150,
        r100,
        spf,
        serum,
        lido,
        ids,
    } = two_protocols(&app).await;
    app.add_user("nurse", Role::Practitioner).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "nurse").await;
    b.goto(&app.url("/sessions/new")).await;
    b.type_text(&b.find("input[name=client_ref]").await, "C-5151")
        .await;
    b.type_text(&b.find("textarea[name=notes]").await, "gentle pass")
        .await;
    let choose = |id: String| format!("select[name=protocol_id] option[value='{id}']");
    b.click(&b.find(&choose(ids[0].clone())).await).await;
    wait(
        &b,
        "the first protocol filled the form",
        &format!(
            "return {PRODUCTS} === '{},{}' \
             && document.querySelector('input[name=needle_length_mm]').value === '1.5' \
             && document.querySelector('select[name=indication]').value === 'acne_scars' \
             && document.querySelector('input[name=addons][value=prp]').checked",
            r150.id, spf.id
        ),
    )
    .await;

    // A line of the person's own.
    b.click(
        &b.find(&format!(
            "#line-2 select[name=product_id] option[value='{}']",
            lido.id
        ))
        .await,
    )
    .await;
    wait(
        &b,
        "the added line",
        &format!(
            "return {PRODUCTS} === '{},{},{}' \
             && document.querySelector('#line-2 label.qty').textContent.includes('(g)')",
            r150.id, spf.id, lido.id
        ),
    )
    .await;
    b.type_text(&b.find("#line-2 input[name=quantity]").await, "2")
        .await;

    // The second protocol.
    b.click(&b.find(&choose(ids[1].clone())).await).await;
    wait(
        &b,
        "the second protocol replaced the first",
        &format!(
            "return {PRODUCTS} === '{},{},{},{}' \
             && document.querySelector('input[name=needle_length_mm]').value === '1' \
             && document.querySelector('select[name=indication]').value === 'fine_lines' \
             && !document.querySelector('input[name=addons][value=prp]').checked \
             && document.querySelector('input[name=addons][value=vitamin_serum]').checked",
            r100.id, spf.id, serum.id, lido.id
        ),
    )
    .await;
    assert_eq!(
        b.script("return [document.querySelector('input[name=client_ref]').value, document.querySelector('textarea[name=notes]').value, document.querySelector('#line-3 input[name=quantity]').value]")
            .await,
        json!(["C-5151", "gentle pass", "2"]),
        "typed values kept"
    );

    // The needle length changes: the roller follows.
    let needle = b.find("input[name=needle_length_mm]").await;
    // Select all, type, Tab: one change event (as a person retyping it).
    b.type_text(&needle, "\u{e009}a\u{e000}0.5\u{e004}").await;
    let r050 = r100.id; // no 0.5 mm roller: the line stays
    wait(
        &b,
        "the needle change was applied",
        &format!(
            "return document.querySelector('input[name=lines_needle]').value === '0.5' && {PRODUCTS} === '{},{},{},{}'",
            r050, spf.id, serum.id, lido.id
        ),
    )
    .await;
    b.type_text(&needle, "\u{e009}a\u{e000}1.5\u{e004}").await;
    wait(
        &b,
        "the 1.5 mm roller",
        &format!(
            "return {PRODUCTS} === '{},{},{},{}'",
            r150.id, spf.id, serum.id, lido.id
        ),
    )
    .await;

    // Save (ticking the warnings next to Save if there are any).
    b.click(&b.find("#save").await).await;
    wait(
        &b,
        "saved or asked",
        "return /^\\/sessions\\/\\d+$/.test(location.pathname) \
         || document.querySelector('#warnings-confirm.asked input[name=confirm_warnings]') !== null",
    )
    .await;
    if b.try_find("#warnings-confirm.asked input[name=confirm_warnings]")
        .await
        .is_some()
    {
        b.click(&b.find("input[name=confirm_warnings]").await).await;
        b.click(&b.find("#save").await).await;
        wait(
            &b,
            "the session page",
            "return /^\\/sessions\\/\\d+$/.test(location.pathname)",
        )
        .await;
    }
    let url = b.current_url().await;
    let id = url.rsplit('/').next().unwrap().to_string();
    let (s, v) = app.api_get(&m, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["indication"], json!("fine_lines"), "{v}");
    assert_eq!(v["addons"], json!(["vitamin_serum"]), "{v}");
    assert_eq!(v["needle_length_mm"].as_f64(), Some(1.5), "{v}");
    assert_eq!(v["protocol_id"].to_string(), ids[1], "{v}");
    assert_eq!(v["notes"], json!("gentle pass"), "{v}");
    b.quit().await;
    app.assert_ledger_consistent().await;
}

/// Issue 14 item 5: at 800 ms latency, a quantity typed while the lines
/// block is on its way back (after choosing the row's product) is kept,
/// with the focus, when the block is swapped.
#[tokio::test]
async fn browser_a_quantity_typed_during_a_slow_lines_swap_is_kept() {
    let Some(driver) =
        Driver::start("browser_a_quantity_typed_during_a_slow_lines_swap_is_kept").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let lido = app.product("AN-LIDO").anesthetic().create().await;
    app.stock(&lido, "L1", days(200), "20").await;
    app.add_user("nurse", Role::Practitioner).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "nurse").await;
    b.goto(&app.url("/sessions/new")).await;
    // Artificial latency: every XHR (htmx) leaves 800 ms late.
    b.script(
        "const send = XMLHttpRequest.prototype.send; \
         XMLHttpRequest.prototype.send = function (body) { const x = this; setTimeout(() => send.call(x, body), 800); }; \
         return true",
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
    let qty = b.find("#line-0 input[name=quantity]").await;
    b.type_text(&qty, "3").await;
    wait(
        &b,
        "the lines block swapped (the unit shown)",
        "return document.querySelector('#line-0 label.qty').textContent.includes('(g)')",
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        b.script(
            "const q = document.querySelector('#line-0 input[name=quantity]'); \
             return [q.value, document.activeElement === q]"
        )
        .await,
        json!(["3", true]),
        "the typed quantity survives the swap, focused"
    );
    b.quit().await;
}
