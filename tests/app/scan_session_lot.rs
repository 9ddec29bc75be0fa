//! `GET /sessions/new/scan` (issue 15, part 7): a scanned pouch names the
//! product (GTIN) and the exact lot (number, and expiry when the code has
//! one) of a session form line, on both backends. Every refusal is a 422
//! with the message at `field: "gs1"`: not GS1, no GTIN, an unknown GTIN,
//! no lot, a lot never received, another expiry, a lot not usable at the
//! site (quarantined, none on hand there). Another site's form is 403.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::support::*;

const GTIN: &str = "09506000134376";

async fn scan(app: &TestApp, client: &reqwest::Client, q: &str) -> (u16, Value) {
    let r = client
        .get(app.url(&format!("/sessions/new/scan?{q}")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET /sessions/new/scan?{q}: {e:?}"));
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn code(s: &str) -> String {
    urlencode(s)
}

fn urlencode(s: &str) -> String {
    clinic_stock::views::pager::urlencode(s)
}

/// A refusal at `gs1` whose message contains `part`.
fn refused(r: &(u16, Value), part: &str) {
    assert_eq!(r.0, 422, "{:?}", r.1);
    assert_eq!(r.1["error"]["field"], "gs1", "{:?}", r.1);
    let m = r.1["error"]["message"].as_str().unwrap();
    assert!(m.contains(part), "{m:?} should say {part:?}");
}

#[tokio::test]
async fn a_scan_names_the_product_and_the_exact_lot() {
    let app = TestApp::new().await;
    let roller = app.product("RL-150").roller(150).gtin(GTIN).create().await;
    let first = app.stock(&roller, "R-1", days(40), "3").await;
    let second = app.stock(&roller, "R-2", days(400), "3").await;
    let nurse = app.practitioner().await;
    let exp = days(400).format("%y%m%d").to_string();
    // Bracketed, FNC1 (ASCII 29) with a symbology identifier, Digital Link.
    for text in [
        format!("(01){GTIN}(17){exp}(10)R-2"),
        format!("]d2\u{1d}01{GTIN}17{exp}10R-2"),
        format!("https://id.example.com/01/{GTIN}/10/R-2?17={exp}"),
        format!("(01){GTIN}(10)R-2"),
    ] {
        let r = scan(&app, &nurse, &format!("site=main&gs1={}", code(&text))).await;
        assert_eq!(r.0, 200, "{text}: {:?}", r.1);
        assert_eq!(r.1["product_id"], roller.id);
        assert_eq!(r.1["lot_id"], second, "not FEFO's {first}");
        assert_eq!(r.1["lot"], "R-2");
        assert_eq!(r.1["expiry"], days(400).to_string());
        assert!(r.1["label"].as_str().unwrap().starts_with("R-2 · exp "));
    }
    // Without a site: the practitioner's (default) site.
    let r = scan(
        &app,
        &nurse,
        &format!("gs1={}", code(&format!("(01){GTIN}(10)R-1"))),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["lot_id"], first);
}

#[tokio::test]
async fn bad_scans_are_field_errors() {
    let app = TestApp::new().await;
    let roller = app.product("RL-150").roller(150).gtin(GTIN).create().await;
    let lot = app.stock(&roller, "R-1", days(40), "3").await;
    let quarantined = app.stock(&roller, "R-Q", days(60), "3").await;
    let other = app.product("RL-100").roller(100).create().await;
    app.stock(&other, "X-1", days(40), "3").await;
    let nurse = app.practitioner().await;
    let q = |t: &str| format!("site=main&gs1={}", code(t));
    refused(
        &scan(&app, &nurse, &q("hello there")).await,
        "not a GS1 code",
    );
    refused(&scan(&app, &nurse, &q("")).await, "nothing was scanned");
    refused(&scan(&app, &nurse, &q("(10)R-1")).await, "no GTIN");
    refused(
        &scan(&app, &nurse, &q("(01)09506000134352(10)R-1")).await,
        "no product has GTIN 09506000134352",
    );
    refused(
        &scan(&app, &nurse, &q(&format!("(01){GTIN}"))).await,
        "no lot",
    );
    refused(
        &scan(&app, &nurse, &q(&format!("(01){GTIN}(10)NOPE"))).await,
        "lot NOPE of",
    );
    refused(
        &scan(&app, &nurse, &q(&format!("(01){GTIN}(17)300101(10)R-1"))).await,
        "expires 2030-01-01",
    );
    // Quarantined: not usable here.
    app.with_conn(move |c| clinic_stock::db::lots::set_quarantined(c, quarantined, true).unwrap())
        .await;
    refused(
        &scan(&app, &nurse, &q(&format!("(01){GTIN}(10)R-Q"))).await,
        "not usable",
    );
    // The lot row exists, but not a single one is left.
    let t = app.token_for(Role::Manager).await;
    let (s, v) = app
        .api_post(
            &t,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": -3, "reason": "waste"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    refused(
        &scan(&app, &nurse, &q(&format!("(01){GTIN}(10)R-1"))).await,
        "not usable",
    );
    // Nothing was written by any of it.
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn another_sites_form_and_other_roles_are_refused() {
    let app = TestApp::new().await;
    let roller = app.product("RL-150").roller(150).gtin(GTIN).create().await;
    app.stock(&roller, "R-1", days(40), "3").await;
    let admin = app.token_for(Role::Admin).await;
    let (s, v) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &json!({"code": "north", "name": "North Clinic", "time_zone": "Europe/London"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let u = clinic_stock::services::accounts::NewUser {
        username: "nora".into(),
        password: PASSWORD.into(),
        role: "practitioner".into(),
        site: Some("north".into()),
        ..Default::default()
    };
    app.with_conn(move |c| clinic_stock::services::accounts::create_user(c, &u).unwrap())
        .await;
    let nora = app.login_as("nora", PASSWORD).await;
    let text = code(&format!("(01){GTIN}(10)R-1"));
    let (s, _) = scan(&app, &nora, &format!("site=main&gs1={text}")).await;
    assert_eq!(s, 403);
    // At her own site the lot is not on hand.
    refused(
        &scan(&app, &nora, &format!("gs1={text}")).await,
        "not usable at North Clinic",
    );
    // Not logged in: the login page.
    let anon = app.client();
    let r = anon
        .get(app.url(&format!("/sessions/new/scan?gs1={text}")))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection() || r.url().path().starts_with("/login"),
        "{}",
        r.status()
    );
}
