//! The ledger page (filters, pages), its CSV export, and `GET /api/v1/ledger`.

use serde_json::json;

use crate::fixtures::{days, fixture_actor};
use crate::movements_fixtures::csv_rows;
use crate::support::*;
use clinic_stock::db;
use clinic_stock::services::transfers::{self, TransferDraft};

/// Two products, two locations, five rows: 2 receipts, 1 adjustment (by
/// `manager-api`), a transfer pair. Returns (gloves, lido, gloves lot, token).
async fn arrange(app: &TestApp) -> (i64, i64, i64, String) {
    let gloves = app.product("GLV").disposable().create().await;
    let lido = app.product("LIDO").anesthetic().create().await;
    let g = app.stock(&gloves, "G-1", days(100), "100").await;
    app.stock(&lido, "L-1", days(100), "30").await;
    let room = app.location("room1").await;
    let t = app.token_for(Role::Manager).await;
    let (s, _) = app
        .api_post(
            &t,
            "/api/v1/adjustments",
            &json!({"lot_id": g, "location": "store", "delta": -2, "reason": "waste"}),
        )
        .await;
    assert_eq!(s, 201);
    let store = app.location_id("store").await;
    app.with_conn(move |c| {
        let actor = fixture_actor(c);
        let d = TransferDraft {
            lot_id: Some(g.to_string()),
            from_location_id: Some(store.to_string()),
            to_location_id: Some(room.to_string()),
            quantity: Some("5".into()),
            note: None,
            ..TransferDraft::default()
        };
        transfers::transfer(c, &actor, &d).unwrap();
    })
    .await;
    (gloves.id, lido.id, g, t)
}

/// Appends `n` alternating +1/−1 count corrections to a lot at `store`, in one transaction.
async fn bulk_rows(app: &TestApp, lot_id: i64, n: usize) {
    let store = app.location_id("store").await;
    app.with_conn(move |c| {
        let actor = fixture_actor(c);
        db::write_tx(c, |c| -> Result<(), clinic_stock::error::ServiceError> {
            let lot = db::lots::by_id(c, lot_id)?.unwrap();
            let loc = db::sites::location_by_id(c, store)?.unwrap();
            for i in 0..n {
                let delta = if i % 2 == 0 { 1000 } else { -1000 };
                let at = db::ledger::StockAt::of_lot(&lot, store, loc.site_id);
                db::ledger::append(
                    c,
                    &db::models::NewLedgerRow::new(LedgerKind::Count, at, delta, actor.user_id)
                        .reason("count"),
                )?;
            }
            Ok(())
        })
        .unwrap()
    })
    .await;
}

