//! Follow-ups of sessions (issue 15.1): side effects noticed after a
//! session, recorded through the API and the session page, listed with the
//! session and in the client's history. Bad input is a 422 at its field
//! with nothing written; another site's session is 404; a void session
//! takes none (409); the session row itself never changes.

use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;
use clinic_stock::db::{self, schema::follow_ups};

impl TestApp {
    /// How many follow-up rows there are.
    async fn follow_up_rows(&self) -> i64 {
        self.with_conn(|c| follow_ups::table.count().get_result::<i64>(c).unwrap())
            .await
    }

    /// The session row as stored (Debug text: every column).
    async fn session_row(&self, id: i64) -> String {
        self.with_conn(move |c| format!("{:?}", db::sessions::by_id(c, id).unwrap().unwrap()))
            .await
    }

    /// One roller session for client `client` (optionally at `performed_at`); its id.
    async fn roller_session(&self, token: &str, client: &str, performed_at: Option<String>) -> i64 {
        let roller = self.product("RL-150").roller(150).create().await;
        self.stock(&roller, &format!("R-{client}"), days(200), "5")
            .await;
        let mut b = body(client, 1.5, &[(&roller, 1.0)]);
        if let Some(t) = performed_at {
            b["performed_at"] = json!(t);
        }
        let (s, r) = self.post_session(token, &new_key(), &b).await;
        assert_eq!(s, 201, "{r}");
        r["id"].as_i64().unwrap()
    }
}

fn utc_today() -> NaiveDate {
    Utc::now().date_naive()
}

async fn post_follow_up(app: &TestApp, token: &str, id: i64, b: &Value) -> (u16, Value) {
    app.api_post(token, &format!("/api/v1/sessions/{id}/follow-ups"), b)
        .await
}

