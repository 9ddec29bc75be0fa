//! Orders by e-mail (issue 11 parts 5 and 6): "Send to supplier" and
//! `POST /api/v1/purchase-orders/{id}/email` through a real SMTP
//! conversation with the test server (tests/app/smtp.rs): who gets it, what
//! it says, the CSV attachment's rows, and what is recorded; a refusing
//! mail server leaves the order a draft with nothing marked sent (the other
//! refusals are in `orders_email_checks`).

use chrono::Utc;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::movements_fixtures::{csv_rows, flash};
use crate::smtp::{Mode, SmtpServer};
use crate::support::*;
use clinic_stock::db::schema::users;

/// A draft at site `main` (a clinic in Auckland with its details) for
/// NeedleCo: 4 packs of RL-150 (10 each at 12.34) and 3 of a gel whose name
/// looks like a formula (30 g at 5.50). Returns (manager token, order id);
/// the admin's token is `admin_token(app)`.
pub(crate) async fn draft_order(app: &TestApp) -> (String, i64) {
    let admin = app.token_for(Role::Admin).await;
    let (s, site) = app
        .api_send(
            reqwest::Method::PATCH,
            &admin,
            "/api/v1/sites/main",
            &json!({"name": "Glow Skin Clinic", "time_zone": "Pacific/Auckland",
                    "address": "12 Queen Street\nAuckland 1010", "phone": "+64 9 555 0100",
                    "email": "hello@glow.example"}),
            None,
        )
        .await;
    assert_eq!(s, 200, "{site}");
    let supplier = app.supplier("NeedleCo", Some(5)).await;
    let roller = app
        .product("RL-150")
        .name("Roller 1.5 mm")
        .roller(150)
        .supplier(supplier)
        .create()
        .await;
    let gel = app
        .product("AN-GEL")
        .name("=SUM(A1) numbing gel")
        .anesthetic()
        .supplier(supplier)
        .create()
        .await;
    let token = app.token_for(Role::Manager).await;
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::username.eq("manager-api")))
            .set(users::display_name.eq(Some("Mona Reyes")))
            .execute(c)
            .unwrap()
    })
    .await;
    let (s, order) = app
        .api_post(
            &token,
            "/api/v1/purchase-orders",
            &json!({"site": "main", "supplier_id": supplier, "lines": [
                {"product_id": roller.id, "packs": 4, "pack_cost_cents": 1234},
                {"product_id": gel.id, "packs": 3, "pack_cost_cents": 550}]}),
        )
        .await;
    assert_eq!(s, 201, "{order}");
    (token, order["id"].as_i64().unwrap())
}

pub(crate) async fn order(app: &TestApp, token: &str, id: i64) -> Value {
    let (s, v) = app
        .api_get(token, &format!("/api/v1/purchase-orders/{id}"))
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

/// A new token of the admin `draft_order` made.
pub(crate) async fn admin_token(app: &TestApp) -> String {
    app.with_conn(|c| {
        clinic_stock::services::accounts::create_token(c, "admin-api", "again").unwrap()
    })
    .await
}

/// Audit rows of the order with action `email`.
pub(crate) async fn email_audits(app: &TestApp, id: i64) -> Vec<Value> {
    let admin = admin_token(app).await;
    let (s, v) = app
        .api_get(
            &admin,
            &format!("/api/v1/audit?entity=order&entity_id={id}"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "email")
        .cloned()
        .collect()
}

/// Today in Auckland, before and after the call (a test at midnight).
fn auckland_days() -> String {
    Utc::now()
        .with_timezone(&chrono_tz::Pacific::Auckland)
        .date_naive()
        .to_string()
}

/// `draft_order` e-mailed through the test SMTP server.
struct Emailed {
    smtp: SmtpServer,
    app: TestApp,
    m: String,
    id: i64,
    /// The answer to the e-mail call.
    sent: Value,
    /// The order's number.
    number: String,
    /// Today in Auckland before and after the call.
    days: (String, String),
}

async fn emailed_order() -> Emailed {
    let smtp = SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let (m, id) = draft_order(&app).await;
    let day_before = auckland_days();
    let (s, sent) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/email"),
            &json!({}),
        )
        .await;
    let day_after = auckland_days();
    assert_eq!(s, 200, "{sent}");
    let number = sent["number"].as_str().unwrap().to_string();
    Emailed {
        smtp,
        app,
        m,
        id,
        sent,
        number,
        days: (day_before, day_after),
    }
}

#[tokio::test]
async fn an_emailed_order_reaches_the_supplier_and_is_marked_sent() {
    let Emailed {
        smtp, sent, number, ..
    } = emailed_order().await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["sent_to"], "orders@needleco.example");
    assert!(sent["sent_at"].is_string());
    // The SMTP conversation: one message, to the supplier, from the sender.
    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].from, "stock@clinic.example");
    assert_eq!(got[0].to, vec!["orders@needleco.example"]);
    let mail = got[0].parsed();
    assert_eq!(mail.to, vec!["orders@needleco.example"]);
    assert_eq!(mail.reply_to, vec!["hello@glow.example"]);
    assert_eq!(
        mail.subject,
        format!("Purchase order {number} from Glow Skin Clinic")
    );
}

