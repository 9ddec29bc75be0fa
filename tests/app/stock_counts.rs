//! Stock counts: the sheet (open and blind), booking only the differences
//! against the stock at submit time, the discrepancy summary, refusals.

use diesel::prelude::*;

use crate::fixtures::{days, fixture_actor};
use crate::movements_fixtures::flash;
use crate::support::*;
use clinic_stock::db;
use clinic_stock::services::adjustments::{self, AdjustDraft};

/// Posts a count sheet: (lot id, counted text) per line, as the form sends it.
async fn post_count(
    app: &TestApp,
    client: &reqwest::Client,
    location_id: i64,
    lines: &[(i64, &str)],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let ids: Vec<String> = lines.iter().map(|(id, _)| id.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for ((_, counted), id) in lines.iter().zip(&ids) {
        fields.push(("lot", id));
        fields.push(("counted", counted));
    }
    fields.extend_from_slice(extra);
    app.post_form(
        client,
        "/counts",
        &format!("/counts/{location_id}"),
        &fields,
    )
    .await
}

fn stock_count(app_conn: &mut db::DbConn, id: i64) -> db::counts::StockCount {
    db::counts::by_id(app_conn, id).unwrap().unwrap()
}

#[tokio::test]
async fn a_count_books_only_the_differences_and_shows_them() {
    let app = TestApp::new().await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lido = app.product("LIDO").anesthetic().create().await;
    let gloves = app.product("GLV").disposable().create().await;
    let a = app.stock(&roller, "A-1", days(100), "10").await;
    let b = app.stock(&gloves, "B-1", days(100), "5").await;
    let c = app.stock(&lido, "C-1", days(100), "2.5").await;
    let store = app.location_id("store").await;
    let m = app.manager().await;

    let (s, doc) = app.page(&m, "/counts").await;
    assert_eq!(s, 200);
    let row = format!("#count-locations tr[data-location=\"{store}\"] td.num");
    assert_eq!(text(&doc, &row), "3");

    let (s, doc) = app.page(&m, &format!("/counts/{store}")).await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "#count-sheet tbody tr"), 3);
    assert_eq!(
        text(
            &doc,
            &format!("#count-sheet tr[data-lot=\"{c}\"] td.expected")
        ),
        "2.5 g"
    );
    assert_eq!(
        text(
            &doc,
            &format!("#count-sheet tr[data-lot=\"{a}\"] td.expected")
        ),
        "10"
    );

    let before = app.ledger_rows().await;
    // A matches, B is 2 short, C is not counted.
    let r = post_count(&app, &m, store, &[(a, "10"), (b, "3"), (c, "")], &[]).await;
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/counts/result/"), "{to}");
    let (_, doc) = app.follow(&m, r).await;
    assert_eq!(flash(&doc), "Count booked: 2 lines counted, 1 discrepancy.");
    assert_eq!(
        text(&doc, "#count-summary"),
        "2 lines counted, 1 discrepancy."
    );
    assert_eq!(count(&doc, "#discrepancies tbody tr"), 1);
    let line = format!("#discrepancies tr[data-lot=\"{b}\"]");
    assert_eq!(text(&doc, &format!("{line} td.expected")), "5");
    assert_eq!(text(&doc, &format!("{line} td.counted")), "3");
    assert_eq!(text(&doc, &format!("{line} td.difference")), "-2");

    let rows = app.ledger().await;
    assert_eq!(
        rows.len() as i64,
        before + 1,
        "only the difference is booked"
    );
    let row = rows.last().unwrap();
    assert_eq!(
        (row.kind.code(), row.reason.as_deref(), row.delta),
        ("count", Some("count"), -2000)
    );
    let count_id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(row.stock_count_id, Some(count_id));
    let sc = app.with_conn(move |c| stock_count(c, count_id)).await;
    assert_eq!(
        (sc.lines_counted, sc.discrepancies, sc.blind),
        (2, 1, false)
    );
    assert_eq!(app.balance(a, "store").await, 10000);
    assert_eq!(app.balance(b, "store").await, 3000);
    assert_eq!(app.balance(c, "store").await, 2500);

    // Found more than expected: booked upwards; zero empties the shelf.
    let r = post_count(&app, &m, store, &[(a, "11"), (c, "0")], &[]).await;
    let (_, doc) = app.follow(&m, r).await;
    assert_eq!(
        text(&doc, "#count-summary"),
        "2 lines counted, 2 discrepancies."
    );
    assert_eq!(
        text(
            &doc,
            &format!("#discrepancies tr[data-lot=\"{a}\"] td.difference")
        ),
        "+1"
    );
    assert_eq!(
        text(
            &doc,
            &format!("#discrepancies tr[data-lot=\"{c}\"] td.difference")
        ),
        "-2.5 g"
    );
    assert_eq!(app.balance(a, "store").await, 11000);
    assert_eq!(app.balance(c, "store").await, 0);
    // Everything matches: a count record, no ledger rows.
    let before = app.ledger_rows().await;
    let r = post_count(&app, &m, store, &[(a, "11"), (b, "3")], &[]).await;
    let (_, doc) = app.follow(&m, r).await;
    assert_eq!(
        text(&doc, "#count-summary"),
        "2 lines counted, 0 discrepancies: everything matched."
    );
    assert_eq!(app.ledger_rows().await, before);
    assert_eq!(app.stock_count_rows().await, 3);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_blind_count_hides_the_expected_quantities() {
    let app = TestApp::new().await;
    let p = app.product("SPF").spf().create().await;
    let lot = app.stock(&p, "S-1", days(100), "150").await;
    let store = app.location_id("store").await;
    let m = app.manager().await;

    let (s, doc) = app.page(&m, &format!("/counts/{store}?blind=1")).await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "#count-sheet tbody tr"), 1);
    assert_eq!(count(&doc, "#count-sheet td.expected"), 0);
    assert!(!texts(&doc, "#count-sheet th").contains(&"Expected".to_string()));
    // The quantity is nowhere on the page, not even in a hidden field.
    let values: Vec<String> = doc
        .select(&Selector::parse("input").unwrap())
        .filter(|i| i.value().attr("name") != Some("csrf"))
        .filter_map(|i| i.value().attr("value").map(str::to_string))
        .collect();
    assert!(!values.iter().any(|v| v.contains("150")), "{values:?}");
    assert!(!texts(&doc, "main").concat().contains("150"));
    assert_eq!(count(&doc, "#count-form input[name=blind][value=\"1\"]"), 1);
    // The open sheet does show it.
    let (_, open) = app.page(&m, &format!("/counts/{store}")).await;
    assert_eq!(text(&open, "#count-sheet td.expected"), "150 ml");

    let r = post_count(&app, &m, store, &[(lot, "149.5")], &[("blind", "1")]).await;
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let count_id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let sc = app.with_conn(move |c| stock_count(c, count_id)).await;
    assert!(sc.blind);
    assert_eq!(app.balance(lot, "store").await, 149500);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_count_is_booked_against_the_stock_at_submit_time() {
    let app = TestApp::new().await;
    let p = app.product("GLV").disposable().create().await;
    let lot = app.stock(&p, "G-1", days(100), "5").await;
    let store = app.location_id("store").await;
    let m = app.manager().await;
    // The sheet is drawn (expected 5) …
    let (_, doc) = app.page(&m, &format!("/counts/{store}")).await;
    assert_eq!(text(&doc, "#count-sheet td.expected"), "5");
    let sheet_at = doc
        .select(&Selector::parse("input[name=sheet_at]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    // … one is used meanwhile …
    app.with_conn(move |c| {
        let actor = fixture_actor(c);
        let d = AdjustDraft {
            lot_id: Some(lot.to_string()),
            location_id: Some(store.to_string()),
            delta: Some("-1".into()),
            reason: Some("waste".into()),
            ..AdjustDraft::default()
        };
        adjustments::adjust(c, &actor, &d).unwrap();
    })
    .await;
    // … and 3 are on the shelf when the count is submitted: the difference is
    // taken against the 4 there now, not the 5 on the sheet.
    let r = post_count(&app, &m, store, &[(lot, "3")], &[("sheet_at", &sheet_at)]).await;
    let (_, doc) = app.follow(&m, r).await;
    assert!(
        flash(&doc).contains("moved 1 time while the sheet was out"),
        "{}",
        flash(&doc)
    );
    assert_eq!(text(&doc, "#discrepancies td.expected"), "4");
    assert_eq!(text(&doc, "#discrepancies td.difference"), "-1");
    assert_eq!(app.balance(lot, "store").await, 3000);
    assert_eq!(app.last_ledger_row().await.delta, -1000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn bad_counts_are_refused_and_write_nothing() {
    let app = TestApp::new().await;
    let roller = app.product("RL-050").roller(50).create().await;
    let lido = app.product("LIDO").anesthetic().create().await;
    let a = app.stock(&roller, "A-1", days(100), "10").await;
    let c = app.stock(&lido, "C-1", days(100), "30").await;
    let store = app.location_id("store").await;
    let m = app.manager().await;
    let rows = app.ledger_rows().await;

    for (lines, field_lot) in [
        (vec![(a, "abc"), (c, "3")], Some(a)),
        (vec![(a, "1.5"), (c, "")], Some(a)),
        (vec![(a, "9"), (c, "2.0001")], Some(c)),
        (vec![(a, "-1"), (c, "")], Some(a)),
        (vec![(a, ""), (c, " ")], None),
    ] {
        let r = post_count(&app, &m, store, &lines, &[]).await;
        assert_eq!(r.status(), 422, "{lines:?}");
        let doc = Html::parse_document(&r.text().await.unwrap());
        match field_lot {
            Some(id) => {
                let row = format!("#count-sheet tr[data-lot=\"{id}\"]");
                assert!(
                    !text(&doc, &format!("{row} .field-error")).is_empty(),
                    "{lines:?}"
                );
                let typed = lines.iter().find(|(l, _)| *l == id).unwrap().1;
                let value = doc
                    .select(&Selector::parse(&format!("{row} input[name=counted]")).unwrap())
                    .next()
                    .unwrap()
                    .value()
                    .attr("value")
                    .unwrap()
                    .to_string();
                assert_eq!(value, typed, "typed value kept");
            }
            None => assert!(text(&doc, "p.error").contains("at least one"), "{lines:?}"),
        }
    }
    // Without CSRF, and by a practitioner: 403.
    let r = m
        .post(app.url(&format!("/counts/{store}")))
        .form(&[("lot", a.to_string().as_str()), ("counted", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let pr = app.practitioner().await;
    let (s, _) = app.page(&pr, &format!("/counts/{store}")).await;
    assert_eq!(s, 403);
    let r = app
        .post_form(
            &pr,
            "/",
            &format!("/counts/{store}"),
            &[("lot", &a.to_string()), ("counted", "1")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // An unknown location is a 404.
    let (s, _) = app.page(&m, "/counts/99999").await;
    assert_eq!(s, 404);

    assert_eq!(app.ledger_rows().await, rows);
    assert_eq!(app.stock_count_rows().await, 0);
    let untouched = app
        .with_conn(move |conn| {
            db::schema::balances::table
                .filter(db::schema::balances::lot_id.eq_any([a, c]))
                .select(db::schema::balances::quantity)
                .order(db::schema::balances::lot_id)
                .load::<i64>(conn)
                .unwrap()
        })
        .await;
    assert_eq!(untouched, vec![10000, 30000]);
    app.assert_ledger_consistent().await;
}
