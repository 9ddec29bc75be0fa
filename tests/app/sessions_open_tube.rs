//! "New tube opened" on a session line (issue 14 item 11c): the line opens
//! a container of the product from the FEFO sealed lot (or the lot named)
//! inside the session's transaction — the same two `transfer` rows, reason
//! `opened`, as opening on the lot page — and its quantity is taken from
//! that container. Form and API; an idempotent retry opens nothing; a
//! product that is not opened like a tube is a field error with nothing
//! written; a void gives the quantity back to the container, which stays
//! open.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::db::models::{LedgerRow, Product};
use clinic_stock::db::schema::lots;

async fn lot_rows(app: &TestApp) -> i64 {
    app.with_conn(|c| lots::table.count().get_result::<i64>(c).unwrap())
        .await
}

/// Everything that a refused request must leave as it was.
async fn written(app: &TestApp) -> (i64, (i64, i64), i64) {
    (
        app.ledger_rows().await,
        app.session_rows().await,
        lot_rows(app).await,
    )
}

fn line(p: &Product, qty: f64, open_new: bool) -> Value {
    json!({"product_id": p.id, "quantity": qty, "open_new": open_new})
}

fn session(client: &str, lines: Vec<Value>) -> Value {
    json!({"site": "main", "client_ref": client, "needle_length_mm": 1.5, "lines": lines})
}

/// The ledger rows of one session, oldest first.
async fn rows_of(app: &TestApp, session_id: i64) -> Vec<LedgerRow> {
    app.ledger()
        .await
        .into_iter()
        .filter(|r| r.session_id == Some(session_id))
        .collect()
}

