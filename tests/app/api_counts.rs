//! Stock counts through the API (issue 13 part 4): `GET /api/v1/counts`
//! (the `/counts` overview) and `POST /api/v1/counts` (submitting a sheet),
//! with the page's rules: only differences are booked, bad lines write
//! nothing, another site's location is 404 for a bound manager.

use serde_json::{Value, json};

use crate::access_sites_world::world;
use crate::fixtures::days;
use crate::support::*;

fn field(v: &Value) -> &str {
    v["error"]["field"].as_str().unwrap_or("")
}

/// Three lots at `main/store`: A (10 rollers), B (5 gloves), C (2.5 g).
struct Shelf {
    app: TestApp,
    /// A manager's token.
    m: String,
    store: i64,
    a: i64,
    b: i64,
    c: i64,
    gloves: clinic_stock::db::models::Product,
}

async fn shelf() -> Shelf {
    let app = TestApp::new().await;
    let roller = app.product("RL-150").roller(150).create().await;
    let gloves = app.product("GLV").disposable().create().await;
    let lido = app.product("LIDO").anesthetic().create().await;
    let a = app.stock(&roller, "A-1", days(100), "10").await;
    let b = app.stock(&gloves, "B-1", days(100), "5").await;
    let c = app.stock(&lido, "C-1", days(100), "2.5").await;
    let store = app.location_id("store").await;
    let m = app.token_for(Role::Manager).await;
    Shelf {
        app,
        m,
        store,
        a,
        b,
        c,
        gloves,
    }
}

#[tokio::test]
async fn api_counts_list_the_locations_to_count() {
    let Shelf { app, m, store, .. } = shelf().await;
    let (s, v) = app.api_get(&m, "/api/v1/counts").await;
    assert_eq!(s, 200, "{v}");
    let row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["location_id"] == json!(store))
        .cloned()
        .unwrap();
    assert_eq!(row["lots_on_hand"], json!(3), "{v}");
    assert_eq!(row["last_counted"], Value::Null);
    assert_eq!(row["site"], "main");
    assert_eq!(v["total"], json!(v["items"].as_array().unwrap().len()));
}

#[tokio::test]
async fn api_count_refusals_write_nothing() {
    let Shelf {
        app, m, store, a, ..
    } = shelf().await;
    let practitioner = app.token_for(Role::Practitioner).await;
    // Refusals write nothing.
    let before = app.ledger_rows().await;
    let counts_before = app.stock_count_rows().await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"location_id": store, "lines": []}), 422, "lines"),
        (
            json!({"location_id": store, "lines": [{"lot_id": a}]}),
            422,
            "lines",
        ),
        (
            json!({"location_id": store, "lines": [{"lot_id": 999_999, "counted": 1}]}),
            422,
            "lines",
        ),
        (
            json!({"location_id": store, "lines": [{"lot_id": a, "counted": -1}]}),
            422,
            "",
        ),
        (
            json!({"location_id": store, "lines": [{"lot_id": a, "counted": "ten"}]}),
            422,
            "lines[0].counted",
        ),
        (
            json!({"location_id": store, "lines": [{"lot_id": "A-1", "counted": 1}]}),
            422,
            "lines[0].lot_id",
        ),
        (
            json!({"location_id": store, "lines": {"lot_id": a}}),
            422,
            "lines",
        ),
        (
            json!({"location_id": "store", "lines": []}),
            422,
            "location_id",
        ),
        (
            json!({"lines": [{"lot_id": a, "counted": 1}]}),
            422,
            "location_id",
        ),
        (
            json!({"location_id": store, "blind": "yes", "lines": []}),
            422,
            "blind",
        ),
        (
            json!({"location_id": store, "lines": [{"lot_id": a, "counted": 9}, {"lot_id": a, "counted": 8}]}),
            422,
            "",
        ),
        (
            json!({"location_id": 999_999, "lines": [{"lot_id": a, "counted": 1}]}),
            404,
            "",
        ),
        (json!([1]), 400, ""),
    ];
    for (body, status, want_field) in cases {
        let (s, v) = app.api_post(&m, "/api/v1/counts", &body).await;
        assert_eq!(s, status, "{body} → {v}");
        assert!(v["error"]["code"].is_string(), "{body} → {v}");
        if !want_field.is_empty() {
            assert_eq!(field(&v), want_field, "{body} → {v}");
        }
    }
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/counts"))
        .bearer_auth(&m)
        .header("content-type", "application/json")
        .body("{\"location_id\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (s, _) = app
        .api_post(
            &practitioner,
            "/api/v1/counts",
            &json!({"location_id": store, "lines": [{"lot_id": a, "counted": 1}]}),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(app.ledger_rows().await, before);
    assert_eq!(app.stock_count_rows().await, counts_before);
}

#[tokio::test]
async fn api_counts_book_only_the_differences() {
    let Shelf {
        app,
        m,
        store,
        a,
        b,
        c,
        gloves,
    } = shelf().await;
    let before = app.ledger_rows().await;
    let counts_before = app.stock_count_rows().await;
    // A matches, B is 2 short, C is not counted.
    let (s, v) = app
        .api_post(
            &m,
            "/api/v1/counts",
            &json!({"location_id": store, "note": "monthly",
                    "lines": [{"lot_id": a, "counted": 10}, {"lot_id": b, "counted": 3}, {"lot_id": c}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["lines_counted"], json!(2));
    assert_eq!(v["discrepancies"], json!(1));
    assert_eq!(v["location"], "store");
    assert_eq!(
        v["lines"],
        json!([{"lot_id": b, "lot": "B-1", "product_id": gloves.id, "sku": "GLV",
                "expected": 5, "counted": 3, "difference": -2}])
    );
    let rows = v["ledger"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0]["kind"], "count");
    assert_eq!(rows[0]["delta"], json!(-2));
    assert_eq!(rows[0]["stock_count_id"], v["id"]);
    assert_eq!(app.ledger_rows().await, before + 1);
    assert_eq!(app.stock_count_rows().await, counts_before + 1);
    assert_eq!(app.balance(a, "store").await, 10000);
    assert_eq!(app.balance(b, "store").await, 3000);
    assert_eq!(app.balance(c, "store").await, 2500);

    let (_, v) = app.api_get(&m, "/api/v1/counts").await;
    let row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["location_id"] == json!(store))
        .cloned()
        .unwrap();
    assert!(row["last_counted"].is_string(), "{row}");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn api_counts_hide_another_sites_locations() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let before = app.ledger_rows().await;
    let counts_before = app.stock_count_rows().await;
    let body = json!({"location_id": w.north_vault,
                      "lines": [{"lot_id": w.north_lot, "counted": 1}]});
    let (s, v) = app.api_post(&w.mona_token, "/api/v1/counts", &body).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{v}"
    );
    let (s, _) = app.api_post(&w.pia_token, "/api/v1/counts", &body).await;
    assert_eq!(s, 403);
    assert_eq!(app.ledger_rows().await, before);
    assert_eq!(app.stock_count_rows().await, counts_before);

    // Mona's overview lists main's locations only.
    let (s, v) = app.api_get(&w.mona_token, "/api/v1/counts").await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|r| r["site"] == "main"), "{v}");
    assert!(
        items
            .iter()
            .all(|r| r["location_id"] != json!(w.north_vault))
    );
    // The chain manager counts at north.
    let (s, v) = app.api_post(&w.chris_token, "/api/v1/counts", &body).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["site"], "north");
    app.assert_ledger_consistent().await;
}
