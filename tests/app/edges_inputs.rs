//! Issue 10 findings 4, 5, 7, 8 and 9, one test each: bad input is refused
//! with a documented 4xx naming the field, nothing is written, and no input
//! makes a 5xx (both backends).

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::support::*;

/// Sends a raw body (not necessarily JSON) with a bearer token.
pub async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> (u16, String, String) {
    let r = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ctype, r.text().await.unwrap())
}

fn error_of(body: &str) -> Value {
    let v: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("not the JSON error shape ({e}): {body}"));
    assert!(v["error"]["code"].is_string(), "no error code: {body}");
    assert!(
        v["error"]["message"].is_string(),
        "no error message: {body}"
    );
    v["error"].clone()
}

#[tokio::test]
async fn nul_and_control_characters_are_422_at_the_field_everywhere() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Admin).await;
    let p = app.product("NUL-1").create().await;
    let lot = app.stock(&p, "L-1", days(100), "10").await;
    let before = app.ledger_rows().await;

    // JSON string fields.
    for (path, body, field) in [
        (
            "/api/v1/products",
            json!({"sku": "X-1", "name": "a\u{0}b", "category": "disposable", "unit": "each", "pack_size": 1}),
            "name",
        ),
        (
            "/api/v1/adjustments",
            json!({"lot_id": lot, "location": "store", "delta": -1, "reason": "waste", "note": "x\u{0}"}),
            "note",
        ),
        (
            "/api/v1/adjustments",
            json!({"lot_id": lot, "location": "store", "delta": -1, "reason": "waste", "note": "bell\u{7}"}),
            "note",
        ),
        (
            "/api/v1/sites",
            json!({"code": "n\u{1b}orth", "name": "North"}),
            "code",
        ),
    ] {
        let (s, e) = app.api_post(&t, path, &body).await;
        assert_eq!(s, 422, "{path} {body} → {e}");
        assert_eq!(e["error"]["field"], field, "{path}: {e}");
    }
    // A tab and a new line are fine in a note.
    let (s, e) = app
        .api_post(
            &t,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": -1, "reason": "waste", "note": "two\tcolumns\nand lines"}),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    assert_eq!(e["note"], "two\tcolumns\nand lines");
    assert_eq!(app.ledger_rows().await, before + 1);

    // Query parameters, API and pages.
    for path in [
        "/api/v1/sessions?client_ref=%00",
        "/api/v1/stock?site=main&q=a%00b",
        "/api/v1/ledger?lot=%1b",
        "/api/v1/reports/usage?site=ma%00in",
    ] {
        let (s, e) = app.api_get(&t, path).await;
        assert_eq!(s, 422, "{path} → {e}");
        assert!(e["error"]["field"].is_string(), "{path}: {e}");
    }
    let admin = app.admin().await;
    for path in [
        "/products?q=a%00b",
        "/ledger?lot=%00",
        "/sessions?client_ref=%00",
    ] {
        let (s, doc) = app.page(&admin, path).await;
        assert_eq!(s, 422, "{path}");
        assert!(
            text(&doc, "main").contains("control character"),
            "{path}: {}",
            text(&doc, "main")
        );
    }
    // A form field.
    let r = app
        .post_form(
            &admin,
            "/products/new",
            "/products",
            &[
                ("sku", "NUL-2"),
                ("name", "bad\u{0}name"),
                ("category", "disposable"),
                ("unit", "each"),
                ("pack_size", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(
        text(&doc, "main").contains("name"),
        "{}",
        text(&doc, "main")
    );
    let skus = app
        .with_conn(|c| {
            clinic_stock::db::catalog::product_by_sku(c, "NUL-2")
                .unwrap()
                .is_some()
        })
        .await;
    assert!(!skus, "nothing written");
    assert_eq!(app.ledger_rows().await, before + 1);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn wrong_json_types_are_422_naming_the_field_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Admin).await;
    let p = app.product("TYPE-1").create().await;
    let lot = app.stock(&p, "L-1", days(100), "10").await;
    let before = app.ledger_rows().await;
    for (path, body, field) in [
        (
            "/api/v1/adjustments",
            json!({"lot_id": lot, "location": "store", "delta": -1, "reason": "waste", "note": ["x"]}),
            "note",
        ),
        (
            "/api/v1/adjustments",
            json!({"lot_id": lot, "location": "store", "delta": {"n": 1}, "reason": "waste"}),
            "delta",
        ),
        (
            "/api/v1/products",
            json!({"sku": ["X"], "name": "n", "category": "disposable", "unit": "each", "pack_size": 1}),
            "sku",
        ),
        ("/api/v1/sites", json!({"code": 7, "name": "North"}), "code"),
        ("/api/v1/suppliers", json!({"name": ["Alpha"]}), "name"),
        (
            "/api/v1/sessions/1/void",
            json!({"reason": {"a": 1}}),
            "reason",
        ),
    ] {
        let (s, e) = app.api_post(&t, path, &body).await;
        assert_eq!(s, 422, "{path} {body} → {e}");
        assert_eq!(e["error"]["field"], field, "{path}: {e}");
    }
    assert_eq!(app.ledger_rows().await, before);
}

#[tokio::test]
async fn dates_outside_1900_to_2200_are_422() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Manager).await;
    for (path, field) in [
        ("/api/v1/reports/usage?site=main&to=0001-01-01", "to"),
        ("/api/v1/reports/usage?site=main&from=1899-12-31", "from"),
        (
            "/api/v1/reports/reorder?site=main&as_of=9999-12-31",
            "as_of",
        ),
        ("/api/v1/sessions?from=0001-01-01", "from"),
        ("/api/v1/ledger?to=2201-01-01", "to"),
    ] {
        let (s, e) = app.api_get(&t, path).await;
        assert_eq!(s, 422, "{path} → {e}");
        assert_eq!(e["error"]["field"], field, "{path}: {e}");
    }
    let p = app.product("DATE-1").create().await;
    let (s, e) = app
        .api_post(
            &t,
            "/api/v1/receipts",
            &json!({"product_id": p.id, "lot": "L-9", "expiry": "2999-01-01", "quantity": 1}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("expiry")),
        "{e}"
    );
    let manager = app.manager().await;
    let (s, doc) = app.page(&manager, "/reports/usage?to=0001-01-01").await;
    assert_eq!(s, 422, "{}", text(&doc, "main"));
    assert_eq!(app.ledger_rows().await, 0);
}