#[tokio::test]
async fn an_api_line_opens_a_tube_from_the_fefo_sealed_lot_and_takes_from_it() {
    let app = TestApp::new().await;
    let lido = app
        .product("LIDO")
        .anesthetic()
        .use_within(28)
        .create()
        .await;
    let early = app.stock(&lido, "L-EARLY", days(100), "60").await;
    let late = app.stock(&lido, "L-LATE", days(300), "60").await;
    let pia = app.token_for(Role::Practitioner).await;
    let key = new_key();
    let body = session("C-3001", vec![line(&lido, 2.0, true)]);
    let (s, first) = app.post_session(&pia, &key, &body).await;
    assert_eq!(s, 201, "{first}");
    let sid = first["id"].as_i64().unwrap();
    let opened = &first["lines"][0]["opened"];
    assert_eq!(opened["lot"], "L-EARLY", "{first}");
    assert_eq!(opened["container"], 1);
    assert_eq!(opened["location"], "store");
    assert_eq!(opened["quantity"], json!(30), "one pack (30 g) went in");
    assert_eq!(opened["use_by"], days(28).to_string());
    let tube = opened["lot_id"].as_i64().unwrap();
    let alloc = &first["lines"][0]["allocations"];
    assert_eq!(alloc.as_array().unwrap().len(), 1, "{first}");
    assert_eq!(alloc[0]["lot_id"], json!(tube), "taken from the new tube");
    assert_eq!(alloc[0]["quantity"], json!(2));

    // The ledger: the opening pair, then the consumption from the tube.
    let rows = rows_of(&app, sid).await;
    let seen: Vec<(&str, Option<&str>, i64, i64)> = rows
        .iter()
        .map(|r| (r.kind.code(), r.reason.as_deref(), r.lot_id, r.delta))
        .collect();
    assert_eq!(
        seen,
        [
            ("transfer", Some("opened"), early, -30_000),
            ("transfer", Some("opened"), tube, 30_000),
            ("consume", None, tube, -2_000),
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r.session_line_id == rows[2].session_line_id)
    );
    assert_eq!(app.balance(early, "store").await, 30_000);
    assert_eq!(app.balance(tube, "store").await, 28_000);
    assert_eq!(app.balance(late, "store").await, 60_000);
    let t = app.lot(tube).await;
    assert_eq!((t.container, t.parent_lot_id), (1, Some(early)));
    assert_eq!(t.discard_by, Some(days(28)));
    assert_eq!(t.use_by, days(28));
    assert!(t.opened_at.is_some());

    // A retry with the same key answers the first session and opens nothing.
    let before = written(&app).await;
    let (s, again) = app.post_session(&pia, &key, &body).await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(again, first);
    assert_eq!(written(&app).await, before);
    // The tick is part of the request: the same key without it is refused.
    let untick = session("C-3001", vec![line(&lido, 2.0, false)]);
    let (s, e) = app.post_session(&pia, &key, &untick).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "idempotency_key_reused");
    assert_eq!(written(&app).await, before);

    // The next session without the tick takes FEFO: the open tube first
    // (its use-by after opening is the earliest).
    let (s, next) = app
        .post_session(
            &pia,
            &new_key(),
            &session("C-3002", vec![line(&lido, 1.0, false)]),
        )
        .await;
    assert_eq!(s, 201, "{next}");
    assert_eq!(next["lines"][0]["allocations"][0]["lot_id"], json!(tube));
    assert_eq!(next["lines"][0]["opened"], Value::Null);
    assert_eq!(app.balance(tube, "store").await, 27_000);

    // Void the first session: what it took goes back into the tube; the
    // tube stays open and the sealed lot keeps what it had left.
    let m = app.token_for(Role::Manager).await;
    let (s, v) = app
        .api_post(
            &m,
            &format!("/api/v1/sessions/{sid}/void"),
            &json!({"reason": "wrong client"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["lines"][0]["opened"]["lot_id"], json!(tube), "{v}");
    assert_eq!(app.balance(tube, "store").await, 29_000);
    assert_eq!(app.balance(early, "store").await, 30_000);
    assert_eq!(app.lot(tube).await.container, 1);
    let kinds: Vec<String> = rows_of(&app, sid)
        .await
        .into_iter()
        .map(|r| r.kind.code().to_string())
        .collect();
    assert_eq!(kinds, ["transfer", "transfer", "consume", "void"]);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_line_that_cannot_open_a_tube_is_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let lido = app
        .product("LIDO")
        .anesthetic()
        .use_within(28)
        .create()
        .await;
    let gloves = app.product("GLV").disposable().create().await;
    let lot = app.stock(&lido, "L-1", days(100), "40").await;
    app.stock(&gloves, "G-1", days(300), "100").await;
    let pia = app.token_for(Role::Practitioner).await;
    let before = written(&app).await;

    // Gloves are not opened like a tube: 422 at the line's tick.
    let body = session(
        "C-3101",
        vec![line(&lido, 1.0, false), line(&gloves, 2.0, true)],
    );
    let (s, e) = app.post_session(&pia, &new_key(), &body).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "validation_failed");
    assert_eq!(e["error"]["field"], "lines[1].open_new", "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not opened like a tube"),
        "{e}"
    );
    assert_eq!(written(&app).await, before);

    // Naming an opened container: open a new one from the sealed lot instead.
    let (s, v) = app
        .post_session(
            &pia,
            &new_key(),
            &session("C-3102", vec![line(&lido, 1.0, true)]),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let tube = v["lines"][0]["opened"]["lot_id"].as_i64().unwrap();
    let before = written(&app).await;
    let named = json!({"product_id": lido.id, "quantity": 1, "lot_id": tube, "open_new": true});
    let (s, e) = app
        .post_session(&pia, &new_key(), &session("C-3103", vec![named]))
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["field"], "lines[0].lot_id", "{e}");
    assert_eq!(written(&app).await, before);

    // More than one tube holds (10 g are left sealed: the tube gets 10 g).
    let (s, e) = app
        .post_session(
            &pia,
            &new_key(),
            &session("C-3104", vec![line(&lido, 12.0, true)]),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "insufficient_stock");
    assert_eq!(e["error"]["field"], "lines[0].quantity", "{e}");
    assert_eq!(written(&app).await, before, "no tube left opened");
    assert_eq!(app.balance(lot, "store").await, 10_000);

    // No sealed stock left to open from.
    let (s, _) = app
        .post_session(
            &pia,
            &new_key(),
            &session("C-3105", vec![line(&lido, 10.0, true)]),
        )
        .await;
    assert_eq!(s, 201);
    let before = written(&app).await;
    let (s, e) = app
        .post_session(
            &pia,
            &new_key(),
            &session("C-3106", vec![line(&lido, 1.0, true)]),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["field"], "lines[0].open_new", "{e}");
    assert_eq!(written(&app).await, before);
    // A tick that is not a boolean is a bad request, not a 500.
    let bad = json!({"product_id": lido.id, "quantity": 1, "open_new": "maybe"});
    let (s, _) = app
        .post_session(&pia, &new_key(), &session("C-3107", vec![bad]))
        .await;
    assert!(s == 400 || s == 422, "{s}");
    assert_eq!(written(&app).await, before);
    app.assert_ledger_consistent().await;
}

