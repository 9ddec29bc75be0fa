//! A user's own account page `/account` (issue 11.2/11.4): display name,
//! e-mail address, the daily digest choice (managers and admins) and their
//! own password; admins set a user's name and e-mail on the user page; the
//! command line's `user add --email --display-name`. Bad input is a field
//! error with nothing saved; nobody edits another user's record here; every
//! change is audited without a password or hash.

use diesel::prelude::*;
use serde_json::json;

use crate::audit_log::{changes, rows, rows_after};
use crate::support::*;
use clinic_stock::db::{self, models::User};

async fn user(app: &TestApp, name: &str) -> User {
    let name = name.to_string();
    app.with_conn(move |c| db::users::by_username(c, &name).unwrap().unwrap())
        .await
}

/// Posts the details form of `/account`.
async fn post_details(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> (u16, scraper::Html) {
    let r = app.post_form(client, "/account", "/account", fields).await;
    let status = r.status().as_u16();
    (
        status,
        scraper::Html::parse_document(&r.text().await.unwrap()),
    )
}

#[tokio::test]
async fn a_user_sets_their_name_and_address_and_the_menu_shows_the_name() {
    let app = TestApp::new().await;
    let client = app.practitioner().await;
    let (s, doc) = app.page(&client, "/account").await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#account-link"), "practitioner1");
    assert_eq!(text(&doc, "#account-login"), "practitioner1");
    // Practitioners get no digest, so they are not offered it.
    assert_eq!(count(&doc, "#digest-choice"), 0);

    let before = rows(&app).await.len();
    let (s, _) = post_details(
        &app,
        &client,
        &[
            ("display_name", "  Pia Novak "),
            ("email", "pia@lumenskin.example"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let u = user(&app, "practitioner1").await;
    assert_eq!(u.display_name.as_deref(), Some("Pia Novak"));
    assert_eq!(u.email.as_deref(), Some("pia@lumenskin.example"));
    let (_, doc) = app.page(&client, "/account").await;
    assert_eq!(text(&doc, ".flash"), "Your details were saved.");
    assert_eq!(text(&doc, "#account-link"), "Pia Novak");
    assert_eq!(
        input_value(&doc.html(), "display_name").as_deref(),
        Some("Pia Novak")
    );
    // Audited once, old and new values.
    let new = rows_after(&app, before).await;
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(
        (new[0].action.as_str(), new[0].entity.as_str()),
        ("update", "user")
    );
    assert_eq!(new[0].entity_id, Some(u.id.to_string()));
    assert_eq!(
        changes(&new[0]),
        json!({"display_name": [null, "Pia Novak"], "email": [null, "pia@lumenskin.example"]})
    );
    // Saving the same again writes nothing.
    let (s, _) = post_details(
        &app,
        &client,
        &[
            ("display_name", "Pia Novak"),
            ("email", "pia@lumenskin.example"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(rows(&app).await.len(), before + 1);
}

#[tokio::test]
async fn bad_details_are_field_errors_and_nothing_is_saved() {
    let app = TestApp::new().await;
    let client = app.manager().await;
    let (s, _) = post_details(
        &app,
        &client,
        &[
            ("display_name", "Mele Tupou"),
            ("email", "mele@clinic.example"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let before = (user(&app, "manager1").await, rows(&app).await.len());
    let long = "x".repeat(81);
    for (name, email, field) in [
        ("Mele Tupou", "mele@", "email"),
        ("Mele Tupou", "mele@clinic", "email"),
        ("Mele Tupou", "<mele@clinic.example>", "email"),
        (long.as_str(), "mele@clinic.example", "display_name"),
    ] {
        let (s, doc) = post_details(
            &app,
            &client,
            &[
                ("display_name", name),
                ("email", email),
                ("digest_shown", "1"),
            ],
        )
        .await;
        assert_eq!(s, 422, "{name:?} {email:?}");
        assert_eq!(count(&doc, "#form-error"), 1);
        assert_eq!(
            count(&doc, &format!("small.field-error[data-field={field}]")),
            1,
            "{field}"
        );
        // What was typed comes back.
        assert_eq!(input_value(&doc.html(), "email").as_deref(), Some(email));
    }
    // A control character is refused before the form is read, like every
    // form field in the app (routes::input): 422 naming the field.
    let r = app
        .post_form(
            &client,
            "/account",
            "/account",
            &[("display_name", "Mele\u{7}Tupou"), ("email", "x@y.example")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("display name: must not contain control characters"),
        "{page}"
    );
    let after = user(&app, "manager1").await;
    assert_eq!(after.display_name, before.0.display_name);
    assert_eq!(after.email, before.0.email);
    assert!(
        after.digest_enabled,
        "the digest choice was not saved either"
    );
    assert_eq!(rows(&app).await.len(), before.1);
}

#[tokio::test]
async fn managers_turn_the_digest_off_and_practitioners_cannot_touch_it() {
    let app = TestApp::new().await;
    let m = app.manager().await;
    let (_, doc) = app.page(&m, "/account").await;
    assert_eq!(
        count(&doc, "#digest-choice input[name=digest_enabled][checked]"),
        1
    );
    let (s, _) = post_details(
        &app,
        &m,
        &[("email", "m@clinic.example"), ("digest_shown", "1")],
    )
    .await;
    assert_eq!(s, 303);
    let u = user(&app, "manager1").await;
    assert!(!u.digest_enabled);
    let last = rows(&app).await.pop().unwrap();
    assert_eq!(changes(&last)["digest_enabled"], json!([true, false]));
    let (s, _) = post_details(
        &app,
        &m,
        &[
            ("email", "m@clinic.example"),
            ("digest_shown", "1"),
            ("digest_enabled", "on"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert!(user(&app, "manager1").await.digest_enabled);

    let p = app.practitioner().await;
    let (s, _) = post_details(&app, &p, &[("digest_shown", "1")]).await;
    assert_eq!(s, 303);
    assert!(
        user(&app, "practitioner1").await.digest_enabled,
        "unchanged"
    );
}

#[tokio::test]
async fn nobody_edits_another_users_record_from_their_account() {
    let app = TestApp::new().await;
    let other = app.add_user("victim", Role::Manager).await;
    let client = app.practitioner().await;
    // Fields naming another user are ignored: the record is the session's.
    let (s, _) = post_details(
        &app,
        &client,
        &[
            ("id", &other.to_string()),
            ("username", "victim"),
            ("user_id", &other.to_string()),
            ("display_name", "Changed"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(user(&app, "victim").await.display_name, None);
    assert_eq!(
        user(&app, "practitioner1").await.display_name.as_deref(),
        Some("Changed")
    );
    // The admin form is for admins only.
    for role in ["practitioner", "manager"] {
        let c = if role == "practitioner" {
            client.clone()
        } else {
            app.manager().await
        };
        let r = app
            .post_form(
                &c,
                "/account",
                &format!("/admin/users/{other}/details"),
                &[("display_name", "Hacked"), ("email", "x@y.example")],
            )
            .await;
        assert_eq!(r.status(), 403, "{role}");
    }
    let v = user(&app, "victim").await;
    assert_eq!((v.display_name, v.email), (None, None));
}

#[tokio::test]
async fn admins_set_a_users_name_and_address_on_the_user_page() {
    let app = TestApp::new().await;
    let id = app.add_user("pia", Role::Practitioner).await;
    let admin = app.admin().await;
    let page = format!("/admin/users/{id}");
    let action = format!("/admin/users/{id}/details");
    let r = app
        .post_form(
            &admin,
            &page,
            &action,
            &[("display_name", "Pia"), ("email", "pia@")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = scraper::Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&doc, "#details-error"), 1);
    assert_eq!(count(&doc, "small.field-error[data-field=email]"), 1);
    assert_eq!(user(&app, "pia").await.display_name, None);

    let before = rows(&app).await.len();
    let r = app
        .post_form(
            &admin,
            &page,
            &action,
            &[
                ("display_name", "Pia Novak"),
                ("email", "pia@lumenskin.example"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, &page).await;
    assert_eq!(text(&doc, "#user-display-name"), "Pia Novak");
    assert_eq!(text(&doc, "#user-email"), "pia@lumenskin.example");
    let new = rows_after(&app, before).await;
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].actor_name, "admin1");
    assert_eq!(changes(&new[0])["display_name"], json!([null, "Pia Novak"]));
    let (_, doc) = app.page(&admin, "/admin/users").await;
    assert!(text(&doc, "tr[data-user=pia]").contains("Pia Novak"));
}

async fn post_password(
    app: &TestApp,
    client: &reqwest::Client,
    current: &str,
    new: &str,
    repeat: &str,
) -> (u16, scraper::Html) {
    let r = app
        .post_form(
            client,
            "/account",
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("repeat_password", repeat),
            ],
        )
        .await;
    let status = r.status().as_u16();
    (
        status,
        scraper::Html::parse_document(&r.text().await.unwrap()),
    )
}

#[tokio::test]
async fn changing_your_password_needs_the_current_one() {
    let app = TestApp::new().await;
    let client = app.practitioner().await;
    let elsewhere = app.login_as("practitioner1", PASSWORD).await;
    let hash = user(&app, "practitioner1").await.password_hash;
    let before = rows(&app).await.len();
    for (current, new, repeat, field) in [
        (
            "not my password",
            "a brand new secret",
            "a brand new secret",
            "current_password",
        ),
        (
            "",
            "a brand new secret",
            "a brand new secret",
            "current_password",
        ),
        (PASSWORD, "short", "short", "new_password"),
        (
            PASSWORD,
            "a brand new secret",
            "a brand new secreT",
            "repeat_password",
        ),
    ] {
        let (s, doc) = post_password(&app, &client, current, new, repeat).await;
        assert_eq!(s, 422, "{current:?} {new:?}");
        assert_eq!(count(&doc, "#password-error"), 1);
        assert_eq!(
            count(&doc, &format!("small.field-error[data-field={field}]")),
            1,
            "{field}"
        );
    }
    assert_eq!(user(&app, "practitioner1").await.password_hash, hash);
    assert_eq!(rows(&app).await.len(), before, "nothing audited");

    let (s, _) = post_password(
        &app,
        &client,
        PASSWORD,
        "a brand new secret",
        "a brand new secret",
    )
    .await;
    assert_eq!(s, 303);
    assert_ne!(user(&app, "practitioner1").await.password_hash, hash);
    // This browser stays signed in; the other sign-in has ended.
    let (s, _) = app.page(&client, "/account").await;
    assert_eq!(s, 200);
    let r = elsewhere.get(app.url("/account")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    // The old password no longer works, the new one does.
    let r = app
        .login_with(&app.client(), "practitioner1", PASSWORD)
        .await;
    assert_eq!(r.status(), 401);
    app.login_as("practitioner1", "a brand new secret").await;
    // Audited as changed, never the hash or the password.
    let all = rows(&app).await;
    let row = all
        .iter()
        .find(|r| r.action == "password_change")
        .expect("a password_change row");
    assert_eq!(changes(row)["password"], json!(["(old)", "(new)"]));
    let text = serde_json::to_string(&all.iter().map(|r| &r.changes).collect::<Vec<_>>()).unwrap();
    assert!(
        !text.contains("argon2") && !text.contains("brand new"),
        "{text}"
    );
}

#[tokio::test]
async fn user_add_on_the_command_line_takes_an_email_and_a_display_name() {
    let app = TestApp::new().await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-stock"))
            .args(["--database-url", &app.db.url, "user", "add"])
            .args(args)
            .env("CLINIC_STOCK_PASSWORD", "a long enough password")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&[
        "mele",
        "--role",
        "manager",
        "--email",
        "mele@lumenskin.example",
        "--display-name",
        "Mele Tupou",
    ]);
    assert_eq!(code, 0, "{err}");
    let u = user(&app, "mele").await;
    assert_eq!(u.email.as_deref(), Some("mele@lumenskin.example"));
    assert_eq!(u.display_name.as_deref(), Some("Mele Tupou"));
    let created = rows(&app)
        .await
        .into_iter()
        .find(|r| r.action == "create" && r.entity == "user")
        .unwrap();
    assert_eq!(
        changes(&created)["email"],
        json!([null, "mele@lumenskin.example"])
    );

    // A malformed address: refused, nobody created.
    let (code, err) = run(&["zoe", "--role", "manager", "--email", "zoe@"]);
    assert_ne!(code, 0);
    assert!(err.contains("e-mail"), "{err}");
    let n: i64 = app
        .with_conn(|c| {
            use clinic_stock::db::schema::users::dsl::*;
            users
                .filter(username.eq("zoe"))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await;
    assert_eq!(n, 0);
}

#[tokio::test]
async fn admins_add_a_user_with_a_name_and_address() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let fields = |email: &'static str| {
        [
            ("username", "paul"),
            ("password", "a long enough password"),
            ("role", "practitioner"),
            ("site", ""),
            ("display_name", "Paul Chen"),
            ("email", email),
        ]
    };
    let r = app
        .post_form(&admin, "/admin/users", "/admin/users", &fields("paul@"))
        .await;
    assert_eq!(r.status(), 422);
    let doc = scraper::Html::parse_document(&r.text().await.unwrap());
    assert_eq!(count(&doc, "small.field-error[data-field=email]"), 1);
    assert_eq!(
        input_value(&doc.html(), "display_name").as_deref(),
        Some("Paul Chen")
    );
    let n: i64 = app
        .with_conn(|c| {
            use clinic_stock::db::schema::users::dsl::*;
            users
                .filter(username.eq("paul"))
                .count()
                .get_result(c)
                .unwrap()
        })
        .await;
    assert_eq!(n, 0, "nobody created");
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            "/admin/users",
            &fields("paul@lumenskin.example"),
        )
        .await;
    assert_eq!(r.status(), 303);
    let u = user(&app, "paul").await;
    assert_eq!(u.display_name.as_deref(), Some("Paul Chen"));
    assert_eq!(u.email.as_deref(), Some("paul@lumenskin.example"));
}
