//! The session part of `clinic-stock demo`: protocols per indication and 90
//! days of history recorded through the real service, on top of the demo
//! clinic's stock without eating it.

use diesel::prelude::*;

use crate::support::*;
use clinic_stock::db::schema::{ledger, lots};
use clinic_stock::demo::{self, DemoOptions};

#[tokio::test]
async fn demo_loads_protocols_and_90_days_of_sessions() {
    let app = TestApp::new().await;
    let summary = app
        .with_conn(|c| demo::run(c, &DemoOptions::default()).unwrap())
        .await;
    assert!(
        summary.contains("Session history: 9 protocols"),
        "{summary}"
    );
    let t = app.token_for(Role::Manager).await;
    let (_, all) = app.api_get(&t, "/api/v1/sessions?limit=1").await;
    let total = all["total"].as_i64().unwrap();
    assert!(total > 250, "{summary}");
    let (_, v) = app.api_get(&t, "/api/v1/sessions?voided=yes").await;
    assert!(v["total"].as_i64().unwrap() > 0);
    let (_, c) = app.api_get(&t, "/api/v1/sessions?client_ref=C-1001").await;
    assert!(c["total"].as_i64().unwrap() >= 2, "a course: {c}");
    let (_, p) = app.api_get(&t, "/api/v1/protocols").await;
    let hair = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["indication"] == "hair_loss")
        .unwrap();
    assert_eq!(hair["addons"], serde_json::json!(["minoxidil"]));
    assert_eq!(hair["needle_max_mm"], serde_json::json!(1.5));
    // Sessions used the history's deliveries only; the clinic's own lots are
    // as the catalogue demo left them, and none is left quarantined by us.
    let (foreign, quarantined) = app
        .with_conn(|c| {
            let used: Vec<String> = ledger::table
                .inner_join(lots::table)
                .filter(ledger::kind.eq("consume"))
                .select(lots::lot_number)
                .distinct()
                .load(c)
                .unwrap();
            let foreign = used
                .iter()
                .filter(|l| !["-01", "-02", "-03", "-04"].iter().any(|s| l.ends_with(s)))
                .count();
            let q: i64 = lots::table
                .filter(lots::quarantined.eq(true))
                .count()
                .get_result(c)
                .unwrap();
            (foreign, q)
        })
        .await;
    assert_eq!(foreign, 0);
    assert_eq!(quarantined, 0);
    app.assert_ledger_consistent().await;
}