/// The session form's fields for one or two lines (`open_new` is the row
/// index of a ticked line).
fn form_fields<'a>(
    csrf: &'a str,
    key: &'a str,
    rows: &[(&'a str, &'a str)],
    ticked: &'a [&'a str],
) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf", csrf),
        ("key", key),
        ("client_ref", "C-3201"),
        ("needle_length_mm", "1.5"),
        ("performed_at", ""),
    ];
    for (product, qty) in rows {
        f.extend([("product_id", *product), ("quantity", *qty), ("lot_id", "")]);
    }
    for t in ticked {
        f.push(("open_new", *t));
    }
    f.push(("action", "save"));
    f
}

#[tokio::test]
async fn the_form_tick_opens_a_tube_and_the_session_page_says_so() {
    let app = TestApp::new().await;
    let lido = app
        .product("LIDO")
        .anesthetic()
        .use_within(28)
        .create()
        .await;
    let gloves = app.product("GLV").disposable().create().await;
    let lot = app.stock(&lido, "L-1", days(100), "60").await;
    app.stock(&gloves, "G-1", days(300), "100").await;
    let web = app.practitioner().await;
    let (s, doc) = app.page(&web, "/sessions/new").await;
    assert_eq!(s, 200);
    assert!(
        count(&doc, "input[type=checkbox][name=open_new]") >= 3,
        "on blank rows"
    );
    let html = doc.html();
    let (csrf, key) = (
        input_value(&html, "csrf").unwrap(),
        input_value(&html, "key").unwrap(),
    );
    let (lid, gid) = (lido.id.to_string(), gloves.id.to_string());

    // The preview says what the tick will do.
    let mut hints = form_fields(&csrf, &key, &[(&lid, "2")], &["0"]);
    hints.pop();
    let (s, _, doc) = app.send_form(&web, "/sessions/hints", &hints).await;
    assert_eq!(s, 200);
    let said = text(&doc, "#hint-0 .opens");
    assert!(
        said.contains("new tube of lot L-1") && said.contains("28 days"),
        "{said}"
    );

    // Ticked on the gloves: the form comes back (422) with the message at
    // that row, everything typed kept, nothing written.
    let before = written(&app).await;
    let fields = form_fields(&csrf, &key, &[(&lid, "2"), (&gid, "1")], &["1"]);
    let (s, _, doc) = app.send_form(&web, "/sessions/new", &fields).await;
    assert_eq!(s, 422);
    assert!(
        text(&doc, "#line-1 .field-error").contains("not opened like a tube"),
        "{}",
        doc.html()
    );
    assert_eq!(count(&doc, "#line-1 input[name=open_new][checked]"), 1);
    assert_eq!(
        count(&doc, "#line-0 input[name=open_new]"),
        1,
        "lido may open"
    );
    assert_eq!(written(&app).await, before);

    // Ticked on the anaesthetic: saved; the page shows the tube opened.
    let mut fields = form_fields(&csrf, &key, &[(&gid, "1"), (&lid, "2")], &["1"]);
    let (s, _, doc) = app.send_form(&web, "/sessions/new", &fields).await;
    // No needle device or SPF line: the form asks to check the warnings
    // first, the tick kept.
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "#line-1 input[name=open_new][checked]"), 1);
    assert_eq!(written(&app).await, before);
    let confirm = doc
        .select(&scraper::Selector::parse("input[name=confirm_warnings]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    fields.push(("confirm_warnings", &confirm));
    let (s, location, _) = app.send_form(&web, "/sessions/new", &fields).await;
    assert_eq!(s, 303);
    let (s, doc) = app.page(&web, &location.unwrap()).await;
    assert_eq!(s, 200);
    let said = text(&doc, "#used .opened-tube");
    assert_eq!(
        said,
        format!(
            "New tube opened: lot L-1 · tube 1 · store · use by {}",
            days(28)
        )
    );
    assert!(text(&doc, "#tubes-opened-note").contains("stays open"));
    assert_eq!(app.balance(lot, "store").await, 30_000);
    let tube = app
        .ledger()
        .await
        .into_iter()
        .rfind(|r| r.kind.code() == "consume" && r.product_id == lido.id)
        .unwrap()
        .lot_id;
    assert_eq!(app.lot(tube).await.parent_lot_id, Some(lot));
    assert_eq!(app.balance(tube, "store").await, 28_000);
    // Pressing Save again (the same key) opens nothing more.
    let before = written(&app).await;
    let (s, _, _) = app.send_form(&web, "/sessions/new", &fields).await;
    assert!(s == 303 || s == 200, "{s}");
    assert_eq!(written(&app).await, before);
    app.assert_ledger_consistent().await;
}
