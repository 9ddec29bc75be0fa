//! The reaction flag of a lot (issue 15, part 2) where managers look: the
//! lot page (with a link to its recall), `/alerts` and its menu badge,
//! `GET /api/v1/alerts` (`reaction_lots`) and the daily digest; each on the
//! sessions of the viewer's site only. World: reactions_world.rs.

use serde_json::json;

use crate::reactions_world::{page_ok, session, with_north, world};
use crate::support::*;
use clinic_stock::db;
use clinic_stock::services::alerts;
use clinic_stock::views::digest::DigestMail;

fn href(doc: &scraper::Html, css: &str) -> String {
    doc.select(&scraper::Selector::parse(css).unwrap())
        .next()
        .unwrap_or_else(|| panic!("no {css}"))
        .value()
        .attr("href")
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_lot_page_flags_the_lot_and_links_its_recall() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let manager = app.manager().await;
    let doc = page_ok(&app, &manager, &format!("/lots/{}", w.bad)).await;
    let recall = format!("/recall?product_id={}&lot=BAD-1", w.rl150);
    assert_eq!(href(&doc, "#lot-reaction-flag"), recall);
    assert_eq!(href(&doc, "#lot-reaction-recall"), recall);
    assert_eq!(text(&doc, "#lot-reaction-sessions"), "6");
    assert_eq!(text(&doc, "#lot-reaction-count"), "5");
    assert_eq!(text(&doc, "#lot-reaction-rate"), "83.3 %");
    assert_eq!(text(&doc, "#lot-reaction-others"), "10.0 %");
    assert_eq!(
        text(&doc, "#lot-reaction-effects"),
        "Redness 4, Scabbing 1, Milia 1"
    );
    // The other lot: figures, no flag.
    let doc = page_ok(&app, &manager, &format!("/lots/{}", w.good)).await;
    assert_eq!(count(&doc, "#lot-reaction-flag"), 0);
    assert_eq!(count(&doc, "#lot-reaction-warning"), 0);
    assert_eq!(text(&doc, "#lot-reaction-sessions"), "10");
    assert_eq!(text(&doc, "#lot-reaction-others"), "83.3 %");
    // A practitioner's read-only page has no panel.
    let pia = app.practitioner().await;
    let doc = page_ok(&app, &pia, &format!("/lots/{}", w.bad)).await;
    assert_eq!(count(&doc, "#lot-reactions"), 0);
    assert_eq!(count(&doc, "#lot-reaction-flag"), 0);
}

#[tokio::test]
async fn alerts_list_the_flagged_lot_in_the_api_the_page_and_the_badge() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let t = app.token_for(Role::Manager).await;
    let (s, v) = app.api_get(&t, "/api/v1/alerts?site=main").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["reaction_lots"],
        json!([{"lot_id": w.bad, "lot": "BAD-1", "product_id": w.rl150, "sku": "RL-150",
                "sessions": 6, "reactions": 5, "rate": 0.8333,
                "others_sessions": 10, "others_rate": 0.1}]),
        "{v}"
    );
    for other in [
        "low_stock",
        "expiring",
        "expired",
        "overdue_orders",
        "containers_past_discard",
    ] {
        assert_eq!(v[other], json!([]), "{other}: {v}");
    }
    let manager = app.manager().await;
    let doc = page_ok(&app, &manager, "/alerts?site=main").await;
    assert_eq!(text(&doc, "#alerts-total"), "1");
    let row = format!(".reaction-lots tr[data-lot=\"{}\"]", w.bad);
    assert_eq!(text(&doc, &format!("{row} .rate")), "83.3 %");
    assert_eq!(text(&doc, &format!("{row} .others-rate")), "10.0 %");
    assert_eq!(
        href(&doc, &format!("{row} a.recall")),
        format!("/recall?product_id={}&lot=BAD-1", w.rl150)
    );
    // The menu badge counts it.
    let doc = page_ok(&app, &manager, "/reports/usage?site=main").await;
    assert_eq!(text(&doc, "#alert-badge"), "1");
}

