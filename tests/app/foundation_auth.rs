//! Login, logout, roles, CSRF, setup link, API tokens, error pages, headers.

use crate::support::*;
use clinic_stock::services::accounts;

#[tokio::test]
async fn anonymous_visitor_is_sent_to_login() {
    let app = TestApp::new().await;
    let r = app.client().get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    let r = app
        .client()
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/login?next=/admin/users");
}

#[tokio::test]
async fn login_success_shows_the_home_page_with_the_users_menu() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    let client = app.login_as("maria", PASSWORD).await;
    let (status, doc) = app.page(&client, "/").await;
    assert_eq!(status, 200);
    let menu = texts(&doc, "header .menu a");
    assert!(
        menu.contains(&"Ledger".to_string()),
        "manager menu: {menu:?}"
    );
    assert!(
        !menu.contains(&"Users".to_string()),
        "no admin entries: {menu:?}"
    );
    assert!(text(&doc, "header form button").contains("maria"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_refused_alike() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    for (name, pw) in [("maria", "wrong password!"), ("nobody", PASSWORD)] {
        let client = app.client();
        let r = app.login_with(&client, name, pw).await;
        assert_eq!(r.status(), 401);
        assert!(
            r.headers()
                .get("set-cookie")
                .is_none_or(|c| !c.to_str().unwrap().starts_with("cs_session"))
        );
        let doc = Html::parse_document(&r.text().await.unwrap());
        assert_eq!(text(&doc, "#login-error"), "wrong user name or password");
        // still not logged in
        let r = client.get(app.url("/")).send().await.unwrap();
        assert_eq!(r.status(), 303);
    }
    let sessions = app
        .with_conn(|c| {
            use clinic_stock::db::schema::login_sessions::dsl::*;
            use diesel::prelude::*;
            login_sessions.count().get_result::<i64>(c).unwrap()
        })
        .await;
    assert_eq!(sessions, 0, "no session written for failed logins");
}

#[tokio::test]
async fn logout_ends_the_session_server_side() {
    let app = TestApp::new().await;
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
    let token = cookie.split(';').next().unwrap().to_string();
    let r = app.post_form(&client, "/", "/logout", &[]).await;
    assert_eq!(r.status(), 303);
    // Replaying the old cookie from elsewhere no longer works.
    let r = app
        .client()
        .get(app.url("/"))
        .header("cookie", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_refuses_login() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let pia_id = app.add_user("pia", Role::Practitioner).await;
    let pia = app.login_as("pia", PASSWORD).await;
    assert_eq!(app.page(&pia, "/").await.0, 200);

    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{pia_id}/disable"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, "/admin/users").await;
    assert_eq!(text(&doc, "tr[data-user=pia] .status"), "disabled");
    assert_eq!(text(&doc, ".flash"), "User pia disabled.");

    let r = pia.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303, "the open session ended at once");
    // Answered exactly as a wrong password (API.md "Login throttling"):
    // the right password of a disabled account must not be confirmed.
    let r = app.login_with(&app.client(), "pia", PASSWORD).await;
    assert_eq!(r.status(), 401);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(text(&doc, "#login-error"), "wrong user name or password");

    // Re-enable: pia can log in again.
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{pia_id}/enable"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.login_as("pia", PASSWORD).await;
}

#[tokio::test]
async fn practitioner_gets_403_on_admin_pages() {
    let app = TestApp::new().await;
    let pia = app.practitioner().await;
    let (status, doc) = app.page(&pia, "/admin/users").await;
    assert_eq!(status, 403);
    assert_eq!(text(&doc, "h1"), "Not allowed");
    let manager = app.manager().await;
    assert_eq!(app.page(&manager, "/admin/users").await.0, 403);
}

#[tokio::test]
async fn admin_adds_a_user_and_resets_a_password() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            "/admin/users",
            &[
                ("username", "nina"),
                ("password", "a long password"),
                ("role", "practitioner"),
                ("site", "main"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, "/admin/users").await;
    assert_eq!(
        text(&doc, "tr[data-user=nina] td:nth-child(2)"),
        "Practitioner"
    );
    app.login_as("nina", "a long password").await;

    // Bad input comes back at the field, nothing written.
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            "/admin/users",
            &[
                ("username", "bad name!"),
                ("password", "short"),
                ("role", "boss"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&doc, ".field-error"), 3);
    assert_eq!(
        input_value(&doc.html(), "username").as_deref(),
        Some("bad name!")
    );
    let users = app
        .with_conn(|c| clinic_stock::db::users::count(c).unwrap())
        .await;
    assert_eq!(users, 2);

    let nina_id = app
        .with_conn(|c| {
            clinic_stock::db::users::by_username(c, "nina")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{nina_id}/password"),
            &[("password", "another long one")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.login_with(&app.client(), "nina", "a long password")
            .await
            .status(),
        401
    );
    app.login_as("nina", "another long one").await;
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_are_refused_and_write_nothing() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for csrf in [None, Some("0".repeat(64))] {
        let mut fields = vec![
            ("username", "eve".to_string()),
            ("password", "a long password".to_string()),
            ("role", "admin".to_string()),
        ];
        if let Some(c) = csrf {
            fields.push(("csrf", c));
        }
        let r = admin
            .post(app.url("/admin/users"))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    // Cross-site origin is refused even with a token.
    let html = admin
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = input_value(&html, "csrf").unwrap();
    let r = admin
        .post(app.url("/admin/users"))
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "eve"),
            ("password", "a long password"),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let eve = app
        .with_conn(|c| clinic_stock::db::users::by_username(c, "eve").unwrap())
        .await;
    assert!(eve.is_none());
    // Login itself needs the pre-login token.
    let r = app
        .client()
        .post(app.url("/login"))
        .form(&[("username", "admin1"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn setup_link_creates_the_first_admin_once() {
    let app = TestApp::new().await;
    let token = app
        .with_conn(|c| accounts::issue_setup_token(c).unwrap().unwrap())
        .await;
    let client = app.client();
    let path = format!("/setup/{token}");
    let (status, _) = app.page(&client, &path).await;
    assert_eq!(status, 200);
    assert_eq!(app.page(&client, "/setup/not-the-token").await.0, 404);
    let r = app
        .post_form(
            &client,
            &path,
            &path,
            &[
                ("username", "boss"),
                ("password", "first admin pw"),
                ("password2", "first admin pw"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let admin = app.login_as("boss", "first admin pw").await;
    assert_eq!(app.page(&admin, "/admin/users").await.0, 200);

    // The link is dead now: neither the page nor a replayed post works.
    assert_eq!(app.page(&client, &path).await.0, 404);
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = input_value(&html, "csrf").unwrap();
    let r = client
        .post(app.url(&path))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "boss2"),
            ("password", "first admin pw"),
            ("password2", "first admin pw"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let users = app
        .with_conn(|c| clinic_stock::db::users::count(c).unwrap())
        .await;
    assert_eq!(users, 1);
    // Once users exist no new link is issued.
    let again = app
        .with_conn(|c| accounts::issue_setup_token(c).unwrap())
        .await;
    assert!(again.is_none());
}

#[tokio::test]
async fn api_needs_a_valid_token_and_the_right_role() {
    let app = TestApp::new().await;
    let r = reqwest::get(app.url("/api/v1/sites")).await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let (status, body) = app.api_get("not-a-token", "/api/v1/sites").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");

    let practitioner = app.token_for(Role::Practitioner).await;
    let (status, body) = app.api_get(&practitioner, "/api/v1/sites").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["code"], "main");
    let (status, body) = app
        .api_post(
            &practitioner,
            "/api/v1/sites",
            &serde_json::json!({"code": "north", "name": "North"}),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "forbidden");

    let admin = app.token_for(Role::Admin).await;
    let (status, body) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &serde_json::json!({"code": "north", "name": "North"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &serde_json::json!({"code": "north", "name": "North"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "duplicate_site");
    let (status, body) = app
        .api_post(
            &admin,
            "/api/v1/locations",
            &serde_json::json!({"site": "north", "code": "room-1", "name": "Room 1"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, body) = app.api_get(&admin, "/api/v1/locations?site=north").await;
    assert_eq!(body["items"][0]["code"], "room-1");
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_the_server_keeps_serving() {
    let app = TestApp::new().await;
    let admin = app.token_for(Role::Admin).await;
    let client = reqwest::Client::new();
    // Malformed JSON → 400.
    let r = client
        .post(app.url("/api/v1/sites"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    // Wrong shape → 422 naming the field.
    let (status, body) = app
        .api_post(&admin, "/api/v1/sites", &serde_json::json!({"code": "x"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "name");
    // Oversized body → refused, not a crash.
    let big = "x".repeat(3 * 1024 * 1024);
    let r = client
        .post(app.url("/api/v1/sites"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert!(r.status() == 413 || r.status() == 400, "got {}", r.status());
    // Unknown routes: JSON 404 under /api, the 404 page elsewhere.
    let (status, body) = app.api_get(&admin, "/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let r = reqwest::get(app.url("/no/such/page")).await.unwrap();
    assert_eq!(r.status(), 404);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(text(&doc, "h1"), "Not found");
    // Still serving.
    let r = reqwest::get(app.url("/health")).await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn health_reports_the_backend_and_headers_are_set() {
    let app = TestApp::new().await;
    let r = reqwest::get(app.url("/health")).await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "database": backend(), "writable": true})
    );
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let r = reqwest::get(app.url("/login")).await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let r = reqwest::get(app.url("/static/htmx.min.js")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
}
