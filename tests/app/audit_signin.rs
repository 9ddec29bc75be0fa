//! Sign-ins in the audit log (issue 10): success, failure, lockout, a
//! throttled attempt (once a minute, not per attempt), an unlock, a logout,
//! the setup link, and an API token's first use in a quiet hour.

use diesel::prelude::*;
use serde_json::json;

use crate::audit_log::{changes, rows, rows_after};
use crate::fixtures::fixture_actor;
use crate::support::*;
use clinic_stock::db::audit::AuditRow;
use clinic_stock::domain::throttle;
use clinic_stock::services::{accounts, signin};

#[tokio::test]
async fn sign_ins_failures_lockouts_and_unlocks_are_audited() {
    let app = TestApp::new().await;
    let maria = app.add_user("maria", Role::Manager).await;
    let n = rows(&app).await.len();
    app.login_as("maria", PASSWORD).await;
    let r = app
        .login_with(&app.client(), "maria", "wrong password!")
        .await;
    assert_eq!(r.status(), 401);
    let r = app
        .login_with(&app.client(), "nobody", "wrong password!")
        .await;
    assert_eq!(r.status(), 401);
    let new = rows_after(&app, n).await;
    assert_eq!(new.len(), 3, "{new:#?}");
    assert_eq!(new[0].action, "login");
    assert_eq!(new[0].actor_id, Some(maria));
    assert_eq!(new[0].client_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(new[1].action, "login_failed");
    assert_eq!(new[1].actor_id, None);
    assert_eq!(new[1].actor_name, "maria");
    assert_eq!(new[1].entity_id, Some(maria.to_string()));
    assert_eq!(changes(&new[1]), json!({"failures": [0, 1]}));
    assert_eq!(new[2].action, "login_failed");
    assert_eq!(new[2].actor_name, "nobody");
    assert_eq!(new[2].entity_id, None);

    // The failure that reaches the limit locks, and is audited as a lockout.
    app.with_conn(|c| {
        use clinic_stock::db::schema::login_throttle::dsl::*;
        diesel::update(login_throttle.filter(subject.eq("maria")))
            .set((
                failures.eq(throttle::ACCOUNT_LOCK_AFTER - 1),
                last_failure_at.eq(clinic_stock::db::now() - chrono::Duration::hours(1)),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
    let n = rows(&app).await.len();
    let r = app
        .login_with(&app.client(), "maria", "wrong password!")
        .await;
    assert_eq!(r.status(), 401);
    // Locked: refused attempts are audited once a minute, not one row each.
    for _ in 0..3 {
        let r = app.login_with(&app.client(), "maria", PASSWORD).await;
        assert_eq!(r.status(), 429);
    }
    let new = rows_after(&app, n).await;
    let got: Vec<&str> = new.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(got, ["login_failed", "lockout", "login_throttled"]);
    assert_eq!(changes(&new[1]), json!({"locked": [false, true]}));
    let n = rows(&app).await.len();
    app.with_conn(|c| {
        let a = fixture_actor(c);
        assert!(signin::unlock(c, &a, "maria").unwrap());
    })
    .await;
    let new = rows_after(&app, n).await;
    assert_eq!(new.len(), 1);
    assert_eq!(
        (new[0].action.as_str(), new[0].actor_name.as_str()),
        ("unlock", "fixture")
    );
    assert_eq!(
        changes(&new[0]),
        json!({"failures": [throttle::ACCOUNT_LOCK_AFTER, 0], "locked": [true, false]})
    );
}

#[tokio::test]
async fn a_token_is_audited_at_its_first_use_not_at_every_request() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    for _ in 0..3 {
        let (s, _) = app.api_get(&m, "/api/v1/products").await;
        assert_eq!(s, 200);
    }
    let uses: Vec<AuditRow> = rows(&app)
        .await
        .into_iter()
        .filter(|r| r.action == "use")
        .collect();
    assert_eq!(uses.len(), 1, "{uses:#?}");
    assert_eq!(uses[0].entity, "token");
    // After a quiet hour the next use is audited again.
    app.with_conn(|c| {
        use clinic_stock::db::schema::api_tokens::dsl::*;
        diesel::update(api_tokens)
            .set(last_used_at.eq(clinic_stock::db::now() - chrono::Duration::minutes(61)))
            .execute(c)
            .unwrap();
    })
    .await;
    app.api_get(&m, "/api/v1/products").await;
    app.api_get(&m, "/api/v1/products").await;
    let uses = rows(&app)
        .await
        .iter()
        .filter(|r| r.action == "use")
        .count();
    assert_eq!(uses, 2);
}

#[tokio::test]
async fn logout_and_the_setup_link_are_audited() {
    let app = TestApp::new().await;
    let token = app
        .with_conn(|c| accounts::issue_setup_token(c).unwrap().unwrap())
        .await;
    let client = app.client();
    let path = format!("/setup/{token}");
    let r = app
        .post_form(
            &client,
            &path,
            &path,
            &[
                ("username", "boss"),
                ("password", "first admin pw"),
                ("password2", "first admin pw"),
                ("time_zone", "Pacific/Auckland"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let all = rows(&app).await;
    let got: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|r| (r.action.as_str(), r.entity.as_str(), r.actor_name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("create", "user", "(setup link)"),
            ("update", "site", "(setup link)"),
            // The setup link signs the new admin in (issue 14 item 9).
            ("login", "user", "boss")
        ]
    );
    assert_eq!(changes(&all[1])["time_zone"][1], json!("Pacific/Auckland"));
    let admin = app.login_as("boss", "first admin pw").await;
    let n = rows(&app).await.len();
    let (_, home) = app.page(&admin, "/").await;
    let csrf = Selector::parse("form[action='/logout'] input[name=csrf]").unwrap();
    let csrf = home
        .select(&csrf)
        .next()
        .unwrap()
        .value()
        .attr("value")
        .unwrap()
        .to_string();
    let r = admin
        .post(app.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let new = rows_after(&app, n).await;
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(
        (new[0].action.as_str(), new[0].actor_name.as_str()),
        ("logout", "boss")
    );
}
