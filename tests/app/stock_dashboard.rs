//! The stock dashboard (managers' home), the practitioners' home and the
//! stock list page: the numbers the fixtures imply, parsed from the HTML.

use chrono::NaiveDate;

use crate::fixtures::{days, fixture_actor};
use crate::support::*;
use clinic_stock::db::ledger::StockAt;
use clinic_stock::db::models::NewLedgerRow;
use clinic_stock::db::{self, models::Product};
use clinic_stock::error::ServiceError;

/// Stock of a lot that has expired by now: received 60 days ago (the
/// receive service refuses expired deliveries, so this goes to the db layer).
pub async fn expired_lot(
    app: &TestApp,
    p: &Product,
    lot: &str,
    expiry: NaiveDate,
    qty: i64,
) -> i64 {
    let (pid, lot) = (p.id, lot.to_string());
    app.with_conn(move |c| {
        let actor = fixture_actor(c);
        let site = db::sites::by_code(c, "main").unwrap().unwrap();
        let store = db::sites::location_by_code(c, site.id, "store")
            .unwrap()
            .unwrap();
        db::write_tx(c, |c| {
            let id = db::lots::insert(c, pid, &lot, expiry)?;
            let at = db::now() - chrono::Duration::days(60);
            db::ledger::append(
                c,
                &NewLedgerRow::new(
                    LedgerKind::Receive,
                    StockAt {
                        site_id: site.id,
                        location_id: store.id,
                        product_id: pid,
                        lot_id: id,
                    },
                    qty,
                    actor.user_id,
                )
                .occurred_at(at)
                .created_at(at),
            )?;
            Ok::<_, ServiceError>(id)
        })
        .unwrap()
    })
    .await
}

/// The fixture clinic of these tests (quantities in the product's unit):
/// roller 1.5 mm: 12 usable, 3 expiring in 30 days, 2 expired;
/// cartridge 0.5 mm: 10 usable, min 20 (low);
/// lidocaine: 60 g usable + 30 g expiring in 10 days;
/// HA serum: only 5 ml expired, min 10 (low);
/// roller 3.0 mm: 4 usable (a length outside the standard rows).
async fn clinic(app: &TestApp) {
    let r15 = app.product("RL-150").roller(150).min("5").create().await;
    app.stock(&r15, "R15-A", days(200), "12").await;
    app.stock(&r15, "R15-B", days(30), "3").await;
    expired_lot(app, &r15, "R15-OLD", days(-5), 2000).await;
    let c05 = app.product("CT-050").cartridge(50).min("20").create().await;
    app.stock(&c05, "C05-A", days(100), "10").await;
    let lido = app.product("AN-LIDO").anesthetic().create().await;
    app.stock(&lido, "L-1", days(300), "60").await;
    app.stock(&lido, "L-2", days(10), "30").await;
    let ha = app.product("SR-HA").serum().min("10").create().await;
    expired_lot(app, &ha, "HA-OLD", days(-10), 5000).await;
    let r30 = app.product("RL-300").roller(300).create().await;
    app.stock(&r30, "R30-A", days(400), "4").await;
    app.product("DS-GLOVE").disposable().create().await;
}

fn cell(doc: &Html, needle: &str, col: &str) -> String {
    text(
        doc,
        &format!("#needle-grid tr[data-needle=\"{needle}\"] td[data-col=\"{col}\"]"),
    )
}

