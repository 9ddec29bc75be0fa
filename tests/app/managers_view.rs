//! What managers looked for and did not find (issue 14 item 10), parsed
//! from the pages: what is on order (dashboard, product page, low stock),
//! which lots expire soon (on the site's local date) and the stock value
//! at cost (dashboard total, per product on the stock list).

use chrono::Duration;

use crate::fixtures::{days, fixture_actor};
use crate::stock_dashboard::expired_lot;
use crate::support::*;
use clinic_stock::db::{self, models::Product};
use clinic_stock::services::orders::{self, LineDraft, OrderDraft, SendDraft};
use clinic_stock::services::receiving::{self, ReceiveDraft};

impl TestApp {
    /// Receives `qty` of a lot into main/store with a unit cost on the receipt.
    pub async fn receive_costed(
        &self,
        p: &Product,
        lot: &str,
        expiry: chrono::NaiveDate,
        qty: &str,
        unit_cost: &str,
    ) -> (i64, i64) {
        let d = ReceiveDraft {
            site: Some("main".into()),
            location: Some("store".into()),
            product_id: Some(p.id.to_string()),
            lot: Some(lot.into()),
            expiry: Some(expiry.to_string()),
            quantity: Some(qty.into()),
            unit_cost: Some(unit_cost.into()),
            ..ReceiveDraft::default()
        };
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            let r = receiving::receive(c, &actor, &d).unwrap();
            (r.receipt_id, r.lot_id)
        })
        .await
    }

    /// An order of `packs` of `p` at site main; sent when `send`.
    pub async fn order(&self, supplier: i64, p: &Product, packs: &str, send: bool) -> i64 {
        let d = OrderDraft {
            site: Some("main".into()),
            supplier_id: Some(supplier.to_string()),
            note: None,
            lines: vec![LineDraft {
                product_id: Some(p.id.to_string()),
                packs: Some(packs.into()),
                pack_cost_cents: None,
                pack_cost: None,
            }],
        };
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            let id = orders::create(c, &actor, &d).unwrap().order.id;
            if send {
                orders::send(c, &actor, id, &SendDraft::default(), db::now()).unwrap();
            }
            id
        })
        .await
    }
}

fn row_text(doc: &scraper::Html, table: &str, sku: &str, cell: &str) -> String {
    text(doc, &format!("{table} tr[data-sku=\"{sku}\"] {cell}"))
}

