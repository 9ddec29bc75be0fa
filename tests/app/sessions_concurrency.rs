//! Many sessions at once over real HTTP against one product with little
//! stock: the conditional decrements let exactly as many through as there is
//! stock, every other request is a clean 409, and the ledger stays
//! consistent. CI runs `cargo test --test app concurrency` ten times per
//! backend; this must never be flaky.

use std::sync::Arc;

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_32_clients_take_10_units_exactly() {
    let app = TestApp::new().await;
    let token = Arc::new(app.token_for(Role::Practitioner).await);
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(100), "10").await;
    let client = reqwest::Client::new();
    let url = Arc::new(app.url("/api/v1/sessions"));
    let start = Arc::new(tokio::sync::Barrier::new(32));
    let mut tasks = Vec::new();
    for i in 0..32 {
        let (client, url, token, start) =
            (client.clone(), url.clone(), token.clone(), start.clone());
        let b = body(&format!("C-{i:04}"), 1.5, &[(&roller, 1.0)]);
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let r = client
                .post(url.as_str())
                .bearer_auth(token.as_str())
                .header("Idempotency-Key", new_key())
                .json(&b)
                .send()
                .await
                .expect("request sent");
            let status = r.status().as_u16();
            let json: serde_json::Value = r.json().await.unwrap_or_default();
            (status, json)
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for t in tasks {
        let (status, json) = t.await.unwrap();
        match status {
            201 => created += 1,
            409 => {
                assert_eq!(json["error"]["code"], "insufficient_stock", "{json}");
                assert_eq!(json["error"]["available"], serde_json::json!(0), "{json}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {json}"),
        }
    }
    assert_eq!((created, refused), (10, 22));
    assert_eq!(app.balance(lot, "store").await, 0);
    assert_eq!(app.session_rows().await, (10, 10));
    app.assert_ledger_consistent().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrency_one_key_sent_8_times_at_once_records_one_session() {
    let app = TestApp::new().await;
    let token = Arc::new(app.token_for(Role::Practitioner).await);
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(100), "10").await;
    let client = reqwest::Client::new();
    let url = Arc::new(app.url("/api/v1/sessions"));
    let key = Arc::new(new_key());
    let start = Arc::new(tokio::sync::Barrier::new(8));
    let b = Arc::new(body("C-0001", 1.5, &[(&roller, 1.0)]));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, url, token, start, key, b) = (
            client.clone(),
            url.clone(),
            token.clone(),
            start.clone(),
            key.clone(),
            b.clone(),
        );
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let r = client
                .post(url.as_str())
                .bearer_auth(token.as_str())
                .header("Idempotency-Key", key.as_str())
                .json(b.as_ref())
                .send()
                .await
                .expect("request sent");
            let status = r.status().as_u16();
            let json: serde_json::Value = r.json().await.unwrap_or_default();
            (status, json)
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        let (status, json) = t.await.unwrap();
        assert_eq!(status, 201, "{json}");
        ids.push(json["id"].as_i64().unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the one session");
    assert_eq!(app.balance(lot, "store").await, 9000);
    assert_eq!(app.session_rows().await, (1, 1));
    app.assert_ledger_consistent().await;
}
