//! A practitioner voids a session they logged themselves within 30
//! minutes of saving it (reason required); after that, or someone else's,
//! only a manager (issue 14 item 11). One rule (`domain::access::may_void`)
//! answers the page and the API alike.

use diesel::prelude::*;
use serde_json::json;

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;
use clinic_stock::db::schema::treatment_sessions;

async fn voided(app: &TestApp, id: i64) -> bool {
    app.with_conn(move |c| {
        treatment_sessions::table
            .find(id)
            .select(treatment_sessions::voided_at)
            .first::<Option<chrono::NaiveDateTime>>(c)
            .unwrap()
            .is_some()
    })
    .await
}

#[tokio::test]
async fn own_session_within_thirty_minutes_then_a_manager() {
    let app = TestApp::new().await;
    let roller = app.product("R15").roller(150).create().await;
    let lot = app.stock(&roller, "R15-A", days(300), "10").await;
    let pia = app.token_for(Role::Practitioner).await; // user practitioner-api
    let pia_web = app.login_as("practitioner-api", PASSWORD).await;
    let paul = app.token_for(Role::Manager).await;
    let other = {
        app.add_user("olga", Role::Practitioner).await;
        app.with_conn(|c| clinic_stock::services::accounts::create_token(c, "olga", "t").unwrap())
            .await
    };
    let new = |token: String| {
        let app = &app;
        let roller = &roller;
        async move {
            let (s, v) = app
                .post_session(&token, &new_key(), &body("C-1", 1.5, &[(roller, 1.0)]))
                .await;
            assert_eq!(s, 201, "{v}");
            v["id"].as_i64().unwrap()
        }
    };

    // Just saved: the page offers the void form and says until when.
    let fresh = new(pia.clone()).await;
    let (_, doc) = app.page(&pia_web, &format!("/sessions/{fresh}")).await;
    assert_eq!(count(&doc, "#void-form"), 1);
    assert!(text(&doc, "#void-note").contains("until"));
    // A reason is required: 422 at the field, nothing written.
    let path = format!("/sessions/{fresh}");
    let r = app
        .post_form(&pia_web, &path, &format!("{path}/void"), &[("reason", " ")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(!voided(&app, fresh).await);
    // With a reason: voided, the stock back.
    let r = app
        .post_form(
            &pia_web,
            &path,
            &format!("{path}/void"),
            &[("reason", "wrong client")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(voided(&app, fresh).await);
    assert_eq!(app.balance(lot, "store").await, 10_000);

    // 31 minutes later: the page says it is too late and shows no form; a
    // post is refused (403) with that message; the API agrees.
    let late = new(pia.clone()).await;
    app.saved_minutes_ago(late, 31).await;
    let path = format!("/sessions/{late}");
    let (_, doc) = app.page(&pia_web, &path).await;
    assert_eq!(count(&doc, "#void-form"), 0);
    assert!(
        text(&doc, "#void-note").contains("ask a manager"),
        "{}",
        text(&doc, "#void-note")
    );
    let r = app
        .post_form(
            &pia_web,
            &path,
            &format!("{path}/void"),
            &[("reason", "oops")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let doc = scraper::Html::parse_document(&r.text().await.unwrap());
    let said = text(&doc, "#void-refused");
    assert!(
        said.contains("30 minutes") && said.contains("manager"),
        "{said}"
    );
    let (s, e) = app
        .api_post(
            &pia,
            &format!("/api/v1/sessions/{late}/void"),
            &json!({"reason": "oops"}),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    assert_eq!(e["error"]["code"], "forbidden");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("30 minutes"),
        "{e}"
    );
    check_api_error(&format!("/api/v1/sessions/{late}/void"), s, &e);
    assert!(!voided(&app, late).await);
    // The manager may, any time.
    let (s, v) = app
        .api_post(
            &paul,
            &format!("/api/v1/sessions/{late}/void"),
            &json!({"reason": "late fix"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert!(voided(&app, late).await);

    // Someone else's session, even fresh: refused, page and API.
    let olgas = new(other).await;
    let path = format!("/sessions/{olgas}");
    let (_, doc) = app.page(&pia_web, &path).await;
    assert_eq!(count(&doc, "#void-form"), 0);
    let (s, e) = app
        .api_post(
            &pia,
            &format!("/api/v1/sessions/{olgas}/void"),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(s, 403, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("manager"));
    assert!(!voided(&app, olgas).await);
    app.assert_ledger_consistent().await;
}
