//! The receive page: typed and scanned deliveries through the HTML form,
//! the htmx preview, and the refusals (each writing nothing).

use crate::fixtures::days;
use crate::support::*;

const GTIN: &str = "04006381333931";
const UNKNOWN_GTIN: &str = "09506000134352";

async fn lots_and_rows(app: &TestApp) -> (i64, i64) {
    let lots = app
        .with_conn(|c| {
            use diesel::prelude::*;
            clinic_stock::db::schema::lots::table
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await;
    (lots, app.ledger_rows().await)
}

fn field_error(doc: &Html, field: &str) -> String {
    text(doc, &format!("small.field-error[data-field=\"{field}\"]"))
}

fn attr(doc: &Html, css: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_string))
}

async fn lot_of(app: &TestApp, product_id: i64, lot: &str) -> Option<(i64, chrono::NaiveDate)> {
    let lot = lot.to_string();
    app.with_conn(move |c| {
        clinic_stock::db::lots::find(c, product_id, &lot)
            .unwrap()
            .map(|l| (l.id, l.expiry))
    })
    .await
}

#[tokio::test]
async fn receiving_in_packs_shows_both_and_leaves_the_form_ready() {
    let app = TestApp::new().await;
    let p = app
        .product("RL-150")
        .roller(150)
        .name("Roller 1.5 mm")
        .create()
        .await;
    let m = app.manager().await;
    let id = p.id.to_string();
    let expiry = days(400).to_string();
    let r = app
        .post_form(
            &m,
            "/receive",
            "/receive",
            &[
                ("gs1", ""),
                ("product_id", &id),
                ("lot", "R15-2411"),
                ("expiry", &expiry),
                ("quantity", "3"),
                ("quantity_in", "packs"),
                ("unit_cost", "4.20"),
                ("place", "main/store"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let next = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(next, "/receive?place=main/store");
    let (lot_id, e) = lot_of(&app, p.id, "R15-2411").await.unwrap();
    assert_eq!(e, days(400));
    assert_eq!(app.balance(lot_id, "store").await, 30_000);
    let (_, doc) = app.page(&m, &next).await;
    assert_eq!(
        text(&doc, ".flash"),
        format!("Received 30 each of Roller 1.5 mm lot R15-2411 (expiry {expiry}) into store.")
    );
    // Ready for the next scan: empty scan field with the cursor in it.
    assert_eq!(attr(&doc, "#scan", "value").as_deref(), Some(""));
    assert!(attr(&doc, "#scan", "autofocus").is_some());
    assert_eq!(
        attr(&doc, "select[name=place] option[selected]", "value").as_deref(),
        Some("main/store")
    );
    app.assert_ledger_consistent().await;
}

async fn scan_and_receive(app: &TestApp, m: &reqwest::Client, scan: &str) -> reqwest::Response {
    app.post_form(
        m,
        "/receive",
        "/receive",
        &[
            ("gs1", scan),
            ("product_id", ""),
            ("lot", ""),
            ("expiry", ""),
            ("quantity", "2"),
            ("quantity_in", "units"),
            ("unit_cost", ""),
            ("place", "main/store"),
        ],
    )
    .await
}

#[tokio::test]
async fn scans_are_read_in_every_form_a_scanner_sends() {
    let app = TestApp::new().await;
    let p = app.product("RL-100").roller(100).gtin(GTIN).create().await;
    let m = app.manager().await;
    let exp = days(500);
    let yymmdd = exp.format("%y%m%d").to_string();

    // The bracketed human-readable form.
    let r = scan_and_receive(&app, &m, &format!("(01){GTIN}(17){yymmdd}(10)BR-1")).await;
    assert_eq!(r.status(), 303);
    let (lot, e) = lot_of(&app, p.id, "BR-1").await.unwrap();
    assert_eq!(e, exp);
    assert_eq!(app.balance(lot, "store").await, 2000);

    // A symbology prefix and FNC1 (ASCII 29) after the variable-length lot.
    let r = scan_and_receive(
        &app,
        &m,
        &format!("]d201{GTIN}10FN-2\u{1d}17{yymmdd}21SER9"),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(lot_of(&app, p.id, "FN-2").await.unwrap().1, exp);

    // The configured substitute separator.
    let admin = app.admin().await;
    let r = app
        .post_form(
            &admin,
            "/admin/settings",
            "/admin/settings",
            &[
                ("clinic_name", "Test"),
                ("currency", "EUR"),
                ("expiring_window_days", "60"),
                ("safety_days", "14"),
                ("cover_days", "30"),
                ("gs1_separator", "|"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = scan_and_receive(&app, &m, &format!("01{GTIN}10SUB-3|17{yymmdd}")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(lot_of(&app, p.id, "SUB-3").await.unwrap().1, exp);

    // Expiry day 00 means the end of the month.
    let next_year = days(400);
    let yymm = next_year.format("%y%m").to_string();
    let r = scan_and_receive(&app, &m, &format!("(01){GTIN}(17){yymm}00(10)EOM-4")).await;
    assert_eq!(r.status(), 303);
    let e = lot_of(&app, p.id, "EOM-4").await.unwrap().1;
    assert_eq!(e.format("%y%m").to_string(), yymm);
    assert!(
        e.succ_opt().unwrap().format("%d").to_string() == "01",
        "{e} is a month end"
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn a_scan_without_quantity_comes_back_filled_in() {
    let app = TestApp::new().await;
    let p = app.product("RL-100").roller(100).gtin(GTIN).create().await;
    let m = app.manager().await;
    let exp = days(300);
    let scan = format!("(01){GTIN}(17){}(10)NOJS-1", exp.format("%y%m%d"));
    // Without JavaScript the scanner's Enter submits the form as it is.
    let r = app
        .post_form(
            &m,
            "/receive",
            "/receive",
            &[
                ("gs1", scan.as_str()),
                ("quantity", ""),
                ("place", "main/store"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(
        attr(&doc, "select[name=product_id] option[selected]", "value"),
        Some(p.id.to_string())
    );
    assert_eq!(
        attr(&doc, "input[name=lot]", "value").as_deref(),
        Some("NOJS-1")
    );
    assert_eq!(
        attr(&doc, "input[name=expiry]", "value"),
        Some(exp.to_string())
    );
    assert_eq!(text(&doc, "#scanned-lot"), "NOJS-1");
    assert_eq!(text(&doc, "#scanned-gtin"), GTIN);
    assert!(!field_error(&doc, "quantity").is_empty());
    assert!(attr(&doc, "#quantity", "autofocus").is_some());
    assert_eq!(
        attr(&doc, "#scan", "value").as_deref(),
        Some(""),
        "the scan moved into the fields"
    );
    assert_eq!(lots_and_rows(&app).await, (0, 0));
}

#[tokio::test]
async fn the_htmx_preview_fills_the_form_and_the_check_shows_packs() {
    let app = TestApp::new().await;
    let p = app
        .product("CT-050")
        .cartridge(50)
        .gtin(GTIN)
        .create()
        .await;
    let m = app.manager().await;
    let html = m
        .get(app.url("/receive"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = input_value(&html, "csrf").unwrap();
    let scan = format!("(01){GTIN}(17){}(10)HX-9", days(200).format("%y%m%d"));
    let r = m
        .post(app.url("/receive/preview"))
        .header("HX-Request", "true")
        .form(&[
            ("csrf", csrf.as_str()),
            ("gs1", scan.as_str()),
            ("place", "main/store"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(count(&doc, "form#receive-form"), 1);
    assert_eq!(count(&doc, "header"), 0, "a partial, not a page");
    assert_eq!(
        attr(&doc, "select[name=product_id] option[selected]", "value"),
        Some(p.id.to_string())
    );
    assert_eq!(text(&doc, "#scanned-lot"), "HX-9");
    assert!(attr(&doc, "#quantity", "autofocus").is_some());

    let id = p.id.to_string();
    let r = m
        .post(app.url("/receive/check"))
        .header("HX-Request", "true")
        .form(&[
            ("csrf", csrf.as_str()),
            ("product_id", id.as_str()),
            ("quantity", "3"),
            ("quantity_in", "packs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc = Html::parse_fragment(&r.text().await.unwrap());
    assert_eq!(text(&doc, "#conversion"), "3 packs = 30 each");
    assert_eq!(lots_and_rows(&app).await, (0, 0), "previews write nothing");
}

#[tokio::test]
async fn receive_refusals_are_shown_at_the_field_and_write_nothing() {
    let app = TestApp::new().await;
    let p = app.product("SR-HA").serum().create().await;
    app.stock(&p, "HA-1", days(200), "10").await;
    let before = lots_and_rows(&app).await;
    let m = app.manager().await;
    let id = p.id.to_string();
    // Already expired.
    let (s, doc) = post_receive(&app, &m, &id, "HA-2", days(-1).to_string(), "5").await;
    assert_eq!(s, 422);
    assert!(
        field_error(&doc, "expiry").contains("expired"),
        "{}",
        field_error(&doc, "expiry")
    );
    assert_eq!(
        attr(&doc, "input[name=lot]", "value").as_deref(),
        Some("HA-2")
    );
    // The same lot with another expiry.
    let (s, doc) = post_receive(&app, &m, &id, "HA-1", days(300).to_string(), "5").await;
    assert_eq!(s, 409);
    assert!(field_error(&doc, "expiry").contains("already recorded with expiry"));
    // Four decimals.
    let (s, doc) = post_receive(&app, &m, &id, "HA-3", days(300).to_string(), "1.0005").await;
    assert_eq!(s, 422);
    assert_eq!(field_error(&doc, "quantity"), "at most 3 decimals");
    // No product.
    let (s, doc) = post_receive(&app, &m, "", "HA-3", days(300).to_string(), "5").await;
    assert_eq!(s, 422);
    assert!(!field_error(&doc, "product_id").is_empty());
    // An unknown product id.
    let (s, doc) = post_receive(&app, &m, "999999", "HA-3", days(300).to_string(), "5").await;
    assert_eq!(s, 422);
    assert!(field_error(&doc, "product_id").contains("no product"));
    // An unknown GTIN offers to create the product with it.
    let scan = format!(
        "(01){UNKNOWN_GTIN}(17){}(10)X-1",
        days(300).format("%y%m%d")
    );
    let r = scan_and_receive(&app, &m, &scan).await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    // … and to come back here with this scan and place (issue 14 item 9).
    assert_eq!(
        attr(&doc, "#unknown-gtin a", "href"),
        Some(format!(
            "/products/new?gtin={UNKNOWN_GTIN}&receive_gs1={}&receive_place=main/store",
            scan.replace('(', "%28").replace(')', "%29")
        ))
    );
    assert!(field_error(&doc, "gs1").contains(UNKNOWN_GTIN));
    // A scan that is not GS1.
    let r = scan_and_receive(&app, &m, "hello").await;
    assert_eq!(r.status(), 422);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(!field_error(&doc, "gs1").is_empty());
    assert_eq!(
        attr(&doc, "#scan", "value").as_deref(),
        Some("hello"),
        "the bad scan is kept"
    );

    assert_eq!(lots_and_rows(&app).await, before, "nothing was written");
    let pr = app.practitioner().await;
    assert_eq!(app.page(&pr, "/receive").await.0, 403);
    app.assert_ledger_consistent().await;
}

async fn post_receive(
    app: &TestApp,
    m: &reqwest::Client,
    product: &str,
    lot: &str,
    expiry: String,
    qty: &str,
) -> (u16, Html) {
    let r = app
        .post_form(
            m,
            "/receive",
            "/receive",
            &[
                ("product_id", product),
                ("lot", lot),
                ("expiry", &expiry),
                ("quantity", qty),
                ("quantity_in", "units"),
                ("place", "main/store"),
            ],
        )
        .await;
    let status = r.status().as_u16();
    (status, Html::parse_document(&r.text().await.unwrap()))
}
