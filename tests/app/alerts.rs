//! Alerts (issue 11.3): exactly what needs attention at a site on its local
//! day — low stock with what is on order, lots expiring within the window,
//! expired stock on the shelf, opened containers past discard-by, sent
//! orders past their expected day — as the service, `GET /api/v1/alerts`
//! and `/alerts` show them; the local-midnight boundaries at sites ahead of
//! and behind UTC; site scope; the menu badge and the dashboard link.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use crate::access_sites_world::{attrs, world};
use crate::fixtures::fixture_actor;
use crate::support::*;
use clinic_stock::db;
use clinic_stock::domain::clock::SiteClock;
use clinic_stock::routes::api::types::alerts::AlertsOut;
use clinic_stock::services::{alerts, orders, transfers};

/// The UTC instant of a local time at the site.
fn local(clock: &SiteClock, day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    clock.to_utc(day.and_hms_opt(h, m, 0).unwrap()).unwrap()
}

/// The alerts of site `main` at `now`, as the API writes them.
pub async fn alerts_at(app: &TestApp, now: NaiveDateTime) -> Value {
    app.with_conn(move |c| {
        let site = db::sites::by_code(c, "main").unwrap().unwrap();
        serde_json::to_value(AlertsOut::from(&alerts::for_site(c, site, now).unwrap())).unwrap()
    })
    .await
}

/// Opens a container of `lot` in `main/store` at `at` (UTC).
async fn open_at(app: &TestApp, lot: i64, at: NaiveDateTime) -> i64 {
    let store = app.location_id("store").await;
    app.with_conn(move |c| {
        let actor = fixture_actor(c);
        let d = transfers::OpenDraft {
            lot_id: Some(lot.to_string()),
            location_id: Some(store.to_string()),
            ..Default::default()
        };
        transfers::open_container_at(c, &actor, &d, at)
            .unwrap()
            .lot_id
    })
    .await
}

/// A sent order of `packs` of one product from `supplier`, sent on `day`.
async fn sent_order(app: &TestApp, supplier: i64, product: i64, packs: i64, day: NaiveDate) -> i64 {
    app.with_conn(move |c| {
        let actor = fixture_actor(c);
        let d = orders::OrderDraft {
            site: Some("main".into()),
            supplier_id: Some(supplier.to_string()),
            note: None,
            lines: vec![orders::LineDraft {
                product_id: Some(product.to_string()),
                packs: Some(packs.to_string()),
                ..Default::default()
            }],
        };
        let id = orders::create(c, &actor, &d).unwrap().order.id;
        let send = orders::SendDraft {
            sent_on: Some(day.to_string()),
            email_text: Some("order".into()),
        };
        orders::send(c, &actor, id, &send, db::now()).unwrap();
        id
    })
    .await
}

/// What the Auckland scenario arranged.
pub struct Scenario {
    pub clock: SiteClock,
    /// Today at the site.
    pub d: NaiveDate,
    pub roller: i64,
    pub serum: i64,
    pub supplier: i64,
    pub a1: i64,
    pub a2: i64,
    pub a3: i64,
    pub c1: i64,
    pub c2: i64,
    pub o1: i64,
}

