//! First steps, continued (issue 14 item 9): the dashboard's "Get started"
//! checklist ticks itself off from the database and goes away when every
//! step is done; "Create a product with GTIN …" from an unknown scan comes
//! back to /receive with the scan read (product chosen, lot and expiry in).

use diesel::prelude::*;
use scraper::{Html, Selector};
use serde_json::json;

use crate::fixtures::days;
use crate::support::*;
use clinic_stock::db::schema::sites;

fn steps(doc: &Html) -> Vec<(String, String, Option<String>)> {
    let li = Selector::parse("#get-started li[data-step]").unwrap();
    let a = Selector::parse("a").unwrap();
    doc.select(&li)
        .map(|e| {
            (
                e.value().attr("data-step").unwrap().to_string(),
                e.value().attr("class").unwrap_or("").to_string(),
                e.select(&a)
                    .next()
                    .and_then(|a| a.value().attr("href").map(str::to_string)),
            )
        })
        .collect()
}

fn done(doc: &Html) -> Vec<String> {
    steps(doc)
        .into_iter()
        .filter(|(_, class, _)| class == "done")
        .map(|(code, _, _)| code)
        .collect()
}

#[tokio::test]
async fn the_checklist_ticks_itself_off_and_goes_away() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (s, doc) = app.page(&admin, "/").await;
    assert_eq!(s, 200);
    assert_eq!(
        steps(&doc),
        [
            ("site", "todo", Some("/admin/sites")),
            ("suppliers", "todo", Some("/suppliers")),
            ("products", "todo", Some("/products/new")),
            ("delivery", "todo", Some("/receive")),
            ("users", "todo", Some("/admin/users")),
            ("protocols", "todo", Some("/protocols/new")),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.map(str::to_string)))
    );
    assert_eq!(text(&doc, "#get-started-h small"), "0 of 6 done");
    // Every link is a page that admin may open.
    for (_, _, href) in steps(&doc) {
        let href = href.unwrap();
        assert_eq!(app.page(&admin, &href).await.0, 200, "{href}");
    }
    // A manager sees the same list; what only an admin does has no link.
    let manager = app.manager().await;
    let (_, doc) = app.page(&manager, "/").await;
    let m = steps(&doc);
    assert_eq!(m.len(), 6);
    assert_eq!(m[0].2, None);
    assert!(text(&doc, "#get-started li[data-step=site]").contains("an administrator does this"));
    assert_eq!(m[1].2.as_deref(), Some("/suppliers"));
    // Practitioners have no dashboard and no checklist.
    let p = app.practitioner().await;
    let (_, doc) = app.page(&p, "/").await;
    assert_eq!(count(&doc, "#get-started"), 0);
    // (Two more users now exist: that step is done.)
    let (_, doc) = app.page(&admin, "/").await;
    assert_eq!(done(&doc), ["users"]);

    // Each step ticks off from what is in the database.
    let sup = app.supplier("DermaSupply", Some(7)).await;
    let roller = app.product("R15").roller(150).supplier(sup).create().await;
    let (_, doc) = app.page(&admin, "/").await;
    assert_eq!(done(&doc), ["suppliers", "products", "users"]);
    app.stock(&roller, "R-1", days(200), "10").await;
    app.with_conn(|c| {
        diesel::update(sites::table.filter(sites::code.eq("main")))
            .set(sites::address.eq(Some("1 Clinic Street")))
            .execute(c)
            .unwrap();
    })
    .await;
    let (_, doc) = app.page(&admin, "/").await;
    assert_eq!(
        done(&doc),
        ["site", "suppliers", "products", "delivery", "users"]
    );
    assert_eq!(text(&doc, "#get-started-h small"), "5 of 6 done");
    // The last one: the list is gone.
    let token = app.token_for(Role::Manager).await;
    let (s, v) = app
        .api_post(
            &token,
            "/api/v1/protocols",
            &json!({"name": "Acne", "indication": "acne_scars", "needle_min_mm": 1.0,
                "needle_max_mm": 2.0, "lines": [{"product_id": roller.id, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    for c in [&admin, &manager] {
        let (s, doc) = app.page(c, "/").await;
        assert_eq!(s, 200);
        assert_eq!(count(&doc, "#get-started"), 0);
    }
}

const UNKNOWN_GTIN: &str = "09506000134352";

#[tokio::test]
async fn a_product_created_from_an_unknown_scan_comes_back_to_receive_with_the_scan() {
    let app = TestApp::new().await;
    let m = app.manager().await;
    let expiry = days(300);
    let scan = format!("(01){UNKNOWN_GTIN}(17){}(10)NEW-7", expiry.format("%y%m%d"));
    // Read the scan (no JS: "Read the scan" posts to /receive/preview).
    let r = app
        .post_form(
            &m,
            "/receive",
            "/receive/preview",
            &[
                ("gs1", scan.as_str()),
                ("place", "main/store"),
                ("quantity", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let doc = Html::parse_document(&r.text().await.unwrap());
    let sel = Selector::parse("#unknown-gtin a").unwrap();
    let href = doc
        .select(&sel)
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("offers to create the product")
        .to_string();
    assert!(text(&doc, "#unknown-gtin a").contains(UNKNOWN_GTIN));

    // The product form keeps where to go back to.
    let (s, doc) = app.page(&m, &href).await;
    assert_eq!(s, 200);
    let html = doc.html();
    assert_eq!(input_value(&html, "gtin").as_deref(), Some(UNKNOWN_GTIN));
    assert_eq!(
        input_value(&html, "receive_gs1").as_deref(),
        Some(scan.as_str())
    );
    assert_eq!(
        input_value(&html, "receive_place").as_deref(),
        Some("main/store")
    );
    assert_eq!(count(&doc, "#back-to-receive"), 1);
    let r = app
        .post_form(
            &m,
            &href,
            "/products",
            &[
                ("receive_gs1", scan.as_str()),
                ("receive_place", "main/store"),
                ("sku", "HA-NEW"),
                ("name", "New serum"),
                ("category", "serum"),
                ("unit", "ml"),
                ("pack_size", "5"),
                ("needle_length_mm", ""),
                ("gtin", UNKNOWN_GTIN),
                ("supplier_id", ""),
                ("unit_cost", ""),
                ("lead_time_days", ""),
                ("min_level", ""),
                ("max_level", ""),
                ("max_per_session", ""),
                ("use_within_days_of_opening", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/receive?gs1="), "{to}");

    // Back on /receive: the new product chosen, lot and expiry from the scan.
    let (s, doc) = app.page(&m, &to).await;
    assert_eq!(s, 200);
    assert!(text(&doc, ".flash").contains("HA-NEW"));
    let sel = Selector::parse("#product_id option[selected]").unwrap();
    let chosen = doc
        .select(&sel)
        .next()
        .map(|o| o.text().collect::<String>())
        .unwrap_or_default();
    assert!(chosen.contains("HA-NEW"), "{chosen:?}");
    let html = doc.html();
    assert_eq!(input_value(&html, "lot").as_deref(), Some("NEW-7"));
    assert_eq!(input_value(&html, "expiry"), Some(expiry.to_string()));
    assert_eq!(text(&doc, "#scanned code"), scan);
    assert_eq!(count(&doc, "#unknown-gtin"), 0);
    assert_eq!(count(&doc, "small.field-error"), 0);
}