fn ids(doc: &Html) -> Vec<i64> {
    doc.select(&Selector::parse("#ledger tbody tr").unwrap())
        .map(|r| r.value().attr("data-id").unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn the_ledger_page_filters_and_pages() {
    let app = TestApp::new().await;
    let (gloves, lido, _g, _) = arrange(&app).await;
    let room = app.location_id("room1").await;
    let m = app.manager().await;

    let (s, doc) = app.page(&m, "/ledger").await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#ledger-total"), "5 rows");
    let all = ids(&doc);
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first");
    let adjust = "#ledger tbody tr[data-kind=adjust]";
    assert_eq!(text(&doc, &format!("{adjust} td.delta")), "-2");
    assert_eq!(text(&doc, &format!("{adjust} .reason")), "Waste");
    assert_eq!(text(&doc, &format!("{adjust} td.user")), "manager-api");
    assert_eq!(text(&doc, &format!("{adjust} .lot")), "G-1");

    let today = days(0).to_string();
    let cases: Vec<(String, usize)> = vec![
        ("kind=transfer".into(), 2),
        (format!("product_id={lido}"), 1),
        (format!("product_id={gloves}&kind=receive"), 1),
        (format!("location_id={room}"), 1),
        ("user=manager-api".into(), 1),
        ("lot=G-1".into(), 4),
        ("lot=NOPE".into(), 0),
        ("site=main".into(), 5),
        (format!("from={}", days(1)), 0),
        (format!("to={}", days(-1)), 0),
        (format!("from={today}&to={today}"), 5),
    ];
    for (q, n) in cases {
        let (s, doc) = app.page(&m, &format!("/ledger?{q}")).await;
        assert_eq!(s, 200, "{q}");
        assert_eq!(ids(&doc).len(), n, "{q}");
        let (_, csv) = {
            let r = m
                .get(app.url(&format!("/ledger.csv?{q}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            csv_rows(&r.text().await.unwrap())
        };
        let csv_ids: Vec<i64> = csv.iter().map(|r| r[0].parse().unwrap()).collect();
        assert_eq!(csv_ids, ids(&doc), "CSV rows match the page for {q}");
    }
    let (_, doc) = app.page(&m, "/ledger?kind=transfer").await;
    assert!(
        texts(&doc, "#ledger tbody tr .kind")
            .iter()
            .all(|k| k == "Transfer")
    );
    // The filter form keeps what was chosen.
    let selected = doc
        .select(&Selector::parse("select[name=kind] option[selected]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    assert_eq!(selected, "transfer");

    for q in ["kind=stolen", "from=yesterday", "user=nobody", "site=mars"] {
        let (s, doc) = app.page(&m, &format!("/ledger?{q}")).await;
        assert_eq!(s, 422, "{q}");
        assert!(!text(&doc, "#ledger-error").is_empty(), "{q}");
    }

    // 50 rows a page, newest first.
    let g = app.lot_id_of(gloves, "G-1").await;
    bulk_rows(&app, g, 120).await;
    let (_, p1) = app.page(&m, "/ledger").await;
    assert_eq!(text(&p1, "#ledger-total"), "125 rows");
    assert_eq!(ids(&p1).len(), 50);
    assert_eq!(text(&p1, "#ledger-page"), "page 1 of 3");
    assert_eq!(count(&p1, "a[rel=next]"), 1);
    let (_, p3) = app.page(&m, "/ledger?page=3").await;
    assert_eq!(ids(&p3).len(), 25);
    assert_eq!(count(&p3, "a[rel=next]"), 0);
    assert_eq!(
        ids(&p3).last(),
        all.last(),
        "the oldest row is last on the last page"
    );

    let pr = app.practitioner().await;
    assert_eq!(app.page(&pr, "/ledger").await.0, 403);
    let r = pr.get(app.url("/ledger.csv")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn the_csv_export_streams_every_row_once() {
    let app = TestApp::new().await;
    let (gloves, _, _, _) = arrange(&app).await;
    let g = app.lot_id_of(gloves, "G-1").await;
    bulk_rows(&app, g, 2345).await;
    let m = app.manager().await;
    let body = m
        .get(app.url("/ledger.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (header, rows) = csv_rows(&body);
    assert_eq!(header[0], "id");
    assert_eq!(header.len(), 17);
    assert_eq!(rows.len(), 2350, "three chunks of up to 1000 rows");
    let ids: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );
    let counts = rows.iter().filter(|r| r[2] == "count").count();
    assert_eq!(counts, 2345);
    let last = rows.last().unwrap();
    assert_eq!(
        (last[2].as_str(), last[7].as_str(), last[12].as_str()),
        ("receive", "GLV", "100")
    );
    let (_, filtered) = csv_rows(
        &m.get(app.url("/ledger.csv?kind=count&lot=G-1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(filtered.len(), 2345);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn the_ledger_api_filters_and_pages() {
    let app = TestApp::new().await;
    let (gloves, lido, g, t) = arrange(&app).await;
    let (s, all) = app.api_get(&t, "/api/v1/ledger").await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["total"], 5);
    let first = &all["items"][0];
    assert_eq!(first["kind"], "transfer");
    assert_eq!(first["delta"], json!(5));
    assert_eq!(first["location"], "room1");

    let (_, r) = app.api_get(&t, "/api/v1/ledger?kind=adjust").await;
    assert_eq!(r["total"], 1);
    assert_eq!(r["items"][0]["reason"], "waste");
    assert_eq!(r["items"][0]["user"], "manager-api");
    let (_, r) = app
        .api_get(&t, &format!("/api/v1/ledger?product_id={lido}"))
        .await;
    assert_eq!(r["total"], 1);
    assert_eq!(r["items"][0]["delta"], json!(30));
    let (_, r) = app
        .api_get(&t, &format!("/api/v1/ledger?lot_id={g}&site=main"))
        .await;
    assert_eq!(r["total"], 4);
    let (_, r) = app
        .api_get(
            &t,
            &format!("/api/v1/ledger?product_id={gloves}&limit=2&offset=1"),
        )
        .await;
    assert_eq!(r["total"], 4);
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    assert_eq!(r["items"][0]["id"], all["items"][1]["id"]);
    let (_, r) = app
        .api_get(
            &t,
            &format!("/api/v1/ledger?from={}&to={}", days(0), days(0)),
        )
        .await;
    assert_eq!(r["total"], 5);
    let (_, r) = app
        .api_get(&t, &format!("/api/v1/ledger?from={}", days(1)))
        .await;
    assert_eq!(r["total"], 0);

    let (s, e) = app.api_get(&t, "/api/v1/ledger?kind=stolen").await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("kind")));
    let (s, e) = app.api_get(&t, "/api/v1/ledger?site=mars").await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("site")));
    let (s, _) = app.api_get(&t, "/api/v1/ledger?from=soon").await;
    assert_eq!(s, 422);
    let pr = app.token_for(Role::Practitioner).await;
    let (s, _) = app.api_get(&pr, "/api/v1/ledger").await;
    assert_eq!(s, 403);
    let (s, _) = app.api_get("nope", "/api/v1/ledger").await;
    assert_eq!(s, 401);
    app.assert_ledger_consistent().await;
}

impl TestApp {
    /// The id of a product's sealed lot.
    async fn lot_id_of(&self, product_id: i64, lot: &str) -> i64 {
        let lot = lot.to_string();
        self.with_conn(move |c| db::lots::find(c, product_id, &lot).unwrap().unwrap().id)
            .await
    }
}
