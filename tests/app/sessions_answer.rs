//! The answer to `POST /api/v1/sessions` is assembled from what the
//! recording transaction wrote (no read-back after COMMIT, issue 16): it
//! must be exactly what `GET /api/v1/sessions/{id}` reads from the database
//! afterwards — lots split over locations, areas in list order, protocol,
//! warnings and their confirmation, the practitioner's display name, times.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;

async fn same_as_stored(app: &TestApp, token: &str, body: &Value) -> Value {
    let (s, posted) = app.post_session(token, &new_key(), body).await;
    assert_eq!(s, 201, "{posted}");
    let id = posted["id"].as_i64().expect("an id");
    let (s, read) = app.api_get(token, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(s, 200, "{read}");
    assert_eq!(posted, read, "the 201 body differs from the stored session");
    posted
}

#[tokio::test]
async fn the_answer_to_a_new_session_is_what_was_stored() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    app.with_conn(|c| {
        use clinic_stock::db::schema::users;
        use diesel::prelude::*;
        diesel::update(users::table.filter(users::username.eq("practitioner-api")))
            .set(users::display_name.eq(Some("Pia Novak")))
            .execute(c)
            .unwrap();
    })
    .await;
    app.location("room1").await;
    let serum = app.product("SR-HA").serum().create().await;
    let roller = app.product("RL-050").roller(50).create().await;
    app.stock(&serum, "A", days(20), "1.5").at("room1").await;
    app.stock(&serum, "A", days(20), "1").await;
    app.stock(&serum, "B", days(90), "5").await;
    app.stock(&roller, "R1", days(90), "5").await;

    // Two lines of one product, split over lots and locations; areas named
    // out of list order; a time with an offset; notes and add-ons.
    let r = same_as_stored(
        &app,
        &t,
        &json!({
            "site": "main", "client_ref": "C-2001", "needle_length_mm": 0.5,
            "indication": "fine_lines", "addons": ["vitamin_serum"],
            "areas": ["neck", "face"], "notes": "tolerated well",
            "performed_at": "2026-11-30T09:15:42+01:00",
            "lines": [{"product_id": serum.id, "quantity": 2},
                      {"product_id": roller.id, "quantity": 1},
                      {"product_id": serum.id, "quantity": 1.25}]
        }),
    )
    .await;
    assert_eq!(r["practitioner_name"], "Pia Novak", "{r}");
    let split = r["lines"][0]["allocations"].as_array().unwrap();
    assert_eq!(split.len(), 2, "{r}");
    let areas: Vec<&str> = r["areas"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str().or(a["code"].as_str()))
        .collect();
    assert!(!areas.is_empty(), "{r}");

    // Warnings confirmed over the API: who and when come back as stored.
    let r = same_as_stored(
        &app,
        &t,
        &json!({
            "site": "main", "client_ref": "C-2002", "needle_length_mm": 2.5,
            "indication": "fine_lines", "confirm_warnings": true,
            "lines": [{"product_id": serum.id, "quantity": 0.5}]
        }),
    )
    .await;
    assert!(!r["warnings"].as_array().unwrap().is_empty(), "{r}");
    assert_eq!(r["warnings_confirmed"], json!(true), "{r}");

    // Warnings not confirmed, no areas, no indication.
    let r = same_as_stored(
        &app,
        &t,
        &json!({
            "site": "main", "client_ref": "C-2003", "needle_length_mm": 2.5,
            "lines": [{"product_id": serum.id, "quantity": 0.25}]
        }),
    )
    .await;
    assert_eq!(r["voided"], json!(false), "{r}");
    app.assert_ledger_consistent().await;
}
