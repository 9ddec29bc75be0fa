//! Issue 14's traps, server side (both backends): "Create purchase orders"
//! twice or replayed creates nothing new; "Mark as sent" stores the packs
//! edited on the page; the expired write-off writes nothing until confirmed
//! on a page that lists it; bad ids in page paths are the 404 page and form
//! messages name fields by their labels.

use diesel::prelude::*;
use scraper::{Html, Selector};

use crate::fixtures::days;
use crate::movements_fixtures::flash;
use crate::support::*;
use clinic_stock::db::schema::{purchase_order_lines, purchase_orders};

/// What a browser submits for the form at `form_css`: inputs (checkboxes
/// only when ticked), textareas and selects, plus inputs outside the form
/// that name it with `form="ID"`.
pub fn form_fields(doc: &Html, form_css: &str) -> Vec<(String, String)> {
    let form_sel = Selector::parse(form_css).unwrap();
    let form = doc.select(&form_sel).next().expect("form on the page");
    let id = form.value().attr("id").unwrap_or_default().to_string();
    let fields = Selector::parse("input, textarea, select").unwrap();
    let option = Selector::parse("option").unwrap();
    let inside: Vec<_> = form.select(&fields).collect();
    let outside = doc
        .select(&fields)
        .filter(|e| !id.is_empty() && e.value().attr("form") == Some(id.as_str()));
    let mut out = Vec::new();
    for e in inside.into_iter().chain(outside) {
        let v = e.value();
        let Some(name) = v.attr("name") else { continue };
        if v.attr("form").is_some_and(|f| f != id) || v.attr("disabled").is_some() {
            continue;
        }
        let value = match v.name() {
            "textarea" => e.text().collect::<String>(),
            "select" => {
                let opts: Vec<_> = e.select(&option).collect();
                opts.iter()
                    .find(|o| o.value().attr("selected").is_some())
                    .or(opts.first())
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or_default()
                    .to_string()
            }
            _ => {
                let kind = v.attr("type").unwrap_or("text");
                if matches!(kind, "checkbox" | "radio") && v.attr("checked").is_none() {
                    continue;
                }
                if matches!(kind, "submit" | "button") {
                    continue;
                }
                v.attr("value")
                    .unwrap_or(if kind == "checkbox" { "on" } else { "" })
                    .to_string()
            }
        };
        out.push((name.to_string(), value));
    }
    out
}

