//! Issue 14 item 8: what people read names fields by their labels, and a
//! malformed id in a page's address is the app's 404 page (the JSON 404 under
//! `/api/v1`), never the parser's plain text.

use crate::support::*;
use clinic_stock::services::accounts;

/// Every page route with an id in its path, with a malformed id.
const BAD_PAGE_GETS: &[&str] = &[
    "/lots/abc",
    "/lots/abc/recall.csv",
    "/lots/1.5",
    "/orders/abc",
    "/orders/abc/receive",
    "/products/abc",
    "/products/abc/edit",
    "/suppliers/abc/edit",
    "/sessions/abc",
    "/sessions/abc/aftercare",
    "/counts/abc",
    "/counts/result/abc",
    "/protocols/abc",
    "/admin/users/abc",
    "/lots/99999999999999999999",
];

const BAD_PAGE_POSTS: &[&str] = &[
    "/lots/abc/adjust",
    "/lots/abc/transfer",
    "/lots/abc/open",
    "/lots/abc/quarantine",
    "/orders/abc/lines",
    "/orders/abc/send",
    "/orders/abc/cancel",
    "/products/abc",
    "/products/abc/archive",
    "/suppliers/abc",
    "/sessions/abc/void",
    "/counts/abc",
    "/protocols/abc",
    "/admin/users/abc/role",
    "/admin/users/abc/disable",
    "/admin/areas/abc/rename",
    "/admin/sites/abc/rename",
];

async fn assert_not_found_page(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), 404, "{what}");
    let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ctype.starts_with("text/html"), "{what}: {ctype}");
    let body = r.text().await.unwrap();
    assert!(!body.contains("can not parse"), "{what}: {body}");
    let doc = Html::parse_document(&body);
    assert_eq!(text(&doc, "h1"), "Not found", "{what}");
}

#[tokio::test]
async fn a_malformed_id_in_a_page_address_is_the_404_page() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    for path in BAD_PAGE_GETS {
        let r = admin.get(app.url(path)).send().await.unwrap();
        assert_not_found_page(r, path).await;
    }
    let (_, home) = app.page(&admin, "/").await;
    let csrf = input_value(&home.html(), "csrf").unwrap();
    for path in BAD_PAGE_POSTS {
        let r = admin
            .post(app.url(path))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_not_found_page(r, &format!("POST {path}")).await;
    }
    // Not logged in: the login page first, never the parser's text.
    let anon = app.client();
    let r = anon.get(app.url("/lots/abc")).send().await.unwrap();
    assert!(matches!(r.status().as_u16(), 303 | 404), "{}", r.status());
    assert!(!r.text().await.unwrap().contains("can not parse"));
    // Under /api/v1: the API's JSON 404.
    let t = app.token_for(Role::Manager).await;
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/lots/abc"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found", "{v}");
}

#[tokio::test]
async fn messages_name_fields_by_their_labels() {
    let app = TestApp::new().await;
    // First-admin setup with two different passwords.
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
                ("password2", "another admin pw"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let msg = text(&doc, "p.error");
    assert_eq!(msg, "Password again: the two passwords differ");

    // The sessions list filtered by a client code that is not one.
    let m = app.manager().await;
    let (s, doc) = app.page(&m, "/sessions?client_ref=%3F%3F").await;
    assert_eq!(s, 422);
    let msg = text(&doc, "p.field-error");
    assert!(msg.starts_with("Client code: "), "{msg}");

    // A form value the form's parser cannot take, and an address value.
    let (s, doc) = app.page(&m, "/orders?page=abc").await;
    assert_eq!(s, 400);
    let msg = text(&doc, "main");
    assert!(
        !msg.contains("invalid digit") && !msg.contains("query string"),
        "{msg}"
    );

    // An order refused at a field that is not on the page: labelled.
    let (_, doc) = {
        let r = app
            .post_form(&m, "/orders", "/orders", &[("supplier_id", "")])
            .await;
        assert_eq!(r.status(), 422);
        (0, Html::parse_document(&r.text().await.unwrap()))
    };
    let page = doc.html();
    assert!(!page.contains("supplier id:"), "internal name shown");

    // Whatever the page, no message shows an internal name.
    for internal in ["password2", "client ref:", "lines[0]", "product id:"] {
        assert!(!page.contains(internal), "{internal}");
    }
}

#[test]
fn labels_for_line_fields_and_form_names() {
    use clinic_stock::domain::labels::label;
    assert_eq!(label("lines[0].product_id"), "Line 1, product");
    assert_eq!(label("password2"), "Password again");
    assert_eq!(label("client_ref"), "Client code");
    assert_eq!(label("packs_41"), "Packs");
}
