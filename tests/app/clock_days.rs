//! The site's day (issue 11): use-by dates, "today", report windows and
//! per-day figures follow the site's IANA time zone, not UTC. Boundary
//! cases at Pacific/Auckland (ahead of UTC), America/Los_Angeles (behind)
//! and across daylight-saving changes, on both backends.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::db;
use clinic_stock::domain::clock::SiteClock;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn z(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl TestApp {
    /// Sets the time zone of site `main` through the API (as an admin).
    pub async fn set_zone(&self, zone: &str) -> SiteClock {
        let admin = self
            .with_conn(|c| {
                if db::users::by_username(c, "zone-admin").unwrap().is_none() {
                    clinic_stock::services::accounts::create_user(
                        c,
                        &clinic_stock::services::accounts::NewUser {
                            username: "zone-admin".into(),
                            password: PASSWORD.into(),
                            role: "admin".into(),
                            site: None,
                            ..Default::default()
                        },
                    )
                    .unwrap();
                }
                clinic_stock::services::accounts::create_token(c, "zone-admin", "zone").unwrap()
            })
            .await;
        let (status, site) = self
            .api_send(
                reqwest::Method::PATCH,
                &admin,
                "/api/v1/sites/main",
                &json!({ "time_zone": zone }),
                None,
            )
            .await;
        assert_eq!(status, 200, "{site}");
        assert_eq!(site["time_zone"], zone);
        SiteClock::parse(zone).unwrap()
    }
}

/// One roller at `performed_at` (text as sent), optionally from a named lot.
fn session(performed_at: &str, product_id: i64, lot_id: Option<i64>) -> Value {
    let mut line = json!({"product_id": product_id, "quantity": 1});
    if let Some(l) = lot_id {
        line["lot_id"] = json!(l);
    }
    json!({
        "site": "main",
        "client_ref": "C-2001",
        "needle_length_mm": 1.5,
        "performed_at": performed_at,
        "lines": [line],
    })
}

#[tokio::test]
async fn an_auckland_lot_is_usable_to_the_last_local_minute_of_its_expiry_day() {
    let app = TestApp::new().await;
    let clock = app.set_zone("Pacific/Auckland").await;
    let d = clock.today(db::now()) - Duration::days(2);
    let roller = app.product("R-150").roller(150).create().await;
    let lot = app.stock(&roller, "AK-1", d, "10").await;
    let pr = app.token_for(Role::Practitioner).await;

    // 23:59 local on D (typed without an offset: the site's time).
    let (status, s) = app
        .post_session(
            &pr,
            &new_key(),
            &session(&format!("{d}T23:59"), roller.id, None),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["local_date"], d.to_string());
    assert_eq!(s["lines"][0]["allocations"][0]["lot_id"], lot);
    let at = clock.to_utc(d.and_hms_opt(23, 59, 0).unwrap()).unwrap();
    assert_eq!(s["performed_at"], z(at), "stored and answered in UTC");

    // 00:00 local on D+1 is still day D in UTC, and the lot has expired.
    let midnight = clock
        .to_utc((d + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap())
        .unwrap();
    assert_eq!(midnight.date(), d, "UTC still shows the expiry day");
    let (status, e) = app
        .post_session(&pr, &new_key(), &session(&z(midnight), roller.id, None))
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "insufficient_stock");
    let (status, e) = app
        .post_session(
            &pr,
            &new_key(),
            &session(
                &format!("{}T00:00", d + Duration::days(1)),
                roller.id,
                Some(lot),
            ),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "lot_expired");
    assert_eq!(app.session_rows().await.0, 1, "refusals write nothing");
    assert_eq!(app.balance(lot, "store").await, 9_000);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_los_angeles_lot_is_usable_on_its_local_evening_though_utc_is_a_day_on() {
    let app = TestApp::new().await;
    let clock = app.set_zone("America/Los_Angeles").await;
    let d = clock.today(db::now()) - Duration::days(3);
    let roller = app.product("R-150").roller(150).create().await;
    let lot = app.stock(&roller, "LA-1", d, "10").await;
    let pr = app.token_for(Role::Practitioner).await;

    // 23:59 local on D is already D+1 in UTC: still usable at the site.
    let evening = clock.to_utc(d.and_hms_opt(23, 59, 0).unwrap()).unwrap();
    assert_eq!(evening.date(), d + Duration::days(1));
    let (status, s) = app
        .post_session(&pr, &new_key(), &session(&z(evening), roller.id, Some(lot)))
        .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["local_date"], d.to_string());

    // 00:00 local on D+1: expired.
    let (status, e) = app
        .post_session(
            &pr,
            &new_key(),
            &session(
                &format!("{}T00:00:00", d + Duration::days(1)),
                roller.id,
                None,
            ),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["error"]["code"], "insufficient_stock");
    assert_eq!(app.balance(lot, "store").await, 9_000);
}

#[tokio::test]
async fn today_is_the_sites_day_for_stock_and_live_sessions() {
    let app = TestApp::new().await;
    // Whatever the hour, one of these zones is on another calendar day than UTC.
    let now = db::now();
    let utc_today = now.date();
    let ahead = SiteClock::parse("Pacific/Kiritimati").unwrap(); // UTC+14
    let zone = if ahead.today(now) != utc_today {
        "Pacific/Kiritimati"
    } else {
        "Pacific/Pago_Pago" // UTC−11
    };
    let clock = app.set_zone(zone).await;
    let local_today = clock.today(now);
    assert_ne!(local_today, utc_today);
    // A lot on the use-by boundary: expired at the site when the site is a
    // day ahead, still usable when it is a day behind.
    let expiry = utc_today.min(local_today);
    let usable_at_site = expiry >= local_today;
    let roller = app.product("R-150").roller(150).create().await;
    let lot = app.stock(&roller, "B-1", expiry, "4").await;
    let m = app.token_for(Role::Manager).await;
    let (_, stock) = app
        .api_get(&m, &format!("/api/v1/stock?product_id={}", roller.id))
        .await;
    let (usable, expired) = if usable_at_site { (4, 0) } else { (0, 4) };
    assert_eq!(
        stock["items"][0]["usable"],
        json!(usable),
        "{zone}: {stock}"
    );
    assert_eq!(
        stock["items"][0]["expired"],
        json!(expired),
        "{zone}: {stock}"
    );
    let (_, l) = app.api_get(&m, &format!("/api/v1/lots/{lot}")).await;
    assert_eq!(l["expired"], json!(!usable_at_site));

    // A session logged now allocates (or refuses) by the site's day.
    let pr = app.token_for(Role::Practitioner).await;
    let mut body = session("", roller.id, None);
    body.as_object_mut().unwrap().remove("performed_at");
    let (status, s) = app.post_session(&pr, &new_key(), &body).await;
    if usable_at_site {
        assert_eq!(status, 201, "{s}");
        assert_eq!(s["local_date"], local_today.to_string());
    } else {
        assert_eq!(status, 409, "{s}");
    }
    // The dashboard's write-off takes exactly what the site's day calls expired.
    let web = app.manager().await;
    // (Issue 14: the button lists first; the list's button writes off.)
    match crate::workflow_traps::confirm_write_off(&app, &web, "main").await {
        Ok(r) => assert_eq!(r.status(), 303),
        Err(_) => assert!(usable_at_site, "{zone}: the expired lot is listed"),
    }
    let left = if usable_at_site { 3_000 } else { 0 };
    assert_eq!(app.balance(lot, "store").await, left);
    app.assert_ledger_consistent().await;
}

/// `sessions_per_day` of the usage API as (date, sessions).
async fn per_day(app: &TestApp, token: &str, from: &str, to: &str) -> Vec<(String, i64)> {
    let (status, r) = app
        .api_get(
            token,
            &format!("/api/v1/reports/usage?site=main&from={from}&to={to}"),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    r["sessions_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["sessions"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_late_evening_session_counts_on_the_local_day() {
    let app = TestApp::new().await;
    let clock = app.set_zone("America/Los_Angeles").await;
    let x = clock.today(db::now()) - Duration::days(4);
    let roller = app.product("R-150").roller(150).create().await;
    app.stock(&roller, "LA-2", x + Duration::days(400), "10")
        .await;
    let pr = app.token_for(Role::Practitioner).await;
    let (status, s) = app
        .post_session(
            &pr,
            &new_key(),
            &session(&format!("{x}T23:30"), roller.id, None),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let at = clock.to_utc(x.and_hms_opt(23, 30, 0).unwrap()).unwrap();
    assert_eq!(at.date(), x + Duration::days(1), "the next day in UTC");

    let m = app.token_for(Role::Manager).await;
    let next = x + Duration::days(1);
    assert_eq!(
        per_day(&app, &m, &x.to_string(), &next.to_string()).await,
        vec![(x.to_string(), 1), (next.to_string(), 0)]
    );
    let (_, r) = app
        .api_get(
            &m,
            &format!("/api/v1/reports/usage?site=main&from={next}&to={next}"),
        )
        .await;
    assert_eq!(r["sessions"], 0, "not on the UTC day: {r}");
    let (_, r) = app
        .api_get(
            &m,
            &format!("/api/v1/reports/usage?site=main&from={x}&to={x}"),
        )
        .await;
    assert_eq!(r["sessions"], 1);
    assert_eq!(r["by_product"][0]["quantity"], 1);
    // The session list's dates are local days too.
    let (_, list) = app
        .api_get(&m, &format!("/api/v1/sessions?site=main&from={x}&to={x}"))
        .await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["local_date"], x.to_string());
    let (_, list) = app
        .api_get(
            &m,
            &format!("/api/v1/sessions?site=main&from={next}&to={next}"),
        )
        .await;
    assert_eq!(list["total"], 0, "{list}");
}

#[tokio::test]
async fn report_windows_across_daylight_saving_changes_have_their_days() {
    let app = TestApp::new().await;
    // Los Angeles left daylight saving time at 02:00 on 2026-11-01 (a
    // 25-hour day); London started it on 2026-03-29 (23 hours).
    app.set_zone("America/Los_Angeles").await;
    let roller = app.product("R-150").roller(150).create().await;
    app.stock(&roller, "DST-1", day("2028-01-01"), "50").await;
    let pr = app.token_for(Role::Practitioner).await;
    for at in [
        "2026-10-28T23:50", // before the reorder window
        "2026-10-29T00:10", // first minute of the window
        "2026-11-01T23:30", // the long day, 07:30 UTC on 11-02
        "2026-11-02T00:30",
        "2026-11-04T23:30", // last day of the window, UTC 11-05
        "2026-11-05T00:10", // the as_of day: outside [as_of − 7, as_of)
    ] {
        let (status, s) = app
            .post_session(&pr, &new_key(), &session(at, roller.id, None))
            .await;
        assert_eq!(status, 201, "{at}: {s}");
    }
    let m = app.token_for(Role::Manager).await;
    let days = per_day(&app, &m, "2026-10-28", "2026-11-04").await;
    assert_eq!(days.len(), 8, "{days:?}");
    let count = |d: &str| days.iter().find(|(x, _)| x == d).map(|(_, n)| *n);
    assert_eq!(count("2026-10-28"), Some(1));
    assert_eq!(count("2026-10-29"), Some(1));
    assert_eq!(count("2026-11-01"), Some(1));
    assert_eq!(count("2026-11-02"), Some(1));
    assert_eq!(count("2026-11-04"), Some(1));
    // The weekly buckets hold every session of the range.
    let (_, r) = app
        .api_get(
            &m,
            "/api/v1/reports/usage?site=main&from=2026-10-28&to=2026-11-04",
        )
        .await;
    let weekly: i64 = r["weekly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["amount"]["quantity"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(weekly, 5, "{r}");
    // The reorder window is 7 local days [10-29, 11-05).
    let (status, rep) = app
        .api_get(
            &m,
            "/api/v1/reports/reorder?site=main&as_of=2026-11-05&window=7",
        )
        .await;
    assert_eq!(status, 200, "{rep}");
    let row = rep["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["product_id"] == roller.id)
        .unwrap()
        .clone();
    assert_eq!(row["consumed"], 4, "{row}");

    // Spring forward: London's 2026-03-29 has 23 hours.
    app.set_zone("Europe/London").await;
    for at in ["2026-03-29T23:30", "2026-03-30T00:30", "2026-03-28T23:30"] {
        let (status, s) = app
            .post_session(&pr, &new_key(), &session(at, roller.id, None))
            .await;
        assert_eq!(status, 201, "{at}: {s}");
    }
    let days = per_day(&app, &m, "2026-03-27", "2026-03-31").await;
    assert_eq!(
        days,
        vec![
            ("2026-03-27".into(), 0),
            ("2026-03-28".into(), 1),
            ("2026-03-29".into(), 1),
            ("2026-03-30".into(), 1),
            ("2026-03-31".into(), 0),
        ]
    );
    // A time the clocks skipped is refused at its field.
    let (status, e) = app
        .post_session(
            &pr,
            &new_key(),
            &session("2026-03-29T01:30", roller.id, None),
        )
        .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "performed_at");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn sites_carry_a_time_zone_and_bad_zones_are_refused() {
    let app = TestApp::new().await;
    let admin = app.token_for(Role::Admin).await;
    let (_, list) = app.api_get(&admin, "/api/v1/sites").await;
    assert_eq!(list["items"][0]["time_zone"], "UTC");
    let (status, e) = app
        .api_send(
            reqwest::Method::PATCH,
            &admin,
            "/api/v1/sites/main",
            &json!({"time_zone": "Mars/Olympus_Mons", "phone": "+64 9 555 0142"}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "time_zone");
    let (status, e) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &json!({"code": "north", "name": "North", "time_zone": "Nowhere"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["error"]["field"], "time_zone");
    let (_, list) = app.api_get(&admin, "/api/v1/sites").await;
    assert_eq!(list["total"], 1, "nothing saved");
    assert_eq!(list["items"][0]["phone"], Value::Null, "nothing saved");
    let (status, s) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &json!({"code": "north", "name": "North", "time_zone": "Pacific/Auckland"}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["time_zone"], "Pacific/Auckland");
    // Without a zone a new site takes the default site's.
    app.set_zone("Europe/Dublin").await;
    let (_, s) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &json!({"code": "east", "name": "East"}),
        )
        .await;
    assert_eq!(s["time_zone"], "Europe/Dublin");
    let pr = app.token_for(Role::Practitioner).await;
    let (status, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &pr,
            "/api/v1/sites/main",
            &json!({"time_zone": "UTC"}),
            None,
        )
        .await;
    assert_eq!(status, 403);
}