/// Site `main` in Pacific/Auckland (UTC+12/+13), today D at the site:
/// - roller R-150 (min 20): A1 5 expiring D−1, A2 3 expiring D, A3 4 in
///   room1 expiring D+60 (the last day of the 60-day window), A4 10
///   expiring D+61; an order of 2 packs (20) sent on D−8 to a supplier
///   with a 7-day lead time (expected D−1);
/// - serum SER-1 (use within 7 days of opening): B1 20 ml expiring D+200,
///   one container opened on D−8 (discard-by D−1), one on D−7 (D); an
///   order of 1 pack sent on D−7 (expected D);
/// - gloves: an expired, quarantined lot (set aside: no alert).
pub async fn auckland(app: &TestApp) -> Scenario {
    let clock = app.set_zone("Pacific/Auckland").await;
    let d = clock.today(db::now());
    let day = |n: i64| d + Duration::days(n);
    let supplier = app.supplier("Medsupply", Some(7)).await;
    let roller = app
        .product("R-150")
        .roller(150)
        .supplier(supplier)
        .min("20")
        .create()
        .await;
    let serum = app
        .product("SER-1")
        .serum()
        .supplier(supplier)
        .use_within(7)
        .create()
        .await;
    let gloves = app.product("GLV").disposable().create().await;
    app.location("room1").await;
    let a1 = app.stock(&roller, "A1", day(-1), "5").await;
    let a2 = app.stock(&roller, "A2", day(0), "3").await;
    let a3 = app.stock(&roller, "A3", day(60), "4").at("room1").await;
    app.stock(&roller, "A4", day(61), "10").await;
    let b1 = app.stock(&serum, "B1", day(200), "20").await;
    let c1 = open_at(app, b1, local(&clock, day(-8), 10, 0)).await;
    let c2 = open_at(app, b1, local(&clock, day(-7), 10, 0)).await;
    let g1 = app.stock(&gloves, "G1", day(-3), "100").await;
    app.quarantine(g1).await;
    let o1 = sent_order(app, supplier, roller.id, 2, day(-8)).await;
    sent_order(app, supplier, serum.id, 1, day(-7)).await;
    Scenario {
        clock,
        d,
        roller: roller.id,
        serum: serum.id,
        supplier,
        a1,
        a2,
        a3,
        c1,
        c2,
        o1,
    }
}

/// One lot row as the API writes it, seen on day D + `today` (offsets in
/// days from D: the lot's expiry and use-by).
fn lot(
    s: &Scenario,
    today: i64,
    id: i64,
    product: (i64, &str),
    name: &str,
    dates: [i64; 2],
    qty: i64,
) -> Value {
    let [expiry, use_by] = dates.map(|n| (s.d + Duration::days(n)).to_string());
    let (discard_by, location) = match id {
        x if x == s.c1 || x == s.c2 => (json!(use_by), "store"),
        x if x == s.a3 => (Value::Null, "room1"),
        _ => (Value::Null, "store"),
    };
    json!({
        "lot_id": id, "lot": name, "product_id": product.0, "sku": product.1,
        "expiry": expiry, "use_by": use_by, "discard_by": discard_by,
        "location": location, "quantity": qty, "days_left": dates[1] - today,
    })
}

/// The alerts on day D (anywhere in it).
pub fn expected_on_d(s: &Scenario) -> Value {
    let r = (s.roller, "R-150");
    let b = (s.serum, "SER-1");
    json!({
        "site": "main",
        "as_of": s.d.to_string(),
        "low_stock": [{"product_id": s.roller, "sku": "R-150", "usable": 17, "min_level": 20,
                       "on_order": 20, "order_now": false}],
        "expiring": [
            lot(s, 0, s.a2, r, "A2", [0, 0], 3),
            lot(s, 0, s.c2, b, "B1", [200, 0], 5),
            lot(s, 0, s.a3, r, "A3", [60, 60], 4),
        ],
        "expired": [lot(s, 0, s.a1, r, "A1", [-1, -1], 5)],
        "overdue_orders": [{"id": s.o1, "number": format!("PO-{:06}", s.o1),
                            "supplier_id": s.supplier, "supplier": "Medsupply",
                            "sent_on": (s.d - Duration::days(8)).to_string(),
                            "expected_on": (s.d - Duration::days(1)).to_string()}],
        "containers_past_discard": [lot(s, 0, s.c1, b, "B1", [200, -1], 5)],
        "reaction_lots": [],
    })
}

