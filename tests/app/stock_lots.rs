//! The lot page, `GET /api/v1/lots/{id}`, the recall CSV and the recall
//! search, with sessions recorded and voided through the real sessions API.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::movements_fixtures::csv_rows;
use crate::support::*;

/// Logs a session through the API; returns its id.
async fn session(app: &TestApp, token: &str, client: &str, lines: Value) -> i64 {
    let body =
        json!({"site": "main", "client_ref": client, "needle_length_mm": 1.5, "lines": lines});
    let key = clinic_stock::auth::random_token();
    let (s, r) = app
        .api_send(
            reqwest::Method::POST,
            token,
            "/api/v1/sessions",
            &body,
            Some(&key),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    r["id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_lot_page_shows_where_it_is_its_history_and_who_got_it() {
    let app = TestApp::new().await;
    let roller = app.product("RL-150").roller(150).create().await;
    let r9 = app.stock(&roller, "R-9", days(60), "10").await;
    let r10 = app.stock(&roller, "R-10", days(90), "10").await;
    let pr = app.token_for(Role::Practitioner).await;
    let m = app.token_for(Role::Manager).await;
    let line = json!([{"product_id": roller.id, "quantity": 1}]);
    let s1 = session(&app, &pr, "C-001", line.clone()).await;
    let s2 = session(&app, &pr, "C-002", line.clone()).await;
    let s3 = session(&app, &pr, "C-003", line.clone()).await;
    let other = session(
        &app,
        &pr,
        "C-004",
        json!([{"product_id": roller.id, "quantity": 1, "lot_id": r10}]),
    )
    .await;
    let (s, v) = app
        .api_post(
            &m,
            &format!("/api/v1/sessions/{s2}/void"),
            &json!({"reason": "logged twice"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");

    let web = app.manager().await;
    let (s, doc) = app.page(&web, &format!("/lots/{r9}")).await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#lot-title"), "Lot R-9");
    assert_eq!(text(&doc, "#lot-expiry"), days(60).to_string());
    assert_eq!(text(&doc, "#lot-on-hand"), "8");
    assert_eq!(text(&doc, "#balances tbody tr td.qty"), "8");
    // Recall: every session that took from the lot, the voided one marked.
    let sessions: Vec<i64> = doc
        .select(&Selector::parse("#sessions tbody tr").unwrap())
        .map(|r| r.value().attr("data-session").unwrap().parse().unwrap())
        .collect();
    assert_eq!(sessions, vec![s3, s2, s1]);
    assert!(!sessions.contains(&other));
    assert_eq!(
        texts(&doc, "#sessions tbody tr td.client"),
        vec!["C-003", "C-002", "C-001"]
    );
    assert_eq!(
        count(&doc, &format!("#sessions tr.voided[data-session=\"{s2}\"]")),
        1
    );
    assert_eq!(count(&doc, "#sessions tr.voided"), 1);
    assert!(text(&doc, "#sessions-summary").starts_with("3 sessions, 3 in total"));
    // History: receipt, three uses, the void.
    assert_eq!(count(&doc, "#history tbody tr"), 5);
    assert_eq!(count(&doc, "#history tbody tr[data-kind=consume]"), 3);
    assert_eq!(count(&doc, "#history tbody tr[data-kind=void]"), 1);
    assert_eq!(text(&doc, "#history-page"), "5 rows · page 1 of 1");

    // The API view of the same.
    let (s, l) = app.api_get(&m, &format!("/api/v1/lots/{r9}")).await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(l["lot"], "R-9");
    assert_eq!(l["product_id"], json!(roller.id));
    assert_eq!(l["quantity"], json!(8));
    assert_eq!(l["balances"][0]["location"], "store");
    assert_eq!(l["balances"][0]["quantity"], json!(8));
    let got: Vec<(i64, String, bool)> = l["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["quantity"], json!(1));
            assert!(s["performed_at"].as_str().unwrap().ends_with('Z'));
            (
                s["id"].as_i64().unwrap(),
                s["client_ref"].as_str().unwrap().to_string(),
                s["voided"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (s3, "C-003".into(), false),
            (s2, "C-002".into(), true),
            (s1, "C-001".into(), false)
        ]
    );
    let (s, _) = app.api_get(&pr, &format!("/api/v1/lots/{r9}")).await;
    assert_eq!(s, 403);
    let (s, e) = app.api_get(&m, "/api/v1/lots/999999").await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));

    // The recall CSV.
    let r = web
        .get(app.url(&format!("/lots/{r9}/recall.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("recall-RL-150-R-9.csv")
    );
    let (header, rows) = csv_rows(&r.text().await.unwrap());
    assert_eq!(
        &header[..4],
        ["session_id", "performed_at", "client_ref", "practitioner"]
    );
    let clients: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[2].as_str(), r[8].as_str(), r[10].as_str()))
        .collect();
    assert_eq!(
        clients,
        vec![
            ("C-003", "1", "false"),
            ("C-002", "1", "true"),
            ("C-001", "1", "false")
        ]
    );

    // Practitioners see a read-only page: no history, no clients, no forms.
    let pweb = app.practitioner().await;
    let (s, doc) = app.page(&pweb, &format!("/lots/{r9}")).await;
    assert_eq!(s, 200);
    assert_eq!(
        count(
            &doc,
            "#sessions, #history, #adjust, #transfer, #quarantine-form"
        ),
        0
    );
    assert_eq!(text(&doc, "#balances tbody tr td.qty"), "8");
    let r = pweb
        .get(app.url(&format!("/lots/{r9}/recall.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.page(&web, "/lots/999999").await.0, 404);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn recall_finds_clients_across_opened_containers() {
    let app = TestApp::new().await;
    let lido = app
        .product("LIDO")
        .anesthetic()
        .use_within(28)
        .create()
        .await;
    let roller = app.product("RL-150").roller(150).create().await;
    let other = app.product("LIDO-2").anesthetic().create().await;
    let lot = app.stock(&lido, "X-1", days(200), "60").await;
    app.stock(&other, "X-1", days(200), "30").await;
    app.stock(&roller, "R-1", days(200), "10").await;
    let store = app.location_id("store").await.to_string();
    let web = app.manager().await;
    // A tube is opened; sessions then take from it first (it expires first).
    let r = app
        .post_form(
            &web,
            &format!("/lots/{lot}"),
            &format!("/lots/{lot}/open"),
            &[("location_id", &store)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let container = app.last_ledger_row().await.lot_id;
    let pr = app.token_for(Role::Practitioner).await;
    let lines =
        json!([{"product_id": roller.id, "quantity": 1}, {"product_id": lido.id, "quantity": 2.5}]);
    let a = session(&app, &pr, "K-1", lines.clone()).await;
    let b = session(&app, &pr, "K-2", lines).await;
    assert_eq!(app.balance(container, "store").await, 25000);

    // The container's own page shows the whole family.
    let (_, doc) = app.page(&web, &format!("/lots/{container}")).await;
    assert_eq!(text(&doc, "#lot-title"), "Lot X-1");
    assert_eq!(
        texts(&doc, "#sessions tbody tr td.client"),
        vec!["K-2", "K-1"]
    );
    assert_eq!(
        texts(&doc, "#sessions tbody tr td.qty"),
        vec!["2.5 g", "2.5 g"]
    );
    assert_eq!(count(&doc, "#containers tbody tr"), 1);

    // Search by lot number: both products have an X-1; the product narrows it.
    let (s, doc) = app.page(&web, "/recall?lot=X-1").await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "section.recall-hit"), 2);
    let (_, doc) = app
        .page(&web, &format!("/recall?product_id={}&lot=X-1", lido.id))
        .await;
    assert_eq!(count(&doc, "section.recall-hit"), 1);
    assert_eq!(
        count(&doc, &format!("section.recall-hit[data-lot=\"{lot}\"]")),
        1,
        "the hit is the sealed lot, containers folded in"
    );
    let rows: Vec<i64> = doc
        .select(&Selector::parse("section.recall-hit tbody tr").unwrap())
        .map(|r| r.value().attr("data-session").unwrap().parse().unwrap())
        .collect();
    assert_eq!(rows, vec![b, a]);
    assert_eq!(
        texts(&doc, "section.recall-hit td.client"),
        vec!["K-2", "K-1"]
    );
    let (_, doc) = app.page(&web, "/recall?lot=NOPE").await;
    assert_eq!(text(&doc, "#recall-none"), "No lot NOPE found.");
    let (s, doc) = app
        .page(&web, &format!("/recall?product_id={}&lot=", lido.id))
        .await;
    assert_eq!(s, 422);
    assert!(!text(&doc, "#recall-error").is_empty());
    let (s, _) = app.page(&web, "/recall").await;
    assert_eq!(s, 200);
    let pweb = app.practitioner().await;
    assert_eq!(app.page(&pweb, "/recall?lot=X-1").await.0, 403);
    app.assert_ledger_consistent().await;
}
