//! Usage and waste figures against hand-computed fixtures: the page's
//! tables (parsed), its charts, its CSV downloads and the JSON API.

use std::collections::BTreeMap;

use chrono::Datelike;
use diesel::prelude::*;
use serde_json::json;

use crate::fixtures::days;
use crate::reports_fixtures::{UsageSession, at_days_ago, today};
use crate::support::*;
use clinic_stock::db::schema::protocols;

async fn protocol(app: &TestApp, name: &str, indication: &str, min: i32, max: i32) -> i64 {
    let (name, indication) = (name.to_string(), indication.to_string());
    app.with_conn(move |c| {
        diesel::insert_into(protocols::table)
            .values((
                protocols::name.eq(name),
                protocols::indication.eq(indication),
                protocols::needle_min.eq(min),
                protocols::needle_max.eq(max),
                protocols::created_at.eq(clinic_stock::db::now()),
            ))
            .returning(protocols::id)
            .get_result(c)
            .unwrap()
    })
    .await
}

fn csv_rows(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

/// The fixture clinic of the usage tests, and the report range
/// [today − 29, today − 1] as `from=…&to=…`.
struct Usage {
    app: TestApp,
    r15: i64,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    range: String,
}

async fn usage_fixture() -> Usage {
    let app = TestApp::new().await;
    let r10 = app.product("R10").roller(100).cost(500).create().await;
    let r15 = app.product("R15").roller(150).cost(600).create().await;
    let lido = app.product("LIDO").anesthetic().cost(20).create().await;
    let ha = app.product("HA").serum().cost(150).create().await;
    app.stock(&r10, "R10-A", days(300), "10").await;
    let r15_lot = app.stock(&r15, "R15-A", days(300), "10").await;
    let lido_lot = app.stock(&lido, "LIDO-A", days(300), "60").await;
    let ha_lot = app.stock(&ha, "HA-A", days(300), "20").await;
    let acne = protocol(&app, "Acne 1.5 mm face", "acne_scars", 100, 200).await;
    let fine = protocol(&app, "Fine lines 1.0 mm", "fine_lines", 50, 100).await;
    let anna = app.add_user("anna", Role::Practitioner).await;
    let ben = app.add_user("ben", Role::Practitioner).await;

    // In the range [today − 29, today − 1]:
    app.usage_session(
        UsageSession::new(at_days_ago(3, 9), &[(&r15, "1"), (&lido, "4"), (&ha, "2")])
            .needle(150)
            .protocol(acne)
            .indication("acne_scars")
            .by(anna),
    )
    .await; // 6.00 + 0.80 + 3.00 = 9.80
    app.usage_session(
        UsageSession::new(at_days_ago(3, 11), &[(&r15, "1"), (&lido, "3")])
            .needle(150)
            .protocol(acne)
            .indication("acne_scars")
            .by(ben),
    )
    .await; // 6.00 + 0.60 = 6.60
    app.usage_session(
        UsageSession::new(at_days_ago(10, 9), &[(&r10, "1"), (&ha, "1")])
            .needle(100)
            .protocol(fine)
            .indication("fine_lines")
            .by(anna),
    )
    .await; // 5.00 + 1.50 = 6.50
    app.usage_session(
        UsageSession::new(at_days_ago(12, 9), &[(&r10, "1")])
            .needle(100)
            .by(ben),
    )
    .await; // 5.00
    let voided = app
        .usage_session(
            UsageSession::new(at_days_ago(12, 15), &[(&r15, "1"), (&lido, "5")])
                .needle(150)
                .protocol(acne)
                .by(anna),
        )
        .await;
    app.usage_void(voided).await;
    // Outside the range.
    app.usage_session(
        UsageSession::new(at_days_ago(40, 9), &[(&r10, "1")])
            .needle(100)
            .by(ben),
    )
    .await;
    app.usage_session(
        UsageSession::new(at_days_ago(0, 0), &[(&r10, "1")])
            .needle(100)
            .by(ben),
    )
    .await;
    // Waste: 10 g expired (2.00), 2 ml damaged (3.00), 1 roller waste (6.00); a count
    // correction and an old write-off do not count.
    app.usage_write_off(lido_lot, "10", "expired", at_days_ago(5, 8))
        .await;
    app.usage_write_off(ha_lot, "2", "damaged", at_days_ago(20, 8))
        .await;
    app.usage_write_off(r15_lot, "1", "waste", at_days_ago(20, 9))
        .await;
    app.usage_write_off(r15_lot, "1", "count", at_days_ago(6, 9))
        .await;
    app.usage_write_off(lido_lot, "1", "expired", at_days_ago(45, 9))
        .await;

    let (from, to) = (
        today() - chrono::Duration::days(29),
        today() - chrono::Duration::days(1),
    );
    let range = format!("from={from}&to={to}");
    Usage {
        app,
        r15: r15.id,
        from,
        to,
        range,
    }
}

#[tokio::test]
async fn usage_page_figures_match_the_fixtures() {
    let Usage { app, range, .. } = usage_fixture().await;
    let client = app.manager().await;
    let (s, doc) = app.page(&client, &format!("/reports/usage?{range}")).await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#sessions-total"), "4");
    assert_eq!(text(&doc, "#consumption-cost"), "27.90");
    assert_eq!(text(&doc, "#cost-per-session"), "6.98"); // 27.90 / 4 = 6.975, half up
    assert_eq!(text(&doc, "#waste-cost"), "11.00");
    // Each cost card names the site's currency beside its figure.
    assert_eq!(
        texts(&doc, "#usage-summary article .big small"),
        ["EUR", "EUR", "EUR"]
    );
    // By product.
    let cells = |sku: &str| texts(&doc, &format!("#by-product tr[data-sku='{sku}'] td"));
    assert_eq!(cells("R15")[3..], ["2", "each", "12.00"]);
    assert_eq!(cells("R10")[3..], ["2", "each", "10.00"]);
    assert_eq!(cells("LIDO")[3..], ["7", "g", "1.40"]);
    assert_eq!(cells("HA")[3..], ["3", "ml", "4.50"]);
    assert_eq!(text(&doc, "#by-product-total"), "27.90");
    // By category.
    assert_eq!(
        texts(&doc, "#by-category tr[data-key='roller'] td")[1..],
        ["4 each", "22.00"]
    );
    assert_eq!(
        texts(&doc, "#by-category tr[data-key='anesthetic'] td")[1..],
        ["7 g", "1.40"]
    );
    // Needle lengths: sessions, share, rollers of that length used.
    assert_eq!(
        texts(&doc, "#by-needle tr[data-key='150'] td"),
        ["1.5 mm", "2", "50.0 %", "2 each", "12.00"]
    );
    assert_eq!(
        texts(&doc, "#by-needle tr[data-key='100'] td"),
        ["1 mm", "2", "50.0 %", "2 each", "10.00"]
    );
    // Protocols, indications, practitioners: sessions, share, cost, cost per session.
    let group = |table: &str| -> BTreeMap<String, Vec<String>> {
        let sel = Selector::parse(&format!("#{table} tbody tr")).unwrap();
        let td = Selector::parse("td").unwrap();
        doc.select(&sel)
            .map(|tr| {
                let cells: Vec<String> = tr
                    .select(&td)
                    .map(|c| c.text().collect::<String>().trim().to_string())
                    .collect();
                (cells[0].clone(), cells[1..].to_vec())
            })
            .collect()
    };
    let p = group("by-protocol");
    assert_eq!(p["Acne 1.5 mm face"], ["2", "50.0 %", "16.40", "8.20"]);
    assert_eq!(p["Fine lines 1.0 mm"], ["1", "25.0 %", "6.50", "6.50"]);
    assert_eq!(p["(no protocol)"], ["1", "25.0 %", "5.00", "5.00"]);
    let i = group("by-indication");
    assert_eq!(i["Acne scars"], ["2", "50.0 %", "16.40", "8.20"]);
    assert_eq!(i["(not recorded)"], ["1", "25.0 %", "5.00", "5.00"]);
    let pr = group("by-practitioner");
    assert_eq!(pr["anna"], ["2", "50.0 %", "16.30", "8.15"]);
    assert_eq!(pr["ben"], ["2", "50.0 %", "11.60", "5.80"]);
    // Sessions per day: one row per day of the range.
    let daily = texts(&doc, "#daily-table tbody tr");
    assert_eq!(daily.len(), 29);
    assert!(daily.contains(&format!("{} 2", today() - chrono::Duration::days(3))));
    assert!(daily.contains(&format!("{} 1", today() - chrono::Duration::days(12))));
}

#[tokio::test]
async fn usage_page_waste_and_charts_match_the_fixtures() {
    let Usage { app, range, .. } = usage_fixture().await;
    let client = app.manager().await;
    let (s, doc) = app.page(&client, &format!("/reports/usage?{range}")).await;
    assert_eq!(s, 200);
    // Waste by product and reason.
    assert_eq!(
        texts(&doc, "#waste-products tr[data-sku='LIDO'] td")[2..],
        ["10", "0", "0", "10", "g", "2.00"]
    );
    assert_eq!(
        texts(&doc, "#waste-products tr[data-sku='HA'] td")[2..],
        ["0", "2", "0", "2", "ml", "3.00"]
    );
    assert_eq!(
        texts(&doc, "#waste-products tr[data-sku='R15'] td")[2..],
        ["0", "0", "1", "1", "each", "6.00"]
    );
    // Waste per month: the write-offs' months, in cents.
    let mut months: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    for (d, cents) in [(5, 200), (20, 300), (20, 600)] {
        let day = today() - chrono::Duration::days(d);
        *months.entry((day.year(), day.month())).or_default() += cents;
    }
    let shown: Vec<String> = texts(&doc, "#waste-months td.cost");
    let total: i64 = shown
        .iter()
        .map(|c| (c.parse::<f64>().unwrap() * 100.0).round() as i64)
        .sum();
    assert_eq!(total, 1100);
    for cents in months.values() {
        assert!(
            shown.contains(&format!("{}.{:02}", cents / 100, cents % 100)),
            "{shown:?}"
        );
    }
    // Charts: server-rendered SVG, one bar per week / needle length / month / day,
    // with titles for screen readers; no inline styles.
    assert_eq!(
        count(&doc, "svg#chart-weekly rect.bar"),
        count(&doc, "#weekly-table tbody tr")
    );
    assert_eq!(count(&doc, "svg#chart-needles rect.bar"), 2);
    assert_eq!(count(&doc, "svg#chart-waste rect.bar"), shown.len());
    assert_eq!(count(&doc, "svg#chart-daily rect.bar"), 29);
    assert_eq!(count(&doc, "svg[role=img] > title"), 4);
    assert_eq!(count(&doc, "[style]"), 0);
}

#[tokio::test]
async fn usage_weekly_chart_for_a_product_or_a_category() {
    let Usage {
        app, r15, range, ..
    } = usage_fixture().await;
    let client = app.manager().await;
    // The weekly chart for one product counts its unit.
    let (_, doc) = app
        .page(&client, &format!("/reports/usage?{range}&product={}", r15))
        .await;
    let weekly: Vec<String> = texts(&doc, "#weekly-table td.qty");
    let sum: i64 = weekly.iter().map(|q| q.parse::<i64>().unwrap()).sum();
    assert_eq!(sum, 2);
    assert!(text(&doc, "#chart-weekly title").contains("in each"));
    // … or for a category.
    let (_, doc) = app
        .page(
            &client,
            &format!("/reports/usage?{range}&category=anesthetic"),
        )
        .await;
    let sum: i64 = texts(&doc, "#weekly-table td.qty")
        .iter()
        .map(|q| q.parse::<i64>().unwrap())
        .sum();
    assert_eq!(sum, 7);
}

#[tokio::test]
async fn usage_csv_downloads_match_the_fixtures() {
    let Usage { app, range, .. } = usage_fixture().await;
    let client = app.manager().await;
    // CSV downloads.
    let get = |path: String| {
        let client = client.clone();
        let url = app.url(&path);
        async move {
            let r = client.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let (h, rows) = csv_rows(&get(format!("/reports/usage.csv?report=products&{range}")).await);
    assert_eq!(
        h,
        ["SKU", "Product", "Category", "Quantity", "Unit", "Cost"]
    );
    assert!(rows.contains(&vec![
        "LIDO".into(),
        "Product LIDO".into(),
        "anesthetic".into(),
        "7".into(),
        "g".into(),
        "1.40".into()
    ]));
    let (_, rows) =
        csv_rows(&get(format!("/reports/usage.csv?report=practitioners&{range}")).await);
    assert!(rows.contains(&vec![
        "anna".into(),
        "2".into(),
        "".into(),
        "mixed".into(),
        "16.30".into(),
        "8.15".into()
    ]));
    let (_, rows) = csv_rows(&get(format!("/reports/usage.csv?report=waste&{range}")).await);
    assert_eq!(rows.len(), 3);
    let (_, rows) = csv_rows(&get(format!("/reports/usage.csv?report=daily&{range}")).await);
    assert_eq!(rows.len(), 29);
    let r = client
        .get(app.url("/reports/usage.csv?report=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn usage_api_matches_the_fixtures() {
    let Usage {
        app,
        range,
        from,
        to,
        ..
    } = usage_fixture().await;
    // JSON.
    let m = app.token_for(Role::Manager).await;
    let (s, j) = app
        .api_get(&m, &format!("/api/v1/reports/usage?{range}"))
        .await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["sessions"], 4);
    assert_eq!(j["consumption_cost_cents"], 2790);
    assert_eq!(j["session_cost_cents"], 2790);
    assert_eq!(j["cost_per_session_cents"], 698);
    assert_eq!(j["waste"]["total"]["cost_cents"], 1100);
    assert_eq!(j["waste"]["by_reason"]["expired"]["quantity"], json!(10));
    let (s, e) = app
        .api_get(&m, &format!("/api/v1/reports/usage?from={to}&to={from}"))
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("from")));
}

#[tokio::test]
async fn an_empty_period_renders_empty_charts_and_tables() {
    let app = TestApp::new().await;
    let client = app.manager().await;
    let (s, doc) = app.page(&client, "/reports/usage").await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#sessions-total"), "0");
    assert_eq!(text(&doc, "#cost-per-session"), "—");
    assert_eq!(count(&doc, "svg#chart-weekly text.empty"), 1);
    let (s, doc) = app.page(&client, "/reports/usage?from=2026-02-30").await;
    assert_eq!(s, 422);
    assert_eq!(count(&doc, "input[name=from][aria-invalid=true]"), 1);
}
