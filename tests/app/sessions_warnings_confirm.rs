//! "I have checked these warnings" (issue 15 part 4), both backends. The
//! form without JavaScript: a first save of a session that warns saves
//! nothing and comes back as typed with the warnings and the tick box; a
//! save whose tick covers the warnings seen saves and records who checked
//! them. The API never holds a session back; `confirm_warnings: true` is
//! stored with who sent it and returned by GET.

use diesel::prelude::*;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::db::models::Product;

/// GETs the session form: (csrf, idempotency key).
async fn form_tokens(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let html = client
        .get(app.url("/sessions/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (
        input_value(&html, "csrf").unwrap(),
        input_value(&html, "key").unwrap(),
    )
}

async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    fields: &[(String, String)],
) -> (u16, Option<String>, Html) {
    let r = client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let doc = Html::parse_document(&r.text().await.unwrap());
    (status, location, doc)
}

fn attr_all(doc: &Html, css: &str, attr: &str) -> Vec<String> {
    doc.select(&Selector::parse(css).unwrap())
        .map(|e| e.value().attr(attr).unwrap_or("").to_string())
        .collect()
}

/// A roller and an SPF cream in stock at `main/store`: (roller, spf, lots).
async fn stocked(app: &TestApp) -> (Product, Product, i64, i64) {
    let roller = app.product("RL-150").roller(150).create().await;
    let spf = app.product("SPF-50").spf().create().await;
    let r = app.stock(&roller, "R1", days(100), "10").await;
    let s = app.stock(&spf, "S1", days(100), "10").await;
    (roller, spf, r, s)
}

