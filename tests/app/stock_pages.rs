//! Catalogue pages (product list, product page, product and supplier
//! forms) and the admin pages for sites, locations and settings.

use crate::fixtures::days;
use crate::stock_dashboard::expired_lot;
use crate::support::*;

async fn product_count(app: &TestApp) -> i64 {
    app.with_conn(|c| {
        use diesel::prelude::*;
        clinic_stock::db::schema::products::table
            .count()
            .get_result::<i64>(c)
            .unwrap()
    })
    .await
}

fn field_error(doc: &Html, field: &str) -> String {
    text(doc, &format!("small.field-error[data-field=\"{field}\"]"))
}

fn value_of(doc: &Html, name: &str) -> String {
    let sel = Selector::parse(&format!("[name=\"{name}\"]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or("")
        .to_string()
}

fn selected(doc: &Html, name: &str) -> String {
    let sel = Selector::parse(&format!("select[name=\"{name}\"] option[selected]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or("")
        .to_string()
}

fn product_form<'a>(
    sku: &'a str,
    category: &'a str,
    needle: &'a str,
    pack: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("sku", sku),
        ("name", "Test product"),
        ("category", category),
        ("unit", if category == "serum" { "ml" } else { "each" }),
        ("pack_size", pack),
        ("needle_length_mm", needle),
        ("gtin", ""),
        ("supplier_id", ""),
        ("unit_cost", "4.50"),
        ("lead_time_days", ""),
        ("min_level", "5"),
        ("max_level", ""),
        ("max_per_session", ""),
        ("use_within_days_of_opening", ""),
    ]
}

#[tokio::test]
async fn manager_creates_and_edits_a_product_through_the_form() {
    let app = TestApp::new().await;
    let sup = app.supplier("DermaSupply", Some(7)).await;
    let m = app.manager().await;
    let sup_text = sup.to_string();
    let mut fields = product_form("RL-100", "roller", "1.0", "10");
    fields.retain(|(k, _)| *k != "supplier_id");
    fields.push(("supplier_id", &sup_text));
    let r = app
        .post_form(&m, "/products/new", "/products", &fields)
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/products/"), "{location}");
    let (status, doc) = app.page(&m, &location).await;
    assert_eq!(status, 200);
    assert!(text(&doc, ".flash").contains("RL-100"));
    assert!(text(&doc, "h1").contains("Test product"));
    let facts = text(&doc, "#facts");
    assert!(facts.contains("Roller · 1 mm"), "{facts}");
    assert!(facts.contains("DermaSupply"), "{facts}");
    assert!(facts.contains("4.50 EUR per each"), "{facts}");

    // Edit: the form shows the stored values; a change is saved.
    let edit = format!("{location}/edit");
    let (_, doc) = app.page(&m, &edit).await;
    assert_eq!(value_of(&doc, "sku"), "RL-100");
    assert_eq!(value_of(&doc, "needle_length_mm"), "1");
    assert_eq!(value_of(&doc, "unit_cost"), "4.50");
    assert_eq!(selected(&doc, "supplier_id"), sup_text);
    let mut changed = fields.clone();
    changed.retain(|(k, _)| *k != "name" && *k != "min_level");
    changed.push(("name", "Roller 1.0 mm"));
    changed.push(("min_level", "8"));
    let r = app.post_form(&m, &edit, &location, &changed).await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&m, &location).await;
    assert!(text(&doc, "h1").contains("Roller 1.0 mm"));
    assert!(text(&doc, "#facts").contains("8 / –"));

    // Archive and reactivate.
    let r = app
        .post_form(&m, &location, &format!("{location}/archive"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&m, &location).await;
    assert_eq!(count(&doc, "#archived-badge"), 1);
    assert_eq!(count(&doc, "#reactivate"), 1);
    let (_, list) = app.page(&m, "/products").await;
    assert_eq!(
        count(&list, "#products tbody tr"),
        0,
        "archived products leave the list"
    );
    let (_, list) = app.page(&m, "/products?archived=only").await;
    assert_eq!(count(&list, "#products tr[data-sku=\"RL-100\"]"), 1);
    let r = app
        .post_form(&m, &location, &format!("{location}/reactivate"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&m, &location).await;
    assert_eq!(count(&doc, "#archived-badge"), 0);
}

#[tokio::test]
async fn product_form_refusals_come_back_at_the_field_and_write_nothing() {
    let app = TestApp::new().await;
    app.product("RL-150").roller(150).create().await;
    let m = app.manager().await;
    let before = product_count(&app).await;

    // Duplicate SKU: 409, message at the SKU, typed values kept.
    let r = app
        .post_form(
            &m,
            "/products/new",
            "/products",
            &product_form("RL-150", "roller", "1.5", "10"),
        )
        .await;
    assert_eq!(r.status(), 409);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(
        field_error(&doc, "sku").contains("already used"),
        "{}",
        field_error(&doc, "sku")
    );
    assert_eq!(value_of(&doc, "sku"), "RL-150");
    assert_eq!(value_of(&doc, "unit_cost"), "4.50");
    assert_eq!(selected(&doc, "category"), "roller");
    assert_eq!(count(&doc, "#form-error"), 1);

    // Needle length on a serum: 422 at the needle field.
    let r = app
        .post_form(
            &m,
            "/products/new",
            "/products",
            &product_form("SR-HA", "serum", "0.5", "5"),
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(field_error(&doc, "needle_length_mm").contains("only rollers and cartridges"));
    assert_eq!(value_of(&doc, "needle_length_mm"), "0.5");

    // Four decimals: 422 at the pack size.
    let r = app
        .post_form(
            &m,
            "/products/new",
            "/products",
            &product_form("SR-HA", "serum", "", "5.0001"),
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(field_error(&doc, "pack_size"), "at most 3 decimals");
    assert_eq!(value_of(&doc, "pack_size"), "5.0001");

    // A roller without a needle length, and several problems at once.
    let mut bad = product_form("", "roller", "", "x");
    bad.retain(|(k, _)| *k != "name");
    bad.push(("name", ""));
    let r = app.post_form(&m, "/products/new", "/products", &bad).await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    for f in ["sku", "name", "needle_length_mm", "pack_size"] {
        assert!(!field_error(&doc, f).is_empty(), "error at {f}");
    }
    assert_eq!(product_count(&app).await, before, "nothing was written");

    // Practitioners may not use the form.
    let p = app.practitioner().await;
    let (status, _) = app.page(&p, "/products/new").await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn new_product_prefills_the_gtin_from_the_receive_offer() {
    let app = TestApp::new().await;
    let m = app.manager().await;
    let (status, doc) = app.page(&m, "/products/new?gtin=4006381333931").await;
    assert_eq!(status, 200);
    assert_eq!(value_of(&doc, "gtin"), "04006381333931");
}

#[tokio::test]
async fn product_list_searches_filters_and_pages() {
    let app = TestApp::new().await;
    let sup = app.supplier("PenCo", None).await;
    for i in 0..55 {
        app.product(&format!("CT-{i:03}"))
            .cartridge(if i % 2 == 0 { 50 } else { 100 })
            .supplier(sup)
            .create()
            .await;
    }
    let ha = app
        .product("SR-HA")
        .serum()
        .name("Hyaluronic serum")
        .create()
        .await;
    app.stock(&ha, "HA-1", days(100), "12.5").await;
    let m = app.manager().await;
    let (_, doc) = app.page(&m, "/products").await;
    assert_eq!(text(&doc, "#product-count"), "56 products");
    assert_eq!(count(&doc, "#products tbody tr"), 50);
    let next = Selector::parse("nav.pager a[rel=next]").unwrap();
    let href = doc
        .select(&next)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let (_, doc) = app.page(&m, &href).await;
    assert_eq!(count(&doc, "#products tbody tr"), 6);
    assert_eq!(text(&doc, ".pager-pos"), "Page 2 of 2");

    let (_, doc) = app.page(&m, "/products?q=hyaluronic").await;
    assert_eq!(count(&doc, "#products tbody tr"), 1);
    assert_eq!(
        text(&doc, "#products tr[data-sku=\"SR-HA\"] td.usable"),
        "12.5 ml"
    );
    let (_, doc) = app
        .page(&m, "/products?category=cartridge&needle_length_mm=0.5")
        .await;
    assert_eq!(text(&doc, "#product-count"), "28 products");
    let (_, doc) = app
        .page(
            &m,
            &format!("/products?supplier_id={sup}&needle_length_mm=1"),
        )
        .await;
    assert_eq!(text(&doc, "#product-count"), "27 products");
    // Filters survive paging.
    let (_, doc) = app.page(&m, "/products?category=cartridge").await;
    let href = doc
        .select(&next)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    assert!(
        href.contains("category=cartridge") && href.contains("page=2"),
        "{href}"
    );
}

#[tokio::test]
async fn product_page_shows_lots_locations_and_history() {
    let app = TestApp::new().await;
    app.location("room-1").await;
    let p = app.product("RL-150").roller(150).create().await;
    let a = app.stock(&p, "LOT-A", days(200), "10").await;
    app.stock(&p, "LOT-A", days(200), "4").at("room-1").await;
    app.stock(&p, "LOT-B", days(20), "3").await;
    let old = expired_lot(&app, &p, "LOT-OLD", days(-3), 2000).await;
    let m = app.manager().await;
    let (status, doc) = app.page(&m, &format!("/products/{}", p.id)).await;
    assert_eq!(status, 200);
    assert_eq!(text(&doc, "#total-usable"), "17 each");
    assert_eq!(text(&doc, "#total-expired"), "2");
    assert_eq!(
        text(&doc, "#places tr[data-location=\"main/store\"] td.usable"),
        "13"
    );
    assert_eq!(
        text(&doc, "#places tr[data-location=\"main/store\"] td.expired"),
        "2"
    );
    assert_eq!(
        text(&doc, "#places tr[data-location=\"main/room-1\"] td.usable"),
        "4"
    );
    assert_eq!(text(&doc, "#lots tr[data-lot=\"LOT-A\"] td.qty"), "14");
    assert_eq!(
        text(&doc, "#lots tr[data-lot=\"LOT-A\"] .lot-status"),
        "usable"
    );
    assert_eq!(
        text(&doc, "#lots tr[data-lot=\"LOT-B\"] .lot-status"),
        "expiring soon"
    );
    assert_eq!(
        text(&doc, "#lots tr[data-lot=\"LOT-OLD\"] .lot-status"),
        "expired"
    );
    let link = Selector::parse("#lots tr[data-lot=\"LOT-A\"] a").unwrap();
    assert_eq!(
        doc.select(&link).next().unwrap().value().attr("href"),
        Some(format!("/lots/{a}").as_str())
    );
    assert_eq!(count(&doc, "#history tbody tr"), 4);
    let ledger = Selector::parse(&format!("a[href=\"/ledger?product_id={}\"]", p.id)).unwrap();
    assert!(doc.select(&ledger).count() >= 1);
    let _ = old;

    // Practitioners see the stock but not the ledger or the edit buttons.
    let pr = app.practitioner().await;
    let (status, doc) = app.page(&pr, &format!("/products/{}", p.id)).await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#history"), 0);
    assert_eq!(count(&doc, "#edit-product"), 0);
    assert_eq!(text(&doc, "#total-usable"), "17 each");
    let (status, _) = app.page(&m, "/products/999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn product_history_is_paginated() {
    let app = TestApp::new().await;
    let p = app.product("DS-GLOVE").disposable().create().await;
    for i in 0..23 {
        app.stock(&p, &format!("G-{i:02}"), days(300), "100").await;
    }
    let m = app.manager().await;
    let (_, doc) = app.page(&m, &format!("/products/{}", p.id)).await;
    assert_eq!(count(&doc, "#history tbody tr"), 20);
    assert_eq!(count(&doc, "#lots tbody tr"), 23);
    let (_, doc) = app.page(&m, &format!("/products/{}?hpage=2", p.id)).await;
    assert_eq!(count(&doc, "#history tbody tr"), 3);
    assert_eq!(text(&doc, ".pager-pos"), "Page 2 of 2");
}

#[tokio::test]
async fn suppliers_are_listed_added_and_edited() {
    let app = TestApp::new().await;
    let sup = app.supplier("DermaSupply", Some(7)).await;
    app.product("RL-150")
        .roller(150)
        .supplier(sup)
        .create()
        .await;
    let m = app.manager().await;
    let (status, doc) = app.page(&m, "/suppliers").await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#suppliers tbody tr"), 1);
    let r = app
        .post_form(
            &m,
            "/suppliers",
            "/suppliers",
            &[
                ("name", "PenCo"),
                ("email", "x@pen.example"),
                ("lead_time_days", "14"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Duplicate name and a bad e-mail: back at the fields, nothing written.
    let r = app
        .post_form(
            &m,
            "/suppliers",
            "/suppliers",
            &[("name", "PenCo"), ("email", ""), ("lead_time_days", "")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(field_error(&doc, "name").contains("exists"));
    let r = app
        .post_form(
            &m,
            "/suppliers",
            "/suppliers",
            &[
                ("name", "Other"),
                ("email", "nope"),
                ("lead_time_days", "-1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(!field_error(&doc, "email").is_empty());
    assert!(!field_error(&doc, "lead_time_days").is_empty());
    assert_eq!(value_of(&doc, "name"), "Other");
    let (_, doc) = app.page(&m, "/suppliers").await;
    assert_eq!(count(&doc, "#suppliers tbody tr"), 2);
    let r = app
        .post_form(
            &m,
            &format!("/suppliers/{sup}/edit"),
            &format!("/suppliers/{sup}"),
            &[
                ("name", "Derma Supply Ltd"),
                ("email", ""),
                ("lead_time_days", "5"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&m, "/suppliers").await;
    assert_eq!(
        count(&doc, "#suppliers tr[data-supplier=\"Derma Supply Ltd\"]"),
        1
    );
}

#[tokio::test]
async fn admin_manages_sites_locations_and_settings() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (status, doc) = app.page(&admin, "/admin/sites").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(
            &doc,
            "article.site[data-site=\"main\"] tr[data-location=\"store\"]"
        ),
        1
    );

    let r = app
        .post_form(
            &admin,
            "/admin/sites",
            "/admin/sites/main/locations",
            &[("code", "room-1"), ("name", "Treatment room 1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = app
        .post_form(
            &admin,
            "/admin/sites",
            "/admin/sites/main/locations",
            &[("code", "room-1"), ("name", "Again")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(
        text(
            &doc,
            "article.site[data-site=\"main\"] small.field-error[data-field=\"code\"]"
        )
        .contains("already has")
    );
    let r = app
        .post_form(
            &admin,
            "/admin/sites",
            "/admin/sites",
            &[("code", "north side"), ("name", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(!text(&doc, "#add-site small.field-error[data-field=\"code\"]").is_empty());
    let typed = Selector::parse("#add-site input[name=code]").unwrap();
    assert_eq!(
        doc.select(&typed).next().unwrap().value().attr("value"),
        Some("north side")
    );
    let r = app
        .post_form(
            &admin,
            "/admin/sites",
            "/admin/sites",
            &[("code", "north"), ("name", "North clinic")],
        )
        .await;
    assert_eq!(r.status(), 303);

    let site_id = app
        .with_conn(|c| {
            clinic_stock::db::sites::by_code(c, "north")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let r = app
        .post_form(
            &admin,
            "/admin/sites",
            &format!("/admin/sites/{site_id}/rename"),
            &[("name", "North Clinic (Leeds)")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, "/admin/sites").await;
    assert!(text(&doc, "article.site[data-site=\"north\"] h2").contains("North Clinic (Leeds)"));
    assert_eq!(
        count(
            &doc,
            "article.site[data-site=\"north\"] tr[data-location=\"store\"]"
        ),
        1,
        "a new site gets a store room"
    );
    assert_eq!(
        count(
            &doc,
            "article.site[data-site=\"main\"] tr[data-location=\"room-1\"]"
        ),
        1
    );

    // Settings: defaults shown, bad values refused at the field, good ones saved.
    let (_, doc) = app.page(&admin, "/admin/settings").await;
    assert_eq!(value_of(&doc, "expiring_window_days"), "60");
    assert_eq!(value_of(&doc, "safety_days"), "14");
    assert_eq!(value_of(&doc, "cover_days"), "30");
    let mut form = vec![
        ("clinic_name", "Lumen"),
        ("currency", "euro"),
        ("expiring_window_days", "x"),
        ("safety_days", "14"),
        ("cover_days", "30"),
        ("gs1_separator", "|"),
    ];
    let r = app
        .post_form(&admin, "/admin/settings", "/admin/settings", &form)
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(!field_error(&doc, "currency").is_empty());
    assert!(!field_error(&doc, "expiring_window_days").is_empty());
    assert_eq!(value_of(&doc, "clinic_name"), "Lumen");
    form[1] = ("currency", "gbp");
    form[2] = ("expiring_window_days", "45");
    let r = app
        .post_form(&admin, "/admin/settings", "/admin/settings", &form)
        .await;
    assert_eq!(r.status(), 303);
    let s = app
        .with_conn(|c| clinic_stock::services::settings::load(c).unwrap())
        .await;
    assert_eq!(s.currency, "GBP");
    assert_eq!(s.expiring_window_days, 45);
    assert_eq!(s.gs1_separator, Some('|'));

    // Managers may not.
    let m = app.manager().await;
    assert_eq!(app.page(&m, "/admin/sites").await.0, 403);
    assert_eq!(app.page(&m, "/admin/settings").await.0, 403);
}
