//! The session pages without JavaScript: the form (protocol fills the lines,
//! refusals keep what was typed, save → 303 → the session page), live hints,
//! void, after-care sheet, session list, client history, protocol pages.

use serde_json::json;

use crate::fixtures::days;
use crate::support::*;

/// GETs the session form and returns (csrf, idempotency key).
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

fn selected_values(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|s| {
            let opt = Selector::parse("option[selected]").unwrap();
            s.select(&opt)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn input_values(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.value().attr("value").unwrap_or("").to_string())
        .collect()
}

/// A clinic with a protocol (roller 1, lidocaine 3, SPF 2) and stock of
/// each; the roller's lot R-EARLY expires first.
struct Clinic {
    app: TestApp,
    roller: clinic_stock::db::models::Product,
    lido: clinic_stock::db::models::Product,
    spf: clinic_stock::db::models::Product,
    /// The protocol's id.
    pid: String,
}

async fn protocol_clinic() -> Clinic {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let roller = app
        .product("RL-150")
        .roller(150)
        .name("Roller 1.5 mm")
        .create()
        .await;
    let lido = app
        .product("AN-LIDO")
        .anesthetic()
        .name("Lidocaine cream")
        .create()
        .await;
    let spf = app
        .product("SPF-50")
        .spf()
        .name("Mineral SPF 50")
        .create()
        .await;
    app.stock(&roller, "R-EARLY", days(30), "10").await;
    app.stock(&roller, "R-LATE", days(300), "10").await;
    app.stock(&lido, "L1", days(100), "30").await;
    app.stock(&spf, "S1", days(100), "50").await;
    let (s, p) = app
        .api_post(
            &m,
            "/api/v1/protocols",
            &json!({"name": "Acne scars face", "indication": "acne_scars", "needle_min_mm": 1.0,
                "needle_max_mm": 2.0, "addons": ["vitamin_serum"],
                "lines": [{"product_id": roller.id, "quantity": 1}, {"product_id": lido.id, "quantity": 3},
                          {"product_id": spf.id, "quantity": 2}]}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let pid = p["id"].to_string();
    Clinic {
        app,
        roller,
        lido,
        spf,
        pid,
    }
}

/// Saves a session of the protocol (2.5 g of lidocaine) through the form:
/// (status, redirect target).
async fn save_session(
    c: &Clinic,
    client: &reqwest::Client,
    csrf: &str,
    key: &str,
) -> (u16, Option<String>) {
    let (s, location, _) = c
        .app
        .send_form(
            client,
            "/sessions/new",
            &[
                ("csrf", csrf),
                ("key", key),
                ("client_ref", "c-7001"),
                ("protocol_id", &c.pid),
                ("indication", "acne_scars"),
                ("needle_length_mm", "1.5"),
                ("performed_at", ""),
                ("product_id", &c.roller.id.to_string()),
                ("quantity", "1"),
                ("lot_id", ""),
                ("product_id", &c.lido.id.to_string()),
                ("quantity", "2.5"),
                ("lot_id", ""),
                ("product_id", &c.spf.id.to_string()),
                ("quantity", "2"),
                ("lot_id", ""),
                ("product_id", ""),
                ("quantity", ""),
                ("lot_id", ""),
                ("addons", "vitamin_serum"),
                ("side_effects", "redness"),
                ("action", "save"),
            ],
        )
        .await;
    (s, location)
}

#[tokio::test]
async fn form_uses_a_protocol_without_js() {
    let c = protocol_clinic().await;
    let Clinic {
        app,
        roller,
        lido,
        spf,
        pid,
    } = &c;
    let client = app.practitioner().await;
    let (s, doc) = app.page(&client, "/sessions/new").await;
    assert_eq!(s, 200);
    assert!(
        count(&doc, "select[name=product_id]") >= 3,
        "a few empty rows"
    );
    let (csrf, key) = form_tokens(app, &client).await;

    // "Use protocol" re-renders the form with the protocol's lines.
    let (s, _, doc) = app
        .send_form(
            &client,
            "/sessions/new",
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("client_ref", "c-7001"),
                ("protocol_id", pid),
                ("needle_length_mm", ""),
                ("action", "use_protocol"),
            ],
        )
        .await;
    assert_eq!(s, 200);
    let products = selected_values(&doc, "select[name=product_id]");
    assert_eq!(
        &products[..3],
        &[
            roller.id.to_string(),
            lido.id.to_string(),
            spf.id.to_string()
        ]
    );
    assert_eq!(
        &input_values(&doc, "input[name=quantity]")[..3],
        &["1", "3", "2"]
    );
    assert_eq!(input_value(&doc.html(), "needle_length_mm").unwrap(), "1.5");
    assert_eq!(input_value(&doc.html(), "client_ref").unwrap(), "c-7001");
    assert_eq!(
        input_value(&doc.html(), "key").unwrap(),
        key,
        "the key is kept"
    );
    assert_eq!(
        selected_values(&doc, "select[name=indication]"),
        vec!["acne_scars"]
    );
    // The hints say where the roller will come from (FEFO) and what is left.
    let hint = text(&doc, "#hint-0");
    assert!(
        hint.contains("R-EARLY") && hint.contains("19 each usable left"),
        "{hint}"
    );
}

#[tokio::test]
async fn the_saved_form_shows_the_lots_and_may_be_voided_for_30_minutes() {
    let c = protocol_clinic().await;
    let app = &c.app;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(app, &client).await;
    // Save: 303 to the session page, which shows the lots used.
    let (s, location) = save_session(&c, &client, &csrf, &key).await;
    assert_eq!(s, 303);
    let location = location.unwrap();
    assert!(location.starts_with("/sessions/"), "{location}");
    let (s, doc) = app.page(&client, &location).await;
    assert_eq!(s, 200);
    assert!(text(&doc, ".flash").contains("Session saved for client C-7001"));
    assert_eq!(texts(&doc, "#used td.lot"), vec!["R-EARLY", "L1", "S1"]);
    assert!(text(&doc, "#session-facts").contains("Vitamin serum"));
    // Their own session, just saved: they may void it for 30 minutes …
    assert_eq!(count(&doc, "#void-form"), 1, "own session, just saved");
    // … and not after.
    let id: i64 = location.trim_start_matches("/sessions/").parse().unwrap();
    app.saved_minutes_ago(id, 31).await;
    let (_, doc) = app.page(&client, &location).await;
    assert_eq!(count(&doc, "#void-form"), 0, "practitioners cannot void");
}

#[tokio::test]
async fn a_resubmitted_form_records_no_second_session() {
    let c = protocol_clinic().await;
    let Clinic {
        app,
        roller,
        lido,
        spf,
        pid,
    } = &c;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(app, &client).await;
    let (s, location) = save_session(&c, &client, &csrf, &key).await;
    assert_eq!(s, 303);
    let location = location.unwrap();
    // A resubmit (double click) records no second session.
    let (s, again, _) = app
        .send_form(
            &client,
            "/sessions/new",
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("client_ref", "c-7001"),
                ("protocol_id", pid),
                ("indication", "acne_scars"),
                ("needle_length_mm", "1.5"),
                ("product_id", &roller.id.to_string()),
                ("quantity", "1"),
                ("lot_id", ""),
                ("product_id", &lido.id.to_string()),
                ("quantity", "2.5"),
                ("lot_id", ""),
                ("product_id", &spf.id.to_string()),
                ("quantity", "2"),
                ("lot_id", ""),
                ("addons", "vitamin_serum"),
                ("side_effects", "redness"),
            ],
        )
        .await;
    assert_eq!((s, again.as_deref()), (303, Some(location.as_str())));
    assert_eq!(app.session_rows().await, (1, 3));
}

#[tokio::test]
async fn the_aftercare_sheet_names_the_spf_used_and_the_clinic() {
    let c = protocol_clinic().await;
    let app = &c.app;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(app, &client).await;
    let (s, location) = save_session(&c, &client, &csrf, &key).await;
    assert_eq!(s, 303);
    let location = location.unwrap();
    // The after-care sheet names the SPF used and the clinic.
    let (s, doc) = app.page(&client, &format!("{location}/aftercare")).await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#spf .spf-product"), "Mineral SPF 50");
    // The session's site is the clinic on the sheet (issue 11.2).
    assert_eq!(text(&doc, "#aftercare h1"), "Main clinic");
    assert!(text(&doc, "#aftercare").contains("lukewarm water only"));
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_refusal_keeps_what_was_typed_and_writes_nothing() {
    let app = TestApp::new().await;
    let roller = app.product("RL-100").roller(100).create().await;
    let serum = app.product("SR-HA").serum().create().await;
    app.stock(&roller, "R1", days(100), "5").await;
    app.stock(&serum, "S1", days(100), "1").await;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(&app, &client).await;
    let before = (app.ledger_rows().await, app.session_rows().await);
    let fields = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("client_ref", "C-42"),
        ("needle_length_mm", "1.0"),
        ("notes", "left cheek only"),
        ("product_id", &roller.id.to_string()),
        ("quantity", "1"),
        ("lot_id", ""),
        ("product_id", &serum.id.to_string()),
        ("quantity", "2.5"),
        ("lot_id", ""),
        ("side_effects", "bleeding"),
        ("action", "save"),
    ];
    let (s, _, doc) = app.send_form(&client, "/sessions/new", &fields).await;
    assert_eq!(s, 409);
    assert_eq!(input_value(&doc.html(), "client_ref").unwrap(), "C-42");
    assert_eq!(input_value(&doc.html(), "key").unwrap(), key);
    assert_eq!(text(&doc, "textarea[name=notes]"), "left cheek only");
    assert_eq!(
        &input_values(&doc, "input[name=quantity]")[..2],
        &["1", "2.5"]
    );
    assert_eq!(
        count(&doc, "input[name=side_effects][value=bleeding][checked]"),
        1
    );
    let msg = text(&doc, "#line-1 .field-error");
    assert!(msg.contains("asked 2.5 ml, 1 ml available"), "{msg}");
    assert_eq!(count(&doc, "#line-0 .field-error"), 0);
    assert_eq!((app.ledger_rows().await, app.session_rows().await), before);

    // A needle mismatch: 422, the message at the roller's line.
    let mut bad = fields.to_vec();
    bad[3] = ("needle_length_mm", "1.5");
    bad[9] = ("quantity", "0.5");
    let (s, _, doc) = app.send_form(&client, "/sessions/new", &bad).await;
    assert_eq!(s, 422);
    assert!(text(&doc, "#line-0 .field-error").contains("1 mm"));
    assert_eq!(input_value(&doc.html(), "needle_length_mm").unwrap(), "1.5");

    // A client's name instead of a code: 422 at the field.
    let mut bad = fields.to_vec();
    bad[2] = ("client_ref", "Jane Doe");
    let (s, _, doc) = app.send_form(&client, "/sessions/new", &bad).await;
    assert_eq!(s, 422);
    assert_eq!(count(&doc, "input[name=client_ref][aria-invalid=true]"), 1);
    assert_eq!((app.ledger_rows().await, app.session_rows().await), before);
}

#[tokio::test]
async fn hints_partial_previews_lots_and_warnings() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lido = app
        .product("AN-LIDO")
        .anesthetic()
        .max_per_session("5")
        .create()
        .await;
    app.stock(&roller, "R1", days(100), "2").await;
    app.stock(&lido, "L1", days(60), "30").await;
    let (_, p) = app
        .api_post(
            &m,
            "/api/v1/protocols",
            &json!({"name": "Fine lines", "indication": "fine_lines", "needle_min_mm": 0.5,
                "needle_max_mm": 1.0, "lines": []}),
        )
        .await;
    let client = app.practitioner().await;
    let (csrf, key) = form_tokens(&app, &client).await;
    let pid = p["id"].to_string();
    let (s, _, doc) = app
        .send_form(
            &client,
            "/sessions/hints",
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("needle_length_mm", "1.5"),
                ("protocol_id", &pid),
                ("product_id", &roller.id.to_string()),
                ("quantity", "3"),
                ("lot_id", ""),
                ("product_id", &lido.id.to_string()),
                ("quantity", "6"),
                ("lot_id", ""),
            ],
        )
        .await;
    assert_eq!(s, 200);
    assert!(text(&doc, "#hint-0 .hint-problem").contains("asked 3 each, 2 each available"));
    assert!(text(&doc, "#hint-1 .take").contains("L1"));
    assert!(text(&doc, "#hint-1 .left").contains("24 g"));
    let codes: Vec<String> = {
        let sel = Selector::parse("#session-warnings .warning").unwrap();
        doc.select(&sel)
            .map(|e| e.value().attr("data-code").unwrap().to_string())
            .collect()
    };
    // Three rollers and no SPF line warn too (issue 15 part 4).
    assert_eq!(
        codes,
        vec![
            "needle_outside_protocol",
            "above_max_per_session",
            "several_needle_devices",
            "no_spf"
        ]
    );
    assert_eq!(app.session_rows().await, (0, 0), "hints write nothing");
}

