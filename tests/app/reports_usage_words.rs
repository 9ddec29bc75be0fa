//! The usage report reads as the rest of the app (issue 14 item 12):
//! category names as on other pages, a value axis that ends at a round
//! number just above the data, an empty chart that says so, and protocol
//! default lines as a list.

use diesel::prelude::*;

use crate::fixtures::days;
use crate::reports_fixtures::{UsageSession, at_days_ago};
use crate::support::*;
use clinic_stock::db::schema::{protocol_lines, protocols};

#[tokio::test]
async fn category_names_and_a_round_axis_just_above_the_data() {
    let app = TestApp::new().await;
    // One cartridge at 8.50: the weekly chart (money) peaks at 850 cents.
    let cart = app.product("C15").cartridge(150).cost(850).create().await;
    let lido = app.product("LIDO").anesthetic().cost(0).create().await;
    app.stock(&cart, "C15-A", days(300), "10").await;
    app.stock(&lido, "LIDO-A", days(300), "30").await;
    app.usage_session(
        UsageSession::new(at_days_ago(2, 10), &[(&cart, "1"), (&lido, "1")]).needle(150),
    )
    .await;
    let client = app.manager().await;
    let (s, doc) = app.page(&client, "/reports/usage").await;
    assert_eq!(s, 200);
    // The category column says what the dashboard and stock list say.
    assert_eq!(
        texts(&doc, "#by-product tr[data-sku='C15'] td")[2],
        "Pen cartridge"
    );
    assert_eq!(
        texts(&doc, "#by-product tr[data-sku='LIDO'] td")[2],
        "Anaesthetic"
    );
    // 8.50 at most: the axis ends at 10.00 (it used to end at 20.00).
    let ticks = texts(&doc, "svg#chart-weekly text.tick");
    assert_eq!(ticks.last().map(String::as_str), Some("10.00"), "{ticks:?}");
    assert_eq!(ticks.first().map(String::as_str), Some("0.00"));
    // One session a day at most: the daily axis is 0 to 1.
    assert_eq!(texts(&doc, "svg#chart-daily text.tick"), ["0", "1"]);
    assert_eq!(count(&doc, "svg#chart-weekly text.empty"), 0);
}

#[tokio::test]
async fn an_empty_chart_says_so_instead_of_drawing_an_axis() {
    let app = TestApp::new().await;
    let client = app.manager().await;
    let (s, doc) = app.page(&client, "/reports/usage").await;
    assert_eq!(s, 200);
    assert_eq!(
        text(&doc, "svg#chart-weekly text.empty"),
        "No usage in this period"
    );
    assert_eq!(count(&doc, "svg#chart-weekly text.tick"), 0);
    assert_eq!(count(&doc, "svg#chart-weekly rect.bar"), 0);
    assert_eq!(count(&doc, "svg#chart-waste text.tick"), 0);
    assert_eq!(count(&doc, "svg#chart-daily text.tick"), 0);
    assert!(!doc.html().contains("0.01"));
}

#[tokio::test]
async fn protocol_lines_are_a_list() {
    let app = TestApp::new().await;
    let roller = app.product("R15").roller(150).create().await;
    let lido = app.product("LIDO").anesthetic().create().await;
    let (r, l) = (roller.id, lido.id);
    app.with_conn(move |c| {
        let id: i64 = diesel::insert_into(protocols::table)
            .values((
                protocols::name.eq("Acne 1.5 mm"),
                protocols::indication.eq("acne_scars"),
                protocols::needle_min.eq(100),
                protocols::needle_max.eq(200),
                protocols::created_at.eq(clinic_stock::db::now()),
            ))
            .returning(protocols::id)
            .get_result(c)
            .unwrap();
        for (pos, (product, q)) in [(r, 1000_i64), (l, 2500)].into_iter().enumerate() {
            diesel::insert_into(protocol_lines::table)
                .values((
                    protocol_lines::protocol_id.eq(id),
                    protocol_lines::product_id.eq(product),
                    protocol_lines::quantity.eq(q),
                    protocol_lines::position.eq(pos as i32),
                ))
                .execute(c)
                .unwrap();
        }
    })
    .await;
    let client = app.practitioner().await;
    let (s, doc) = app.page(&client, "/protocols").await;
    assert_eq!(s, 200);
    let lines = texts(&doc, "#protocols td.lines ul.protocol-lines li");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("Product R15") && lines[0].ends_with("1 each"));
    assert!(lines[1].contains("Product LIDO") && lines[1].ends_with("2.5 g"));
    assert!(!text(&doc, "#protocols td.lines").contains(';'));
}
