//! Adjustments, the expired write-off, transfers, opening containers and
//! quarantine, through the pages and the JSON API.

use serde_json::json;

use crate::fixtures::{days, fixture_actor};
use crate::movements_fixtures::flash;
use crate::support::*;
use clinic_stock::services::transfers::{self, OpenDraft};

#[tokio::test]
async fn adjusting_on_the_lot_page_books_one_row_and_refusals_write_nothing() {
    let app = TestApp::new().await;
    let p = app.product("GLV-M").disposable().create().await;
    let lot = app.stock(&p, "G-1", days(200), "10").await;
    let store = app.location_id("store").await.to_string();
    let m = app.manager().await;

    let (s, doc) = app.page(&m, &format!("/lots/{lot}")).await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#lot-title"), "Lot G-1");
    assert_eq!(text(&doc, "#balances tbody tr td.qty"), "10");
    assert_eq!(count(&doc, "#adjust form"), 1);

    let path = format!("/lots/{lot}");
    let action = format!("/lots/{lot}/adjust");
    let r = app
        .post_form(
            &m,
            &path,
            &action,
            &[
                ("location_id", &store),
                ("delta", "-2"),
                ("reason", "damaged"),
                ("note", "dropped"),
            ],
        )
        .await;
    let (_, doc) = app.follow(&m, r).await;
    assert!(
        flash(&doc).starts_with("Adjusted lot G-1 at store by -2"),
        "{}",
        flash(&doc)
    );
    assert_eq!(app.balance(lot, "store").await, 8000);
    let row = app.last_ledger_row().await;
    assert_eq!(
        (row.kind.code(), row.reason.as_deref()),
        ("adjust", Some("damaged"))
    );
    assert_eq!((row.delta, row.note.as_deref()), (-2000, Some("dropped")));
    // The history on the lot page shows it.
    assert_eq!(
        text(&doc, "#history tbody tr[data-kind=adjust] td.delta"),
        "-2"
    );

    // Refusals: each comes back with the message at its field and writes nothing.
    let rows = app.ledger_rows().await;
    let cases: [(&str, &str, u16, &str); 5] = [
        ("-9", "waste", 409, "#adjust-delta-error"),
        ("0", "waste", 422, "#adjust-delta-error"),
        ("-1.5", "waste", 422, "#adjust-delta-error"),
        ("-1", "nope", 422, "#adjust-reason-error"),
        ("3", "damaged", 422, "#adjust-delta-error"),
    ];
    for (delta, reason, status, selector) in cases {
        let r = app
            .post_form(
                &m,
                &path,
                &action,
                &[
                    ("location_id", &store),
                    ("delta", delta),
                    ("reason", reason),
                ],
            )
            .await;
        assert_eq!(r.status(), status, "delta {delta} reason {reason}");
        let doc = Html::parse_document(&r.text().await.unwrap());
        assert!(
            !text(&doc, selector).is_empty(),
            "message at the field for {delta}/{reason}"
        );
        assert_eq!(
            doc.select(&Selector::parse("#adjust input[name=delta]").unwrap())
                .next()
                .unwrap()
                .value()
                .attr("value"),
            Some(delta),
            "typed value kept"
        );
    }
    assert_eq!(app.ledger_rows().await, rows);
    assert_eq!(app.balance(lot, "store").await, 8000);

    // Without the CSRF token: 403, nothing written.
    let r = m
        .post(app.url(&action))
        .form(&[
            ("location_id", store.as_str()),
            ("delta", "-1"),
            ("reason", "waste"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Practitioners may not adjust.
    let pr = app.practitioner().await;
    let r = app
        .post_form(
            &pr,
            "/",
            &action,
            &[
                ("location_id", &store),
                ("delta", "-1"),
                ("reason", "waste"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.ledger_rows().await, rows);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn adjustments_through_the_api() {
    let app = TestApp::new().await;
    let p = app.product("LIDO").anesthetic().create().await;
    let lot = app.stock(&p, "L-7", days(300), "30").await;
    let m = app.token_for(Role::Manager).await;

    let (s, row) = app
        .api_post(
            &m,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": -2.5, "reason": "waste", "note": "spilt"}),
        )
        .await;
    assert_eq!(s, 201, "{row}");
    assert_eq!(row["kind"], "adjust");
    assert_eq!(row["reason"], "waste");
    assert_eq!(row["delta"], json!(-2.5));
    assert_eq!(row["lot_id"], json!(lot));
    assert_eq!(row["location"], "store");
    assert_eq!(app.balance(lot, "store").await, 27500);
    // Found stock goes up.
    let (s, row) = app
        .api_post(
            &m,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": "1", "reason": "found"}),
        )
        .await;
    assert_eq!(s, 201, "{row}");
    assert_eq!(app.balance(lot, "store").await, 28500);

    let rows = app.ledger_rows().await;
    let refusals = [
        (
            json!({"lot_id": lot, "location": "store", "delta": -50, "reason": "waste"}),
            409,
            "insufficient_stock",
        ),
        (
            json!({"lot_id": lot, "location": "store", "delta": 0, "reason": "waste"}),
            422,
            "validation_failed",
        ),
        (
            json!({"lot_id": lot, "location": "store", "delta": -1.0001, "reason": "waste"}),
            422,
            "validation_failed",
        ),
        (
            json!({"lot_id": lot, "location": "store", "delta": -1, "reason": "stolen"}),
            422,
            "validation_failed",
        ),
        (
            json!({"lot_id": 999_999, "location": "store", "delta": -1, "reason": "waste"}),
            422,
            "unknown_lot",
        ),
        (
            json!({"lot_id": lot, "location": "attic", "delta": -1, "reason": "waste"}),
            422,
            "validation_failed",
        ),
    ];
    for (body, status, code) in refusals {
        let (s, e) = app.api_post(&m, "/api/v1/adjustments", &body).await;
        assert_eq!(s, status, "{body} → {e}");
        assert_eq!(e["error"]["code"], code, "{body}");
    }
    let (_, e) = app
        .api_post(
            &m,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": -50, "reason": "waste"}),
        )
        .await;
    assert_eq!(e["error"]["available"], json!(28.5));
    let (_, e) = app
        .api_post(
            &m,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": -1, "reason": "stolen"}),
        )
        .await;
    assert_eq!(e["error"]["field"], "reason");
    let pr = app.token_for(Role::Practitioner).await;
    let (s, _) = app
        .api_post(
            &pr,
            "/api/v1/adjustments",
            &json!({"lot_id": lot, "location": "store", "delta": -1, "reason": "waste"}),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(app.ledger_rows().await, rows, "refusals wrote nothing");
    assert_eq!(app.balance(lot, "store").await, 28500);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn writing_off_expired_stock_takes_only_expired_lots_of_that_site() {
    let app = TestApp::new().await;
    let p = app.product("SER-HA").serum().create().await;
    let q = app.product("RL-150").roller(150).create().await;
    app.location("room1").await;
    let old = app.stock(&p, "OLD-1", days(-3), "4").await;
    app.stock(&p, "OLD-1", days(-3), "1.5").at("room1").await;
    let old_roller = app.stock(&q, "R-OLD", days(-1), "2").await;
    let fresh = app.stock(&p, "NEW-1", days(90), "5").await;
    let today = app.stock(&q, "R-TODAY", days(0), "3").await;
    // Another site's expired stock is not touched.
    let north = app
        .with_conn(|c| {
            let actor = fixture_actor(c);
            clinic_stock::services::sites::create_site(c, &actor, "north", "North clinic").unwrap();
            clinic_stock::services::sites::create_location(c, &actor, "north", "store", "Store")
                .unwrap()
                .0
                .id
        })
        .await;
    let north_lot = app
        .with_conn(move |c| {
            use clinic_stock::db;
            let actor = fixture_actor(c);
            db::write_tx(c, |c| -> Result<i64, clinic_stock::error::ServiceError> {
                let lot = db::lots::find(c, p.id, "OLD-1")?.unwrap();
                let loc = db::sites::location_by_id(c, north)?.unwrap();
                db::ledger::append(
                    c,
                    &db::models::NewLedgerRow::new(
                        LedgerKind::Receive,
                        db::ledger::StockAt::of_lot(&lot, loc.id, loc.site_id),
                        1000,
                        actor.user_id,
                    ),
                )?;
                Ok(lot.id)
            })
            .unwrap()
        })
        .await;
    let m = app.manager().await;
    let before = app.ledger_rows().await;
    // Issue 14: the button lists first; the list's button writes off.
    let r = crate::workflow_traps::confirm_write_off(&app, &m, "main")
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    let (_, doc) = app.follow(&m, r).await;
    let msg = flash(&doc);
    assert!(msg.starts_with("Wrote off 3 lots ("), "{msg}");
    assert!(
        msg.contains("OLD-1 at store: 4 ml") && msg.contains("R-OLD at store: 2"),
        "{msg}"
    );
    assert_eq!(app.ledger_rows().await, before + 3);
    let rows = app.ledger().await;
    for r in &rows[rows.len() - 3..] {
        assert_eq!(
            (r.kind.code(), r.reason.as_deref()),
            ("adjust", Some("expired"))
        );
    }
    assert_eq!(app.balance(old, "store").await, 0);
    assert_eq!(app.balance(old, "room1").await, 0);
    assert_eq!(app.balance(old_roller, "store").await, 0);
    assert_eq!(app.balance(fresh, "store").await, 5000);
    assert_eq!(
        app.balance(today, "store").await,
        3000,
        "expires today: still usable"
    );
    let north_balance = app
        .with_conn(move |c| clinic_stock::db::balances::quantity_at(c, north_lot, north).unwrap())
        .await;
    assert_eq!(north_balance, 1000);

    // Again: nothing left to write off, nothing written.
    let doc = crate::workflow_traps::confirm_write_off(&app, &m, "main")
        .await
        .unwrap_err();
    assert_eq!(
        text(&doc, "#nothing-expired"),
        "Nothing expired on the shelves at main."
    );
    assert_eq!(app.ledger_rows().await, before + 3);
    // Practitioners and forged posts are refused.
    let pr = app.practitioner().await;
    let r = app
        .post(&pr, "/stock/write-off-expired", &[("site", "north")])
        .await;
    assert_eq!(r.status(), 403);
    let r = m
        .post(app.url("/stock/write-off-expired"))
        .form(&[("site", "north")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.ledger_rows().await, before + 3);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn transfers_move_stock_between_locations_of_a_site() {
    let app = TestApp::new().await;
    let p = app.product("RL-100").roller(100).create().await;
    let lot = app.stock(&p, "R-5", days(100), "10").await;
    let room = app.location("room1").await.to_string();
    let store = app.location_id("store").await.to_string();
    let m = app.manager().await;
    let path = format!("/lots/{lot}");
    let action = format!("/lots/{lot}/transfer");

    let before = app.ledger_rows().await;
    let r = app
        .post_form(
            &m,
            &path,
            &action,
            &[
                ("from_location_id", &store),
                ("to_location_id", &room),
                ("quantity", "3"),
            ],
        )
        .await;
    let (_, doc) = app.follow(&m, r).await;
    assert_eq!(flash(&doc), "Moved 3 of lot R-5 from store to room1.");
    assert_eq!(app.balance(lot, "store").await, 7000);
    assert_eq!(app.balance(lot, "room1").await, 3000);
    let rows = app.ledger().await;
    assert_eq!(rows.len() as i64, before + 2);
    let pair = &rows[rows.len() - 2..];
    assert!(pair.iter().all(|r| r.kind.code() == "transfer"));
    assert_eq!((pair[0].delta, pair[1].delta), (-3000, 3000));
    assert_eq!(
        texts(&doc, "#balances tbody tr td.location"),
        vec!["store".to_string(), "room1".to_string()]
    );

    // Refusals write nothing.
    let north = app
        .with_conn(|c| {
            let actor = fixture_actor(c);
            clinic_stock::services::sites::create_site(c, &actor, "north", "North").unwrap();
            clinic_stock::services::sites::create_location(c, &actor, "north", "store", "Store")
                .unwrap()
                .0
                .id
        })
        .await
        .to_string();
    let before = app.ledger_rows().await;
    for (to, qty, status, selector) in [
        (store.as_str(), "1", 422, "#transfer-to-error"),
        (room.as_str(), "8", 409, "#transfer-quantity-error"),
        (room.as_str(), "0", 422, "#transfer-quantity-error"),
        (room.as_str(), "1.5", 422, "#transfer-quantity-error"),
        (north.as_str(), "1", 422, "#transfer-to-error"),
    ] {
        let r = app
            .post_form(
                &m,
                &path,
                &action,
                &[
                    ("from_location_id", &store),
                    ("to_location_id", to),
                    ("quantity", qty),
                ],
            )
            .await;
        assert_eq!(r.status(), status, "to {to} qty {qty}");
        let doc = Html::parse_document(&r.text().await.unwrap());
        assert!(
            !text(&doc, selector).is_empty(),
            "{selector} for {to}/{qty}"
        );
    }
    let pr = app.practitioner().await;
    let r = app
        .post_form(
            &pr,
            "/",
            &action,
            &[
                ("from_location_id", &store),
                ("to_location_id", &room),
                ("quantity", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.ledger_rows().await, before);
    assert_eq!(app.balance(lot, "store").await, 7000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn opening_a_container_splits_one_pack_off_with_a_discard_by_date() {
    let app = TestApp::new().await;
    let lido = app
        .product("LIDO")
        .anesthetic()
        .use_within(28)
        .create()
        .await;
    let lot = app.stock(&lido, "L-1", days(365), "65").await;
    let store = app.location_id("store").await.to_string();
    let pr = app.practitioner().await;
    let path = format!("/lots/{lot}");
    let action = format!("/lots/{lot}/open");

    // Practitioners see a read-only page with the opening form.
    let (s, doc) = app.page(&pr, &path).await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "#open form"), 1);
    assert_eq!(
        count(
            &doc,
            "#adjust, #transfer, #history, #sessions, #quarantine-form"
        ),
        0
    );

    let before = app.ledger_rows().await;
    let r = app
        .post_form(&pr, &path, &action, &[("location_id", &store)])
        .await;
    let (_, doc) = app.follow(&pr, r).await;
    let discard = days(28);
    assert_eq!(
        flash(&doc),
        format!("Opened container #1 of lot L-1 (30 g); discard by {discard}.")
    );
    let rows = app.ledger().await;
    assert_eq!(rows.len() as i64, before + 2);
    let (out, into) = (&rows[rows.len() - 2], &rows[rows.len() - 1]);
    assert_eq!(
        (out.kind.code(), out.reason.as_deref(), out.delta),
        ("transfer", Some("opened"), -30000)
    );
    assert_eq!(
        (into.kind.code(), into.reason.as_deref(), into.delta),
        ("transfer", Some("opened"), 30000)
    );
    assert_eq!(out.lot_id, lot);
    assert_eq!(out.location_id, into.location_id);
    let opened = app.lot(into.lot_id).await;
    assert_eq!((opened.container, opened.parent_lot_id), (1, Some(lot)));
    assert_eq!(opened.discard_by, Some(discard));
    assert_eq!(opened.use_by, discard);
    assert_eq!(app.balance(lot, "store").await, 35000);
    assert_eq!(app.balance(opened.id, "store").await, 30000);
    assert_eq!(
        text(&doc, "#containers tbody tr td.discard-by"),
        discard.to_string()
    );

    // Two more: a full tube, then what is left (5 g); then nothing to open.
    for expect in [30000, 5000] {
        let r = app
            .post_form(&pr, &path, &action, &[("location_id", &store)])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(app.last_ledger_row().await.delta, expect);
    }
    assert_eq!(app.balance(lot, "store").await, 0);
    let before = app.ledger_rows().await;
    let r = app
        .post_form(&pr, "/", &action, &[("location_id", &store)])
        .await;
    assert_eq!(r.status(), 409);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(text(&doc, "#open-error").contains("no sealed stock"));
    // An opened container cannot be opened again.
    let r = app
        .post_form(
            &pr,
            "/",
            &format!("/lots/{}/open", opened.id),
            &[("location_id", &store)],
        )
        .await;
    assert_eq!(r.status(), 422);
    // A product without "use within N days of opening" cannot be opened.
    let gloves = app.product("GLV").disposable().create().await;
    let g = app.stock(&gloves, "G-1", days(300), "100").await;
    let r = app
        .post_form(
            &pr,
            "/",
            &format!("/lots/{g}/open"),
            &[("location_id", &store)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(
        text(&doc, "#open-error").contains("use within"),
        "{}",
        text(&doc, "#open-error")
    );
    // No CSRF token: refused.
    let r = pr
        .post(app.url(&action))
        .form(&[("location_id", store.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.ledger_rows().await,
        before + 1,
        "only the gloves' receipt was added"
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn an_opened_container_counts_as_expired_after_its_discard_by_date() {
    let app = TestApp::new().await;
    let serum = app.product("VITC").serum().use_within(1).create().await;
    let lot = app.stock(&serum, "V-1", days(200), "12").await;
    let store = app.location_id("store").await.to_string();
    // Opened three days ago with "use within 1 day": discard-by was two days ago.
    let opened = app
        .with_conn(move |c| {
            let actor = fixture_actor(c);
            let d = OpenDraft {
                lot_id: Some(lot.to_string()),
                location_id: Some(store),
                ..OpenDraft::default()
            };
            transfers::open_container_at(
                c,
                &actor,
                &d,
                clinic_stock::db::now() - chrono::Duration::days(3),
            )
            .unwrap()
        })
        .await;
    assert_eq!(opened.discard_by, days(-2));
    assert_eq!(opened.use_by, days(-2));
    assert_eq!(opened.quantity, 5000);

    let m = app.token_for(Role::Manager).await;
    let (_, stock) = app
        .api_get(&m, &format!("/api/v1/stock?product_id={}", serum.id))
        .await;
    assert_eq!(stock["items"][0]["usable"], json!(7), "{stock}");
    assert_eq!(stock["items"][0]["expired"], json!(5));
    let (_, l) = app.api_get(&m, &format!("/api/v1/lots/{lot}")).await;
    assert_eq!(l["containers"][0]["expired"], json!(true), "{l}");
    assert_eq!(l["expired"], json!(false));

    let web = app.manager().await;
    let (_, doc) = app.page(&web, &format!("/lots/{lot}")).await;
    assert_eq!(text(&doc, "#containers tbody tr td.state"), "expired");
    let r = crate::workflow_traps::confirm_write_off(&app, &web, "")
        .await
        .unwrap();
    let (_, doc) = app.follow(&web, r).await;
    assert!(
        flash(&doc).starts_with("Wrote off 1 lot (Product VITC V-1 at store: 5 ml)"),
        "{}",
        flash(&doc)
    );
    assert_eq!(app.balance(opened.lot_id, "store").await, 0);
    assert_eq!(app.balance(lot, "store").await, 7000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn quarantine_takes_a_lot_and_its_containers_out_of_usable_stock() {
    let app = TestApp::new().await;
    let serum = app.product("GF").serum().use_within(7).create().await;
    let lot = app.stock(&serum, "Q-1", days(100), "10").await;
    let store = app.location_id("store").await.to_string();
    let m = app.manager().await;
    let path = format!("/lots/{lot}");
    let r = app
        .post_form(
            &m,
            &path,
            &format!("/lots/{lot}/open"),
            &[("location_id", &store)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let container = app.last_ledger_row().await.lot_id;

    let rows = app.ledger_rows().await;
    let r = app
        .post_form(&m, &path, &format!("/lots/{lot}/quarantine"), &[])
        .await;
    let (_, doc) = app.follow(&m, r).await;
    assert!(flash(&doc).starts_with("Lot Q-1 is in quarantine"));
    assert_eq!(count(&doc, "#lot-quarantined"), 1);
    assert!(app.lot(lot).await.quarantined && app.lot(container).await.quarantined);
    let t = app.token_for(Role::Manager).await;
    let (_, stock) = app
        .api_get(&t, &format!("/api/v1/stock?product_id={}", serum.id))
        .await;
    assert_eq!(stock["items"][0]["usable"], json!(0));
    assert_eq!(stock["items"][0]["quarantined"], json!(10));
    assert_eq!(app.ledger_rows().await, rows, "quarantine moves no stock");

    // Practitioners cannot release it.
    let pr = app.practitioner().await;
    let r = app
        .post_form(&pr, "/", &format!("/lots/{lot}/release"), &[])
        .await;
    assert_eq!(r.status(), 403);
    assert!(app.lot(lot).await.quarantined);

    let r = app
        .post_form(&m, &path, &format!("/lots/{lot}/release"), &[])
        .await;
    let (_, doc) = app.follow(&m, r).await;
    assert_eq!(flash(&doc), "Lot Q-1 released from quarantine.");
    assert!(!app.lot(lot).await.quarantined && !app.lot(container).await.quarantined);
    let (_, stock) = app
        .api_get(&t, &format!("/api/v1/stock?product_id={}", serum.id))
        .await;
    assert_eq!(stock["items"][0]["usable"], json!(10));
    app.assert_ledger_consistent().await;
}