#[tokio::test]
async fn managers_void_from_the_session_page_with_a_reason() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(100), "5").await;
    let (_, r) = app
        .post_session(
            &t,
            "key-void-page-1",
            &crate::sessions_fixtures::body("C-9", 1.5, &[(&roller, 2.0)]),
        )
        .await;
    let path = format!("/sessions/{}", r["id"]);
    let void_path = format!("{path}/void");

    let practitioner = app.practitioner().await;
    let resp = app
        .post_form(&practitioner, &path, &void_path, &[("reason", "oops")])
        .await;
    assert_eq!(resp.status(), 403);

    let manager = app.manager().await;
    let (_, doc) = app.page(&manager, &path).await;
    assert_eq!(count(&doc, "#void-form"), 1);
    let resp = app
        .post_form(&manager, &path, &void_path, &[("reason", " ")])
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(app.balance(lot, "store").await, 3000);
    let resp = app
        .post_form(&manager, &path, &void_path, &[("reason", "wrong client")])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(app.balance(lot, "store").await, 5000);
    let (_, doc) = app.page(&manager, &path).await;
    assert!(text(&doc, "#void-state").contains("wrong client"));
    assert_eq!(count(&doc, "#void-form"), 0);
    assert_eq!(texts(&doc, "#used td.num").last().unwrap(), "2", "returned");

    // The list marks it; the client history too.
    let (_, doc) = app.page(&manager, "/sessions?voided=yes").await;
    assert_eq!(count(&doc, "#sessions tr.voided"), 1);
    let (_, doc) = app.page(&manager, "/sessions?voided=no").await;
    assert_eq!(count(&doc, "#sessions tr[data-session]"), 0);
    let (s, doc) = app.page(&manager, "/clients/c-9").await;
    assert_eq!(s, 200);
    assert_eq!(count(&doc, "#history tr.voided"), 1);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn session_list_and_client_history() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let r10 = app.product("RL-100").roller(100).create().await;
    let r15 = app.product("RL-150").roller(150).create().await;
    app.stock(&r10, "A", days(100), "10").await;
    app.stock(&r15, "B", days(100), "10").await;
    for (i, (when, product, needle)) in [(-42, &r10, 1.0), (-21, &r15, 1.5), (0, &r15, 1.5)]
        .into_iter()
        .enumerate()
    {
        let mut b = crate::sessions_fixtures::body("C-500", needle, &[(product, 1.0)]);
        // Midnight UTC: today's session is never in the future, whatever the
        // time of day the suite runs.
        b["performed_at"] = json!(format!("{}T00:00:00Z", days(when)));
        b["indication"] = json!("acne_scars");
        let (s, r) = app.post_session(&t, &format!("key-history-{i}"), &b).await;
        assert_eq!(s, 201, "{r}");
    }
    let b = crate::sessions_fixtures::body("C-501", 1.0, &[(&r10, 1.0)]);
    app.post_session(&t, "key-history-other", &b).await;

    let client = app.practitioner().await;
    let (s, doc) = app.page(&client, "/clients/C-500").await;
    assert_eq!(s, 200);
    assert_eq!(
        texts(&doc, "#history td.needle"),
        vec!["1.5 mm", "1.5 mm", "1 mm"]
    );
    let (_, doc) = app.page(&client, "/sessions").await;
    assert_eq!(count(&doc, "#sessions tr[data-session]"), 4);
    let (_, doc) = app.page(&client, "/sessions?client_ref=c-500").await;
    assert_eq!(count(&doc, "#sessions tr[data-session]"), 3);
    let (_, doc) = app
        .page(&client, &format!("/sessions?from={}", days(-30)))
        .await;
    assert_eq!(count(&doc, "#sessions tr[data-session]"), 3);
    let (_, doc) = app
        .page(
            &client,
            "/sessions?indication=acne_scars&practitioner=practitioner-api",
        )
        .await;
    assert_eq!(count(&doc, "#sessions tr[data-session]"), 3);
    let (s, _) = app.page(&client, "/sessions?from=last-week").await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn managers_create_protocols_through_the_form() {
    let app = TestApp::new().await;
    let roller = app.product("RL-150").roller(150).create().await;
    let manager = app.manager().await;
    let (s, doc) = app.page(&manager, "/protocols/new").await;
    assert_eq!(s, 200);
    assert!(count(&doc, "#protocol-form select[name=product_id]") >= 3);
    let rid = roller.id.to_string();
    let resp = app
        .post_form(
            &manager,
            "/protocols/new",
            "/protocols/new",
            &[
                ("name", "Stretch marks"),
                ("indication", "stretch_marks"),
                ("needle_min_mm", "2.0"),
                ("needle_max_mm", "1.0"),
                ("product_id", &rid),
                ("quantity", "1"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    assert_eq!(input_value(&doc.html(), "name").unwrap(), "Stretch marks");
    assert_eq!(
        count(&doc, "input[name=needle_max_mm][aria-invalid=true]"),
        1
    );
    let resp = app
        .post_form(
            &manager,
            "/protocols/new",
            "/protocols/new",
            &[
                ("name", "Stretch marks"),
                ("indication", "stretch_marks"),
                ("needle_min_mm", "1.0"),
                ("needle_max_mm", "2.0"),
                ("product_id", &rid),
                ("quantity", "1"),
                ("product_id", ""),
                ("quantity", ""),
                ("addons", "radiofrequency"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, doc) = app.page(&manager, "/protocols").await;
    assert_eq!(count(&doc, "#protocols tr[data-protocol]"), 1);
    assert!(text(&doc, "#protocols").contains("Radiofrequency"));

    let practitioner = app.practitioner().await;
    let (s, _) = app.page(&practitioner, "/protocols/new").await;
    assert_eq!(s, 403);
    // The session form offers it.
    let (_, doc) = app.page(&practitioner, "/sessions/new").await;
    assert!(
        texts(&doc, "select[name=protocol_id] option")
            .iter()
            .any(|o| o.starts_with("Stretch marks"))
    );
}
