//! Orders by e-mail, the refusals (issue 11 parts 5 and 6): a supplier
//! without an address, a server without mail settings (where "Mark as
//! sent" works as before), an order marked sent by hand while the mail
//! went out, another site's order. Nothing is sent, the order is untouched.
//! The setup is `orders_email`'s.

use serde_json::json;

use crate::orders_email::{admin_token, assert_still_draft, draft_order, email_audits, order};
use crate::smtp::SmtpServer;
use crate::support::*;

#[tokio::test]
async fn without_a_supplier_address_nothing_is_sent() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let (m, id) = draft_order(&app).await;
    let admin = admin_token(&app).await;
    // The supplier loses its address (through the API, as a person would).
    let (s, v) = app
        .api_post(&admin, "/api/v1/suppliers", &json!({"name": "NoMail Ltd"}))
        .await;
    assert_eq!(s, 201, "{v}");
    let no_mail = v["id"].as_i64().unwrap();
    let product = app.product("GLV").supplier(no_mail).create().await;
    let (s, o) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"site": "main", "supplier_id": no_mail,
                    "lines": [{"product_id": product.id, "packs": 1, "pack_cost_cents": 100}]}),
        )
        .await;
    assert_eq!(s, 201, "{o}");
    let bare = o["id"].as_i64().unwrap();

    let (s, e) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{bare}/email"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (422, Some("supplier_email_missing"), Some("supplier_email"))
    );
    assert_still_draft(&app, &m, bare).await;
    assert_eq!(smtp.attempts(), 0);

    // The page: no button to press, a note saying why, the form refuses too.
    let client = app.manager().await;
    let page = format!("/orders/{bare}");
    let (_, doc) = app.page(&client, &page).await;
    assert!(text(&doc, "#no-supplier-email").contains("NoMail Ltd has no e-mail address"));
    assert_eq!(count(&doc, "button#email-button[disabled]"), 1);
    assert_eq!(count(&doc, "#email-form"), 0);
    let resp = app
        .post_form(&client, &page, &format!("{page}/email"), &[])
        .await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    assert!(text(&doc, "#form-errors").contains("no usable e-mail address"));
    assert_still_draft(&app, &m, bare).await;

    // Bodies: empty is fine (the other order is sent), not an object is 400.
    let path = format!("/api/v1/purchase-orders/{id}/email");
    let (s, _) = app.api_post(&m, &path, &json!([1])).await;
    assert_eq!(s, 400);
    let r = reqwest::Client::new()
        .post(app.url(&path))
        .bearer_auth(&m)
        .header("content-type", "application/json")
        .body("{\"note\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_still_draft(&app, &m, id).await;
    let r = reqwest::Client::new()
        .post(app.url(&path))
        .bearer_auth(&m)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(smtp.messages().len(), 1);
    // A malformed id is the JSON 404.
    let (s, e) = app
        .api_post(&m, "/api/v1/purchase-orders/abc/email", &json!({}))
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn without_mail_settings_orders_are_marked_sent_by_hand() {
    let app = TestApp::new().await;
    let (m, id) = draft_order(&app).await;
    let (s, e) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/email"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (422, Some("mail_not_configured"))
    );
    assert_still_draft(&app, &m, id).await;

    // The page says e-mail is not set up; "Mark as sent" works as before.
    let client = app.manager().await;
    let page = format!("/orders/{id}");
    let (s, doc) = app.page(&client, &page).await;
    assert_eq!(s, 200);
    assert!(text(&doc, "#mail-off").contains("E-mail is not set up"));
    assert_eq!(count(&doc, "button#email-button[disabled]"), 1);
    let email = text(&doc, "textarea[name=email_text]");
    assert!(email.contains("RL-150"), "{email}");
    let resp = app
        .post_form(
            &client,
            &page,
            &format!("{page}/send"),
            &[
                ("sent_on", ""),
                ("email_text", "Dear NeedleCo, 4 boxes please."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let o = order(&app, &m, id).await;
    assert_eq!(o["status"], "sent");
    assert!(o["sent_to"].is_null());
    assert_eq!(o["email_text"], "Dear NeedleCo, 4 boxes please.");
    let (_, doc) = app.page(&client, &page).await;
    assert_eq!(count(&doc, "#sent-by-email"), 0);
    assert_eq!(text(&doc, "#email-text"), "Dear NeedleCo, 4 boxes please.");
}

#[tokio::test]
async fn an_order_sent_by_hand_while_the_mail_went_out_is_not_marked_twice() {
    let app = TestApp::new().await;
    let (m, id) = draft_order(&app).await;
    // The e-mail is on its way when someone marks the order sent by hand.
    let (s, _) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/send"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let err = app
        .with_conn(move |c| {
            let actor = crate::fixtures::fixture_actor(c);
            clinic_stock::services::orders::email::mark_emailed(
                c,
                &actor,
                id,
                "orders@needleco.example",
                "text",
                clinic_stock::db::now(),
            )
            .unwrap_err()
        })
        .await;
    assert_eq!((err.status(), err.code()), (409, "order_not_draft"));
    assert!(
        err.public_message()
            .contains("was e-mailed to orders@needleco.example"),
        "{err}"
    );
    let o = order(&app, &m, id).await;
    assert_eq!(o["status"], "sent");
    assert!(o["sent_to"].is_null(), "{o}");
    assert!(email_audits(&app, id).await.is_empty());
}

#[tokio::test]
async fn another_sites_order_is_hidden_and_nothing_is_sent() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let (m, id) = draft_order(&app).await;
    let admin = admin_token(&app).await;
    let (s, v) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &json!({"code": "north", "name": "North", "time_zone": "Europe/London"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let input = clinic_stock::services::accounts::NewUser {
        username: "nora".into(),
        password: PASSWORD.into(),
        role: "manager".into(),
        site: Some("north".into()),
        ..Default::default()
    };
    app.with_conn(move |c| clinic_stock::services::accounts::create_user(c, &input).unwrap())
        .await;
    let nora = app
        .with_conn(|c| clinic_stock::services::accounts::create_token(c, "nora", "t").unwrap())
        .await;
    let (s, _) = app
        .api_post(
            &nora,
            &format!("/api/v1/purchase-orders/{id}/email"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 404);
    let client = app.login_as("nora", PASSWORD).await;
    let resp = app
        .post_form(&client, "/orders", &format!("/orders/{id}/email"), &[])
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(smtp.attempts(), 0);
    assert_still_draft(&app, &m, id).await;
}
