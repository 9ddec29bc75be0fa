//! FEFO ties (DOMAIN.md "Treatment sessions"): among lots with the same
//! expiry, the lot received first (earliest receipt time, not the order the
//! deliveries were typed in) is used first, then the lower lot id, then the
//! location order.

use serde_json::json;

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

/// Receives through the API with an explicit `received_at`.
async fn receive_at(
    app: &TestApp,
    token: &str,
    product_id: i64,
    lot: &str,
    location: &str,
    received_at: &str,
) -> i64 {
    let (s, r) = app
        .api_post(
            token,
            "/api/v1/receipts",
            &json!({"site": "main", "location": location, "product_id": product_id,
                    "lot": lot, "expiry": days(200).to_string(), "quantity": 5,
                    "received_at": received_at}),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    r["lot_id"].as_i64().unwrap()
}

fn ago(days: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[tokio::test]
async fn a_lot_entered_later_but_received_earlier_wins_the_tie() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    // Typed in first, delivered yesterday.
    let entered_first = receive_at(&app, &m, roller.id, "TYPED-FIRST", "store", &ago(1)).await;
    // Typed in second, but delivered ten days ago (an earlier delivery entered late).
    let delivered_first =
        receive_at(&app, &m, roller.id, "DELIVERED-FIRST", "store", &ago(10)).await;
    assert!(entered_first < delivered_first);
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-2001", 1.5, &[(&roller, 1.0)]))
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(
        r["lines"][0]["allocations"][0]["lot_id"],
        json!(delivered_first),
        "{r}"
    );
    assert_eq!(app.balance(delivered_first, "store").await, 4000);
    assert_eq!(app.balance(entered_first, "store").await, 5000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn same_receipt_time_takes_the_lower_lot_id_before_the_location_order() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let t = app.token_for(Role::Practitioner).await;
    // room1 is created after the store, so it sorts after it.
    app.location("room1").await;
    let serum = app.product("SR-HA").serum().create().await;
    let at = ago(3);
    // The lower lot id sits in the later location; it must still go first.
    let low = receive_at(&app, &m, serum.id, "LOW", "room1", &at).await;
    let high = receive_at(&app, &m, serum.id, "HIGH", "store", &at).await;
    assert!(low < high);
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-2002", 1.0, &[(&serum, 6.0)]))
        .await;
    assert_eq!(s, 201, "{r}");
    let allocs = r["lines"][0]["allocations"].as_array().unwrap();
    assert_eq!(allocs.len(), 2, "{r}");
    assert_eq!(
        (allocs[0]["lot_id"].as_i64(), &allocs[0]["quantity"]),
        (Some(low), &json!(5))
    );
    assert_eq!(
        (allocs[1]["lot_id"].as_i64(), &allocs[1]["quantity"]),
        (Some(high), &json!(1))
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn one_lot_in_two_locations_goes_by_location_order() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let t = app.token_for(Role::Practitioner).await;
    app.location("room1").await;
    let serum = app.product("SR-HA").serum().create().await;
    let at = ago(2);
    let lot = receive_at(&app, &m, serum.id, "ONE", "room1", &at).await;
    let again = receive_at(&app, &m, serum.id, "ONE", "store", &ago(20)).await;
    assert_eq!(lot, again);
    let (s, r) = app
        .post_session(&t, &new_key(), &body("C-2003", 1.0, &[(&serum, 1.0)]))
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["lines"][0]["allocations"][0]["location"], "store", "{r}");
    app.assert_ledger_consistent().await;
}
