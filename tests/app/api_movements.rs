//! Movements in the API (issue 13 part 4, API.md "Movements in the API"):
//! `POST /api/v1/transfers`, `/containers`, `/lots/{id}/quarantine` and
//! `/release` — the lot page's rules and refusals, as JSON. A refusal writes
//! nothing; another site's lot is 404 for a site-bound caller.

use serde_json::{Value, json};

use crate::access_sites_world::world;
use crate::fixtures::days;
use crate::support::*;

/// Posts a raw body (not necessarily JSON) with the JSON content type.
async fn post_raw(app: &TestApp, token: &str, path: &str, body: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or("")
}

#[tokio::test]
async fn api_transfer_moves_stock_and_answers_the_rows_and_balances() {
    let app = TestApp::new().await;
    let p = app.product("RL-100").roller(100).create().await;
    let lot = app.stock(&p, "R-5", days(100), "10").await;
    app.location("room1").await;
    let m = app.token_for(Role::Manager).await;
    let before = app.ledger_rows().await;

    let (s, v) = app
        .api_post(
            &m,
            "/api/v1/transfers",
            &json!({"lot_id": lot, "from_location": "store", "to_location": "room1",
                    "quantity": 4, "note": "for the room"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["lot_id"], json!(lot));
    assert_eq!(v["quantity"], json!(4));
    assert_eq!(v["from_location"], "store");
    assert_eq!(v["to_location"], "room1");
    let rows = v["ledger"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    let mut deltas: Vec<(String, i64)> = rows
        .iter()
        .map(|r| {
            assert_eq!(r["kind"], "transfer");
            assert_eq!(r["lot_id"], json!(lot));
            assert_eq!(r["note"], "for the room");
            (
                r["location"].as_str().unwrap().to_string(),
                r["delta"].as_i64().unwrap(),
            )
        })
        .collect();
    deltas.sort();
    assert_eq!(deltas, vec![("room1".into(), 4), ("store".into(), -4)]);
    assert_eq!(
        v["balances"],
        json!([{"location": "store", "quantity": 6}, {"location": "room1", "quantity": 4}])
    );
    assert_eq!(app.ledger_rows().await, before + 2);
    assert_eq!(app.balance(lot, "store").await, 6000);
    assert_eq!(app.balance(lot, "room1").await, 4000);

    // By location ids, as the page's form names them, at a named site.
    let store = app.location_id("store").await;
    let room = app.location_id("room1").await;
    let (s, v) = app
        .api_post(
            &m,
            "/api/v1/transfers",
            &json!({"lot_id": lot, "from_location_id": room, "to_location_id": store,
                    "quantity": 1, "site": "main"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(app.balance(lot, "store").await, 7000);
    assert_eq!(app.balance(lot, "room1").await, 3000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn api_transfer_refusals_write_nothing() {
    let app = TestApp::new().await;
    let p = app.product("RL-100").roller(100).create().await;
    let lot = app.stock(&p, "R-5", days(100), "10").await;
    app.location("room1").await;
    let m = app.token_for(Role::Manager).await;
    let practitioner = app.token_for(Role::Practitioner).await;
    let before = app.ledger_rows().await;
    let ok =
        json!({"lot_id": lot, "from_location": "store", "to_location": "room1", "quantity": 4});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };

    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (with("quantity", json!(11)), 409, "insufficient_stock", ""),
        (
            with("to_location", json!("store")),
            422,
            "validation_failed",
            "to_location",
        ),
        (
            with("to_location", json!("attic")),
            422,
            "validation_failed",
            "to_location",
        ),
        (
            with("from_location", json!("attic")),
            422,
            "validation_failed",
            "from_location",
        ),
        (with("lot_id", json!(999_999)), 422, "unknown_lot", "lot_id"),
        (
            with("quantity", json!(0)),
            422,
            "validation_failed",
            "quantity",
        ),
        (
            with("quantity", json!(-2)),
            422,
            "validation_failed",
            "quantity",
        ),
        (
            with("quantity", json!("4")),
            422,
            "validation_failed",
            "quantity",
        ),
        (
            with("quantity", json!([4])),
            422,
            "validation_failed",
            "quantity",
        ),
        (
            with("lot_id", json!("abc")),
            422,
            "validation_failed",
            "lot_id",
        ),
        (
            with("to_location", json!(7)),
            422,
            "validation_failed",
            "to_location",
        ),
        (with("site", json!("nowhere")), 422, "", ""),
        (json!([ok.clone()]), 400, "", ""),
    ];
    for (body, status, want_code, want_field) in cases {
        let (s, v) = app.api_post(&m, "/api/v1/transfers", &body).await;
        assert_eq!(s, status, "{body} → {v}");
        assert!(v["error"]["message"].is_string(), "{body} → {v}");
        if !want_code.is_empty() {
            assert_eq!(code(&v), want_code, "{body} → {v}");
        }
        if !want_field.is_empty() {
            assert_eq!(field(&v), want_field, "{body} → {v}");
        }
    }
    for raw in ["{", "{\"lot_id\": 1,}", "not json", ""] {
        let (s, v) = post_raw(&app, &m, "/api/v1/transfers", raw).await;
        assert_eq!(s, 400, "{raw:?} → {v}");
        assert!(v["error"]["code"].is_string(), "{raw:?} → {v}");
    }
    let (s, v) = app.api_post(&practitioner, "/api/v1/transfers", &ok).await;
    assert_eq!(s, 403, "{v}");

    assert_eq!(app.ledger_rows().await, before);
    assert_eq!(app.balance(lot, "store").await, 10000);
    assert_eq!(app.balance(lot, "room1").await, 0);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn api_quarantine_and_release_follow_the_lot_page() {
    let app = TestApp::new().await;
    let p = app.product("RL-100").roller(100).create().await;
    let lot = app.stock(&p, "R-5", days(100), "10").await;
    app.location("room1").await;
    let m = app.token_for(Role::Manager).await;
    let practitioner = app.token_for(Role::Practitioner).await;
    let before = app.ledger_rows().await;
    let q = format!("/api/v1/lots/{lot}/quarantine");
    let r = format!("/api/v1/lots/{lot}/release");

    // No body at all.
    let (s, v) = post_raw(&app, &m, &q, "").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["quarantined"], json!(true));
    assert_eq!(v["lot_id"], json!(lot));
    assert!(app.lot(lot).await.quarantined);

    // A quarantined lot moves as on the page (the page does not refuse it).
    let (s, v) = app
        .api_post(
            &m,
            "/api/v1/transfers",
            &json!({"lot_id": lot, "from_location": "store", "to_location": "room1", "quantity": 2}),
        )
        .await;
    assert_eq!(s, 201, "{v}");

    // Refusals leave it quarantined.
    for (body, status, want_field) in [
        ("{", 400, ""),
        ("[1,2", 400, ""),
        ("{\"reason\": 5}", 422, "reason"),
        ("{\"reason\": [\"x\"]}", 422, "reason"),
        ("[]", 400, ""),
    ] {
        let (s, v) = post_raw(&app, &m, &r, body).await;
        assert_eq!(s, status, "{body} → {v}");
        if !want_field.is_empty() {
            assert_eq!(field(&v), want_field, "{body} → {v}");
        }
        assert!(app.lot(lot).await.quarantined, "{body}");
    }
    let long = "x".repeat(501);
    let (s, v) = app.api_post(&m, &r, &json!({ "reason": long })).await;
    assert_eq!((s, field(&v)), (422, "reason"), "{v}");
    let (s, v) = app.api_post(&practitioner, &r, &json!({})).await;
    assert_eq!(s, 403, "{v}");
    assert!(app.lot(lot).await.quarantined);

    let (s, v) = app
        .api_post(&m, &r, &json!({"reason": "supplier confirmed the lot"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["quarantined"], json!(false));
    assert!(!app.lot(lot).await.quarantined);

    let (s, v) = app
        .api_post(&m, "/api/v1/lots/999999/quarantine", &json!({}))
        .await;
    assert_eq!((s, code(&v)), (404, "not_found"), "{v}");
    let (s, v) = post_raw(&app, &m, "/api/v1/lots/abc/quarantine", "").await;
    assert_eq!(s, 404, "{v}");
    assert!(v["error"]["code"].is_string(), "{v}");

    // Only the transfer wrote ledger rows.
    assert_eq!(app.ledger_rows().await, before + 2);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn api_opening_a_container_follows_the_open_form() {
    let app = TestApp::new().await;
    let serum = app.product("VITC").serum().use_within(14).create().await;
    let plain = app.product("RL-100").roller(100).create().await;
    let lot = app.stock(&serum, "V-1", days(200), "12").await;
    let plain_lot = app.stock(&plain, "R-5", days(100), "10").await;
    let practitioner = app.token_for(Role::Practitioner).await;
    let m = app.token_for(Role::Manager).await;
    let before = app.ledger_rows().await;

    // Refusals first: nothing written.
    let cases: Vec<(Value, u16, &str, &str)> = vec![
        (
            json!({"lot_id": plain_lot, "location": "store"}),
            422,
            "not_openable",
            "lot_id",
        ),
        (
            json!({"lot_id": lot, "location": "attic"}),
            422,
            "validation_failed",
            "location",
        ),
        (
            json!({"lot_id": lot, "location": "room9"}),
            422,
            "validation_failed",
            "location",
        ),
        (
            json!({"lot_id": 999_999, "location": "store"}),
            422,
            "unknown_lot",
            "lot_id",
        ),
        (
            json!({"lot_id": "V-1", "location": "store"}),
            422,
            "validation_failed",
            "lot_id",
        ),
        (
            json!({"lot_id": lot, "location": {"code": "store"}}),
            422,
            "validation_failed",
            "location",
        ),
        (json!({"lot_id": lot}), 422, "validation_failed", "location"),
        (json!("store"), 400, "", ""),
    ];
    for (body, status, want_code, want_field) in cases {
        let (s, v) = app
            .api_post(&practitioner, "/api/v1/containers", &body)
            .await;
        assert_eq!(s, status, "{body} → {v}");
        if !want_code.is_empty() {
            assert_eq!(code(&v), want_code, "{body} → {v}");
        }
        if !want_field.is_empty() {
            assert_eq!(field(&v), want_field, "{body} → {v}");
        }
    }
    let (s, v) = post_raw(&app, &practitioner, "/api/v1/containers", "{\"lot_id\":").await;
    assert_eq!(s, 400, "{v}");
    // A quarantined lot is not opened (409, as on the page).
    let (s, _) = app
        .api_post(&m, &format!("/api/v1/lots/{lot}/quarantine"), &json!({}))
        .await;
    assert_eq!(s, 200);
    let (s, v) = app
        .api_post(
            &practitioner,
            "/api/v1/containers",
            &json!({"lot_id": lot, "location": "store"}),
        )
        .await;
    assert_eq!((s, code(&v)), (409, "lot_unusable"), "{v}");
    let (s, _) = app
        .api_post(&m, &format!("/api/v1/lots/{lot}/release"), &json!({}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(app.ledger_rows().await, before);
    assert_eq!(app.balance(lot, "store").await, 12000);

    // Practitioners open containers (as on the page): one pack moves.
    let (s, v) = app
        .api_post(
            &practitioner,
            "/api/v1/containers",
            &json!({"lot_id": lot, "location": "store", "site": "main"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let opened = v["lot_id"].as_i64().unwrap();
    assert_ne!(opened, lot);
    assert_eq!(v["sealed_lot_id"], json!(lot));
    assert_eq!(v["container"], json!(1));
    assert_eq!(v["quantity"], json!(5));
    assert_eq!(v["discard_by"], days(14).to_string());
    let rows = v["ledger"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    let mut moved: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            assert_eq!(r["kind"], "transfer");
            assert_eq!(r["reason"], "opened");
            (r["lot_id"].as_i64().unwrap(), r["delta"].as_i64().unwrap())
        })
        .collect();
    moved.sort();
    let mut want = vec![(lot, -5), (opened, 5)];
    want.sort();
    assert_eq!(moved, want);
    assert_eq!(app.ledger_rows().await, before + 2);
    assert_eq!(app.balance(lot, "store").await, 7000);
    assert_eq!(app.balance(opened, "store").await, 5000);

    // An opened container is not opened again.
    let (s, v) = app
        .api_post(
            &practitioner,
            "/api/v1/containers",
            &json!({"lot_id": opened, "location": "store"}),
        )
        .await;
    assert_eq!(
        (s, code(&v), field(&v)),
        (422, "already_open", "lot_id"),
        "{v}"
    );
    assert_eq!(app.ledger_rows().await, before + 2);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn api_movements_hide_another_sites_lots() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let before = app.ledger_rows().await;
    let north = w.north_lot;
    let transfer = json!({"lot_id": north, "site": "north", "from_location": "vault",
                          "to_location": "store", "quantity": 1});
    let open = json!({"lot_id": north, "site": "north", "location": "vault"});
    // Site-bound people: another site's lot does not exist for them.
    for (token, path, body) in [
        (
            &w.mona_token,
            "/api/v1/transfers".to_string(),
            transfer.clone(),
        ),
        (
            &w.mona_token,
            "/api/v1/containers".to_string(),
            open.clone(),
        ),
        (&w.pia_token, "/api/v1/containers".to_string(), open.clone()),
        (
            &w.mona_token,
            format!("/api/v1/lots/{north}/quarantine"),
            json!({}),
        ),
        (
            &w.mona_token,
            format!("/api/v1/lots/{north}/release"),
            json!({}),
        ),
        // Their own lot at the other site's location is refused too.
        (
            &w.mona_token,
            "/api/v1/transfers".to_string(),
            json!({"lot_id": w.main_lot, "site": "north", "from_location": "vault",
                   "to_location": "store", "quantity": 1}),
        ),
    ] {
        let (s, v) = app.api_post(token, &path, &body).await;
        assert!(s == 404 || s == 403, "{path} {body} → {s} {v}");
        if body["lot_id"] == json!(north) || path.contains("/lots/") {
            assert_eq!((s, code(&v)), (404, "not_found"), "{path} → {v}");
        }
    }
    assert!(!app.lot(north).await.quarantined);
    assert_eq!(app.ledger_rows().await, before);

    // The chain manager may act at both sites.
    let (s, v) = app
        .api_post(
            &w.chris_token,
            &format!("/api/v1/lots/{north}/quarantine"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(app.lot(north).await.quarantined);
    let (s, v) = app
        .api_post(
            &w.chris_token,
            &format!("/api/v1/lots/{north}/release"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(!app.lot(north).await.quarantined);
    assert_eq!(app.ledger_rows().await, before);
    app.assert_ledger_consistent().await;
}
