//! Receipts read back through the API (issue 13 part 4):
//! `GET /api/v1/receipts` (site-scoped, `limit`/`offset`, `total`) and
//! `GET /api/v1/receipts/{id}` with the ledger rows each receipt wrote.

use serde_json::json;

use crate::access_sites_world::world;
use crate::support::*;
use clinic_stock::services::accounts;

#[tokio::test]
async fn api_receipts_list_and_show_what_was_received() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // The world's admin (`admin-api`), a second token.
    let admin = app
        .with_conn(|c| accounts::create_token(c, "admin-api", "receipts").unwrap())
        .await;

    // Mona (manager of main) sees main's receipts only: SHARED-1 and MAIN-ONLY.
    let (s, v) = app.api_get(&w.mona_token, "/api/v1/receipts").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], json!(2), "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let mut lots: Vec<String> = items
        .iter()
        .map(|r| {
            assert_eq!(r["site"], "main");
            assert_eq!(r["location"], "store");
            let lines = r["lines"].as_array().unwrap();
            assert_eq!(lines.len(), 1, "{r}");
            assert_eq!(lines[0]["kind"], "receive");
            assert_eq!(lines[0]["delta"], json!(50));
            assert_eq!(lines[0]["receipt_id"], r["id"]);
            lines[0]["lot"].as_str().unwrap().to_string()
        })
        .collect();
    lots.sort();
    assert_eq!(lots, vec!["MAIN-ONLY", "SHARED-1"]);

    // Paging: limit/offset with the total unchanged; newest first.
    let (_, p1) = app.api_get(&w.mona_token, "/api/v1/receipts?limit=1").await;
    let (_, p2) = app
        .api_get(&w.mona_token, "/api/v1/receipts?limit=1&offset=1")
        .await;
    assert_eq!(
        (p1["total"].clone(), p2["total"].clone()),
        (json!(2), json!(2))
    );
    assert_eq!(p1["items"].as_array().unwrap().len(), 1);
    assert_ne!(p1["items"][0]["id"], p2["items"][0]["id"]);
    assert!(p1["items"][0]["id"].as_i64() > p2["items"][0]["id"].as_i64());

    // The admin sees every site's, or one site's when asked.
    let (_, all) = app.api_get(&admin, "/api/v1/receipts").await;
    assert_eq!(all["total"], json!(4), "{all}");
    let (_, north) = app.api_get(&admin, "/api/v1/receipts?site=north").await;
    assert_eq!(north["total"], json!(2), "{north}");
    let north_id = north["items"][0]["id"].as_i64().unwrap();
    assert_eq!(north["items"][0]["site"], "north");
    assert_eq!(north["items"][0]["location"], "vault");

    // One receipt: the same object; another site's is 404 for Mona.
    let main_id = items[0]["id"].as_i64().unwrap();
    let (s, one) = app
        .api_get(&w.mona_token, &format!("/api/v1/receipts/{main_id}"))
        .await;
    assert_eq!(s, 200, "{one}");
    assert_eq!(one, items[0]);
    let (s, v) = app
        .api_get(&w.mona_token, &format!("/api/v1/receipts/{north_id}"))
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{v}"
    );
    let (s, _) = app
        .api_get(&w.chris_token, &format!("/api/v1/receipts/{north_id}"))
        .await;
    assert_eq!(s, 200);
    for path in ["/api/v1/receipts/999999", "/api/v1/receipts/abc"] {
        let (s, v) = app.api_get(&admin, path).await;
        assert_eq!(s, 404, "{path} {v}");
        assert!(v["error"]["code"].is_string(), "{path} {v}");
    }

    // Another site asked for by a bound manager: 403; an unknown site: 422;
    // practitioners: 403.
    let (s, _) = app
        .api_get(&w.mona_token, "/api/v1/receipts?site=north")
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .api_get(&w.mona_token, "/api/v1/receipts?site=nowhere")
        .await;
    assert!(s == 422 || s == 404, "{s}");
    let (s, _) = app.api_get(&w.pia_token, "/api/v1/receipts").await;
    assert_eq!(s, 403);
    let (s, _) = app
        .api_get(&w.pia_token, &format!("/api/v1/receipts/{main_id}"))
        .await;
    assert_eq!(s, 403);
    app.assert_ledger_consistent().await;
}
