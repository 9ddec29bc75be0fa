//! First steps (issue 14 item 9): case-insensitive usernames, Suppliers in
//! the menu, the login page while setup is pending, and the first admin
//! signed in by the setup link.

use crate::support::*;
use clinic_stock::services::accounts;

#[tokio::test]
async fn usernames_are_case_insensitive_at_sign_in() {
    let app = TestApp::new().await;
    app.add_user("manager", Role::Manager).await;
    for typed in ["Manager", "MANAGER", " manager "] {
        let client = app.login_as(typed, PASSWORD).await;
        let (status, doc) = app.page(&client, "/").await;
        assert_eq!(status, 200, "{typed}");
        assert!(
            text(&doc, "header form button").contains("manager"),
            "{typed}"
        );
    }
    // A wrong password is still refused whatever the case.
    let r = app
        .login_with(&app.client(), "Manager", "wrong password!")
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn failed_sign_ins_count_against_the_name_whatever_its_case() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    let mut last = 0;
    for (i, typed) in ["maria", "Maria", "MARIA", "mAria", "MariA", "mARIA"]
        .iter()
        .cycle()
        .take(12)
        .enumerate()
    {
        let r = app
            .login_with(&app.client(), typed, "wrong password!")
            .await;
        last = r.status().as_u16();
        if last == 429 {
            assert!(i >= 3, "throttled after {i} attempts");
            break;
        }
        assert_eq!(last, 401, "{typed}");
    }
    assert_eq!(last, 429, "mixed-case attempts share one throttle");
}

#[tokio::test]
async fn a_username_differing_only_in_case_is_refused() {
    let app = TestApp::new().await;
    app.add_user("manager", Role::Manager).await;
    // Command line / service: a conflict, nothing written.
    let dup = accounts::NewUser {
        username: "Manager".into(),
        password: PASSWORD.into(),
        role: "practitioner".into(),
        ..Default::default()
    };
    let err = app
        .with_conn(move |c| accounts::create_user(c, &dup).unwrap_err())
        .await;
    assert_eq!(err.status(), 409);
    // Admin page: a field error on the username, 409, nothing written.
    let admin = app.admin().await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            "/admin/users",
            &[
                ("username", "MANAGER"),
                ("password", "a good password"),
                ("role", "practitioner"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let errors = texts(&doc, ".field-error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("already exists"), "{errors:?}");
    let names: Vec<String> = app
        .with_conn(|c| {
            clinic_stock::db::users::list(c)
                .unwrap()
                .into_iter()
                .map(|u| u.username)
                .collect()
        })
        .await;
    assert_eq!(names, vec!["admin1".to_string(), "manager".to_string()]);
}

#[tokio::test]
async fn suppliers_are_in_the_menu_of_those_who_manage_them() {
    let app = TestApp::new().await;
    for (role, shown) in [
        (Role::Practitioner, false),
        (Role::Manager, true),
        (Role::Admin, true),
    ] {
        let client = app.signed_in(role).await;
        let (status, doc) = app.page(&client, "/").await;
        assert_eq!(status, 200);
        let menu = texts(&doc, "header .menu a");
        assert_eq!(
            menu.contains(&"Suppliers".to_string()),
            shown,
            "{role}: {menu:?}"
        );
        if shown {
            let (status, doc) = app.page(&client, "/suppliers").await;
            assert_eq!(status, 200);
            assert_eq!(count(&doc, "header .menu a[href='/suppliers']"), 1);
            assert_eq!(
                count(&doc, "header .menu a[href='/suppliers'][aria-current]"),
                1,
                "{role}: the entry is highlighted on the suppliers page"
            );
        }
    }
}

#[tokio::test]
async fn login_says_setup_is_pending_until_a_user_exists() {
    let app = TestApp::new().await;
    let (status, doc) = app.page(&app.client(), "/login").await;
    assert_eq!(status, 200);
    let note = text(&doc, "#setup-pending");
    assert!(note.contains("Setup is pending"), "{note}");
    assert!(note.contains("/setup/"), "{note}");
    app.add_user("maria", Role::Manager).await;
    let (status, doc) = app.page(&app.client(), "/login").await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#setup-pending"), 0);
}

#[tokio::test]
async fn setup_signs_the_new_admin_in_and_lands_on_the_dashboard() {
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
                ("username", "Boss"),
                ("password", "first admin pw"),
                ("password2", "first admin pw"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    let (status, doc) = app.page(&client, "/").await;
    assert_eq!(status, 200);
    assert!(text(&doc, "header form button").contains("Boss"));
    assert!(texts(&doc, "header .menu a").contains(&"Users".to_string()));
    assert_eq!(app.page(&client, "/admin/users").await.0, 200);
    // The name is case-insensitive from then on.
    let again = app.login_as("boss", "first admin pw").await;
    assert_eq!(app.page(&again, "/").await.0, 200);
    // The automatic sign-in is audited like any other.
    let audited = app
        .with_conn(|c| {
            let since = clinic_stock::db::now() - chrono::Duration::hours(1);
            clinic_stock::db::audit::recent_action(c, "Boss", "login", since).unwrap()
        })
        .await;
    assert!(audited, "the setup sign-in is in the audit log");
}