#[tokio::test]
async fn dashboard_shows_what_the_stock_implies() {
    let app = TestApp::new().await;
    clinic(&app).await;
    let m = app.manager().await;
    let (status, doc) = app.page(&m, "/").await;
    assert_eq!(status, 200);
    assert_eq!(text(&doc, "#site-name"), "Main clinic");

    let cat = |c: &str, col: &str| {
        text(
            &doc,
            &format!("#categories tr[data-category=\"{c}\"] td.{col}"),
        )
    };
    assert_eq!(
        cat("roller", "usable"),
        "19 each",
        "12 + 3 (1.5 mm) + 4 (3 mm)"
    );
    assert_eq!(cat("roller", "expiring"), "3 each");
    assert_eq!(cat("roller", "expired"), "2 each");
    assert_eq!(cat("roller", "products"), "2");
    assert_eq!(cat("cartridge", "usable"), "10 each");
    assert_eq!(cat("anesthetic", "usable"), "90 g");
    assert_eq!(cat("anesthetic", "expiring"), "30 g");
    assert_eq!(cat("serum", "usable"), "0");
    assert_eq!(cat("serum", "expired"), "5 ml");
    assert_eq!(cat("disposable", "usable"), "0");
    assert_eq!(
        count(&doc, "#categories tr[data-category=\"spf\"]"),
        0,
        "no SPF products"
    );

    // Needle grid: the standard rows plus 3 mm, in order.
    let rows: Vec<String> = {
        let sel = Selector::parse("#needle-grid tbody tr").unwrap();
        doc.select(&sel)
            .map(|e| e.value().attr("data-needle").unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(rows, ["0.25", "0.5", "0.75", "1", "1.5", "2", "2.5", "3"]);
    assert_eq!(cell(&doc, "1.5", "roller-usable"), "15");
    assert_eq!(cell(&doc, "1.5", "roller-lots"), "2");
    assert_eq!(cell(&doc, "1.5", "roller-next"), days(30).to_string());
    assert_eq!(cell(&doc, "1.5", "roller-below"), "0");
    assert_eq!(cell(&doc, "0.5", "cartridge-usable"), "10");
    assert_eq!(cell(&doc, "0.5", "cartridge-below"), "1");
    assert_eq!(cell(&doc, "3", "roller-usable"), "4");
    assert!(cell(&doc, "1", "roller-usable").contains("not stocked"));

    // Low stock: the serum (0 of 10) before the cartridge (10 of 20).
    let low: Vec<String> = {
        let sel = Selector::parse("#low-stock tbody tr").unwrap();
        doc.select(&sel)
            .map(|e| e.value().attr("data-sku").unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(low, ["SR-HA", "CT-050"]);
    assert_eq!(
        text(&doc, "#low-stock tr[data-sku=\"CT-050\"] td.usable"),
        "10 each"
    );
    assert_eq!(
        text(&doc, "#low-stock tr[data-sku=\"CT-050\"] td.min"),
        "20"
    );

    // Expired on the shelf, with the write-off button for this site.
    assert_eq!(count(&doc, "#expired tbody tr"), 2);
    assert_eq!(
        text(&doc, "#expired tr[data-lot=\"R15-OLD\"] td.qty"),
        "2 each"
    );
    assert_eq!(
        text(&doc, "#expired tr[data-lot=\"HA-OLD\"] td.qty"),
        "5 ml"
    );
    let form = Selector::parse("form#write-off[method=post][action=\"/stock/write-off-expired\"]")
        .unwrap();
    assert_eq!(doc.select(&form).count(), 1);
    let site = Selector::parse("form#write-off input[name=site]").unwrap();
    assert_eq!(
        doc.select(&site).next().unwrap().value().attr("value"),
        Some("main")
    );
    let csrf = Selector::parse("form#write-off input[name=csrf]").unwrap();
    assert!(
        doc.select(&csrf)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .is_some_and(|v| v.len() == 64)
    );
    assert_eq!(count(&doc, "#site-switch"), 0, "one site: no switcher");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn the_expiring_window_is_a_setting() {
    let app = TestApp::new().await;
    clinic(&app).await;
    let admin = app.admin().await;
    let r = app
        .post_form(
            &admin,
            "/admin/settings",
            "/admin/settings",
            &[
                ("clinic_name", "Test clinic"),
                ("currency", "EUR"),
                ("expiring_window_days", "20"),
                ("safety_days", "14"),
                ("cover_days", "30"),
                ("gs1_separator", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, "/").await;
    let cat = |c: &str, col: &str| {
        text(
            &doc,
            &format!("#categories tr[data-category=\"{c}\"] td.{col}"),
        )
    };
    assert_eq!(
        cat("roller", "expiring"),
        "0",
        "30 days is outside a 20-day window"
    );
    assert_eq!(cat("anesthetic", "expiring"), "30 g", "10 days is inside");
    assert!(text(&doc, ".as-of").contains("within 20 days"));
}

#[tokio::test]
async fn practitioners_get_the_simpler_home_and_sites_can_be_switched() {
    let app = TestApp::new().await;
    clinic(&app).await;
    let p = app.practitioner().await;
    let (status, doc) = app.page(&p, "/").await;
    assert_eq!(status, 200);
    assert!(
        text(&doc, "h1").starts_with("What is in"),
        "{}",
        text(&doc, "h1")
    );
    assert_eq!(count(&doc, "#write-off"), 0, "nothing to edit");
    assert_eq!(count(&doc, "#low-stock"), 0);
    assert_eq!(count(&doc, "#expired"), 0);
    assert_eq!(
        count(&doc, "form[method=post]:not([action=\"/logout\"])"),
        0
    );
    assert_eq!(cell(&doc, "1.5", "roller-usable"), "15");
    assert_eq!(
        text(
            &doc,
            "#categories tr[data-category=\"anesthetic\"] td.usable"
        ),
        "90 g"
    );

    // A second site: managers get a switcher; the other site is empty.
    let admin = app.admin().await;
    let r = app
        .post_form(
            &admin,
            "/admin/sites",
            "/admin/sites",
            &[("code", "north"), ("name", "North clinic")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, "/").await;
    assert_eq!(count(&doc, "#site-switch select[name=site] option"), 2);
    let (_, doc) = app.page(&admin, "/?site=north").await;
    assert_eq!(text(&doc, "#site-name"), "North clinic");
    assert_eq!(
        text(&doc, "#categories tr[data-category=\"roller\"] td.usable"),
        "0"
    );
    assert_eq!(count(&doc, "#expired"), 0);
    let sel = Selector::parse("#site-switch option[selected]").unwrap();
    assert_eq!(
        doc.select(&sel).next().unwrap().value().attr("value"),
        Some("north")
    );
    let (status, _) = app.page(&admin, "/?site=nowhere").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn stock_list_filters_and_shows_usable_expired_per_product() {
    let app = TestApp::new().await;
    clinic(&app).await;
    let p = app.practitioner().await;
    let (status, doc) = app.page(&p, "/stock").await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#stock tbody tr"), 6);
    let row = |doc: &Html, sku: &str, col: &str| {
        text(doc, &format!("#stock tr[data-sku=\"{sku}\"] td.{col}"))
    };
    assert_eq!(row(&doc, "RL-150", "usable"), "15 each");
    assert_eq!(row(&doc, "RL-150", "expired"), "2");
    assert_eq!(row(&doc, "RL-150", "lots"), "2");
    assert_eq!(row(&doc, "SR-HA", "expired"), "5");
    let (_, doc) = app.page(&p, "/stock?category=roller").await;
    assert_eq!(count(&doc, "#stock tbody tr"), 2);
    let (_, doc) = app
        .page(&p, "/stock?category=roller&needle_length_mm=1.5")
        .await;
    assert_eq!(count(&doc, "#stock tbody tr"), 1);
    let (_, doc) = app.page(&p, "/stock?q=lido").await;
    assert_eq!(count(&doc, "#stock tbody tr"), 1);
    assert_eq!(row(&doc, "AN-LIDO", "usable"), "90 g");
}

#[tokio::test]
async fn the_write_off_button_clears_the_expired_list() {
    let app = TestApp::new().await;
    clinic(&app).await;
    let m = app.manager().await;
    // Issue 14: the button lists first; the list's button writes off.
    let r = crate::workflow_traps::confirm_write_off(&app, &m, "main")
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&m, "/").await;
    assert_eq!(count(&doc, "#expired"), 0);
    assert_eq!(count(&doc, "#expired-none"), 1);
    assert_eq!(
        text(&doc, "#categories tr[data-category=\"roller\"] td.expired"),
        "0"
    );
    assert_eq!(
        text(&doc, "#categories tr[data-category=\"roller\"] td.usable"),
        "19 each",
        "usable stock untouched"
    );
    app.assert_ledger_consistent().await;
}
