//! Side effects in the usage report (issue 15, part 2): by protocol, needle
//! length and lot, at the session and at follow-up, voided sessions left
//! out; the flagged lot links to its recall. Page (parsed), CSV and JSON
//! against the world of reactions_world.rs.

use serde_json::{Value, json};

use crate::reactions_world::{page_ok, with_north, world};
use crate::support::*;

fn lot_entry<'a>(v: &'a Value, lot: &str) -> &'a Value {
    v["side_effects"]["by_lot"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lot"] == lot)
        .unwrap_or_else(|| panic!("no lot {lot} in {v}"))
}

#[tokio::test]
async fn the_json_counts_side_effects_by_protocol_needle_and_lot() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let t = app.token_for(Role::Manager).await;
    let (s, v) = app.api_get(&t, "/api/v1/reports/usage?site=main").await;
    assert_eq!(s, 200, "{v}");
    let se = &v["side_effects"];
    // 18 sessions (the voided one left out), 6 with a side effect.
    assert_eq!(se["total"]["sessions"], 18, "{se}");
    assert_eq!(se["total"]["sessions_with_reaction"], 6);
    assert_eq!(se["total"]["at_session"], 5);
    assert_eq!(se["total"]["at_follow_up"], 2);
    assert_eq!(
        se["total"]["by_effect"],
        json!({"redness": 5, "bleeding": 0, "scabbing": 1, "dry_skin": 0, "milia": 1, "other": 0}),
        "bleeding and the follow-up's milia were on the voided session"
    );
    assert_eq!(se["total"]["rate"], json!(0.3333));

    let bad = lot_entry(&v, "BAD-1");
    assert_eq!(bad["lot_id"], w.bad);
    assert_eq!(bad["product_id"], w.rl150);
    assert_eq!(bad["sku"], "RL-150");
    assert_eq!(bad["sessions"], 6);
    assert_eq!(bad["sessions_with_reaction"], 5);
    assert_eq!(bad["at_session"], 4);
    assert_eq!(bad["at_follow_up"], 2);
    assert_eq!(bad["by_effect"]["redness"], 4);
    assert_eq!(bad["by_effect"]["milia"], 1, "once per session");
    assert_eq!(bad["by_effect"]["scabbing"], 1);
    assert_eq!(bad["by_effect"]["bleeding"], 0);
    assert_eq!(bad["rate"], json!(0.8333));
    assert_eq!(bad["others_sessions"], 10);
    assert_eq!(bad["others_rate"], json!(0.1));
    assert_eq!(bad["flagged"], true);

    let good = lot_entry(&v, "GOOD-1");
    assert_eq!(good["sessions"], 10);
    assert_eq!(good["sessions_with_reaction"], 1);
    assert_eq!(good["others_sessions"], 6);
    assert_eq!(good["flagged"], false);
    let c1 = lot_entry(&v, "C-1");
    assert_eq!(c1["sessions"], 2);
    assert_eq!(c1["others_sessions"], 0);
    assert_eq!(c1["flagged"], false);

    let protocols = se["by_protocol"].as_array().unwrap();
    assert_eq!(protocols.len(), 2, "{se}");
    assert_eq!(protocols[0]["protocol_id"], w.protocol);
    assert_eq!(protocols[0]["label"], "Acne 1.5");
    assert_eq!(protocols[0]["sessions"], 16);
    assert_eq!(protocols[0]["sessions_with_reaction"], 6);
    assert_eq!(protocols[1]["protocol_id"], Value::Null);
    assert_eq!(protocols[1]["sessions"], 2);
    assert_eq!(protocols[1]["sessions_with_reaction"], 0);

    let needles = se["by_needle_length"].as_array().unwrap();
    let pairs: Vec<(f64, i64, i64)> = needles
        .iter()
        .map(|n| {
            (
                n["needle_length_mm"].as_f64().unwrap(),
                n["sessions"].as_i64().unwrap(),
                n["sessions_with_reaction"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(pairs, vec![(1.0, 2, 0), (1.5, 16, 6)]);
}

#[tokio::test]
async fn the_page_shows_the_tables_and_links_the_flagged_lot_to_its_recall() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let client = app.manager().await;
    let doc = page_ok(&app, &client, "/reports/usage?site=main").await;
    assert_eq!(text(&doc, "#side-effects-total .sessions"), "18");
    assert_eq!(text(&doc, "#side-effects-total .reactions"), "6");
    assert_eq!(text(&doc, "#side-effects-total .rate"), "33.3 %");
    let bad = format!("#reactions-by-lot tr[data-lot=\"{}\"]", w.bad);
    assert_eq!(text(&doc, &format!("{bad} .sessions")), "6");
    assert_eq!(text(&doc, &format!("{bad} .reactions")), "5");
    assert_eq!(text(&doc, &format!("{bad} .rate")), "83.3 %");
    assert_eq!(text(&doc, &format!("{bad} .at-session")), "4");
    assert_eq!(text(&doc, &format!("{bad} .at-follow-up")), "2");
    assert_eq!(text(&doc, &format!("{bad} .others-rate")), "10.0 %");
    assert_eq!(count(&doc, &format!("{bad}.flagged")), 1);
    let recall = doc
        .select(&scraper::Selector::parse(&format!("{bad} .flag a")).unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    assert_eq!(recall, format!("/recall?product_id={}&lot=BAD-1", w.rl150));
    let good = format!("#reactions-by-lot tr[data-lot=\"{}\"]", w.good);
    assert_eq!(text(&doc, &format!("{good} .rate")), "10.0 %");
    assert_eq!(count(&doc, &format!("{good}.flagged")), 0);
    assert_eq!(count(&doc, &format!("{good} .flag a")), 0);
    assert_eq!(text(&doc, "#reactions-flagged"), "1 flagged");
    let acne = format!("#reactions-by-protocol tr[data-key=\"{}\"]", w.protocol);
    assert_eq!(text(&doc, &format!("{acne} .sessions")), "16");
    assert_eq!(text(&doc, &format!("{acne} .reactions")), "6");
    assert_eq!(
        text(&doc, "#reactions-by-needle tr[data-key=\"100\"] .sessions"),
        "2"
    );
    assert_eq!(
        text(&doc, "#reactions-by-needle tr[data-key=\"150\"] .rate"),
        "37.5 %"
    );
    assert!(text(&doc, "#reactions-rule").contains("at least 5 sessions"));
    // The recall link answers with the lot's sessions.
    let (s, recall_doc) = app.page(&client, &recall).await;
    assert_eq!(s, 200);
    assert!(count(&recall_doc, "a[href^=\"/sessions/\"]") >= 6);
}

#[tokio::test]
async fn the_csv_tables_carry_the_same_figures() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let client = app.manager().await;
    let get = |report: &'static str| {
        let client = client.clone();
        let url = app.url(&format!("/reports/usage.csv?site=main&report={report}"));
        async move {
            let r = client.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let body = r.text().await.unwrap();
            let mut rdr = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
            let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
            let rows: Vec<Vec<String>> = rdr
                .records()
                .map(|r| r.unwrap().iter().map(str::to_string).collect())
                .collect();
            (headers, rows)
        }
    };
    let (h, rows) = get("reactions-lots").await;
    assert_eq!(
        &h[..10],
        &[
            "Lot",
            "Lot id",
            "SKU",
            "Product",
            "Expiry",
            "Sessions",
            "With a side effect",
            "Rate",
            "At the session",
            "At follow-up"
        ]
    );
    assert_eq!(h.last().unwrap(), "Flagged");
    let bad = rows.iter().find(|r| r[0] == "BAD-1").unwrap();
    assert_eq!(bad[1], w.bad.to_string());
    assert_eq!(&bad[5..10], &["6", "5", "0.8333", "4", "2"]);
    assert_eq!(bad.last().unwrap(), "yes");
    let good = rows.iter().find(|r| r[0] == "GOOD-1").unwrap();
    assert_eq!(good.last().unwrap(), "no");
    assert_eq!(rows.len(), 3);

    let (h, rows) = get("reactions-needles").await;
    assert_eq!(h[0], "Needle length (mm)");
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[1][..4], &["1.5", "16", "6", "0.3750"]);
    let redness = h.iter().position(|c| c == "Redness").unwrap();
    assert_eq!(rows[1][redness], "5");

    let (h, rows) = get("reactions-protocols").await;
    assert_eq!(h[0], "Protocol");
    assert_eq!(&rows[0][..3], &["Acne 1.5", "16", "6"]);
    assert_eq!(&rows[1][..3], &["(no protocol)", "2", "0"]);
}

#[tokio::test]
async fn a_site_report_counts_that_sites_sessions_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let ((_, nico), (_, chris)) = with_north(&app, &w).await;
    // Nico (north) without a site: north's sessions only, nothing flagged.
    let (s, v) = app.api_get(&nico, "/api/v1/reports/usage").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["site"], "north");
    assert_eq!(v["side_effects"]["total"]["sessions"], 11);
    assert_eq!(v["side_effects"]["total"]["sessions_with_reaction"], 0);
    let bad = lot_entry(&v, "BAD-1");
    assert_eq!(bad["sessions"], 6);
    assert_eq!(bad["flagged"], false);
    // Main's report is not theirs.
    let (s, _) = app.api_get(&nico, "/api/v1/reports/usage?site=main").await;
    assert_eq!(s, 403);
    // Chris (every site) asking for main gets main's figures unchanged.
    let (s, v) = app.api_get(&chris, "/api/v1/reports/usage?site=main").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["side_effects"]["total"]["sessions"], 18);
    assert_eq!(lot_entry(&v, "BAD-1")["flagged"], true);
}
