//! The dashboard's figures are kept per site and stock version (issue 16):
//! every change the dashboard shows is on the next page, whichever server
//! made it and whichever serves the page; pages between changes reuse the
//! figures. Runs on both backends (two server processes share one SQLite
//! file or one PostgreSQL database).

use scraper::Html;

use crate::fixtures::days;
use crate::server_process::ServerProcess;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

fn figure(doc: &Html, category: &str, col: &str) -> String {
    text(
        doc,
        &format!("#categories tr[data-category=\"{category}\"] td.{col}"),
    )
}

async fn page_at(client: &reqwest::Client, url: String) -> Html {
    let r = client.get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    Html::parse_document(&r.text().await.unwrap())
}

/// Usable rollers on the dashboard of `url` (a server's `/`).
async fn usable_rollers(client: &reqwest::Client, url: String) -> String {
    figure(&page_at(client, url).await, "roller", "usable")
}

#[tokio::test]
async fn every_kind_of_change_is_on_the_next_page() {
    let app = TestApp::new().await;
    let m = app.manager().await;
    let token = app.token_for(Role::Practitioner).await;
    let mtoken = app.token_for(Role::Manager).await;
    let roller = app.product("RL-150").roller(150).min("5").create().await;
    let lot = app.stock(&roller, "R1", days(200), "10").await;
    let home = app.url("/");
    assert_eq!(usable_rollers(&m, home.clone()).await, "10 each");
    // The same figures again, from the cache.
    assert_eq!(usable_rollers(&m, home.clone()).await, "10 each");
    let builds = app.state.dashboard.builds();
    assert_eq!(usable_rollers(&m, home.clone()).await, "10 each");
    assert_eq!(
        app.state.dashboard.builds(),
        builds,
        "no change: no rebuild"
    );

    // A session (ledger append).
    let (status, json) = app
        .post_session(&token, &new_key(), &body("C-1", 1.5, &[(&roller, 3.0)]))
        .await;
    assert_eq!(status, 201, "{json}");
    assert_eq!(usable_rollers(&m, home.clone()).await, "7 each");

    // A receipt (ledger append) through the API.
    app.stock(&roller, "R2", days(300), "5").await;
    assert_eq!(usable_rollers(&m, home.clone()).await, "12 each");

    // Quarantine and release (no ledger row).
    let (status, json) = app
        .api_post(
            &mtoken,
            &format!("/api/v1/lots/{lot}/quarantine"),
            &serde_json::json!({"reason": "check"}),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(
        usable_rollers(&m, home.clone()).await,
        "5 each",
        "7 held back"
    );
    let (status, json) = app
        .api_post(
            &mtoken,
            &format!("/api/v1/lots/{lot}/release"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(usable_rollers(&m, home.clone()).await, "12 each");

    // A catalogue change the dashboard shows: the min level (low stock list).
    let doc = page_at(&m, home.clone()).await;
    assert_eq!(count(&doc, "#low-stock tbody tr"), 0);
    let (status, json) = app
        .api_send(
            reqwest::Method::PATCH,
            &mtoken,
            &format!("/api/v1/products/{}", roller.id),
            &serde_json::json!({"min_level": 20}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{json}");
    let doc = page_at(&m, home.clone()).await;
    assert_eq!(
        count(&doc, "#low-stock tbody tr"),
        1,
        "now below its min level"
    );

    // A new product shows in the category's product count.
    let before = figure(&doc, "roller", "products");
    assert_eq!(before, "1");
    app.product("RL-200").roller(200).create().await;
    let doc = page_at(&m, home.clone()).await;
    assert_eq!(figure(&doc, "roller", "products"), "2");
    app.assert_ledger_consistent().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_show_each_others_writes_at_once() {
    let app = TestApp::new().await;
    let m = app.manager().await;
    let token = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    app.stock(&roller, "R1", days(200), "10").await;
    let servers = [
        ServerProcess::start(&app.db.url, &[]),
        ServerProcess::start(&app.db.url, &[]),
    ];
    // The login session is in the database: the cookie works on both.
    for s in &servers {
        assert_eq!(usable_rollers(&m, s.url("/")).await, "10 each");
    }
    let client = reqwest::Client::new();
    let mut left = 10;
    for round in 0..4 {
        // A session saved by one server is on the other's next page (and
        // on its own), though both had the figures before it.
        let writer = &servers[round % 2];
        let r = client
            .post(writer.url("/api/v1/sessions"))
            .bearer_auth(&token)
            .header("Idempotency-Key", new_key())
            .json(&body(&format!("C-{round}"), 1.5, &[(&roller, 2.0)]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        left -= 2;
        for s in &servers {
            assert_eq!(
                usable_rollers(&m, s.url("/")).await,
                format!("{left} each"),
                "round {round}"
            );
        }
    }
    // A write by a third process (the test's own server).
    app.stock(&roller, "R2", days(300), "5").await;
    for s in &servers {
        assert_eq!(
            usable_rollers(&m, s.url("/")).await,
            format!("{} each", left + 5)
        );
    }
    app.assert_ledger_consistent().await;
}