#[tokio::test]
async fn on_order_is_shown_on_the_dashboard_the_product_page_and_the_low_stock_lists() {
    let app = TestApp::new().await;
    let sup = app.supplier("Alpha Medical", Some(5)).await;
    let low = app
        .product("CT-050")
        .cartridge(50)
        .pack("1")
        .supplier(sup)
        .min("20")
        .create()
        .await;
    let other = app
        .product("SR-HA")
        .serum()
        .supplier(sup)
        .pack("5")
        .create()
        .await;
    let drafted = app
        .product("DS-GLOVE")
        .disposable()
        .supplier(sup)
        .create()
        .await;
    app.stock(&low, "C05-A", days(200), "4").await;
    app.order(sup, &low, "3", true).await; // 3 packs of 1
    app.order(sup, &other, "2", true).await; // 2 packs of 5 ml
    app.order(sup, &drafted, "7", false).await; // a draft: not on order
    let client = app.manager().await;

    let (status, doc) = app.page(&client, "/").await;
    assert_eq!(status, 200);
    assert_eq!(row_text(&doc, "#low-stock", "CT-050", ".on-order"), "3");
    assert_eq!(row_text(&doc, "#on-order", "CT-050", ".qty"), "3 each");
    assert_eq!(row_text(&doc, "#on-order", "SR-HA", ".qty"), "10 ml");
    assert_eq!(count(&doc, "#on-order tr[data-sku=\"DS-GLOVE\"]"), 0);
    assert_eq!(count(&doc, "#on-order tbody tr"), 2);

    let (_, page) = app.page(&client, &format!("/products/{}", low.id)).await;
    assert_eq!(text(&page, "#total-on-order"), "3");
    let (_, page) = app
        .page(&client, &format!("/products/{}", drafted.id))
        .await;
    assert_eq!(text(&page, "#total-on-order"), "0");

    let (_, alerts) = app.page(&client, "/alerts").await;
    assert_eq!(
        text(&alerts, "table.low-stock tr[data-sku=\"CT-050\"] .on-order"),
        "3"
    );

    // Receiving 2 of the 3 against the order: 1 still to come everywhere.
    let low_id = low.id.to_string();
    app.with_conn(move |c| {
        use diesel::prelude::*;
        let actor = fixture_actor(c);
        let order_id: i64 = db::schema::purchase_orders::table
            .select(db::schema::purchase_orders::id)
            .order(db::schema::purchase_orders::id)
            .first(c)
            .unwrap();
        let d = orders::receive::OrderReceiptDraft {
            location: Some("store".into()),
            lines: vec![orders::receive::ReceiveLineDraft {
                product_id: Some(low_id),
                lot: Some("C05-B".into()),
                expiry: Some(days(300).to_string()),
                quantity: Some("2".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        orders::receive::receive(c, &actor, order_id, &d, &orders::api_line_field).unwrap();
    })
    .await;
    let (_, doc) = app.page(&client, "/").await;
    assert_eq!(row_text(&doc, "#on-order", "CT-050", ".qty"), "1 each");
    let (_, page) = app.page(&client, &format!("/products/{}", low.id)).await;
    assert_eq!(text(&page, "#total-on-order"), "1");
}

#[tokio::test]
async fn the_dashboard_lists_the_lots_expiring_soon_on_the_sites_local_date() {
    let app = TestApp::new().await;
    // A zone whose date differs from UTC's now: behind UTC in the UTC
    // morning, ahead of it later in the day.
    let hour = chrono::Timelike::hour(&db::now());
    let zone = if hour < 11 {
        "Pacific/Pago_Pago"
    } else {
        "Pacific/Kiritimati"
    };
    let clock = app.set_zone(zone).await;
    let today = clock.today(db::now());
    assert_ne!(
        today,
        db::now().date(),
        "the zone's date differs from UTC's"
    );
    let r15 = app.product("RL-150").roller(150).create().await;
    let soon = expired_lot(&app, &r15, "R15-TODAY", today, 3000).await;
    let gone = expired_lot(&app, &r15, "R15-YDAY", today - Duration::days(1), 2000).await;
    let later = expired_lot(&app, &r15, "R15-LATER", today + Duration::days(400), 9000).await;
    let client = app.manager().await;
    let (status, doc) = app.page(&client, "/").await;
    assert_eq!(status, 200);

    let listed: Vec<String> = doc
        .select(&scraper::Selector::parse("#expiring-lots tbody tr").unwrap())
        .map(|r| r.value().attr("data-lot").unwrap().to_string())
        .collect();
    assert_eq!(listed, vec!["R15-TODAY"]);
    let row = "#expiring-lots tr[data-lot=\"R15-TODAY\"]";
    assert_eq!(text(&doc, &format!("{row} .use-by")), today.to_string());
    assert_eq!(text(&doc, &format!("{row} .qty")), "3 each");
    assert_eq!(text(&doc, &format!("{row} .location")), "store");
    let link: Vec<String> = doc
        .select(&scraper::Selector::parse(&format!("{row} .lot a")).unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert_eq!(link, vec![format!("/lots/{soon}")]);
    // The lot that expired yesterday at the site is in the expired list.
    assert_eq!(count(&doc, "#expired tr[data-lot=\"R15-YDAY\"]"), 1);
    assert!(gone > 0 && later > 0);
}

#[tokio::test]
async fn stock_value_at_cost_uses_the_receipts_cost_else_the_products_and_never_a_wrong_zero() {
    let app = TestApp::new().await;
    let costed = app.product("AN-LIDO").anesthetic().cost(999).create().await;
    let catalogue = app.product("RL-150").roller(150).cost(150).create().await;
    let unknown = app.product("SR-HA").serum().create().await;
    // 10 g at 2.00 and 30 g at 3.00 in one lot: 2.75 a gram; another lot at 1.00.
    let (_, lot) = app
        .receive_costed(&costed, "L-1", days(300), "10", "2.00")
        .await;
    app.receive_costed(&costed, "L-1", days(300), "30", "3.00")
        .await;
    app.receive_costed(&costed, "L-2", days(200), "2.5", "1.00")
        .await;
    app.stock(&catalogue, "R-1", days(300), "4").await; // no receipt cost: 1.50 each
    app.stock(&unknown, "H-1", days(300), "5").await; // no cost anywhere
    assert!(lot > 0);
    let client = app.manager().await;

    let (_, list) = app.page(&client, "/stock").await;
    // 40 × 2.75 + 2.5 × 1.00 = 112.50
    assert_eq!(row_text(&list, "#stock", "AN-LIDO", ".value"), "112.50 EUR");
    assert_eq!(row_text(&list, "#stock", "RL-150", ".value"), "6.00 EUR");
    assert_eq!(row_text(&list, "#stock", "SR-HA", ".value"), "—");

    let (_, doc) = app.page(&client, "/").await;
    assert_eq!(text(&doc, "#value-total"), "118.50 EUR");
    assert_eq!(text(&doc, "#value-unknown"), "1");
}

#[tokio::test]
async fn with_no_cost_known_the_total_is_a_dash_not_zero() {
    let app = TestApp::new().await;
    let unknown = app.product("SR-HA").serum().create().await;
    let client = app.manager().await;
    // Nothing on hand: the value is truly 0.
    let (_, doc) = app.page(&client, "/").await;
    assert_eq!(text(&doc, "#value-total"), "0.00 EUR");
    app.stock(&unknown, "H-1", days(300), "5").await;
    let (_, doc) = app.page(&client, "/").await;
    assert_eq!(text(&doc, "#value-total"), "—");
    assert_eq!(text(&doc, "#value-unknown"), "1");
}
