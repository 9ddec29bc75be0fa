//! The usage report's daily digests (issue 16 item 4): a report stores one
//! digest per day of its window, the next report reads them, and every write
//! that changes a figure (a session, a void, a follow-up, a write-off is not
//! summed per day) forgets its day at once, so the report from digests is
//! always the report from the tables. A new time zone recomputes the days.
//! Both backends.

use diesel::prelude::*;
use serde_json::{Value, json};

use clinic_stock::db::models::Product;
use clinic_stock::db::schema::usage_days;

use crate::fixtures::days;
use crate::reports_fixtures::{UsageSession, at_days_ago, today};
use crate::sessions_fixtures::new_key;
use crate::support::*;

async fn usage(app: &TestApp, token: &str, range: &str) -> Value {
    let (s, v) = app
        .api_get(token, &format!("/api/v1/reports/usage?{range}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// The same report with every digest deleted first: from the tables alone.
async fn from_tables(app: &TestApp, token: &str, range: &str) -> Value {
    app.with_conn(|c| clinic_stock::db::usage_days::clear(c).unwrap())
        .await;
    usage(app, token, range).await
}

/// (day, time zone) of every stored digest.
async fn stored(app: &TestApp) -> Vec<(chrono::NaiveDate, String)> {
    app.with_conn(|c| {
        usage_days::table
            .select((usage_days::day, usage_days::time_zone))
            .order(usage_days::day)
            .load(c)
            .unwrap()
    })
    .await
}

struct World {
    app: TestApp,
    manager: String,
    range: String,
    roller: Product,
    serum: Product,
}

/// Four sessions over the last 29 days; the range [today − 29, today − 1].
async fn world() -> World {
    let app = TestApp::new().await;
    let manager = app.token_for(Role::Manager).await;
    let roller = app.product("R10").roller(100).cost(500).create().await;
    let serum = app.product("HA").serum().cost(150).create().await;
    app.stock(&roller, "R10-A", days(300), "40").await;
    app.stock(&serum, "HA-A", days(300), "40").await;
    for d in [3, 10, 12, 20] {
        app.usage_session(
            UsageSession::new(at_days_ago(d, 9), &[(&roller, "1"), (&serum, "2")]).needle(100),
        )
        .await;
    }
    let (from, to) = (
        today() - chrono::Duration::days(29),
        today() - chrono::Duration::days(1),
    );
    World {
        app,
        manager,
        range: format!("from={from}&to={to}"),
        roller,
        serum,
    }
}

#[tokio::test]
async fn digests_are_stored_reused_and_forgotten_by_every_write_of_their_day() {
    let World {
        app,
        manager: m,
        range,
        roller,
        serum,
    } = world().await;
    let first = usage(&app, &m, &range).await;
    assert_eq!(first["sessions"], 4);
    assert_eq!(first["consumption_cost_cents"], 4 * (500 + 300));
    assert_eq!(
        stored(&app).await.len(),
        29,
        "one digest per day of the range"
    );
    assert_eq!(
        usage(&app, &m, &range).await,
        first,
        "read back from the digests"
    );
    assert_eq!(from_tables(&app, &m, &range).await, first);

    // A session dated 15 days ago: its day and the days either side of it
    // are forgotten, the report shows it at once.
    let late = app
        .usage_session(UsageSession::new(at_days_ago(15, 9), &[(&roller, "1")]).needle(100))
        .await;
    assert_eq!(stored(&app).await.len(), 26);
    let with_late = usage(&app, &m, &range).await;
    assert_eq!(with_late["sessions"], 5);
    assert_eq!(with_late["consumption_cost_cents"], 4 * 800 + 500);
    assert_eq!(stored(&app).await.len(), 29);
    assert_eq!(from_tables(&app, &m, &range).await, with_late);

    // Voided: the report is the first one again.
    usage(&app, &m, &range).await;
    app.usage_void(late).await;
    assert_eq!(usage(&app, &m, &range).await, first);

    // A follow-up with a side effect on the session of 12 days ago.
    let day12 = (today() - chrono::Duration::days(12)).to_string();
    let id = app
        .with_conn(|c| {
            use clinic_stock::db::schema::treatment_sessions as ts;
            ts::table
                .filter(ts::voided_at.is_null())
                .order(ts::performed_at)
                .select(ts::id)
                .load::<i64>(c)
                .unwrap()
        })
        .await[1];
    let (s, v) = app
        .api_post(
            &m,
            &format!("/api/v1/sessions/{id}/follow-ups"),
            &json!({"observed_on": day12, "side_effects": ["milia"], "severity": "mild"}),
        )
        .await;
    assert!(s == 200 || s == 201, "{s} {v}");
    let with_follow_up = usage(&app, &m, &range).await;
    assert_eq!(
        with_follow_up["side_effects"]["total"]["at_follow_up"], 1,
        "{}",
        with_follow_up["side_effects"]
    );
    assert_eq!(from_tables(&app, &m, &range).await, with_follow_up);

    // A session through the API today is outside the range: the range's
    // digests stay, the report is unchanged.
    let practitioner = app.token_for(Role::Practitioner).await;
    let body = crate::sessions_fixtures::body("C-9", 1.0, &[(&serum, 1.0)]);
    let (s, v) = app.post_session(&practitioner, &new_key(), &body).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(usage(&app, &m, &range).await, with_follow_up);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_new_time_zone_computes_the_days_again() {
    let World {
        app,
        manager: m,
        range,
        roller,
        ..
    } = world().await;
    // 23:00 UTC five days ago: that day in UTC, the next one in Auckland.
    app.usage_session(UsageSession::new(at_days_ago(5, 23), &[(&roller, "1")]).needle(100))
        .await;
    let utc = usage(&app, &m, &range).await;
    let on = |v: &Value, days_ago: i64| {
        let date = (today() - chrono::Duration::days(days_ago)).to_string();
        v["sessions_per_day"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["date"] == date.as_str())
            .map(|d| d["sessions"].as_i64().unwrap())
            .unwrap_or(-1)
    };
    let zone = app
        .with_conn(|c| {
            use clinic_stock::db::schema::sites;
            sites::table
                .filter(sites::code.eq("main"))
                .select(sites::time_zone)
                .first::<String>(c)
                .unwrap()
        })
        .await;
    assert_eq!(zone, "UTC", "the fixture site keeps UTC");
    assert_eq!((on(&utc, 5), on(&utc, 4)), (1, 0));

    app.with_conn(|c| {
        use clinic_stock::db::schema::sites;
        diesel::update(sites::table.filter(sites::code.eq("main")))
            .set(sites::time_zone.eq("Pacific/Auckland"))
            .execute(c)
            .unwrap()
    })
    .await;
    let auckland = usage(&app, &m, &range).await;
    assert_eq!((on(&auckland, 5), on(&auckland, 4)), (0, 1));
    assert!(
        stored(&app)
            .await
            .iter()
            .all(|(_, z)| z == "Pacific/Auckland"),
        "the range's digests were replaced"
    );
    assert_eq!(from_tables(&app, &m, &range).await, auckland);
}