#[tokio::test]
async fn alerts_at_an_auckland_site_turn_over_at_local_midnight() {
    let app = TestApp::new().await;
    let s = auckland(&app).await;
    let r = (s.roller, "R-150");
    let b = (s.serum, "SER-1");

    // 23:59 local on D−1: A1 and container 1 are on their last day; the
    // roller is not low yet (5 + 3 + 4 + 10 = 22 usable > 20); A3 is
    // outside the window (61 days); order 1 is due today, not late.
    let v = alerts_at(&app, local(&s.clock, s.d - Duration::days(1), 23, 59)).await;
    let expected = json!({
        "site": "main",
        "as_of": (s.d - Duration::days(1)).to_string(),
        "low_stock": [],
        "expiring": [
            lot(&s, -1, s.a1, r, "A1", [-1, -1], 5),
            lot(&s, -1, s.c1, b, "B1", [200, -1], 5),
            lot(&s, -1, s.a2, r, "A2", [0, 0], 3),
            lot(&s, -1, s.c2, b, "B1", [200, 0], 5),
        ],
        "expired": [],
        "overdue_orders": [],
        "containers_past_discard": [],
        "reaction_lots": [],
    });
    assert_eq!(v, expected, "{v:#}");

    // 00:00 local on D — still D−1 in UTC.
    let midnight = local(&s.clock, s.d, 0, 0);
    assert_eq!(
        midnight.date(),
        s.d - Duration::days(1),
        "UTC is a day behind"
    );
    let v = alerts_at(&app, midnight).await;
    assert_eq!(v, expected_on_d(&s), "{v:#}");
}

#[tokio::test]
async fn the_api_and_the_page_show_the_same_alerts_with_links() {
    let app = TestApp::new().await;
    let s = auckland(&app).await;
    let token = app.token_for(Role::Manager).await;
    let (status, v) = app.api_get(&token, "/api/v1/alerts").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v, expected_on_d(&s), "{v:#}");
    let (status, same) = app.api_get(&token, "/api/v1/alerts?site=main").await;
    assert_eq!((status, &same), (200, &v));
    let (status, e) = app.api_get(&token, "/api/v1/alerts?site=nowhere").await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "site");

    let manager = app.manager().await;
    let (status, doc) = app.page(&manager, "/alerts").await;
    assert_eq!(status, 200);
    let rows = |css: &str| attrs(&doc, css, "data-lot");
    assert_eq!(
        rows("table.expiring tbody tr"),
        [s.a2, s.c2, s.a3].map(|i| i.to_string())
    );
    assert_eq!(rows("table.expired tbody tr"), [s.a1.to_string()]);
    assert_eq!(rows("table.containers tbody tr"), [s.c1.to_string()]);
    assert_eq!(
        attrs(&doc, "table.low-stock tbody tr", "data-sku"),
        ["R-150"]
    );
    assert_eq!(
        attrs(&doc, "table.overdue-orders tbody tr", "data-order"),
        [s.o1.to_string()]
    );
    assert_eq!(
        texts(&doc, "table.expiring td.days-left"),
        ["today", "today", "in 60 days"]
    );
    assert_eq!(texts(&doc, "table.expired td.location"), ["store"]);
    assert_eq!(text(&doc, "table.low-stock td.on-order"), "20");
    // Each item links to its lot, product or order.
    for href in [
        format!("/lots/{}", s.a1),
        format!("/lots/{}", s.c1),
        format!("/products/{}", s.roller),
        format!("/orders/{}", s.o1),
    ] {
        assert!(count(&doc, &format!("main a[href='{href}']")) > 0, "{href}");
    }
    // No mail settings in the test app: the page says the digest is not sent.
    assert!(
        text(&doc, "#mail-missing").contains("E-mail is not set up"),
        "{}",
        doc.html()
    );
    // The menu badge counts 1 + 3 + 1 + 1 + 1, here and on the next page.
    assert_eq!(text(&doc, "#alerts-total"), "7");
    assert_eq!(text(&doc, "#alert-badge"), "7");
    let (_, home) = app.page(&manager, "/").await;
    assert_eq!(text(&home, "#alert-badge"), "7");
    // The dashboard's "expiring soon" leads here.
    assert_eq!(attrs(&home, "#expiring-link", "href"), ["/alerts"]);
    // A practitioner has neither the page nor the badge.
    let pr = app.practitioner().await;
    let (status, _) = app.page(&pr, "/alerts").await;
    assert_eq!(status, 403);
    let (_, home) = app.page(&pr, "/").await;
    assert_eq!(count(&home, "#alert-badge"), 0);
    assert_eq!(count(&home, "nav a[href='/alerts']"), 0);
}