/// Posts fields as they are (the CSRF token among them).
pub async fn submit(
    app: &TestApp,
    client: &reqwest::Client,
    action: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    client
        .post(app.url(action))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// (orders, order lines) stored.
pub async fn order_rows(app: &TestApp) -> (i64, i64) {
    app.with_conn(|c| {
        (
            purchase_orders::table.count().get_result(c).unwrap(),
            purchase_order_lines::table.count().get_result(c).unwrap(),
        )
    })
    .await
}

/// Three products due from two suppliers: (AL-1, AL-2, BE-1 ids, Beta's id).
pub async fn due_from_two_suppliers(app: &TestApp) -> (i64, i64, i64, i64) {
    let alpha = app.supplier("Alpha Medical", Some(5)).await;
    let beta = app.supplier("Beta Derm", Some(3)).await;
    let mut ids = Vec::new();
    for (sku, sup) in [("AL-1", alpha), ("AL-2", alpha), ("BE-1", beta)] {
        let p = app
            .product(sku)
            .supplier(sup)
            .pack("10")
            .min("5")
            .max("30")
            .cost(100)
            .create()
            .await;
        app.stock(&p, "L", days(300), "2").await;
        ids.push(p.id);
    }
    (ids[0], ids[1], ids[2], beta)
}

#[tokio::test]
async fn create_purchase_orders_twice_or_replayed_creates_nothing_new() {
    let app = TestApp::new().await;
    let (al1, _al2, be1, beta_id) = due_from_two_suppliers(&app).await;
    let m = app.manager().await;
    let (s, doc) = app.page(&m, "/reports/reorder").await;
    assert_eq!(s, 200);
    let fields = form_fields(&doc, "#reorder-form");
    let picks = fields.iter().filter(|(k, _)| k == "pick").count();
    assert_eq!(picks, 3, "every due row is ticked: {fields:?}");

    let r = submit(&app, &m, "/reports/reorder/orders", &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(order_rows(&app).await, (2, 3), "one draft per supplier");

    // The same submit again (back button, double tap, a replayed request).
    let r = submit(&app, &m, "/reports/reorder/orders", &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/orders?status=draft");
    let (_, doc) = app.follow(&m, r).await;
    let msg = flash(&doc);
    assert!(msg.starts_with("Nothing new was drafted."), "{msg}");
    assert!(
        msg.contains("AL-1 (in PO-") && msg.contains("BE-1 (in PO-"),
        "{msg}"
    );
    assert_eq!(order_rows(&app).await, (2, 3), "nothing new stored");

    // The report now leaves those rows unticked and says why.
    let (_, doc) = app.page(&m, "/reports/reorder").await;
    let fields = form_fields(&doc, "#reorder-form");
    assert!(!fields.iter().any(|(k, _)| k == "pick"), "{fields:?}");
    assert_eq!(count(&doc, "tr[data-sku='AL-1'] .in-draft"), 1);

    // A new product due is drafted alone, even when a drafted one is ticked too.
    let be2 = app
        .product("BE-2")
        .supplier(beta_id)
        .pack("10")
        .min("5")
        .max("30")
        .create()
        .await;
    app.stock(&be2, "L", days(300), "2").await;
    let (_, doc) = app.page(&m, "/reports/reorder").await;
    let mut fields = form_fields(&doc, "#reorder-form");
    assert_eq!(
        fields.iter().filter(|(k, _)| k == "pick").count(),
        1,
        "only BE-2 is ticked"
    );
    fields.push(("pick".into(), al1.to_string()));
    fields.push(("pick".into(), be1.to_string()));
    let r = submit(&app, &m, "/reports/reorder/orders", &fields).await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.follow(&m, r).await;
    let msg = flash(&doc);
    assert!(msg.starts_with("Created 1 draft order: PO-"), "{msg}");
    assert!(msg.contains("left out: AL-1 (in PO-"), "{msg}");
    assert_eq!(
        order_rows(&app).await,
        (3, 4),
        "one new draft with BE-2 only"
    );
    let lines: Vec<i64> = app
        .with_conn(|c| {
            let newest: i64 = purchase_orders::table
                .select(diesel::dsl::max(purchase_orders::id))
                .first::<Option<i64>>(c)
                .unwrap()
                .unwrap();
            purchase_order_lines::table
                .filter(purchase_order_lines::purchase_order_id.eq(newest))
                .select(purchase_order_lines::product_id)
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(lines, vec![be2.id]);
}

/// A draft of 4 packs of RL-1 from NeedleCo: (order id, line id).
pub async fn draft_of_four(app: &TestApp) -> (i64, i64) {
    let m = app.token_for(Role::Manager).await;
    let sup = app.supplier("NeedleCo", Some(7)).await;
    let p = app
        .product("RL-1")
        .supplier(sup)
        .pack("10")
        .cost(450)
        .create()
        .await;
    let (s, po) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &serde_json::json!({"supplier_id": sup, "lines": [{"product_id": p.id, "packs": 4}]}),
        )
        .await;
    assert_eq!(s, 201, "{po}");
    (
        po["id"].as_i64().unwrap(),
        po["lines"][0]["id"].as_i64().unwrap(),
    )
}

/// (status, packs of the only line, stored e-mail text) of an order.
pub async fn order_state(app: &TestApp, id: i64) -> (String, i64, Option<String>) {
    app.with_conn(move |c| {
        let (status, email): (String, Option<String>) = purchase_orders::table
            .find(id)
            .select((purchase_orders::status, purchase_orders::email_text))
            .first(c)
            .unwrap();
        let packs: i64 = purchase_order_lines::table
            .filter(purchase_order_lines::purchase_order_id.eq(id))
            .select(purchase_order_lines::packs)
            .first(c)
            .unwrap();
        (status, packs, email)
    })
    .await
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    let f = fields
        .iter_mut()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    f.1 = value.to_string();
}

#[tokio::test]
async fn mark_as_sent_stores_the_packs_edited_on_the_page() {
    let app = TestApp::new().await;
    let (id, line) = draft_of_four(&app).await;
    let m = app.manager().await;
    let page = format!("/orders/{id}");
    let (_, doc) = app.page(&m, &page).await;
    // "Mark as sent" submits the lines form (the sending fields belong to it).
    let button = Selector::parse("button#send-button").unwrap();
    let b = doc.select(&button).next().expect("Mark as sent button");
    assert_eq!(b.value().attr("form"), Some("order-lines"));
    let action = b.value().attr("formaction").unwrap().to_string();
    assert_eq!(action, format!("/orders/{id}/send"));
    let mut fields = form_fields(&doc, "#order-lines");
    let packs = format!("packs_{line}");
    set(&mut fields, &packs, "99");
    let r = submit(&app, &m, &action, &fields).await;
    assert_eq!(r.status(), 303);
    let (status, packs_now, email) = order_state(&app, id).await;
    assert_eq!(
        (status.as_str(), packs_now),
        ("sent", 99),
        "the edit is stored"
    );
    let email = email.unwrap();
    assert!(email.contains("- 99 × pack of 10"), "{email}");
    assert!(
        !email.contains("- 4 × pack"),
        "the text lists the new packs: {email}"
    );
}

#[tokio::test]
async fn mark_as_sent_with_an_edited_text_and_edited_packs_saves_and_asks() {
    let app = TestApp::new().await;
    let (id, line) = draft_of_four(&app).await;
    let m = app.manager().await;
    let (_, doc) = app.page(&m, &format!("/orders/{id}")).await;
    let mut fields = form_fields(&doc, "#order-lines");
    set(&mut fields, &format!("packs_{line}"), "99");
    set(&mut fields, "email_text", "Hello, 4 packs of RL-1 please.");
    let action = format!("/orders/{id}/send");
    let r = submit(&app, &m, &action, &fields).await;
    assert_eq!(r.status(), 409);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(text(&doc, "#form-errors").contains("saved with your changed lines, but not sent"));
    assert_eq!(
        text(&doc, "textarea[name=email_text]"),
        "Hello, 4 packs of RL-1 please."
    );
    let (status, packs_now, _) = order_state(&app, id).await;
    assert_eq!(
        (status.as_str(), packs_now),
        ("draft", 99),
        "saved, not sent"
    );
    // Sending again (lines as saved) sends with the person's text.
    let mut fields = form_fields(&doc, "#order-lines");
    set(&mut fields, "email_text", "Hello, 99 packs of RL-1 please.");
    let r = submit(&app, &m, &action, &fields).await;
    assert_eq!(r.status(), 303);
    let (status, packs_now, email) = order_state(&app, id).await;
    assert_eq!((status.as_str(), packs_now), ("sent", 99));
    assert_eq!(email.as_deref(), Some("Hello, 99 packs of RL-1 please."));

    // A bad edit refuses the send, keeps what was typed and writes nothing.
    let (id2, line2) = {
        let (s, po) = app
            .api_post(
                &app.token_for(Role::Admin).await,
                "/api/v1/purchase-orders",
                &serde_json::json!({"supplier_id": supplier_of(&app, id).await,
                    "lines": [{"product_id": product_of(&app, id).await, "packs": 4}]}),
            )
            .await;
        assert_eq!(s, 201, "{po}");
        (
            po["id"].as_i64().unwrap(),
            po["lines"][0]["id"].as_i64().unwrap(),
        )
    };
    let (_, doc) = app.page(&m, &format!("/orders/{id2}")).await;
    let mut fields = form_fields(&doc, "#order-lines");
    set(&mut fields, &format!("packs_{line2}"), "0");
    let r = submit(&app, &m, &format!("/orders/{id2}/send"), &fields).await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(
        input_value(&doc.html(), &format!("packs_{line2}")).as_deref(),
        Some("0")
    );
    assert_eq!(order_state(&app, id2).await.0, "draft");
    assert_eq!(order_state(&app, id2).await.1, 4);
}

async fn supplier_of(app: &TestApp, id: i64) -> i64 {
    app.with_conn(move |c| {
        purchase_orders::table
            .find(id)
            .select(purchase_orders::supplier_id)
            .first(c)
            .unwrap()
    })
    .await
}

async fn product_of(app: &TestApp, id: i64) -> i64 {
    app.with_conn(move |c| {
        purchase_order_lines::table
            .filter(purchase_order_lines::purchase_order_id.eq(id))
            .select(purchase_order_lines::product_id)
            .first(c)
            .unwrap()
    })
    .await
}

/// Writes off a site's expired stock as a person does: the dashboard's
/// button (`site` only) shows the list, its button confirms. Returns the
/// confirming post's answer, or the list page's when there is nothing to
/// confirm.
pub async fn confirm_write_off(
    app: &TestApp,
    client: &reqwest::Client,
    site: &str,
) -> Result<reqwest::Response, Html> {
    let r = app
        .post_form(client, "/", "/stock/write-off-expired", &[("site", site)])
        .await;
    assert_eq!(r.status(), 200, "the list comes first");
    let doc = Html::parse_document(&r.text().await.unwrap());
    if count(&doc, "form#write-off-confirm") == 0 {
        return Err(doc);
    }
    let fields = form_fields(&doc, "form#write-off-confirm");
    Ok(submit(app, client, "/stock/write-off-expired", &fields).await)
}

#[tokio::test]
async fn write_off_all_expired_lists_first_and_writes_only_when_confirmed() {
    use crate::stock_dashboard::expired_lot;
    let app = TestApp::new().await;
    let roller = app.product("RL-1").roller(150).create().await;
    let gel = app.product("AN-1").anesthetic().create().await;
    let old_roller = expired_lot(&app, &roller, "R-OLD", days(-5), 2000).await;
    expired_lot(&app, &gel, "G-OLD", days(-9), 5000).await;
    let fresh = app.stock(&roller, "R-NEW", days(200), "3").await;
    let m = app.manager().await;
    let before = app.ledger_rows().await;

    // The dashboard's button (what one tap posts) only lists.
    let (_, home) = app.page(&m, "/").await;
    let fields = form_fields(&home, "form#write-off");
    let r = submit(&app, &m, "/stock/write-off-expired", &fields).await;
    assert_eq!(r.status(), 200);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(app.ledger_rows().await, before, "nothing written yet");
    assert!(text(&doc, "h1").starts_with("Write off expired stock at "));
    assert_eq!(count(&doc, "#write-off-list tbody tr"), 2);
    assert_eq!(
        text(&doc, "#write-off-list tr[data-lot='R-OLD'] td.qty"),
        "2"
    );
    assert_eq!(
        text(&doc, "#write-off-list tr[data-lot='G-OLD'] td.qty"),
        "5 g"
    );
    assert_eq!(count(&doc, "#write-off-list tr[data-lot='R-NEW']"), 0);
    assert!(text(&doc, "#write-off-button").starts_with("Write off these 2"));

    // A confirmation naming a position that is not expired writes nothing for it.
    let r = app
        .post_form(
            &m,
            "/",
            "/stock/write-off-expired",
            &[
                ("site", "main"),
                ("confirm", "yes"),
                (
                    "position",
                    &format!("{fresh}:{}", app.location_id("store").await),
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.ledger_rows().await, before);
    assert_eq!(app.balance(fresh, "store").await, 3000);

    // Confirmed: exactly the listed positions.
    let fields = form_fields(&doc, "form#write-off-confirm");
    let r = submit(&app, &m, "/stock/write-off-expired", &fields).await;
    assert_eq!(r.headers()["location"], "/");
    let (_, doc) = app.follow(&m, r).await;
    assert!(
        flash(&doc).starts_with("Wrote off 2 lots ("),
        "{}",
        flash(&doc)
    );
    assert_eq!(app.ledger_rows().await, before + 2);
    assert_eq!(app.balance(old_roller, "store").await, 0);
    assert_eq!(app.balance(fresh, "store").await, 3000);
    match confirm_write_off(&app, &m, "main").await {
        Err(doc) => assert_eq!(
            text(&doc, "#nothing-expired"),
            "Nothing expired on the shelves at main."
        ),
        Ok(r) => panic!("nothing left to confirm, got {}", r.status()),
    }
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn send_to_supplier_saves_the_packs_edited_on_the_page_first() {
    let smtp = crate::smtp::SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let (_, id) = crate::orders_email::draft_order(&app).await;
    let m = app.manager().await;
    let (_, doc) = app.page(&m, &format!("/orders/{id}")).await;
    let button = Selector::parse("button#email-button").unwrap();
    let b = doc.select(&button).next().expect("Send to supplier");
    assert_eq!(b.value().attr("form"), Some("order-lines"));
    let action = b.value().attr("formaction").unwrap().to_string();
    let mut fields = form_fields(&doc, "#order-lines");
    let roller_packs = fields
        .iter()
        .find(|(k, v)| k.starts_with("packs_") && v == "4")
        .map(|(k, _)| k.clone())
        .unwrap();
    set(&mut fields, &roller_packs, "7");
    let r = submit(&app, &m, &action, &fields).await;
    assert_eq!(r.status(), 303);
    let packs: Vec<i64> = app
        .with_conn(move |c| {
            purchase_order_lines::table
                .filter(purchase_order_lines::purchase_order_id.eq(id))
                .select(purchase_order_lines::packs)
                .order(purchase_order_lines::packs.asc())
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(packs, vec![3, 7], "the edit is stored");
    // One mail, composed after the save (it reads the order as stored).
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(order_state(&app, id).await.0, "sent");
}
