//! Times on pages are the site's local times, labelled with the zone
//! (issue 11.1): the session page, the session list, the client history,
//! the ledger, the lot page and the recall page show a Pacific/Auckland
//! session at its local time and day, never the UTC one.

use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::db;

/// "2026-11-30 09:15 NZDT"-style text of a UTC instant at the site.
fn shown(clock: &clinic_stock::domain::clock::SiteClock, t: NaiveDateTime) -> String {
    clock.format(t)
}

#[tokio::test]
async fn pages_show_a_session_at_the_sites_local_time() {
    let app = TestApp::new().await;
    let clock = app.set_zone("Pacific/Auckland").await;
    // 09:15 local yesterday: in UTC it is the day before (20:15 or 21:15).
    let day = clock.today(db::now()) - Duration::days(1);
    let local = day.and_hms_opt(9, 15, 0).unwrap();
    let utc = clock.to_utc(local).unwrap();
    assert_ne!(utc.date(), day, "the UTC day differs");
    let roller = app.product("R-150").roller(150).create().await;
    let lot = app
        .stock(&roller, "NZ-1", day + Duration::days(400), "10")
        .await;
    let pr = app.token_for(Role::Practitioner).await;
    let (status, s) = app
        .post_session(
            &pr,
            &new_key(),
            &json!({
                "site": "main",
                "client_ref": "C-77",
                "needle_length_mm": 1.5,
                "performed_at": format!("{}", local.format("%Y-%m-%dT%H:%M")),
                "lines": [{"product_id": roller.id, "quantity": 1}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    let expected = shown(&clock, utc);
    assert!(
        expected.starts_with(&format!("{day} 09:15 NZ")),
        "{expected}"
    );

    let manager = app.manager().await;
    let (status, doc) = app.page(&manager, &format!("/sessions/{id}")).await;
    assert_eq!(status, 200);
    let head = text(&doc, "hgroup p");
    assert!(head.contains(&expected), "session page: {head}");
    assert!(!head.contains("UTC"), "{head}");

    let (_, doc) = app
        .page(&manager, &format!("/sessions?from={day}&to={day}"))
        .await;
    let times = texts(&doc, "table tbody tr td:first-child");
    assert!(
        times.iter().any(|t| t.contains(&expected)),
        "session list (the local day's filter finds it): {times:?}"
    );

    let (_, doc) = app.page(&manager, "/clients/C-77").await;
    assert_eq!(text(&doc, "#history td.when"), expected);
    let summary = text(&doc, "hgroup p");
    assert!(summary.contains(&day.to_string()), "{summary}");

    let (_, doc) = app
        .page(&manager, &format!("/ledger?lot_id={lot}&kind=consume"))
        .await;
    let cells = texts(&doc, "table tbody tr td:first-child");
    assert!(cells.contains(&expected), "ledger: {cells:?}");

    let (_, doc) = app.page(&manager, &format!("/lots/{lot}")).await;
    let body = doc.root_element().text().collect::<String>();
    assert!(body.contains(&expected), "lot page shows the local time");

    let (_, doc) = app.page(&manager, "/recall?lot=NZ-1").await;
    let body = doc.root_element().text().collect::<String>();
    assert!(body.contains(&expected), "recall page shows the local time");
    app.assert_ledger_consistent().await;
}
