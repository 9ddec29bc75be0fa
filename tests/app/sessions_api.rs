//! Recording sessions through the JSON API: FEFO, splitting, expired and
//! quarantined lots, refusals that write nothing, idempotency, needle length,
//! protocols and warnings, void.

use serde_json::json;

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

#[tokio::test]
async fn fefo_takes_the_earliest_expiring_usable_lot() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let late = app.stock(&roller, "LATE", days(300), "5").await;
    let early = app.stock(&roller, "EARLY", days(40), "5").await;
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-1001", 1.5, &[(&roller, 1.0)]))
        .await;
    assert_eq!(s, 201, "{r}");
    let allocs = &r["lines"][0]["allocations"];
    assert_eq!(allocs.as_array().unwrap().len(), 1);
    assert_eq!(allocs[0]["lot_id"], json!(early));
    assert_eq!(allocs[0]["lot"], "EARLY");
    assert_eq!(allocs[0]["location"], "store");
    assert_eq!(allocs[0]["quantity"], json!(1));
    assert_eq!(r["voided"], json!(false));
    assert_eq!(r["client_ref"], "C-1001");
    assert_eq!(app.balance(early, "store").await, 4000);
    assert_eq!(app.balance(late, "store").await, 5000);
    // The ledger row is linked to the session and its line.
    let rows = app.session_ledger(r["id"].as_i64().unwrap()).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1, rows[0].2),
        ("consume", early, -1000)
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_line_splits_across_lots_and_locations() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    app.location("room1").await;
    let serum = app.product("SR-HA").serum().create().await;
    let a = app.stock(&serum, "A", days(20), "1.5").at("room1").await;
    let b = app.stock(&serum, "B", days(90), "5").await;
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-1002", 1.0, &[(&serum, 2.25)]))
        .await;
    assert_eq!(s, 201, "{r}");
    let allocs = r["lines"][0]["allocations"].as_array().unwrap().clone();
    assert_eq!(allocs.len(), 2, "{r}");
    assert_eq!(
        (
            allocs[0]["lot"].as_str(),
            allocs[0]["location"].as_str(),
            &allocs[0]["quantity"]
        ),
        (Some("A"), Some("room1"), &json!(1.5))
    );
    assert_eq!(
        (allocs[1]["lot"].as_str(), &allocs[1]["quantity"]),
        (Some("B"), &json!(0.75))
    );
    assert_eq!(app.balance(a, "room1").await, 0);
    assert_eq!(app.balance(b, "store").await, 4250);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn expired_lot_is_skipped_by_fefo_and_refused_when_named() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-100").roller(100).create().await;
    let old = app.stock(&roller, "OLD", days(-2), "5").await;
    let fresh = app.stock(&roller, "NEW", days(100), "5").await;
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-1003", 1.0, &[(&roller, 1.0)]))
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["lines"][0]["allocations"][0]["lot_id"], json!(fresh));
    assert_eq!(app.balance(old, "store").await, 5000);

    let before = (app.ledger_rows().await, app.session_rows().await);
    let named = json!({"site": "main", "client_ref": "C-1003", "needle_length_mm": 1.0,
        "lines": [{"product_id": roller.id, "quantity": 1, "lot_id": old}]});
    let (s, e) = app.post_session(&t, &new_key(), &named).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "lot_expired");
    assert_eq!(e["error"]["lot_id"], json!(old));
    assert_eq!((app.ledger_rows().await, app.session_rows().await), before);

    // A quarantined lot is refused when named and never allocated.
    let q = app.stock(&roller, "QUAR", days(10), "5").await;
    app.quarantine(q).await;
    let named = json!({"site": "main", "client_ref": "C-1003", "needle_length_mm": 1.0,
        "lines": [{"product_id": roller.id, "quantity": 1, "lot_id": q}]});
    let (s, e) = app.post_session(&t, &new_key(), &named).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "lot_unusable");
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-1003", 1.0, &[(&roller, 1.0)]))
        .await;
    assert_eq!(s, 201);
    assert_eq!(r["lines"][0]["allocations"][0]["lot_id"], json!(fresh));
    assert_eq!(app.balance(q, "store").await, 5000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn not_enough_stock_refuses_and_writes_nothing() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lido = app.product("AN-LIDO").anesthetic().create().await;
    let r_lot = app.stock(&roller, "R1", days(100), "3").await;
    let l_lot = app.stock(&lido, "L1", days(100), "30").await;
    app.stock(&roller, "EXPIRED", days(-1), "10").await;
    let before = (app.ledger_rows().await, app.session_rows().await);
    // The anaesthetic line could be taken; the roller line cannot: nothing moves.
    let (s, e) = app
        .post_session(
            &t,
            &new_key(),
            &body("C-1004", 1.5, &[(&lido, 2.5), (&roller, 4.0)]),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "insufficient_stock");
    assert_eq!(e["error"]["product_id"], json!(roller.id));
    assert_eq!(e["error"]["requested"], json!(4));
    assert_eq!(
        e["error"]["available"],
        json!(3),
        "expired stock is not available"
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Product RL-150")
    );
    assert_eq!((app.ledger_rows().await, app.session_rows().await), before);
    assert_eq!(app.balance(r_lot, "store").await, 3000);
    assert_eq!(app.balance(l_lot, "store").await, 30000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn idempotent_replay_returns_the_same_session_and_decrements_once() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-050").roller(50).create().await;
    let lot = app.stock(&roller, "R1", days(100), "10").await;
    let key = new_key();
    let b = body("C-1005", 0.5, &[(&roller, 2.0)]);
    let (s1, first) = app.post_session(&t, &key, &b).await;
    assert_eq!(s1, 201, "{first}");
    let rows = app.ledger_rows().await;
    let (s2, again) = app.post_session(&t, &key, &b).await;
    assert_eq!(s2, 201, "{again}");
    assert_eq!(again, first, "the first response again");
    assert_eq!(app.ledger_rows().await, rows);
    assert_eq!(app.session_rows().await, (1, 1));
    assert_eq!(app.balance(lot, "store").await, 8000);

    // The same key with another body is refused, nothing written.
    let other = body("C-1005", 0.5, &[(&roller, 3.0)]);
    let (s, e) = app.post_session(&t, &key, &other).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "idempotency_key_reused");
    // … also from another user.
    let t2 = app.token_for(Role::Manager).await;
    let (s, e) = app.post_session(&t2, &key, &b).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "idempotency_key_reused");
    assert_eq!(app.ledger_rows().await, rows);
    assert_eq!(app.balance(lot, "store").await, 8000);

    // Without the header: 400.
    let (s, e) = app
        .api_post(
            &t,
            "/api/v1/sessions",
            &body("C-1005", 0.5, &[(&roller, 1.0)]),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["error"]["code"], "idempotency_key_required");
    assert_eq!(app.ledger_rows().await, rows);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn needle_length_mismatch_and_invalid_fields_are_refused() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    app.stock(&roller, "R1", days(100), "10").await;
    let before = (app.ledger_rows().await, app.session_rows().await);
    let (s, e) = app
        .post_session(&t, &new_key(), &body("C-1006", 1.0, &[(&roller, 1.0)]))
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "needle_length_mismatch");
    assert_eq!(e["error"]["field"], "lines[0].product_id");
    let cases = [
        (
            json!({"client_ref": "Jane Doe", "needle_length_mm": 1.5,
            "lines": [{"product_id": roller.id, "quantity": 1}]}),
            "client_ref",
        ),
        (
            json!({"client_ref": "C-1", "needle_length_mm": 1.555,
            "lines": [{"product_id": roller.id, "quantity": 1}]}),
            "needle_length_mm",
        ),
        (
            json!({"client_ref": "C-1", "needle_length_mm": 1.5,
            "lines": [{"product_id": roller.id, "quantity": 0.5}]}),
            "lines[0].quantity",
        ),
        (
            json!({"client_ref": "C-1", "needle_length_mm": 1.5,
            "lines": [{"product_id": 999999, "quantity": 1}]}),
            "lines[0].product_id",
        ),
        (
            json!({"client_ref": "C-1", "needle_length_mm": 1.5}),
            "lines",
        ),
        (
            json!({"client_ref": "C-1", "needle_length_mm": 1.5, "side_effects": ["itching"],
            "lines": [{"product_id": roller.id, "quantity": 1}]}),
            "side_effects",
        ),
        (
            json!({"client_ref": "C-1", "needle_length_mm": 1.5, "performed_at": "2999-01-01T00:00:00Z",
            "lines": [{"product_id": roller.id, "quantity": 1}]}),
            "performed_at",
        ),
        (
            json!({"client_ref": "C-1", "needle_length_mm": 1.5, "indication": "sunburn",
            "lines": [{"product_id": roller.id, "quantity": 1}]}),
            "indication",
        ),
    ];
    for (b, field) in cases {
        let (s, e) = app.post_session(&t, &new_key(), &b).await;
        assert_eq!(s, 422, "{b} → {e}");
        assert_eq!(e["error"]["field"], field, "{b} → {e}");
    }
    assert_eq!((app.ledger_rows().await, app.session_rows().await), before);
}