#[tokio::test]
async fn a_los_angeles_lot_expires_at_local_midnight_not_utc_midnight() {
    let app = TestApp::new().await;
    let clock = app.set_zone("America/Los_Angeles").await;
    let d = clock.today(db::now());
    let roller = app.product("R-100").roller(100).create().await;
    let l1 = app.stock(&roller, "LA-1", d, "2").await;
    // 23:30 local on D is D+1 in UTC: still the last day at the site.
    let evening = local(&clock, d, 23, 30);
    assert_eq!(evening.date(), d + Duration::days(1));
    let v = alerts_at(&app, evening).await;
    assert_eq!(v["as_of"], d.to_string());
    assert_eq!(v["expired"], json!([]));
    assert_eq!(v["expiring"][0]["lot_id"], l1);
    assert_eq!(v["expiring"][0]["days_left"], 0);
    // 00:00 local on D+1: expired.
    let v = alerts_at(&app, local(&clock, d + Duration::days(1), 0, 0)).await;
    assert_eq!(v["expiring"], json!([]));
    assert_eq!(v["expired"][0]["lot_id"], l1);
    assert_eq!(v["expired"][0]["days_left"], -1);
    assert_eq!(v["expired"][0]["quantity"], 2);
}

#[tokio::test]
async fn a_site_manager_sees_only_their_sites_alerts() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // main: GLV 99 usable ≤ min 500. north: GLV 98 usable, and the opened
    // container (discard-by in 30 days) is inside the 60-day window.
    let (status, v) = app.api_get(&w.mona_token, "/api/v1/alerts").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["site"], "main");
    assert_eq!(v["low_stock"][0]["usable"], 99, "{v}");
    assert_eq!(v["expiring"], json!([]));
    let (status, e) = app
        .api_get(&w.mona_token, "/api/v1/alerts?site=north")
        .await;
    assert_eq!(status, 403, "{e}");
    let (status, v) = app
        .api_get(&w.chris_token, "/api/v1/alerts?site=north")
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["low_stock"][0]["usable"], 98, "{v}");
    assert_eq!(v["expiring"][0]["lot_id"], w.north_container, "{v}");
    assert_eq!(v["expiring"][0]["location"], "vault", "{v}");

    let (status, doc) = app.page(&w.mona, "/alerts").await;
    assert_eq!(status, 200);
    assert_eq!(attrs(&doc, "section.alerts-site", "data-site"), ["main"]);
    assert_eq!(count(&doc, "#site-switch"), 0, "nothing to pick");
    assert_eq!(text(&doc, "#alert-badge"), "1");
    let (status, _) = app.page(&w.mona, "/alerts?site=north").await;
    assert_eq!(status, 403);

    // The chain manager: every site by default, or the one picked.
    let (_, doc) = app.page(&w.chris, "/alerts").await;
    assert_eq!(
        attrs(&doc, "section.alerts-site", "data-site"),
        ["main", "north"]
    );
    assert_eq!(texts(&doc, "section.alerts-site .site-count"), ["1", "2"]);
    assert_eq!(text(&doc, "#alert-badge"), "3");
    let (_, doc) = app.page(&w.chris, "/alerts?site=north").await;
    assert_eq!(attrs(&doc, "section.alerts-site", "data-site"), ["north"]);
    assert_eq!(
        attrs(&doc, "#site-switch option[selected]", "value"),
        ["north"]
    );
}