#[tokio::test]
async fn malformed_json_is_400_everywhere_and_an_optional_body_does_not_act() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("Alpha", Some(3)).await;
    let p = app.product("PO-1").supplier(sup).cost(100).create().await;
    let (s, po) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"supplier_id": sup, "lines": [{"product_id": p.id, "packs": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{po}");
    let id = po["id"].as_i64().unwrap();
    for action in ["send", "cancel"] {
        let (s, ctype, body) = raw(
            &app,
            reqwest::Method::POST,
            &m,
            &format!("/api/v1/purchase-orders/{id}/{action}"),
            "{\"email_text\": ",
        )
        .await;
        assert_eq!(s, 400, "{action}: {body}");
        assert!(ctype.starts_with("application/json"), "{ctype}");
        assert_eq!(error_of(&body)["code"], "bad_request");
        let (_, now) = app
            .api_get(&m, &format!("/api/v1/purchase-orders/{id}"))
            .await;
        assert_eq!(
            now["status"], "draft",
            "{action} must not act on malformed JSON"
        );
    }
    // An empty body is still "no options".
    let (s, ctype, body) = raw(
        &app,
        reqwest::Method::POST,
        &m,
        &format!("/api/v1/purchase-orders/{id}/send"),
        "",
    )
    .await;
    assert_eq!(s, 200, "{ctype} {body}");
}

#[tokio::test]
async fn api_errors_are_json_bad_ids_404_and_huge_bodies_413() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Admin).await;
    for path in [
        "/api/v1/sessions/abc",
        "/api/v1/products/1.5",
        "/api/v1/lots/99999999999999999999999",
        "/api/v1/purchase-orders/%00",
        "/api/v1/protocols/-",
    ] {
        let r = reqwest::Client::new()
            .get(app.url(path))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ctype.starts_with("application/json"), "{path}: {ctype}");
        assert_eq!(error_of(&r.text().await.unwrap())["code"], "not_found");
    }
    let big = format!("{{\"name\": \"{}\"}}", "x".repeat(50 * 1024 * 1024));
    let (s, ctype, body) = raw(&app, reqwest::Method::POST, &t, "/api/v1/suppliers", big).await;
    assert_eq!(s, 413, "{}", &body[..body.len().min(300)]);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    assert_eq!(error_of(&body)["code"], "payload_too_large");
    let (_, list) = app.api_get(&t, "/api/v1/suppliers").await;
    assert_eq!(list["total"], 0);

    // Pages: a malformed id is the 404 page.
    let admin = app.admin().await;
    for path in [
        "/sessions/abc",
        "/products/1x",
        "/lots/%00",
        "/orders/99999999999999999999",
    ] {
        let (s, doc) = app.page(&admin, path).await;
        assert_eq!(s, 404, "{path}");
        assert_eq!(text(&doc, "h1"), "Not found", "{path}");
    }
}