#[tokio::test]
async fn protocol_lines_apply_and_warnings_are_stored() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lido = app
        .product("AN-LIDO")
        .anesthetic()
        .max_per_session("5")
        .create()
        .await;
    let spf = app.product("SPF-50").spf().create().await;
    app.stock(&roller, "R1", days(100), "10").await;
    app.stock(&lido, "L1", days(100), "30").await;
    app.stock(&spf, "S1", days(100), "50").await;
    let proto = json!({"name": "Acne scars 1.0–1.5 mm face", "indication": "acne_scars",
        "needle_min_mm": 1.0, "needle_max_mm": 1.5, "addons": ["vitamin_serum"],
        "lines": [{"product_id": roller.id, "quantity": 1}, {"product_id": lido.id, "quantity": 6},
                  {"product_id": spf.id, "quantity": 2.5}]});
    let (s, e) = app.api_post(&t, "/api/v1/protocols", &proto).await;
    assert_eq!(s, 403, "{e}");
    let (s, p) = app.api_post(&m, "/api/v1/protocols", &proto).await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["needle_min_mm"], json!(1));
    assert_eq!(p["lines"].as_array().unwrap().len(), 3);
    let (s, e) = app.api_post(&m, "/api/v1/protocols", &proto).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("duplicate_protocol"))
    );
    let bad = json!({"name": "Bad", "indication": "acne_scars", "needle_min_mm": 0.5,
        "needle_max_mm": 1.0, "lines": [{"product_id": roller.id, "quantity": 1}]});
    let (s, e) = app.api_post(&m, "/api/v1/protocols", &bad).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("lines[0].product_id"))
    );
    let (s, list) = app.api_get(&t, "/api/v1/protocols").await;
    assert_eq!((s, list["total"].as_i64()), (200, Some(1)));

    // No lines: the protocol's lines are used; 6 g is above the 5 g maximum.
    let (s, r) = app
        .post_session(
            &t,
            &new_key(),
            &json!({"client_ref": "C-2001", "needle_length_mm": 1.5, "protocol_id": p["id"],
                "side_effects": ["redness", "other"], "side_effect_other": "itching"}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["lines"].as_array().unwrap().len(), 3);
    assert_eq!(r["indication"], "acne_scars", "taken from the protocol");
    let codes: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["above_max_per_session"], "{r}");

    // Needle outside the protocol's range (a 2.0 mm roller): saved, with a warning.
    let r20 = app.product("RL-200").roller(200).create().await;
    app.stock(&r20, "R2", days(100), "10").await;
    let (s, r) = app
        .post_session(
            &t,
            &new_key(),
            &json!({"client_ref": "C-2001", "needle_length_mm": 2.0, "protocol_id": p["id"],
                "lines": [{"product_id": r20.id, "quantity": 1}, {"product_id": lido.id, "quantity": 4}]}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["warnings"][0]["code"], "needle_outside_protocol");
    let (_, got) = app
        .api_get(&t, &format!("/api/v1/sessions/{}", r["id"]))
        .await;
    assert_eq!(got["warnings"], r["warnings"], "warnings are stored");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn void_returns_stock_to_the_exact_lots_once_and_only_for_managers() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let t = app.token_for(Role::Practitioner).await;
    app.location("room1").await;
    let serum = app.product("SR-VC").serum().create().await;
    let a = app.stock(&serum, "A", days(20), "1").at("room1").await;
    let b = app.stock(&serum, "B", days(60), "5").await;
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-3001", 1.0, &[(&serum, 3.0)]))
        .await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    assert_eq!(app.balance(a, "room1").await, 0);
    assert_eq!(app.balance(b, "store").await, 3000);
    let path = format!("/api/v1/sessions/{id}/void");

    // Past the 30 minutes in which the practitioner may void it themselves.
    app.saved_minutes_ago(id, 31).await;
    let (s, _) = app
        .api_post(&t, &path, &json!({"reason": "wrong client"}))
        .await;
    assert_eq!(s, 403, "practitioners cannot void (after 30 minutes)");
    let (s, e) = app.api_post(&m, &path, &json!({"reason": "  "})).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("reason")));
    assert_eq!(app.balance(b, "store").await, 3000);

    let (s, v) = app
        .api_post(&m, &path, &json!({"reason": "logged twice"}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["voided"], json!(true));
    assert_eq!(v["void_reason"], "logged twice");
    assert_eq!(app.balance(a, "room1").await, 1000);
    assert_eq!(app.balance(b, "store").await, 5000);
    let rows = app.session_ledger(id).await;
    let voids: Vec<_> = rows.iter().filter(|r| r.0 == "void").collect();
    assert_eq!(voids.len(), 2);
    assert!(
        voids.iter().all(|r| r.3 == rows[0].3),
        "dated at the session's time"
    );

    let ledger_before = app.ledger_rows().await;
    let (s, e) = app.api_post(&m, &path, &json!({"reason": "again"})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("already_voided"))
    );
    assert_eq!(app.ledger_rows().await, ledger_before);
    let (s, _) = app
        .api_post(&m, "/api/v1/sessions/999999/void", &json!({"reason": "x"}))
        .await;
    assert_eq!(s, 404);

    // The session stays, marked void.
    let (s, got) = app.api_get(&t, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(got["voided"], json!(true));
    assert_eq!(got["lines"][0]["allocations"].as_array().unwrap().len(), 2);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn late_logging_dates_the_usage_and_judges_expiry_on_that_day() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-100").roller(100).create().await;
    // Expired yesterday: unusable today, but it was fine three days ago.
    let lot = app.stock(&roller, "Y", days(-1), "2").await;
    let mut b = body("C-4001", 1.0, &[(&roller, 1.0)]);
    let (s, e) = app.post_session(&t, &new_key(), &b).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("insufficient_stock"))
    );
    let when = format!("{}T10:30:00Z", days(-3));
    b["performed_at"] = json!(when);
    let (s, r) = app.post_session(&t, &new_key(), &b).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["performed_at"], json!(when));
    let rows = app.session_ledger(r["id"].as_i64().unwrap()).await;
    assert_eq!(rows[0].1, lot);
    assert_eq!(
        rows[0].3.date(),
        days(-3),
        "the ledger row is dated at the session"
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn sessions_list_filters_by_client_lot_date_and_void() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let a = app.stock(&roller, "A", days(30), "2").await;
    let b = app.stock(&roller, "B", days(90), "10").await;
    let mut ids = Vec::new();
    for client in ["C-1", "C-2", "c-1"] {
        let (s, r) = app
            .post_session(&t, &new_key(), &body(client, 1.5, &[(&roller, 1.0)]))
            .await;
        assert_eq!(s, 201, "{r}");
        ids.push(r["id"].as_i64().unwrap());
    }
    let (_, all) = app.api_get(&t, "/api/v1/sessions?site=main").await;
    assert_eq!(all["total"], json!(3));
    assert_eq!(all["items"][0]["id"], json!(ids[2]), "newest first");
    let (_, c1) = app.api_get(&t, "/api/v1/sessions?client_ref=c-1").await;
    assert_eq!(c1["total"], json!(2), "client codes are case-insensitive");
    let (_, la) = app
        .api_get(&t, &format!("/api/v1/sessions?lot_id={a}"))
        .await;
    assert_eq!(la["total"], json!(2));
    let (_, lb) = app
        .api_get(&t, &format!("/api/v1/sessions?lot_id={b}"))
        .await;
    assert_eq!(lb["total"], json!(1));
    let today = days(0);
    let (_, d) = app
        .api_get(&t, &format!("/api/v1/sessions?from={today}&to={today}"))
        .await;
    assert_eq!(d["total"], json!(3));
    let (_, d) = app
        .api_get(&t, &format!("/api/v1/sessions?to={}", days(-1)))
        .await;
    assert_eq!(d["total"], json!(0));
    let (s, _) = app.api_get(&t, "/api/v1/sessions?from=yesterday").await;
    assert_eq!(s, 422);
    app.api_post(
        &m,
        &format!("/api/v1/sessions/{}/void", ids[0]),
        &json!({"reason": "test"}),
    )
    .await;
    let (_, v) = app.api_get(&t, "/api/v1/sessions?voided=yes").await;
    assert_eq!(v["total"], json!(1));
    assert_eq!(v["items"][0]["voided"], json!(true));
    let (_, v) = app.api_get(&t, "/api/v1/sessions?voided=no").await;
    assert_eq!(v["total"], json!(2));
}

