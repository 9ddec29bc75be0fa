//! The session form without JavaScript (issue 14 item 4): choosing a second
//! protocol replaces what the first one filled (indication, needle length,
//! add-ons, its lines) and keeps what the person typed (client, notes, a
//! line they added, an indication they chose); changing the needle length
//! swaps rollers to the matching length; the saved session has the second
//! protocol's values.

use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::support::*;

/// Every field the form would post, in document order (ticked boxes only).
pub(crate) fn fields(doc: &Html) -> Vec<(String, String)> {
    let sel = Selector::parse(
        "#session-form input[name], #session-form select[name], #session-form textarea[name]",
    )
    .unwrap();
    let opt = Selector::parse("option[selected]").unwrap();
    let mut out = Vec::new();
    for e in doc.select(&sel) {
        let v = e.value();
        let name = v.attr("name").unwrap().to_string();
        let value = match v.name() {
            "select" => e
                .select(&opt)
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or("")
                .to_string(),
            "textarea" => e.text().collect(),
            _ => {
                let kind = v.attr("type").unwrap_or("text");
                if (kind == "checkbox" || kind == "radio") && v.attr("checked").is_none() {
                    continue;
                }
                v.attr("value").unwrap_or("").to_string()
            }
        };
        out.push((name, value));
    }
    out
}

/// Sets the `nth` field called `name` (which must exist).
fn set(f: &mut [(String, String)], name: &str, nth: usize, value: &str) {
    let slot = f
        .iter_mut()
        .filter(|(n, _)| n == name)
        .nth(nth)
        .unwrap_or_else(|| panic!("no field {name}[{nth}]"));
    slot.1 = value.to_string();
}

pub(crate) fn values(f: &[(String, String)], name: &str) -> Vec<String> {
    f.iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .collect()
}

pub(crate) fn one(f: &[(String, String)], name: &str) -> String {
    values(f, name).into_iter().next().unwrap_or_default()
}

/// The filled product rows (blank spares left out).
pub(crate) fn products(f: &[(String, String)]) -> Vec<String> {
    values(f, "product_id")
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect()
}

async fn post(app: &TestApp, c: &reqwest::Client, f: &[(String, String)]) -> (u16, Html) {
    let r = c
        .post(app.url("/sessions/new"))
        .form(f)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, Html::parse_document(&r.text().await.unwrap()))
}

/// Re-posts with `action` (the last `action` field wins on the server).
async fn act(
    app: &TestApp,
    c: &reqwest::Client,
    f: &[(String, String)],
    action: &str,
) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = f.iter().filter(|(n, _)| n != "action").cloned().collect();
    f.push(("action".into(), action.into()));
    let (s, doc) = post(app, c, &f).await;
    assert_eq!(s, 200, "{action}: {}", doc.html());
    fields(&doc)
}

struct World {
    app: TestApp,
    token: String,
    r150: i64,
    r100: i64,
    spf: i64,
    serum: i64,
    lido: i64,
    acne: String,
    fine: String,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let r150 = app.product("RL-150").roller(150).create().await;
    let r100 = app.product("RL-100").roller(100).create().await;
    let spf = app.product("SPF-50").spf().create().await;
    let serum = app.product("SER-HA").serum().create().await;
    let lido = app.product("AN-LIDO").anesthetic().create().await;
    for (p, lot) in [
        (&r150, "R15"),
        (&r100, "R10"),
        (&spf, "S1"),
        (&serum, "H1"),
        (&lido, "L1"),
    ] {
        app.stock(p, lot, days(200), "20").await;
    }
    let mut ids = Vec::new();
    for body in [
        json!({"name": "Acne scars face", "indication": "acne_scars", "needle_min_mm": 1.0,
            "needle_max_mm": 2.0, "addons": ["prp"],
            "lines": [{"product_id": r150.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1}]}),
        json!({"name": "Fine lines", "indication": "fine_lines", "needle_min_mm": 0.5,
            "needle_max_mm": 1.0, "addons": ["vitamin_serum"],
            "lines": [{"product_id": r100.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1},
                      {"product_id": serum.id, "quantity": 2}]}),
    ] {
        let (s, p) = app.api_post(&m, "/api/v1/protocols", &body).await;
        assert_eq!(s, 201, "{p}");
        ids.push(p["id"].to_string());
    }
    World {
        token: m,
        r150: r150.id,
        r100: r100.id,
        spf: spf.id,
        serum: serum.id,
        lido: lido.id,
        acne: ids[0].clone(),
        fine: ids[1].clone(),
        app,
    }
}

