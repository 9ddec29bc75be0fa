//! Finding a line on the count sheet (issue 14 item 10): a search or a GS1
//! scan (the parser `/receive` uses) narrows the sheet with a GET (no
//! JavaScript) or, in the browser, hides the other lines and puts the
//! cursor in the found line's Counted box without losing what was typed.

use crate::fixtures::days;
use crate::support::*;
use crate::webdriver::{Driver, login};

const GTIN: &str = "09506000134352";

/// Lots of a roller with a GTIN, H-1 of a serum; the store's id.
async fn shelf(app: &TestApp) -> (i64, [i64; 3]) {
    let r = app.product("RL-150").roller(150).gtin(GTIN).create().await;
    let ha = app
        .product("SR-HA")
        .name("Hyaluronic serum")
        .serum()
        .create()
        .await;
    let a1 = app.stock(&r, "A-1", days(100), "5").await;
    let a2 = app.stock(&r, "A-2", days(200), "7").await;
    let h1 = app.stock(&ha, "H-1", days(300), "3").await;
    (app.location_id("store").await, [a1, a2, h1])
}

fn lots(doc: &scraper::Html) -> Vec<String> {
    doc.select(&scraper::Selector::parse("#count-sheet tbody tr").unwrap())
        .map(|r| r.value().attr("data-lot").unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_search_or_a_scan_narrows_the_count_sheet_without_javascript() {
    let app = TestApp::new().await;
    let (store, [a1, a2, h1]) = shelf(&app).await;
    let client = app.manager().await;
    let (_, all) = app.page(&client, &format!("/counts/{store}")).await;
    assert_eq!(lots(&all).len(), 3);
    assert_eq!(count(&all, "#count-find input[name=q]"), 1);

    for (q, want) in [
        ("h-1", vec![h1]),
        ("hyaluronic", vec![h1]),
        ("rl-150", vec![a1, a2]),
        // A GS1 scan: GTIN and lot, bracketed or raw; GTIN alone finds both lots.
        ("(01)09506000134352(17)271231(10)A-2", vec![a2]),
        ("010950600013435210A-1", vec![a1]),
        ("0109506000134352", vec![a1, a2]),
        ("nothing like it", vec![]),
    ] {
        let url = format!("/counts/{store}?q={}", urlencode(q));
        let (status, doc) = app.page(&client, &url).await;
        assert_eq!(status, 200, "{q}");
        let want: Vec<String> = want.iter().map(|i| i.to_string()).collect();
        assert_eq!(lots(&doc), want, "{q}");
        assert!(text(&doc, "#count-found").starts_with(&format!("{} of 3 lines", want.len())));
        if let Some(first) = want.first() {
            // The cursor goes to the found line's Counted box.
            let focused: Vec<String> = doc
                .select(&scraper::Selector::parse("#count-sheet input[autofocus]").unwrap())
                .map(|i| i.value().attr("name").unwrap().to_string())
                .collect();
            assert_eq!(focused, vec!["counted"], "{q}");
            assert_eq!(
                count(&doc, &format!("tr[data-lot=\"{first}\"] input[autofocus]")),
                1
            );
        }
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn browser_find_a_line_keeps_what_was_typed_and_focuses_its_counted_box() {
    let Some(driver) = Driver::start("browser_find_a_line_on_the_count_sheet").await else {
        return;
    };
    let app = TestApp::new().await;
    let (store, [a1, a2, h1]) = shelf(&app).await;
    app.add_user("mona", Role::Manager).await;
    let b = driver.session(768, 1024).await;
    login(&app, &b, "mona").await;
    b.goto(&app.url(&format!("/counts/{store}"))).await;
    let serum = b
        .find(&format!("tr[data-lot=\"{h1}\"] input[name=counted]"))
        .await;
    b.type_text(&serum, "2").await;

    // Typed text: found in the page.
    let q = b.find("#count-find-q").await;
    b.type_text(&q, "A-2\n").await;
    b.wait_until(
        "A-2's Counted box focused",
        &format!(
            "const a = document.activeElement; return a && a.name === 'counted' && a.closest('tr').dataset.lot === '{a2}'"
        ),
    )
    .await;
    assert_eq!(b.current_url().await, app.url(&format!("/counts/{store}")));
    let hidden = b
        .script(&format!(
            "return document.querySelector('tr[data-lot=\"{h1}\"]').hidden"
        ))
        .await;
    assert_eq!(hidden, serde_json::json!(true));
    b.type_text(
        &b.find(&format!("tr[data-lot=\"{a2}\"] input[name=counted]"))
            .await,
        "7",
    )
    .await;

    // A scan (as a keyboard-wedge scanner types it): read by the server's parser.
    b.clear(&q).await;
    b.type_text(&q, "(01)09506000134352(10)A-1\n").await;
    b.wait_until(
        "A-1's Counted box focused",
        &format!(
            "const a = document.activeElement; return a && a.name === 'counted' && a.closest('tr').dataset.lot === '{a1}'"
        ),
    )
    .await;
    b.type_text(
        &b.find(&format!("tr[data-lot=\"{a1}\"] input[name=counted]"))
            .await,
        "4",
    )
    .await;

    let png = b.full_screenshot().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("count-find-768.png"), &png).unwrap();

    // Booking the count books every line typed, the hidden one too.
    b.click(&b.find("#count-form button[type=submit]").await)
        .await;
    b.wait_until(
        "the count result",
        "return location.pathname.startsWith('/counts/result/')",
    )
    .await;
    assert_eq!(app.balance(h1, "store").await, 2_000);
    assert_eq!(app.balance(a2, "store").await, 7_000);
    assert_eq!(app.balance(a1, "store").await, 4_000);
    app.assert_ledger_consistent().await;
    b.quit().await;
}