/// The token is resolved in the hop that records the session (issue 16):
/// the refusals keep their order (401, then 400 without the key, then the
/// body's shape), nothing is written by a refused request, and the answer
/// names the token's user.
#[tokio::test]
async fn a_session_post_judges_the_token_before_the_key_and_the_body() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "L1", days(200), "5").await;
    let good = body("C-2001", 1.5, &[(&roller, 1.0)]);
    let bad_shape = json!({"site": "main", "client_ref": "C-2002", "lines": "many"});
    let rows = app.ledger_rows().await;

    // A token nobody holds: 401 whatever else is wrong.
    for (key, b) in [(None, &bad_shape), (Some(new_key()), &good)] {
        let (s, e) = app
            .api_send(
                reqwest::Method::POST,
                "not-a-token",
                "/api/v1/sessions",
                b,
                key.as_deref(),
            )
            .await;
        assert_eq!(s, 401, "{e}");
    }
    // A live token, no key, a body of the wrong shape: the key first.
    let (s, e) = app.api_post(&t, "/api/v1/sessions", &bad_shape).await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["error"]["code"], "idempotency_key_required");
    // With the key, the body's shape.
    let (s, e) = app.post_session(&t, &new_key(), &bad_shape).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(app.ledger_rows().await, rows);
    assert_eq!(app.balance(lot, "store").await, 5000);

    // Recorded: the answer names the token's user.
    let (s, r) = app.post_session(&t, &new_key(), &good).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["practitioner"], "practitioner-api");
    assert_eq!(app.balance(lot, "store").await, 4000);
    app.assert_ledger_consistent().await;
}