#[tokio::test]
async fn the_digest_names_the_flagged_lot() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (txt, html) = app
        .with_conn(|c| {
            let site = db::sites::by_code(c, "main").unwrap().unwrap();
            let now = db::now();
            let a = alerts::for_site(c, site, now).unwrap();
            let m = DigestMail::new(&a, "Clinic", "https://stock.example", now);
            (m.text().unwrap(), m.html().unwrap())
        })
        .await;
    assert!(txt.contains("LOTS WITH MANY SIDE EFFECTS"), "{txt}");
    assert!(
        txt.contains(
            "- Product RL-150 (RL-150) lot BAD-1: 5 of 6 sessions (83.3 %), other lots 10.0 %"
        ),
        "{txt}"
    );
    assert!(
        txt.contains(&format!(
            "recall: https://stock.example/recall?product_id={}&lot=BAD-1",
            w.rl150
        )),
        "{txt}"
    );
    let doc = scraper::Html::parse_document(&html);
    assert_eq!(
        count(&doc, &format!("#reaction-lots tr[data-lot=\"{}\"]", w.bad)),
        1
    );
}

#[tokio::test]
async fn each_site_sees_the_flag_of_its_own_sessions() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let ((nico, nico_token), (chris, _)) = with_north(&app, &w).await;
    // North's sessions with BAD-1 show nothing: no alert, no flag.
    let (s, v) = app.api_get(&nico_token, "/api/v1/alerts").await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["site"], "north");
    assert_eq!(v["reaction_lots"], json!([]), "{v}");
    let doc = page_ok(&app, &nico, &format!("/lots/{}", w.bad)).await;
    assert_eq!(count(&doc, "#lot-reaction-flag"), 0);
    assert_eq!(text(&doc, "#lot-reaction-sessions"), "6");
    assert_eq!(text(&doc, "#lot-reaction-count"), "0");
    assert_eq!(text(&doc, "#lot-reaction-others"), "0.0 %");
    // Every site together: 5 of 12 against 1 of 15, still flagged.
    let doc = page_ok(&app, &chris, &format!("/lots/{}", w.bad)).await;
    assert_eq!(text(&doc, "#lot-reaction-sessions"), "12");
    assert_eq!(text(&doc, "#lot-reaction-rate"), "41.7 %");
    assert_eq!(text(&doc, "#lot-reaction-others"), "6.7 %");
    assert_eq!(count(&doc, "#lot-reaction-flag"), 1);
    // The chain manager's alerts page: main's section lists it, north's not.
    let doc = page_ok(&app, &chris, "/alerts").await;
    let bad = format!("tr[data-lot=\"{}\"]", w.bad);
    assert_eq!(
        count(
            &doc,
            &format!("section[data-site=\"main\"] .reaction-lots {bad}")
        ),
        1
    );
    assert_eq!(
        count(&doc, "section[data-site=\"north\"] .reaction-lots"),
        0
    );
}

#[tokio::test]
async fn the_flag_follows_the_other_lots_rate() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    // Three more BAD-1 sessions without a side effect: 5 of 9 (55.6 %)
    // against 10 %: still flagged.
    for _ in 0..3 {
        session(&app, &w.admin, "main", w.rl150, w.bad, 1.5, None, &[]).await;
    }
    let t = app.token_for(Role::Manager).await;
    let (_, v) = app.api_get(&t, "/api/v1/alerts?site=main").await;
    assert_eq!(v["reaction_lots"][0]["sessions"], 9, "{v}");
    // GOOD-1 gets reactions until BAD-1 is no longer twice its rate:
    // 5 of 9 (55.6 %) against 6 of 15 (40 %).
    for _ in 0..5 {
        session(
            &app,
            &w.admin,
            "main",
            w.rl150,
            w.good,
            1.5,
            None,
            &["dry_skin"],
        )
        .await;
    }
    let (_, v) = app.api_get(&t, "/api/v1/alerts?site=main").await;
    assert_eq!(v["reaction_lots"], json!([]), "{v}");
    let (_, r) = app.api_get(&t, "/api/v1/reports/usage?site=main").await;
    let good = r["side_effects"]["by_lot"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lot"] == "GOOD-1")
        .unwrap()
        .clone();
    assert_eq!(good["sessions"], 15);
    assert_eq!(good["by_effect"]["dry_skin"], 5);
    app.assert_ledger_consistent().await;
}
