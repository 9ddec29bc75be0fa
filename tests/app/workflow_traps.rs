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
async fn order_rows(app: &TestApp) -> (i64, i64) {
    app.with_conn(|c| {
        (
            purchase_orders::table.count().get_result(c).unwrap(),
            purchase_order_lines::table.count().get_result(c).unwrap(),
        )
    })
    .await
}

/// Three products due from two suppliers: (AL-1, AL-2, BE-1 ids, Beta's id).
async fn due_from_two_suppliers(app: &TestApp) -> (i64, i64, i64, i64) {
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
        app.receive(&p, "L", days(300), "2").await;
        ids.push(p.id);
    }
    (ids[0], ids[1], ids[2], beta)
}

#[tokio::test]
async fn create_purchase_orders_twice_or_replayed_creates_nothing_new() {
    let app = TestApp::new().await;
    let (al1, _al2, be1, beta_id) = due_from_two_suppliers(&app).await;
    let m = app.logged_in("manager").await;
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
    app.receive(&be2, "L", days(300), "2").await;
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