#[tokio::test]
async fn an_emailed_orders_text_has_the_clinic_the_date_and_the_lines() {
    let Emailed {
        smtp,
        app,
        number,
        days: (day_before, day_after),
        ..
    } = emailed_order().await;
    let mail = smtp.messages()[0].parsed();
    let currency = app
        .with_conn(|c| clinic_stock::services::settings::load(c).unwrap().currency)
        .await;

    // Plain text: the clinic's details, the date at the site, the lines.
    let body = mail.text.clone().unwrap().replace("\r\n", "\n");
    for want in [
        format!("Purchase order {number}"),
        "Glow Skin Clinic\n12 Queen Street\nAuckland 1010\nPhone: +64 9 555 0100\nE-mail: hello@glow.example".into(),
        "- RL-150 Roller 1.5 mm".into(),
        format!("4 × pack of 10 each at 12.34 {currency} = 49.36 {currency}"),
        format!("3 × pack of 30 g at 5.50 {currency} = 16.50 {currency}"),
        format!("Total: 65.86 {currency}"),
        "Kind regards,\nMona Reyes\nGlow Skin Clinic".into(),
    ] {
        assert!(body.contains(&want), "{want:?} not in\n{body}");
    }
    assert!(
        body.contains(&format!("Date: {day_before} (Pacific/Auckland)"))
            || body.contains(&format!("Date: {day_after} (Pacific/Auckland)")),
        "{body}"
    );
}

#[tokio::test]
async fn an_emailed_orders_html_is_the_same_as_a_table() {
    let Emailed { smtp, number, .. } = emailed_order().await;
    let mail = smtp.messages()[0].parsed();
    // HTML: the same, as a table.
    let doc = mail.html_doc();
    assert_eq!(text(&doc, "#order-number"), number);
    assert_eq!(text(&doc, "#clinic .name"), "Glow Skin Clinic");
    assert_eq!(
        texts(&doc, "#clinic .address"),
        ["12 Queen Street", "Auckland 1010"]
    );
    assert_eq!(text(&doc, "#clinic .phone"), "+64 9 555 0100");
    assert_eq!(text(&doc, "#clinic .email"), "hello@glow.example");
    let rows: Vec<Vec<String>> = [
        "sku",
        "name",
        "packs",
        "pack-size",
        "pack-price",
        "line-total",
    ]
    .iter()
    .map(|c| texts(&doc, &format!("tr.line td.{c}")))
    .collect();
    assert_eq!(rows[0], ["RL-150", "AN-GEL"]);
    assert_eq!(rows[1], ["Roller 1.5 mm", "=SUM(A1) numbing gel"]);
    assert_eq!(rows[2], ["4", "3"]);
    assert_eq!(rows[3], ["10 each", "30 g"]);
    assert_eq!(rows[4], ["12.34", "5.50"]);
    assert_eq!(rows[5], ["49.36", "16.50"]);
    assert_eq!(text(&doc, "#total"), "65.86");
    assert_eq!(text(&doc, "#sent-by .sender"), "Mona Reyes");
}

#[tokio::test]
async fn an_emailed_order_attaches_its_lines_as_csv() {
    let Emailed {
        smtp, app, number, ..
    } = emailed_order().await;
    let mail = smtp.messages()[0].parsed();
    let currency = app
        .with_conn(|c| clinic_stock::services::settings::load(c).unwrap().currency)
        .await;

    // The CSV attachment: the lines, the formula-looking name defused.
    let csv = mail.attachment(&format!("{number}.csv"));
    assert_eq!(csv.content_type, "text/csv");
    let csv_text = String::from_utf8(csv.bytes.clone()).unwrap();
    let (header, lines) = csv_rows(csv_text.trim_start_matches('\u{feff}'));
    assert_eq!(
        header,
        [
            "order",
            "sku",
            "name",
            "gtin",
            "packs",
            "pack_size",
            "unit",
            "pack_price",
            "line_total",
            "currency"
        ]
    );
    assert_eq!(
        lines,
        [
            [
                number.as_str(),
                "RL-150",
                "Roller 1.5 mm",
                "",
                "4",
                "10",
                "each",
                "12.34",
                "49.36",
                currency.as_str()
            ],
            [
                number.as_str(),
                "AN-GEL",
                "'=SUM(A1) numbing gel",
                "",
                "3",
                "30",
                "g",
                "5.50",
                "16.50",
                currency.as_str()
            ],
        ]
    );
}