/// Saves (ticking the warnings if the form asks) and returns the session JSON.
async fn save(w: &World, c: &reqwest::Client, f: &[(String, String)]) -> Value {
    let mut f: Vec<(String, String)> = f.iter().filter(|(n, _)| n != "action").cloned().collect();
    f.push(("action".into(), "save".into()));
    let mut r = c
        .post(w.app.url("/sessions/new"))
        .form(&f)
        .send()
        .await
        .unwrap();
    if r.status().as_u16() == 200 {
        let doc = Html::parse_document(&r.text().await.unwrap());
        let tick = values(&fields(&doc), "confirm_warnings");
        let sel = Selector::parse("input[name=confirm_warnings]").unwrap();
        let v = doc
            .select(&sel)
            .next()
            .expect("the form asks to check warnings");
        assert!(tick.is_empty(), "not ticked yet");
        f.push((
            "confirm_warnings".into(),
            v.value().attr("value").unwrap().into(),
        ));
        r = c
            .post(w.app.url("/sessions/new"))
            .form(&f)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(r.status().as_u16(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id = loc.trim_start_matches("/sessions/");
    let (s, v) = w
        .app
        .api_get(&w.token, &format!("/api/v1/sessions/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

async fn start(w: &World) -> (reqwest::Client, Vec<(String, String)>) {
    let c = w.app.practitioner().await;
    let (s, doc) = w.app.page(&c, "/sessions/new").await;
    assert_eq!(s, 200);
    (c, fields(&doc))
}

#[tokio::test]
async fn a_second_protocol_replaces_what_the_first_filled_and_keeps_what_was_typed() {
    let w = world().await;
    let (c, mut f) = start(&w).await;
    set(&mut f, "client_ref", 0, "C-4141");
    set(&mut f, "notes", 0, "Client asked for a gentle pass");
    set(&mut f, "protocol_id", 0, &w.acne);
    let mut f = act(&w.app, &c, &f, "use_protocol").await;
    assert_eq!(products(&f), [w.r150.to_string(), w.spf.to_string()]);
    assert_eq!(one(&f, "needle_length_mm"), "1.5");
    assert_eq!(one(&f, "indication"), "acne_scars");
    assert_eq!(values(&f, "addons"), ["prp"]);

    // The person adds a line of their own, then chooses the other protocol.
    set(&mut f, "product_id", 2, &w.lido.to_string());
    set(&mut f, "quantity", 2, "2");
    set(&mut f, "protocol_id", 0, &w.fine);
    let f = act(&w.app, &c, &f, "use_protocol").await;
    assert_eq!(
        products(&f),
        [
            w.r100.to_string(),
            w.spf.to_string(),
            w.serum.to_string(),
            w.lido.to_string()
        ],
        "the second protocol's lines, then the line the person added"
    );
    assert_eq!(values(&f, "quantity")[..4], ["1", "1", "2", "2"]);
    assert_eq!(
        one(&f, "needle_length_mm"),
        "1",
        "the second protocol's roller"
    );
    assert_eq!(one(&f, "indication"), "fine_lines");
    assert_eq!(
        values(&f, "addons"),
        ["vitamin_serum"],
        "PRP was the first protocol's"
    );
    assert_eq!(one(&f, "client_ref"), "C-4141");
    assert_eq!(one(&f, "notes"), "Client asked for a gentle pass");

    let v = save(&w, &c, &f).await;
    assert_eq!(v["indication"], json!("fine_lines"), "{v}");
    assert_eq!(v["addons"], json!(["vitamin_serum"]), "{v}");
    assert_eq!(v["protocol_id"].to_string(), w.fine, "{v}");
    assert_eq!(v["needle_length_mm"].as_f64(), Some(1.0), "{v}");
    assert_eq!(v["client_ref"], json!("C-4141"));
    let lines: Vec<i64> = v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["product_id"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, [w.r100, w.spf, w.serum, w.lido]);
    w.app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn typed_values_survive_a_protocol_switch_and_a_needle_change_swaps_the_roller() {
    let w = world().await;
    let (c, mut f) = start(&w).await;
    set(&mut f, "client_ref", 0, "C-4242");
    set(&mut f, "protocol_id", 0, &w.acne);
    let mut f = act(&w.app, &c, &f, "use_protocol").await;
    assert_eq!(products(&f), [w.r150.to_string(), w.spf.to_string()]);

    // The person changes the needle length: the roller follows (no JS: at
    // the next re-render, here "+ Add line").
    set(&mut f, "needle_length_mm", 0, "1.0");
    let mut f = act(&w.app, &c, &f, "add_line").await;
    assert_eq!(products(&f), [w.r100.to_string(), w.spf.to_string()]);
    assert_eq!(one(&f, "needle_length_mm"), "1.0");

    // The person picks another indication, then the second protocol: the
    // chosen indication and typed needle length stay, PRP goes.
    set(&mut f, "indication", 0, "stretch_marks");
    set(&mut f, "protocol_id", 0, &w.fine);
    let f = act(&w.app, &c, &f, "use_protocol").await;
    assert_eq!(one(&f, "indication"), "stretch_marks");
    assert_eq!(one(&f, "needle_length_mm"), "1.0");
    assert_eq!(values(&f, "addons"), ["vitamin_serum"]);
    assert_eq!(
        products(&f),
        [w.r100.to_string(), w.spf.to_string(), w.serum.to_string()],
        "the first protocol's (swapped) roller and SPF are replaced, not doubled"
    );
    assert_eq!(one(&f, "client_ref"), "C-4242");

    // Back to 1.5 mm: the roller follows again.
    let mut f = f;
    set(&mut f, "needle_length_mm", 0, "1.5");
    let f = act(&w.app, &c, &f, "refresh").await;
    assert_eq!(
        products(&f),
        [w.r150.to_string(), w.spf.to_string(), w.serum.to_string()]
    );
    let v = save(&w, &c, &f).await;
    assert_eq!(v["indication"], json!("stretch_marks"), "{v}");
    assert_eq!(v["needle_length_mm"].as_f64(), Some(1.5), "{v}");
    assert_eq!(v["lines"][0]["product_id"].as_i64(), Some(w.r150));
    w.app.assert_ledger_consistent().await;
}