/// The form as a practitioner types it: fine lines at 1.5 mm (outside
/// 0.5–1.0 mm), one roller, no SPF line, notes, an area, side effects.
fn typed(csrf: &str, key: &str, roller: &Product) -> Vec<(String, String)> {
    [
        ("csrf", csrf.to_string()),
        ("key", key.to_string()),
        ("client_ref", "C-5001".into()),
        ("indication", "fine_lines".into()),
        ("needle_length_mm", "1.5".into()),
        ("performed_at", "".into()),
        ("product_id", roller.id.to_string()),
        ("quantity", "1".into()),
        ("lot_id", "".into()),
        ("product_id", "".into()),
        ("quantity", "".into()),
        ("lot_id", "".into()),
        ("areas", "1".into()),
        ("duration_minutes", "35".into()),
        ("side_effects", "redness".into()),
        ("notes", "left cheek only".into()),
        ("action", "save".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn with(mut fields: Vec<(String, String)>, k: &str, v: &str) -> Vec<(String, String)> {
    fields.push((k.to_string(), v.to_string()));
    fields
}

/// Who checked a session's warnings, from the table: (user id, codes).
async fn check_row(app: &TestApp, session: i64) -> Option<(i64, String)> {
    app.with_conn(move |c| {
        use clinic_stock::db::schema::session_warning_checks as w;
        w::table
            .filter(w::session_id.eq(session))
            .select((w::checked_by, w::codes))
            .first(c)
            .optional()
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn without_js_a_first_save_with_warnings_saves_nothing_and_asks() {
    let app = TestApp::new().await;
    let (roller, _spf, r_lot, _) = stocked(&app).await;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(&app, &client).await;
    let before = (app.session_rows().await, app.ledger_rows().await);
    let fields = typed(&csrf, &key, &roller);

    let (s, location, doc) = post(&app, &client, "/sessions/new", &fields).await;
    assert_eq!((s, location), (200, None), "a step, not a redirect");
    assert_eq!(
        (app.session_rows().await, app.ledger_rows().await),
        before,
        "nothing saved"
    );
    assert_eq!(app.balance(r_lot, "store").await, 10_000);
    // The warnings next to Save, the box unticked.
    let codes = attr_all(&doc, "#warnings-confirm .confirm-warning", "data-code");
    assert_eq!(codes, vec!["needle_outside_indication", "no_spf"]);
    let boxes = attr_all(
        &doc,
        "#warnings-confirm input[name=confirm_warnings]",
        "value",
    );
    assert_eq!(boxes, vec!["needle_outside_indication,no_spf"]);
    assert_eq!(count(&doc, "input[name=confirm_warnings][checked]"), 0);
    assert!(text(&doc, "#warnings-confirm").contains("I have checked these warnings"));
    assert!(text(&doc, "#form-error").contains("I have checked these warnings"));
    assert_eq!(count(&doc, "#warnings-confirm.asked"), 1);
    // Everything typed is kept.
    let html = doc.html();
    assert_eq!(input_value(&html, "key").unwrap(), key);
    assert_eq!(input_value(&html, "client_ref").unwrap(), "C-5001");
    assert_eq!(input_value(&html, "needle_length_mm").unwrap(), "1.5");
    assert_eq!(input_value(&html, "duration_minutes").unwrap(), "35");
    assert_eq!(text(&doc, "textarea[name=notes]"), "left cheek only");
    assert_eq!(attr_all(&doc, "input[name=quantity]", "value")[0], "1");
    assert_eq!(
        count(&doc, "input[name=side_effects][value=redness][checked]"),
        1
    );
    assert_eq!(count(&doc, "input[name=areas][value='1'][checked]"), 1);
    assert_eq!(
        count(
            &doc,
            "select[name=indication] option[value=fine_lines][selected]"
        ),
        1
    );

    // A tick that covers only part of what is warned about saves nothing.
    let partial = with(fields.clone(), "confirm_warnings", "no_spf");
    let (s, _, doc) = post(&app, &client, "/sessions/new", &partial).await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "input[name=confirm_warnings][checked]"), 0);
    assert_eq!(app.session_rows().await, before.0);

    // The tick as the page offered it: saved, and who checked is kept.
    let confirmed = with(fields.clone(), "confirm_warnings", &boxes[0]);
    let (s, location, _) = post(&app, &client, "/sessions/new", &confirmed).await;
    assert_eq!(s, 303);
    let location = location.unwrap();
    let id: i64 = location.trim_start_matches("/sessions/").parse().unwrap();
    assert_eq!(app.session_rows().await, (before.0.0 + 1, before.0.1 + 1));
    assert_eq!(app.balance(r_lot, "store").await, 9_000);
    let uid = app
        .with_conn(|c| {
            clinic_stock::db::users::by_username(c, "practitioner1")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    assert_eq!(
        check_row(&app, id).await,
        Some((uid, "needle_outside_indication,no_spf".to_string()))
    );
    let (_, doc) = app.page(&client, &location).await;
    assert_eq!(
        text(&doc, "#warnings-checked"),
        "Warnings checked by practitioner1"
    );
    assert_eq!(
        attr_all(&doc, "p.warning", "data-code"),
        vec!["needle_outside_indication", "no_spf"]
    );
    let t = app.token_for(Role::Manager).await;
    let (_, got) = app.api_get(&t, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(got["warnings_confirmed"], json!(true));
    assert_eq!(got["warnings_confirmed_by"], json!("practitioner1"));
    assert!(got["warnings_confirmed_at"].is_string());

    // A double click replays the session: nothing more.
    let (s, again, _) = post(&app, &client, "/sessions/new", &confirmed).await;
    assert_eq!((s, again), (303, Some(location)));
    assert_eq!(app.session_rows().await, (before.0.0 + 1, before.0.1 + 1));
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_session_without_warnings_saves_at_once_and_refusals_come_first() {
    let app = TestApp::new().await;
    let (roller, spf, r_lot, _) = stocked(&app).await;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(&app, &client).await;
    let mut fields = typed(&csrf, &key, &roller);
    // Acne scars 0.5–2.0 mm and an SPF line: nothing to confirm.
    fields[3].1 = "acne_scars".into();
    fields[9].1 = spf.id.to_string();
    fields[10].1 = "1".into();
    let (_, doc) = app.page(&client, "/sessions/new").await;
    assert_eq!(
        count(&doc, "input[name=confirm_warnings]"),
        0,
        "no lines, no box"
    );
    let (s, location, _) = post(&app, &client, "/sessions/new", &fields).await;
    assert_eq!(s, 303);
    let location = location.unwrap();
    let (_, doc) = app.page(&client, &location).await;
    assert_eq!(count(&doc, "#warnings-checked"), 0);
    let id: i64 = location.trim_start_matches("/sessions/").parse().unwrap();
    assert_eq!(check_row(&app, id).await, None);

    // A refusal of today still comes before the confirmation: too many
    // rollers (409 at the line), even though the session also warns.
    let (csrf, key) = form_tokens(&app, &client).await;
    let mut fields = typed(&csrf, &key, &roller);
    fields[7].1 = "50".into();
    let rows = app.session_rows().await;
    let (s, _, doc) = post(&app, &client, "/sessions/new", &fields).await;
    assert_eq!(s, 409);
    assert!(text(&doc, "#line-0 .field-error").contains("available"));
    assert_eq!(app.session_rows().await, rows);
    assert_eq!(app.balance(r_lot, "store").await, 9_000);
}

#[tokio::test]
async fn the_live_preview_keeps_the_tick_while_the_warnings_stay_the_same() {
    let app = TestApp::new().await;
    let (roller, spf, _, _) = stocked(&app).await;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(&app, &client).await;
    let fields = typed(&csrf, &key, &roller);
    let sig = "needle_outside_indication,no_spf";
    let ticked = with(fields.clone(), "confirm_warnings", sig);
    let (s, _, doc) = post(&app, &client, "/sessions/hints", &ticked).await;
    assert_eq!(s, 200);
    assert_eq!(
        attr_all(&doc, "#warnings-confirm", "hx-swap-oob"),
        vec!["true"],
        "swapped out of band"
    );
    assert_eq!(count(&doc, "input[name=confirm_warnings][checked]"), 1);
    // A new warning (several rollers) unticks it: it was not seen.
    let mut more = ticked.clone();
    more[7].1 = "2".into();
    let (_, _, doc) = post(&app, &client, "/sessions/hints", &more).await;
    assert_eq!(
        attr_all(&doc, "input[name=confirm_warnings]", "value"),
        vec!["needle_outside_indication,no_spf,several_needle_devices"]
    );
    assert_eq!(count(&doc, "input[name=confirm_warnings][checked]"), 0);
    // The lines block (protocol, add a row) carries the box too.
    let (_, _, doc) = post(&app, &client, "/sessions/new/lines", &ticked).await;
    assert_eq!(count(&doc, "#warnings-confirm input[checked]"), 1);
    // No warnings left: an empty box.
    let mut fine = ticked.clone();
    fine[3].1 = "acne_scars".into();
    fine[9].1 = spf.id.to_string();
    fine[10].1 = "1".into();
    let (_, _, doc) = post(&app, &client, "/sessions/hints", &fine).await;
    assert_eq!(count(&doc, "#warnings-confirm"), 1);
    assert_eq!(count(&doc, "input[name=confirm_warnings]"), 0);
    assert_eq!(app.session_rows().await, (0, 0), "previews write nothing");
}

fn codes(r: &Value) -> Vec<String> {
    r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_api_never_holds_back_and_stores_confirm_warnings() {
    let app = TestApp::new().await;
    let (roller, spf, _, _) = stocked(&app).await;
    let t = app.token_for(Role::Practitioner).await;
    let body = |extra: Value| {
        let mut b = json!({"site": "main", "client_ref": "C-5002", "needle_length_mm": 1.5,
            "indication": "fine_lines", "lines": [{"product_id": roller.id, "quantity": 1}]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let get = |id: i64| {
        let (app, t) = (&app, &t);
        async move { app.api_get(t, &format!("/api/v1/sessions/{id}")).await.1 }
    };

    // Not confirmed: saved all the same, with its warnings.
    let key = new_key();
    let (s, r) = app.post_session(&t, &key, &body(json!({}))).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(codes(&r), vec!["needle_outside_indication", "no_spf"]);
    assert_eq!(r["warnings_confirmed"], json!(false));
    let first = r["id"].as_i64().unwrap();
    let got = get(first).await;
    assert_eq!(got["warnings_confirmed"], json!(false));
    assert_eq!(got["warnings_confirmed_by"], Value::Null);
    assert_eq!(got["warnings_confirmed_at"], Value::Null);
    // The same key with confirm_warnings is the same request (a retry).
    let (s, r) = app
        .post_session(&t, &key, &body(json!({"confirm_warnings": true})))
        .await;
    assert_eq!((s, r["id"].as_i64()), (201, Some(first)));
    assert_eq!(r["warnings_confirmed"], json!(false));

    // Confirmed: stored with who sent it.
    let (s, r) = app
        .post_session(&t, &new_key(), &body(json!({"confirm_warnings": true})))
        .await;
    assert_eq!(s, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let got = get(id).await;
    assert_eq!(got["warnings_confirmed"], json!(true));
    assert_eq!(got["warnings_confirmed_by"], json!("practitioner-api"));
    assert!(got["warnings_confirmed_at"].is_string());
    assert_eq!(got["warnings"], r["warnings"]);
    assert_eq!(
        check_row(&app, id).await.map(|c| c.1),
        Some("needle_outside_indication,no_spf".to_string())
    );

    // Nothing to confirm: nothing stored.
    let lines =
        json!([{"product_id": roller.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1}]);
    let (s, r) = app
        .post_session(
            &t,
            &new_key(),
            &body(json!({"indication": "acne_scars", "lines": lines, "confirm_warnings": true})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert!(codes(&r).is_empty());
    assert_eq!(r["warnings_confirmed"], json!(false));
    assert_eq!(check_row(&app, r["id"].as_i64().unwrap()).await, None);
    // false is not a confirmation.
    let (s, r) = app
        .post_session(&t, &new_key(), &body(json!({"confirm_warnings": false})))
        .await;
    assert_eq!(s, 201);
    assert_eq!(r["warnings_confirmed"], json!(false));

    // Not a boolean: 422 at the field, nothing written.
    let rows = app.session_rows().await;
    for bad in [json!("yes"), json!(1), json!(["true"])] {
        let (s, r) = app
            .post_session(&t, &new_key(), &body(json!({"confirm_warnings": bad})))
            .await;
        assert_eq!(s, 422, "{r}");
        assert_eq!(r["error"]["field"], json!("confirm_warnings"), "{r}");
    }
    assert_eq!(app.session_rows().await, rows);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn the_export_carries_who_checked_and_the_ranges() {
    let app = TestApp::new().await;
    let (roller, _, _, _) = stocked(&app).await;
    let t = app.token_for(Role::Practitioner).await;
    let b = json!({"site": "main", "client_ref": "C-5003", "needle_length_mm": 1.5,
        "indication": "fine_lines", "confirm_warnings": true,
        "lines": [{"product_id": roller.id, "quantity": 1}]});
    let (s, r) = app.post_session(&t, &new_key(), &b).await;
    assert_eq!(s, 201, "{r}");
    let uid = app
        .with_conn(|c| {
            clinic_stock::db::users::by_username(c, "practitioner-api")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let dir = std::env::temp_dir().join(format!("cs-confirm-{}", new_key()));
    let dir = dir.to_string_lossy().into_owned();
    let (code, out, err) = crate::import_cli::cli(&app, &["export", &dir]);
    assert_eq!(code, 0, "{out}{err}");
    let sessions = std::fs::read_to_string(format!("{dir}/sessions.csv")).unwrap();
    let mut lines = sessions.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "warnings_confirmed_by")
        .unwrap();
    assert_eq!(header[at + 1], "warnings_confirmed_at");
    let row = lines.next().unwrap();
    assert!(
        row.contains(&format!(",{uid},20")),
        "who checked, then when: {row}"
    );
    let ranges = std::fs::read_to_string(format!("{dir}/indication_ranges.csv")).unwrap();
    assert!(
        ranges.starts_with("id,indication,needle_min_mm,needle_max_mm,updated_at"),
        "{ranges}"
    );
    assert!(ranges.contains("\n1,fine_lines,0.5,1,"), "{ranges}");
    assert_eq!(ranges.lines().count(), 10, "nine ranges and the header");
    std::fs::remove_dir_all(&dir).ok();
}
