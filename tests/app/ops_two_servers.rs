//! Several servers, one database (issue 10): two `clinic-stock serve`
//! processes share the racers of the 32-client test and still sell exactly
//! the 10 units there are; one idempotency key sent to both makes one
//! session; sign-in throttling counts the failures seen by both. Runs on
//! both backends: on SQLite the two processes share one file (WAL, the
//! write lock taken up front, `busy_timeout`), on PostgreSQL one database.

use std::sync::Arc;

use crate::fixtures::days;
use crate::login_throttle::{client, post_login, retry_after};
use crate::server_process::ServerProcess;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;
use clinic_stock::domain::throttle;

/// Sends `bodies[i]` with `keys[i]` to server `i % 2`, all at once; the
/// (server, status, body) of each answer.
async fn race(
    servers: &[ServerProcess; 2],
    token: &str,
    keys: Vec<String>,
    bodies: Vec<serde_json::Value>,
) -> Vec<(usize, u16, serde_json::Value)> {
    let client = reqwest::Client::new();
    let start = Arc::new(tokio::sync::Barrier::new(keys.len()));
    let mut tasks = Vec::new();
    for (i, (key, b)) in keys.into_iter().zip(bodies).enumerate() {
        let (client, start, token) = (client.clone(), start.clone(), token.to_string());
        let url = servers[i % 2].url("/api/v1/sessions");
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&b)
                .send()
                .await
                .expect("request sent");
            let status = r.status().as_u16();
            (i % 2, status, r.json().await.unwrap_or_default())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_sell_exactly_10_units_to_32_racers() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(100), "10").await;
    let servers = [
        ServerProcess::start(&app.db.url, &[]),
        ServerProcess::start(&app.db.url, &[]),
    ];
    let keys = (0..32).map(|_| new_key()).collect();
    let bodies = (0..32)
        .map(|i| body(&format!("C-{i:04}"), 1.5, &[(&roller, 1.0)]))
        .collect();
    let mut created = [0; 2];
    let mut refused = [0; 2];
    for (server, status, json) in race(&servers, &token, keys, bodies).await {
        match status {
            201 => created[server] += 1,
            409 => {
                assert_eq!(json["error"]["code"], "insufficient_stock", "{json}");
                assert_eq!(json["error"]["available"], serde_json::json!(0), "{json}");
                refused[server] += 1;
            }
            other => panic!("unexpected {other} from server {server}: {json}"),
        }
    }
    eprintln!("two servers: created {created:?}, refused {refused:?}");
    assert_eq!(created[0] + created[1], 10);
    assert_eq!(refused[0] + refused[1], 22);
    assert_eq!(app.balance(lot, "store").await, 0);
    assert_eq!(app.session_rows().await, (10, 10));
    app.assert_ledger_consistent().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_sent_to_both_servers_at_once_makes_one_session() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(100), "10").await;
    let servers = [
        ServerProcess::start(&app.db.url, &[]),
        ServerProcess::start(&app.db.url, &[]),
    ];
    let key = new_key();
    let b = body("C-0001", 1.5, &[(&roller, 1.0)]);
    let answers = race(&servers, &token, vec![key; 8], vec![b; 8]).await;
    let mut ids = Vec::new();
    for (server, status, json) in answers {
        assert_eq!(status, 201, "server {server}: {json}");
        ids.push(json["id"].as_i64().unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the one session");
    assert_eq!(app.balance(lot, "store").await, 9000);
    assert_eq!(app.session_rows().await, (1, 1));
    app.assert_ledger_consistent().await;
}

/// Failures on server 1 plus failures on server 2 reach the threshold
/// neither saw alone: per account name, and per client address (each
/// failure for another name, so that only the address count grows).
#[tokio::test]
async fn sign_in_throttling_counts_the_failures_of_both_servers() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    let trusted = ["--trusted-proxy", "127.0.0.1"];
    let servers = [
        ServerProcess::start(&app.db.url, &trusted),
        ServerProcess::start(&app.db.url, &trusted),
    ];
    // The account: its free failures, shared out between the two.
    for i in 0..throttle::ACCOUNT_FREE {
        let base = &servers[(i % 2) as usize].base;
        let ip = format!("10.0.0.{i}");
        let r = post_login(&client(), base, "maria", "wrong password!", Some(&ip)).await;
        assert_eq!(r.status(), 401, "failure {i}");
    }
    for s in &servers {
        let r = post_login(&client(), &s.base, "maria", PASSWORD, Some("10.0.1.1")).await;
        assert_eq!(r.status(), 429, "the account waits on {}", s.base);
        assert!(retry_after(&r).unwrap_or(0) >= 1);
    }
    // The address: its free failures, each for a name of its own.
    for i in 0..throttle::ADDRESS_FREE {
        let base = &servers[(i % 2) as usize].base;
        let name = format!("nobody{i}");
        let r = post_login(&client(), base, &name, "wrong password!", Some("10.9.9.9")).await;
        assert_eq!(r.status(), 401, "failure {i}");
    }
    for s in &servers {
        let r = post_login(&client(), &s.base, "someone", "wrong!", Some("10.9.9.9")).await;
        assert_eq!(r.status(), 429, "the address waits on {}", s.base);
    }
    // Another address is not held up by that one.
    let r = post_login(
        &client(),
        &servers[1].base,
        "someone",
        "wrong!",
        Some("10.9.9.8"),
    )
    .await;
    assert_eq!(r.status(), 401);
}