#[tokio::test]
async fn an_emailed_order_is_recorded_and_shown_in_the_sites_time() {
    let Emailed {
        app,
        m,
        id,
        days: (day_before, day_after),
        ..
    } = emailed_order().await;
    // Recorded: sent, to whom, the text that went, an audit row.
    let now = order(&app, &m, id).await;
    assert_eq!(now["status"], "sent");
    assert_eq!(now["sent_to"], "orders@needleco.example");
    assert!(
        now["email_text"]
            .as_str()
            .unwrap()
            .contains("- RL-150 Roller 1.5 mm")
    );
    let audits = email_audits(&app, id).await;
    assert_eq!(audits.len(), 1, "{audits:?}");
    assert_eq!(audits[0]["actor"], "manager-api");
    assert_eq!(
        audits[0]["changes"]["sent_to"],
        json!([null, "orders@needleco.example"])
    );
    assert_eq!(audits[0]["changes"]["status"], json!(["draft", "sent"]));

    // The order page says so, in the site's time.
    let client = app.manager().await;
    let (s, doc) = app.page(&client, &format!("/orders/{id}")).await;
    assert_eq!(s, 200);
    let line = text(&doc, "#sent-by-email");
    assert!(
        line.starts_with("Sent by e-mail to orders@needleco.example at "),
        "{line}"
    );
    assert!(line.contains("(Pacific/Auckland)"), "{line}");
    assert!(
        line.contains(&day_before) || line.contains(&day_after),
        "{line}"
    );
    assert_eq!(count(&doc, "#email-form"), 0);
}

#[tokio::test]
async fn an_emailed_order_is_not_sent_again() {
    let Emailed {
        smtp, app, m, id, ..
    } = emailed_order().await;
    // Once sent, it is not sent again.
    let (s, e) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{id}/email"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("order_not_draft"))
    );
    assert_eq!(smtp.attempts(), 1);
}

/// The order is untouched: a draft, never sent, no audit row of e-mailing.
pub(crate) async fn assert_still_draft(app: &TestApp, token: &str, id: i64) {
    let o = order(app, token, id).await;
    assert_eq!(o["status"], "draft", "{o}");
    assert!(o["sent_at"].is_null() && o["sent_to"].is_null(), "{o}");
    assert!(o["email_text"].is_null(), "{o}");
    assert!(email_audits(app, id).await.is_empty());
}

#[tokio::test]
async fn a_refusing_mail_server_leaves_the_order_a_draft() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let (m, id) = draft_order(&app).await;
    let path = format!("/api/v1/purchase-orders/{id}/email");

    // API: 554 at MAIL FROM, then 451 at DATA → 502, nothing recorded.
    smtp.set_mode(Mode::RefuseMail);
    let (s, e) = app.api_post(&m, &path, &json!({})).await;
    assert_eq!((s, e["error"]["code"].as_str()), (502, Some("mail_failed")));
    let message = e["error"]["message"].as_str().unwrap();
    assert!(message.contains("still a draft"), "{message}");
    smtp.set_mode(Mode::RefuseData);
    let (s, e) = app.api_post(&m, &path, &json!({})).await;
    assert_eq!((s, e["error"]["code"].as_str()), (502, Some("mail_failed")));
    assert_still_draft(&app, &m, id).await;
    assert!(smtp.messages().is_empty());
    assert_eq!(smtp.attempts(), 2);

    // The page: the reason shown, the order still a draft, the button there.
    smtp.set_mode(Mode::RefuseAfterData);
    let client = app.manager().await;
    let page = format!("/orders/{id}");
    let resp = app
        .post_form(&client, &page, &format!("{page}/email"), &[])
        .await;
    assert_eq!(resp.status(), 502);
    let doc = Html::parse_document(&resp.text().await.unwrap());
    let why = text(&doc, "#form-errors");
    assert!(why.contains("was not sent and is still a draft"), "{why}");
    assert!(why.contains("554"), "{why}");
    assert_eq!(text(&doc, "#order-status"), "Draft");
    assert_eq!(count(&doc, "#email-form button#email-button"), 1);
    assert_still_draft(&app, &m, id).await;
    // Other pages are not affected by the mail server.
    let (s, _) = app.page(&client, "/orders").await;
    assert_eq!(s, 200);

    // Once the server takes mail again, the same button sends it.
    smtp.set_mode(Mode::Accept);
    let resp = app
        .post_form(&client, &page, &format!("{page}/email"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let (_, doc) = app.page(&client, &page).await;
    assert_eq!(
        flash(&doc),
        format!(
            "{} e-mailed to orders@needleco.example and marked as sent.",
            text(&doc, "h1").split(' ').next().unwrap()
        )
    );
    assert_eq!(text(&doc, "#order-status"), "Sent");
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(email_audits(&app, id).await.len(), 1);
}
