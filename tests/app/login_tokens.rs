//! Lifetimes (issue 10): login sessions end after the idle timeout and the
//! absolute lifetime (admin settings); API tokens can be listed, revoked,
//! given an expiry, show their last use; a password reset and disabling a
//! user revoke their tokens and sessions, and re-enabling brings nothing back.

use std::process::Command;

use crate::support::*;
use clinic_stock::services::settings::{SESSION_IDLE_MINUTES, SESSION_MAX_HOURS};
use diesel::prelude::*;

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clinic-stock"))
        .args(["--database-url", &app.db.url])
        .args(args)
        .output()
        .unwrap()
}

/// Moves the login sessions' start and last activity into the past.
async fn age_sessions(app: &TestApp, started_secs_ago: i64, seen_secs_ago: i64) {
    app.with_conn(move |c| {
        use clinic_stock::db::schema::login_sessions::dsl::*;
        let now = clinic_stock::db::now();
        diesel::update(login_sessions)
            .set((
                created_at.eq(now - chrono::Duration::seconds(started_secs_ago)),
                last_seen_at.eq(Some(now - chrono::Duration::seconds(seen_secs_ago))),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
}

async fn session_count(app: &TestApp) -> i64 {
    app.with_conn(|c| {
        use clinic_stock::db::schema::login_sessions::dsl::*;
        login_sessions.count().get_result::<i64>(c).unwrap()
    })
    .await
}

async fn is_logged_in(app: &TestApp, client: &reqwest::Client) -> bool {
    let r = client.get(app.url("/")).send().await.unwrap();
    r.status() == 200
}

#[tokio::test]
async fn a_session_ends_after_the_idle_timeout() {
    let app = TestApp::new().await;
    app.add_user("pia", Role::Practitioner).await;
    let client = app.login_as("pia", PASSWORD).await;
    assert!(is_logged_in(&app, &client).await);
    // 29 minutes idle: still in, and the activity is noted.
    age_sessions(&app, 3600, (SESSION_IDLE_MINUTES - 1) * 60).await;
    assert!(is_logged_in(&app, &client).await);
    let seen = app
        .with_conn(|c| {
            use clinic_stock::db::schema::login_sessions::dsl::*;
            login_sessions
                .select(last_seen_at)
                .first::<Option<chrono::NaiveDateTime>>(c)
                .unwrap()
                .unwrap()
        })
        .await;
    assert!(clinic_stock::db::now() - seen < chrono::Duration::seconds(60));
    // 30 minutes idle: out, and the session row is gone.
    age_sessions(&app, 3600, SESSION_IDLE_MINUTES * 60).await;
    let r = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(session_count(&app).await, 0);
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime_however_active() {
    let app = TestApp::new().await;
    app.add_user("pia", Role::Practitioner).await;
    let client = app.client();
    let r = app.login_with(&client, "pia", PASSWORD).await;
    assert_eq!(r.status(), 303);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("cs_session="))
        .unwrap();
    assert!(
        cookie.contains(&format!("Max-Age={}", SESSION_MAX_HOURS * 3600)),
        "{cookie}"
    );
    age_sessions(&app, SESSION_MAX_HOURS * 3600 - 60, 0).await;
    assert!(is_logged_in(&app, &client).await);
    age_sessions(&app, SESSION_MAX_HOURS * 3600, 0).await;
    assert!(!is_logged_in(&app, &client).await);
    assert_eq!(session_count(&app).await, 0);
}

#[tokio::test]
async fn the_lifetimes_are_admin_settings() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (status, doc) = app.page(&admin, "/admin/settings").await;
    assert_eq!(status, 200);
    let value = |doc: &Html, name: &str| {
        let sel = Selector::parse(&format!("input[name={name}]")).unwrap();
        doc.select(&sel)
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(value(&doc, "session_idle_minutes"), "30");
    assert_eq!(value(&doc, "session_max_hours"), "12");
    let base = [
        ("clinic_name", "Our clinic"),
        ("currency", "EUR"),
        ("expiring_window_days", "60"),
        ("safety_days", "14"),
        ("cover_days", "30"),
    ];
    // Out of range: refused, nothing saved.
    let mut bad = base.to_vec();
    bad.extend([("session_idle_minutes", "0"), ("session_max_hours", "9999")]);
    let r = app
        .post_form(&admin, "/admin/settings", "/admin/settings", &bad)
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&doc, "[data-field=session_idle_minutes]"), 1);
    assert_eq!(count(&doc, "[data-field=session_max_hours]"), 1);
    let stored = app
        .with_conn(|c| clinic_stock::services::settings::load(c).unwrap())
        .await;
    assert_eq!(stored.session_idle_minutes, 30);

    let mut good = base.to_vec();
    good.extend([("session_idle_minutes", "5"), ("session_max_hours", "2")]);
    let r = app
        .post_form(&admin, "/admin/settings", "/admin/settings", &good)
        .await;
    assert_eq!(r.status(), 303);
    let stored = app
        .with_conn(|c| clinic_stock::services::settings::load(c).unwrap())
        .await;
    assert_eq!(
        (stored.session_idle_minutes, stored.session_max_hours),
        (5, 2)
    );
    // A new login's cookie follows the setting; 6 idle minutes end it.
    app.add_user("pia", Role::Practitioner).await;
    let client = app.client();
    let r = app.login_with(&client, "pia", PASSWORD).await;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("cs_session="))
        .unwrap();
    assert!(cookie.contains("Max-Age=7200"), "{cookie}");
    age_sessions(&app, 360, 360).await;
    assert!(!is_logged_in(&app, &client).await);
}

#[tokio::test]
async fn each_login_gets_a_new_session_id() {
    let app = TestApp::new().await;
    app.add_user("pia", Role::Practitioner).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = app.login_with(&app.client(), "pia", PASSWORD).await;
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("cs_session="))
            .unwrap();
        ids.push(cookie);
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn tokens_are_listed_revoked_and_expire_on_the_command_line() {
    let app = TestApp::new().await;
    app.add_user("clara", Role::Manager).await;
    let out = cli(
        &app,
        &[
            "token",
            "create",
            "clara",
            "--label",
            "sync",
            "--expires-in-days",
            "30",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let out = cli(&app, &["token", "create", "clara"]);
    let other = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 200);

    let out = cli(&app, &["token", "list", "clara"]);
    assert!(out.status.success());
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 2, "{listing}");
    let sync = rows.iter().find(|r| r[1] == "sync").unwrap();
    assert_ne!(sync[3], "-", "last use shown: {listing}");
    assert_ne!(sync[4], "-", "expiry shown: {listing}");
    assert_eq!(sync[5], "active");
    let cli_row = rows.iter().find(|r| r[1] == "cli").unwrap();
    assert_eq!(cli_row[3], "-", "never used: {listing}");
    assert_eq!(cli_row[4], "-", "no expiry: {listing}");

    // Revoke: 401 at once; the other token still works.
    let out = cli(&app, &["token", "revoke", sync[0]]);
    assert!(out.status.success());
    let (status, body) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = app.api_get(&other, "/api/v1/sites").await;
    assert_eq!(status, 200);
    let out = cli(&app, &["token", "list", "clara"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("revoked"));

    // Expired: 401.
    app.with_conn(|c| {
        use clinic_stock::db::schema::api_tokens::dsl::*;
        diesel::update(api_tokens.filter(name.eq("cli")))
            .set(expires_at.eq(Some(clinic_stock::db::now() - chrono::Duration::seconds(1))))
            .execute(c)
            .unwrap();
    })
    .await;
    let (status, _) = app.api_get(&other, "/api/v1/sites").await;
    assert_eq!(status, 401);
    let out = cli(&app, &["token", "list", "clara"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("expired"));

    // Bad input: clear refusals, exit 1.
    for args in [
        &["token", "revoke", "999999"][..],
        &["token", "list", "nobody"][..],
        &["token", "create", "clara", "--expires-in-days", "0"][..],
        &["token", "create", "nobody"][..],
    ] {
        let out = cli(&app, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}

async fn user_id(app: &TestApp, name: &str) -> i64 {
    let name = name.to_string();
    app.with_conn(move |c| {
        clinic_stock::db::users::by_username(c, &name)
            .unwrap()
            .unwrap()
            .id
    })
    .await
}

#[tokio::test]
async fn a_password_reset_revokes_tokens_and_ends_sessions() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let token = app.token_for(Role::Manager).await;
    let session = app.login_as("manager-api", PASSWORD).await;
    assert!(is_logged_in(&app, &session).await);
    let id = user_id(&app, "manager-api").await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{id}/password"),
            &[("password", "a brand new password")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 401);
    assert!(!is_logged_in(&app, &session).await);
    assert!(is_logged_in(&app, &admin).await);
}

#[tokio::test]
async fn disabling_revokes_tokens_and_re_enabling_does_not_revive_them() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let token = app.token_for(Role::Practitioner).await;
    let id = user_id(&app, "practitioner-api").await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{id}/disable"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = app.api_get(&token, "/api/v1/stock").await;
    assert_eq!(status, 401);
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{id}/enable"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = app.api_get(&token, "/api/v1/stock").await;
    assert_eq!(status, 401, "a re-enabled user's old token stays revoked");
    let owner = id;
    let revoked = app
        .with_conn(move |c| {
            use clinic_stock::db::schema::api_tokens::dsl::*;
            api_tokens
                .filter(user_id.eq(owner))
                .filter(revoked_at.is_not_null())
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    assert_eq!(revoked, 1);
}

#[tokio::test]
async fn the_tokens_page_creates_lists_and_revokes() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    app.add_user("clara", Role::Manager).await;
    let (status, doc) = app.page(&admin, "/admin/users").await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "a#tokens-link[href='/admin/tokens']"), 1);
    assert_eq!(
        count(
            &doc,
            "tr[data-user=clara] a[href='/admin/tokens?user=clara']"
        ),
        1
    );

    let r = app
        .post_form(
            &admin,
            "/admin/tokens",
            "/admin/tokens",
            &[
                ("username", "clara"),
                ("name", "stock sync"),
                ("expires_on", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "more than ten years ahead");
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&doc, "[data-field=expires_on]"), 1);

    let in_a_month = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let r = app
        .post_form(
            &admin,
            "/admin/tokens",
            "/admin/tokens",
            &[
                ("username", "clara"),
                ("name", "stock sync"),
                ("expires_on", &in_a_month),
            ],
        )
        .await;
    assert_eq!(r.status(), 201);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let token = text(&doc, "#new-token-value");
    assert_eq!(token.len(), 64);
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 200);

    let (status, doc) = app.page(&admin, "/admin/tokens?user=clara").await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#tokens tbody tr"), 1);
    assert_eq!(
        text(&doc, "tr[data-user=clara] td:nth-child(3)"),
        "stock sync"
    );
    assert_ne!(text(&doc, "tr[data-user=clara] .last-used"), "never");
    assert!(text(&doc, "tr[data-user=clara] td:nth-child(6)").starts_with(&in_a_month[..4]));
    assert_eq!(text(&doc, "tr[data-user=clara] .status"), "active");
    assert_eq!(count(&doc, "#new-token"), 0, "shown only once");

    let tid: i64 = {
        let sel = Selector::parse("tr[data-user=clara]").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("data-token")
            .unwrap()
            .parse()
            .unwrap()
    };
    let r = app
        .post_form(
            &admin,
            "/admin/tokens",
            &format!("/admin/tokens/{tid}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, _) = app.api_get(&token, "/api/v1/sites").await;
    assert_eq!(status, 401);
    let (_, doc) = app.page(&admin, "/admin/tokens").await;
    assert_eq!(text(&doc, "tr[data-user=clara] .status"), "revoked");
    assert_eq!(count(&doc, "tr[data-user=clara] form"), 0);

    // Not for managers; unknown token ids are 404.
    let manager = app.login_as("clara", PASSWORD).await;
    let (status, _) = app.page(&manager, "/admin/tokens").await;
    assert_eq!(status, 403);
    let r = app
        .post_form(&admin, "/admin/tokens", "/admin/tokens/999999/revoke", &[])
        .await;
    assert_eq!(r.status(), 404);
}
