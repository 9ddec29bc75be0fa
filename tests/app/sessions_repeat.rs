//! Practitioners' shortcuts (issue 14 item 11): "My sessions today" on
//! their home page (their own, at the site shown, on the site's local day)
//! and "Repeat" a client's last session — the form filled with the same
//! protocol, indication, needle length, add-ons and lines, lots by today's
//! FEFO, nothing saved until Save.

use diesel::prelude::*;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::sessions_protocol_switch::{fields, one, products, values};
use crate::support::*;
use clinic_stock::db::schema::{sites, treatment_sessions};
use clinic_stock::domain::clock::SiteClock;

async fn session_count(app: &TestApp) -> i64 {
    app.with_conn(|c| {
        treatment_sessions::table
            .count()
            .get_result::<i64>(c)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn my_sessions_today_are_mine_at_this_site_on_its_local_day() {
    let app = TestApp::new().await;
    // A site far east of UTC: its "today" starts ~14 h before UTC's.
    let zone = "Pacific/Kiritimati";
    app.with_conn(move |c| {
        diesel::update(sites::table.filter(sites::code.eq("main")))
            .set(sites::time_zone.eq(zone))
            .execute(c)
            .unwrap();
    })
    .await;
    let clock = SiteClock::parse(zone).unwrap();
    let today = clock.today(clinic_stock::db::now());
    let local = |d: chrono::NaiveDate, h: u32, m: u32| {
        let utc = clock.to_utc(d.and_hms_opt(h, m, 0).unwrap()).unwrap();
        format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S"))
    };
    let roller = app.product("R15").roller(150).create().await;
    app.stock(&roller, "R15-A", days(300), "20").await;
    let pia = app.token_for(Role::Practitioner).await;
    let other = app.token_for(Role::Manager).await;
    let post = |token: String, client: &'static str, at: String| {
        let app = &app;
        let roller = &roller;
        async move {
            let body = json!({"site": "main", "client_ref": client, "needle_length_mm": 1.5,
                "performed_at": at, "lines": [{"product_id": roller.id, "quantity": 1}]});
            let (s, v) = app.post_session(&token, &new_key(), &body).await;
            assert_eq!(s, 201, "{v}");
            v["id"].as_i64().unwrap()
        }
    };
    let early = post(pia.clone(), "C-101", local(today, 0, 1)).await;
    let _yesterday = post(
        pia.clone(),
        "C-102",
        local(today.pred_opt().unwrap(), 23, 50),
    )
    .await;
    let _theirs = post(other.clone(), "C-103", local(today, 0, 2)).await;
    let now = post(
        pia.clone(),
        "C-104",
        format!("{}Z", clinic_stock::db::now().format("%Y-%m-%dT%H:%M:%S")),
    )
    .await;

    let web = app.login_as("practitioner-api", PASSWORD).await;
    let (s, doc) = app.page(&web, "/").await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#today-h small"), today.to_string());
    let ids: Vec<String> = doc
        .select(&Selector::parse("#today-sessions tbody tr").unwrap())
        .map(|r| r.value().attr("data-session").unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [now.to_string(), early.to_string()],
        "newest first, mine, today only"
    );
    assert_eq!(texts(&doc, "#today-sessions td.client"), ["C-104", "C-101"]);
    assert_eq!(text(&doc, "#today-sessions tr:last-child td.time"), "00:01");
    // A practitioner with nothing today is told so.
    let fresh = app.practitioner().await;
    let (_, doc) = app.page(&fresh, "/").await;
    assert_eq!(count(&doc, "#no-sessions-today"), 1);
    // Managers keep their dashboard (no such list).
    let m = app.manager().await;
    let (_, doc) = app.page(&m, "/").await;
    assert_eq!(count(&doc, "#my-sessions-today"), 0);
}

async fn session_json(app: &TestApp, token: &str, id: &str) -> Value {
    let (s, v) = app.api_get(token, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(s, 200, "{v}");
    v
}

#[tokio::test]
async fn repeat_fills_the_form_from_the_last_session_with_todays_fefo_lots() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let roller = app.product("R15").roller(150).create().await;
    let lido = app.product("LIDO").anesthetic().create().await;
    let spf = app.product("SPF").spf().create().await;
    // Roller lots: one expired, one quarantined (expiring first of the
    // usable ones), then B (next by FEFO) and A (later).
    let expired = app.stock(&roller, "R-OLD", days(-1), "5").await;
    let quarantined = app.stock(&roller, "R-Q", days(20), "5").await;
    app.quarantine(quarantined).await;
    let lot_b = app.stock(&roller, "R-B", days(60), "5").await;
    let lot_a = app.stock(&roller, "R-A", days(200), "5").await;
    app.stock(&lido, "L-1", days(200), "30").await;
    app.stock(&spf, "S-1", days(200), "10").await;
    let (s, p) = app
        .api_post(
            &m,
            "/api/v1/protocols",
            &json!({"name": "Acne scars face", "indication": "acne_scars", "needle_min_mm": 1.0,
                "needle_max_mm": 2.0, "addons": ["prp"],
                "lines": [{"product_id": roller.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let protocol = p["id"].as_i64().unwrap();
    let pia = app.token_for(Role::Practitioner).await;
    // The first session named lot A for the roller; the repeat must not.
    let body = json!({"site": "main", "client_ref": "C-7", "needle_length_mm": 1.5,
        "protocol_id": protocol, "indication": "acne_scars", "addons": ["prp", "radiofrequency"],
        "lines": [{"product_id": roller.id, "quantity": 1, "lot_id": lot_a},
                  {"product_id": lido.id, "quantity": 2.5}, {"product_id": spf.id, "quantity": 1}]});
    let (s, first) = app.post_session(&pia, &new_key(), &body).await;
    assert_eq!(s, 201, "{first}");
    let first_id = first["id"].as_i64().unwrap();

    // Offered from the session page and the client's history.
    let web = app.login_as("practitioner-api", PASSWORD).await;
    let (_, doc) = app.page(&web, &format!("/sessions/{first_id}")).await;
    let href = format!("/sessions/new?repeat={first_id}");
    let attr = |doc: &Html, css: &str| {
        doc.select(&Selector::parse(css).unwrap())
            .next()
            .and_then(|e| e.value().attr("href").map(str::to_string))
    };
    assert_eq!(
        attr(&doc, "#repeat-session").as_deref(),
        Some(href.as_str())
    );
    let (_, doc) = app.page(&web, "/clients/C-7").await;
    assert_eq!(attr(&doc, "#repeat-last").as_deref(), Some(href.as_str()));

    // The form, filled; nothing saved.
    let before = session_count(&app).await;
    let (s, doc) = app.page(&web, &href).await;
    assert_eq!(s, 200);
    assert_eq!(session_count(&app).await, before);
    let f = fields(&doc);
    assert_eq!(one(&f, "client_ref"), "C-7");
    assert_eq!(one(&f, "protocol_id"), protocol.to_string());
    assert_eq!(one(&f, "indication"), "acne_scars");
    assert_eq!(one(&f, "needle_length_mm"), "1.5");
    let mut addons = values(&f, "addons");
    addons.sort();
    assert_eq!(addons, ["prp", "radiofrequency"]);
    assert_eq!(
        products(&f),
        [
            roller.id.to_string(),
            lido.id.to_string(),
            spf.id.to_string()
        ]
    );
    let quantities: Vec<String> = values(&f, "quantity")
        .into_iter()
        .filter(|q| !q.is_empty())
        .collect();
    assert_eq!(quantities, ["1", "2.5", "1"]);
    assert!(
        values(&f, "lot_id").iter().all(String::is_empty),
        "no lot named: FEFO"
    );

    // Saved as is: a new session, the roller from lot B (today's FEFO:
    // not the expired lot, not the quarantined one, not the first's A).
    let mut f: Vec<(String, String)> = f.into_iter().filter(|(n, _)| n != "action").collect();
    f.push(("action".into(), "save".into()));
    let mut r = web
        .post(app.url("/sessions/new"))
        .form(&f)
        .send()
        .await
        .unwrap();
    if r.status().as_u16() == 200 {
        // The form asks to confirm its warnings: tick and save again.
        let doc = Html::parse_document(&r.text().await.unwrap());
        let sel = Selector::parse("input[name=confirm_warnings]").unwrap();
        let v = doc.select(&sel).next().expect("asks to confirm warnings");
        f.push((
            "confirm_warnings".into(),
            v.value().attr("value").unwrap().into(),
        ));
        r = web
            .post(app.url("/sessions/new"))
            .form(&f)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(r.status().as_u16(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let id = loc.trim_start_matches("/sessions/").to_string();
    assert_ne!(id, first_id.to_string());
    let v = session_json(&app, &m, &id).await;
    assert_eq!(v["client_ref"], "C-7");
    assert_eq!(v["protocol_id"], json!(protocol));
    assert_eq!(v["indication"], "acne_scars");
    assert_eq!(v["needle_length_mm"], json!(1.5));
    let roller_line = &v["lines"][0];
    assert_eq!(roller_line["product_id"], json!(roller.id));
    assert_eq!(roller_line["lot_id"], Value::Null);
    assert_eq!(roller_line["allocations"][0]["lot_id"], json!(lot_b));
    assert_ne!(roller_line["allocations"][0]["lot_id"], json!(expired));
    assert_eq!(v["lines"][1]["quantity"], json!(2.5));
    assert_eq!(session_count(&app).await, before + 1);
    app.assert_ledger_consistent().await;

    // A void session is not offered for repeating; another site's is 404.
    let (s, _) = app
        .api_post(
            &m,
            &format!("/api/v1/sessions/{id}/void"),
            &json!({"reason": "test"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, doc) = app.page(&web, &format!("/sessions/{id}")).await;
    assert_eq!(count(&doc, "#repeat-session"), 0);
    let (s, _) = app.page(&web, "/sessions/new?repeat=999999").await;
    assert_eq!(s, 404);
    let (s, _) = app.page(&web, "/sessions/new?repeat=abc").await;
    assert_eq!(s, 404);
}