#[tokio::test]
async fn order_money_is_bounded_and_totals_never_overflow() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("Alpha", Some(3)).await;
    let a = app.product("BIG-1").supplier(sup).create().await;
    let b = app.product("BIG-2").supplier(sup).create().await;
    let max = i64::MAX;
    let (s, e) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"supplier_id": sup, "lines": [
                {"product_id": a.id, "packs": 1, "pack_cost_cents": max},
                {"product_id": b.id, "packs": 1, "pack_cost_cents": max},
            ]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["field"], "lines[0].pack_cost_cents", "{e}");
    // The largest accepted cost and pack count still make an exact total.
    let (s, po) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"supplier_id": sup, "lines": [
                {"product_id": a.id, "packs": 10000, "pack_cost_cents": 10_000_000_000i64},
                {"product_id": b.id, "packs": 10000, "pack_cost_cents": 10_000_000_000i64},
            ]}),
        )
        .await;
    assert_eq!(s, 201, "{po}");
    assert_eq!(po["total_cents"], json!(200_000_000_000_000i64));
    let (_, list) = app.api_get(&m, "/api/v1/purchase-orders").await;
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn login_redirects_only_to_same_origin_paths() {
    let app = TestApp::new().await;
    app.add_user("nurse", Role::Practitioner).await;
    // (next, status, Location): a control character in `next` is refused at
    // the field (422, no login); any other off-site target becomes `/`.
    for (next, status, expect) in [
        ("/\t/evil.example", 422, None),
        ("/\r\nSet-Cookie: x=1", 422, None),
        ("/%09/evil.example", 303, Some("/%09/evil.example")),
        ("//evil.example", 303, Some("/")),
        ("/\\evil.example", 303, Some("/")),
        ("/ /evil.example", 303, Some("/")),
        ("https://evil.example/", 303, Some("/")),
        ("javascript:alert(1)", 303, Some("/")),
        ("/sessions?site=main", 303, Some("/sessions?site=main")),
    ] {
        let client = app.client();
        let page = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = input_value(&page, "csrf").unwrap();
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", "nurse"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{next:?}");
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        assert_eq!(location.as_deref(), expect, "next={next:?}");
        if status == 422 {
            let doc = Html::parse_document(&r.text().await.unwrap());
            assert!(
                text(&doc, "main").contains("next"),
                "{}",
                text(&doc, "main")
            );
        }
    }
    // The finding's link: refused at the field, never a redirect.
    let r = app
        .client()
        .get(app.url("/login?next=/%09/evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.headers().get("location").is_none());
    // An off-site `next` is not carried into the login form.
    let (s, doc) = app.page(&app.client(), "/login?next=//evil.example").await;
    assert_eq!(s, 200);
    let next = doc
        .select(&Selector::parse("input[name=next]").unwrap())
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_default()
        .to_string();
    assert_eq!(next, "");
}
