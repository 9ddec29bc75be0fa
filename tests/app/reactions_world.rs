//! The world of the reaction-signal tests (issue 15, part 2), every
//! session logged through `POST /api/v1/sessions` with a named lot, every
//! follow-up through `POST /api/v1/sessions/{id}/follow-ups`:
//!
//! At `main` (today), roller `RL-150` (1.5 mm, protocol "Acne 1.5"):
//! - lot `BAD-1`: 6 sessions; redness at the session on 3 of them, redness +
//!   milia on a 4th; a follow-up with milia on the 4th and one with scabbing
//!   on a 5th (which had nothing at the session) → 5 of 6 reacted, 4 at the
//!   session, 2 at follow-up; a 7th session with bleeding is voided;
//! - lot `GOOD-1`: 10 sessions, redness on one → 1 of 10;
//!
//! roller `RL-100` (1.0 mm, no protocol), lot `C-1`: 2 sessions, nothing.
//!
//! `BAD-1` (83.3 % against 10 %) is flagged at main; `GOOD-1` (10 % against
//! 83.3 %) is not. At `north` (with `with_north`): `BAD-1` 6 sessions and
//! `GOOD-1` 5, none reacting; for all sites together `BAD-1` is 5 of 12
//! (41.7 %) against 1 of 15 (6.7 %): still flagged.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::services::accounts;

pub struct ReactionWorld {
    pub admin: String,
    pub rl150: i64,
    pub bad: i64,
    pub good: i64,
    pub protocol: i64,
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (s, v) = app.api_post(token, path, &body).await;
    assert!(s == 200 || s == 201, "{path}: {s} {v}");
    v
}

/// One session at `site` taking one unit of `lot`; returns (id, local date).
#[allow(clippy::too_many_arguments)]
pub async fn session(
    app: &TestApp,
    token: &str,
    site: &str,
    product: i64,
    lot: i64,
    needle: f64,
    protocol: Option<i64>,
    effects: &[&str],
) -> (i64, String) {
    let mut b = json!({"site": site, "client_ref": "C-5150", "needle_length_mm": needle,
        "lines": [{"product_id": product, "quantity": 1, "lot_id": lot}],
        "side_effects": effects});
    if let Some(p) = protocol {
        b["protocol_id"] = json!(p);
    }
    let (s, v) = app.post_session(token, &new_key(), &b).await;
    assert_eq!(s, 201, "{v}");
    (
        v["id"].as_i64().unwrap(),
        v["local_date"].as_str().unwrap().to_string(),
    )
}

async fn follow_up(app: &TestApp, token: &str, id: i64, day: &str, effects: &[&str]) {
    ok(
        app,
        token,
        &format!("/api/v1/sessions/{id}/follow-ups"),
        json!({"observed_on": day, "side_effects": effects, "severity": "mild"}),
    )
    .await;
}

pub async fn world(app: &TestApp) -> ReactionWorld {
    let admin = app.token_for(Role::Admin).await;
    let rl150 = app.product("RL-150").roller(150).create().await.id;
    let rl100 = app.product("RL-100").roller(100).create().await.id;
    let bad = app.stock(rl150, "BAD-1", days(300), "30").await;
    let good = app.stock(rl150, "GOOD-1", days(300), "30").await;
    let c1 = app.stock(rl100, "C-1", days(300), "30").await;
    let protocol = ok(
        app,
        &admin,
        "/api/v1/protocols",
        json!({"name": "Acne 1.5", "indication": "acne_scars", "needle_min_mm": 1.0,
               "needle_max_mm": 2.0, "lines": [{"product_id": rl150, "quantity": 1}]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let p = Some(protocol);
    let a = &admin;
    for _ in 0..3 {
        session(app, a, "main", rl150, bad, 1.5, p, &["redness"]).await;
    }
    let (fourth, day) = session(app, a, "main", rl150, bad, 1.5, p, &["redness", "milia"]).await;
    follow_up(app, a, fourth, &day, &["milia"]).await;
    let (fifth, day) = session(app, a, "main", rl150, bad, 1.5, p, &[]).await;
    follow_up(app, a, fifth, &day, &["scabbing"]).await;
    session(app, a, "main", rl150, bad, 1.5, p, &[]).await;
    let (voided, day) = session(app, a, "main", rl150, bad, 1.5, p, &["bleeding"]).await;
    follow_up(app, a, voided, &day, &["milia"]).await;
    ok(
        app,
        a,
        &format!("/api/v1/sessions/{voided}/void"),
        json!({"reason": "wrong client"}),
    )
    .await;
    session(app, a, "main", rl150, good, 1.5, p, &["redness"]).await;
    for _ in 0..9 {
        session(app, a, "main", rl150, good, 1.5, p, &[]).await;
    }
    for _ in 0..2 {
        session(app, a, "main", rl100, c1, 1.0, None, &[]).await;
    }
    ReactionWorld {
        admin,
        rl150,
        bad,
        good,
        protocol,
    }
}

/// Adds site `north` (store `vault`) with `BAD-1` used by 6 sessions and
/// `GOOD-1` by 5, none reacting, and two managers: `nico` bound to north and
/// `chris` for every site. Returns their (client, token) pairs.
pub async fn with_north(
    app: &TestApp,
    w: &ReactionWorld,
) -> ((reqwest::Client, String), (reqwest::Client, String)) {
    let a = &w.admin;
    ok(
        app,
        a,
        "/api/v1/sites",
        json!({"code": "north", "name": "North Clinic", "time_zone": "Europe/London"}),
    )
    .await;
    ok(
        app,
        a,
        "/api/v1/locations",
        json!({"site": "north", "code": "vault", "name": "North vault"}),
    )
    .await;
    app.stock(w.rl150, "BAD-1", days(300), "30")
        .at("north/vault")
        .await;
    app.stock(w.rl150, "GOOD-1", days(300), "30")
        .at("north/vault")
        .await;
    for _ in 0..6 {
        session(app, a, "north", w.rl150, w.bad, 1.5, None, &[]).await;
    }
    for _ in 0..5 {
        session(app, a, "north", w.rl150, w.good, 1.5, None, &[]).await;
    }
    let mut out = Vec::new();
    for (name, site) in [("nico", Some("north")), ("chris", None)] {
        let u = accounts::NewUser {
            username: name.into(),
            password: PASSWORD.into(),
            role: "manager".into(),
            site: site.map(str::to_string),
            ..Default::default()
        };
        app.with_conn(move |c| accounts::create_user(c, &u).unwrap())
            .await;
        let token = app
            .with_conn(move |c| accounts::create_token(c, name, "reactions").unwrap())
            .await;
        out.push((app.login_as(name, PASSWORD).await, token));
    }
    let chris = out.pop().unwrap();
    let nico = out.pop().unwrap();
    (nico, chris)
}

/// A page's parsed HTML; it must answer 200.
pub async fn page_ok(app: &TestApp, client: &reqwest::Client, path: &str) -> scraper::Html {
    let (s, doc) = app.page(client, path).await;
    assert_eq!(s, 200, "{path}: {}", doc.html());
    doc
}