#[tokio::test]
async fn the_api_records_a_follow_up_and_the_session_lists_it() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let id = app.roller_session(&t, "C-3001", None).await;
    let before = app.session_row(id).await;
    let today = utc_today().to_string();
    let (s, f) = post_follow_up(
        &app,
        &t,
        id,
        &json!({"observed_on": today, "side_effects": ["milia", "other", "redness"],
                "side_effect_other": "itching", "severity": "moderate",
                "note": "small milia on the cheeks"}),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    assert!(f["id"].as_i64().unwrap() > 0);
    assert_eq!(f["session_id"], json!(id));
    assert_eq!(f["observed_on"], json!(today));
    assert_eq!(f["side_effects"], json!(["redness", "milia", "other"]));
    assert_eq!(f["side_effect_other"], "itching");
    assert_eq!(f["severity"], "moderate");
    assert_eq!(f["note"], "small milia on the cheeks");
    assert_eq!(f["recorded_by"], "practitioner-api");
    let created = f["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z'), "{created}");
    chrono::DateTime::parse_from_rfc3339(created).unwrap();

    let (s, v) = app.api_get(&t, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["follow_ups"], json!([f]));
    assert_eq!(
        v["side_effects"],
        json!([]),
        "the session itself is not edited"
    );
    assert_eq!(app.session_row(id).await, before);
    assert_eq!(app.follow_up_rows().await, 1);
    // The change is in the audit log.
    let audited = app
        .with_conn(|c| {
            use clinic_stock::db::schema::audit_log;
            audit_log::table
                .filter(audit_log::entity.eq("follow_up"))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert_eq!(audited, 1);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn bad_follow_ups_are_refused_at_their_field_and_write_nothing() {
    let app = TestApp::new().await;
    let clock = app.set_zone("Pacific/Auckland").await;
    let t = app.token_for(Role::Practitioner).await;
    // 23:30 UTC three days ago is already the next day in Auckland.
    let utc_day = utc_today() - Duration::days(3);
    let at = utc_day.and_hms_opt(23, 30, 0).unwrap();
    let id = app
        .roller_session(
            &t,
            "C-3002",
            Some(format!("{}Z", at.format("%Y-%m-%dT%H:%M:%S"))),
        )
        .await;
    let session_day = clock.local_date(at);
    assert_eq!(session_day, utc_day + Duration::days(1));
    let local_today = clock.today(Utc::now().naive_utc());
    let before = app.session_row(id).await;
    let good = json!({"observed_on": session_day.to_string(), "side_effects": ["scabbing"],
                      "severity": "mild"});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let cases = [
        (
            "before the session's local day",
            with("observed_on", json!(utc_day.to_string())),
            "observed_on",
        ),
        (
            "after the site's today",
            with(
                "observed_on",
                json!((local_today + Duration::days(1)).to_string()),
            ),
            "observed_on",
        ),
        (
            "not a date",
            with("observed_on", json!("next week")),
            "observed_on",
        ),
        ("no date", with("observed_on", Value::Null), "observed_on"),
        (
            "unknown effect",
            with("side_effects", json!(["scabbing", "itching"])),
            "side_effects",
        ),
        ("no effect", with("side_effects", json!([])), "side_effects"),
        (
            "other without text",
            with("side_effects", json!(["other"])),
            "side_effect_other",
        ),
        (
            "unknown severity",
            with("severity", json!("awful")),
            "severity",
        ),
        ("no severity", with("severity", Value::Null), "severity"),
        (
            "note too long",
            with("note", json!("x".repeat(1001))),
            "note",
        ),
    ];
    for (what, b, field) in cases {
        let (s, e) = post_follow_up(&app, &t, id, &b).await;
        assert_eq!(s, 422, "{what}: {e}");
        assert_eq!(e["error"]["field"], field, "{what}: {e}");
        assert_eq!(app.follow_up_rows().await, 0, "{what}");
    }
    // A control character in the note.
    let (s, e) = post_follow_up(&app, &t, id, &with("note", json!("bell\u{7}"))).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["field"], "note");
    // Not JSON at all: 400.
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/sessions/{id}/follow-ups")))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{\"observed_on\":")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    // No such session: 404.
    let (s, e) = post_follow_up(&app, &t, id + 1000, &good).await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(app.follow_up_rows().await, 0);

    // The site's today (Auckland) and the session's local day are accepted.
    let (s, f) = post_follow_up(
        &app,
        &t,
        id,
        &with("observed_on", json!(local_today.to_string())),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let (s, f) = post_follow_up(&app, &t, id, &good).await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(app.follow_up_rows().await, 2);

    // A void session takes no follow-up.
    let m = app.token_for(Role::Manager).await;
    let (s, v) = app
        .api_post(
            &m,
            &format!("/api/v1/sessions/{id}/void"),
            &json!({"reason": "wrong client"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let voided = app.session_row(id).await;
    let (s, e) = post_follow_up(&app, &t, id, &good).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "session_voided");
    assert_eq!(app.follow_up_rows().await, 2);
    assert_eq!(app.session_row(id).await, voided);
    assert_ne!(voided, before, "voiding did change the row");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn another_sites_session_is_hidden_from_a_bound_user() {
    let app = TestApp::new().await;
    let w = crate::access_sites_world::world(&app).await;
    let before = app.session_row(w.north_session).await;
    let b = json!({"observed_on": utc_today().to_string(), "side_effects": ["redness"],
                   "severity": "mild"});
    let (s, e) = post_follow_up(&app, &w.pia_token, w.north_session, &b).await;
    assert_eq!(s, 404, "{e}");
    let path = format!("/sessions/{}", w.main_session);
    let action = format!("/sessions/{}/follow-ups", w.north_session);
    let r = app
        .post_form(
            &w.pia,
            &path,
            &action,
            &[
                ("observed_on", &utc_today().to_string()),
                ("side_effects", "redness"),
                ("severity", "mild"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(app.follow_up_rows().await, 0);
    assert_eq!(app.session_row(w.north_session).await, before);
    // Pia's own site's session takes one; the chain manager reaches north.
    let (s, f) = post_follow_up(&app, &w.pia_token, w.main_session, &b).await;
    assert_eq!(s, 201, "{f}");
    let (s, f) = post_follow_up(&app, &w.chris_token, w.north_session, &b).await;
    assert_eq!(s, 201, "{f}");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn the_session_page_form_records_and_shows_follow_ups() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Admin).await;
    let id = app.roller_session(&t, "C-3003", None).await;
    let before = app.session_row(id).await;
    let client = app.practitioner().await;
    let path = format!("/sessions/{id}");
    let today = utc_today().to_string();

    let (s, doc) = app.page(&client, &path).await;
    assert_eq!(s, 200);
    assert_eq!(
        text(&doc, "#no-follow-ups"),
        "No side effects recorded since the session."
    );
    let html = doc.html();
    assert_eq!(
        input_value(&html, "observed_on").as_deref(),
        Some(today.as_str())
    );
    assert_eq!(
        count(&doc, "#follow-up-form input[type=radio][name=severity]"),
        3
    );
    assert_eq!(
        count(
            &doc,
            "#follow-up-form input[type=checkbox][name=side_effects]"
        ),
        6
    );

    // A refusal keeps what was typed and says where.
    let action = format!("/sessions/{id}/follow-ups");
    let r = app
        .post_form(
            &client,
            &path,
            &action,
            &[
                ("observed_on", &today),
                ("side_effects", "milia"),
                ("side_effects", "other"),
                ("side_effect_other", ""),
                ("severity", "awful"),
                ("note", "seen at the check-up"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&doc, "small.field-error[data-field=severity]"), 1);
    assert_eq!(
        count(&doc, "small.field-error[data-field=side_effect_other]"),
        1
    );
    assert_eq!(
        text(&doc, "#follow-up-form textarea[name=note]"),
        "seen at the check-up"
    );
    assert_eq!(
        count(&doc, "#follow-up-form input[value=milia][checked]"),
        1
    );
    assert_eq!(
        count(&doc, "#follow-up-form input[value=other][checked]"),
        1
    );
    assert_eq!(count(&doc, "details#record-follow-up[open]"), 1);
    assert_eq!(app.follow_up_rows().await, 0);

    // A day before the session: 422 at the date.
    let yesterday = (utc_today() - Duration::days(1)).to_string();
    let r = app
        .post_form(
            &client,
            &path,
            &action,
            &[
                ("observed_on", &yesterday),
                ("side_effects", "milia"),
                ("severity", "mild"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&doc, "small.field-error[data-field=observed_on]"), 1);
    assert_eq!(app.follow_up_rows().await, 0);

    let r = app
        .post_form(
            &client,
            &path,
            &action,
            &[
                ("observed_on", &today),
                ("side_effects", "milia"),
                ("side_effects", "other"),
                ("side_effect_other", "itching"),
                ("severity", "severe"),
                ("note", "seen at the check-up"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers().get("location").unwrap().to_str().unwrap(),
        format!("/sessions/{id}#follow-ups")
    );
    let (_, doc) = app.page(&client, &path).await;
    assert_eq!(count(&doc, "#follow-up-list tr.follow-up"), 1);
    assert_eq!(text(&doc, "#follow-up-list td.when"), today);
    assert_eq!(
        text(&doc, "#follow-up-list td.effects"),
        "Milia, other: itching"
    );
    assert_eq!(text(&doc, "#follow-up-list td.severity"), "Severe");
    assert_eq!(
        text(&doc, "#follow-up-list td.note"),
        "seen at the check-up"
    );
    assert_eq!(text(&doc, "#follow-up-list td.by"), "practitioner1");
    assert!(doc.html().contains("Follow-up of"), "the flash");
    assert_eq!(app.session_row(id).await, before);

    // The client history: count, worst severity, effects, and the link.
    let (s, doc) = app.page(&client, "/clients/C-3003").await;
    assert_eq!(s, 200);
    let row = format!("#history tr[data-session=\"{id}\"]");
    assert_eq!(text(&doc, &format!("{row} .fu-count")), "1");
    assert_eq!(text(&doc, &format!("{row} .fu-worst")), "severe");
    assert_eq!(
        text(&doc, &format!("{row} .fu-effects")),
        "Milia, other: itching"
    );
    let links =
        crate::access_sites_world::attrs(&doc, &format!("{row} a.record-follow-up"), "href");
    assert_eq!(links, vec![format!("/sessions/{id}#record-follow-up")]);
    app.assert_ledger_consistent().await;
}
