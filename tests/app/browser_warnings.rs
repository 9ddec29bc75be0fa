//! "I have checked these warnings" in a real headless Chromium (issue 15
//! part 4): removing the SPF line (htmx) brings the warning and the tick
//! box next to Save; Save without the tick saves nothing and brings the
//! form back asking; ticked, it saves and the session page says who
//! checked. Without Chromium: as browser.rs.

use serde_json::json;

use crate::fixtures::days;
use crate::support::*;
use crate::webdriver::{Driver, login};

#[tokio::test]
async fn browser_a_session_that_warns_is_saved_once_its_warnings_are_ticked() {
    let Some(driver) =
        Driver::start("browser_a_session_that_warns_is_saved_once_its_warnings_are_ticked").await
    else {
        return;
    };
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let spf = app.product("SPF-50").spf().create().await;
    app.stock(&roller, "R-1", days(100), "5").await;
    app.stock(&spf, "S-1", days(100), "5").await;
    let (s, p) = app
        .api_post(
            &m,
            "/api/v1/protocols",
            &json!({"name": "Acne scars face", "indication": "acne_scars", "needle_min_mm": 1.0,
                "needle_max_mm": 2.0,
                "lines": [{"product_id": roller.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    app.add_user("nurse", Role::Practitioner).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "nurse").await;
    b.goto(&app.url("/sessions/new")).await;
    b.type_text(&b.find("input[name=client_ref]").await, "C-3030")
        .await;
    b.click(
        &b.find(&format!(
            "select[name=protocol_id] option[value='{}']",
            p["id"]
        ))
        .await,
    )
    .await;
    b.wait_until(
        "the protocol's two lines",
        &format!(
            "return document.querySelectorAll('select[name=product_id]')[1].value === '{}' \
             && document.querySelector('input[name=needle_length_mm]').value === '1.5'",
            spf.id
        ),
    )
    .await;
    assert!(
        b.try_find("input[name=confirm_warnings]").await.is_none(),
        "nothing to check"
    );

    // Remove the SPF line: the warning and the box appear next to Save.
    b.click(&b.find("#line-1 button.remove").await).await;
    b.wait_until(
        "the no_spf warning next to Save",
        "const i = document.querySelector('#warnings-confirm input[name=confirm_warnings]'); \
         return i !== null && i.value === 'no_spf' && !i.checked",
    )
    .await;

    // Save without the tick: nothing saved, the form asks.
    b.click(&b.find("#save").await).await;
    b.wait_until(
        "the form back, asking",
        "return document.querySelector('#warnings-confirm.asked input[name=confirm_warnings]') !== null",
    )
    .await;
    assert_eq!(app.session_rows().await, (0, 0));
    assert_eq!(
        b.script("return document.querySelector('input[name=client_ref]').value")
            .await,
        json!("C-3030"),
        "typed values kept"
    );

    // Tick and save.
    b.click(&b.find("input[name=confirm_warnings]").await).await;
    b.click(&b.find("#save").await).await;
    b.wait_until(
        "the session page",
        "return /^\\/sessions\\/\\d+$/.test(location.pathname)",
    )
    .await;
    let checked = b.text(&b.find("#warnings-checked").await).await;
    assert_eq!(checked, "Warnings checked by nurse");
    assert_eq!(app.session_rows().await, (1, 1));
    b.quit().await;
    app.assert_ledger_consistent().await;
}
