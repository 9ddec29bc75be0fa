//! Sites cannot see each other (issue 10.3, DOMAIN.md "Who sees what"):
//! where a practitioner or a site manager of `main` gets a 200, the page or
//! JSON holds none of site `north`'s records and does hold their own. The
//! route matrix (access_matrix.rs) checks the status codes; these tests
//! read what the answers contain.
//!
//! The world: one product with lot `SHARED-1` received and used at both
//! sites (client `C-7777` treated at each), `MAIN-ONLY` at main, and
//! `NORTH-ONLY` at north in a location named "North vault" (client
//! `C-8888` treated at north only; a container of `SHARED-1` opened there;
//! `nora` practises there). A chain manager sees both sites: the
//! control that the records the others must not see are really there.

use scraper::Html;
use serde_json::{Value, json};

use crate::access_sites_world::*;
use crate::support::*;

/// Nothing of north in a text (page or JSON): its site, location, lot, client.
fn assert_no_north(what: &str, text: &str) {
    for north in ["North Clinic", "North vault", "NORTH-ONLY", "C-8888"] {
        assert!(!text.contains(north), "{what} shows {north}: {text}");
    }
}

#[tokio::test]
async fn a_client_seen_at_both_sites_shows_only_the_own_sites_sessions() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for (who, client, token) in [
        ("practitioner", &w.pia, &w.pia_token),
        ("site manager", &w.mona, &w.mona_token),
    ] {
        let doc = page(&app, client, "/clients/C-7777").await;
        assert_eq!(
            session_links(&doc),
            vec![w.main_session],
            "{who}: client page"
        );
        let v = api(&app, token, "/api/v1/sessions?client_ref=C-7777").await;
        assert_eq!(
            ids_of(&v["items"], "id"),
            vec![w.main_session],
            "{who}: {v}"
        );
        assert_eq!(v["total"], 1, "{who}: {v}");
        // A client seen only at north: an empty history, like an unknown one.
        let doc = page(&app, client, "/clients/C-8888").await;
        assert!(session_links(&doc).is_empty(), "{who}: C-8888 shown");
        let v = api(&app, token, "/api/v1/sessions").await;
        assert_eq!(
            ids_of(&v["items"], "id"),
            vec![w.main_session],
            "{who}: list"
        );
        let doc = page(&app, client, "/sessions").await;
        assert_eq!(
            session_links(&doc),
            vec![w.main_session],
            "{who}: /sessions"
        );
    }
    let doc = page(&app, &w.chris, "/clients/C-7777").await;
    let mut both = vec![w.main_session, w.north_session];
    both.sort_unstable();
    assert_eq!(
        session_links(&doc),
        both,
        "the chain manager sees both sites"
    );
    let v = api(&app, &w.chris_token, "/api/v1/sessions?client_ref=C-7777").await;
    assert_eq!(v["total"], 2, "{v}");
    let doc = page(&app, &w.chris, "/sessions").await;
    let people = attrs(&doc, "select[name='practitioner'] option", "value");
    assert!(people.contains(&"nora".to_string()), "{people:?}");
    let doc = page(&app, &w.chris, "/clients/C-8888").await;
    assert_eq!(session_links(&doc), vec![w.north_only_session]);
}

#[tokio::test]
async fn product_pages_show_the_own_sites_stock_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for (who, client, token) in [
        ("practitioner", &w.pia, &w.pia_token),
        ("site manager", &w.mona, &w.mona_token),
    ] {
        for path in [
            format!("/products/{}", w.product),
            format!("/products/{}?all_lots=1", w.product),
        ] {
            let doc = page(&app, client, &path).await;
            let text = main_text(&doc);
            assert_no_north(&format!("{who} {path}"), &text);
            assert!(text.contains("MAIN-ONLY"), "{who} {path}: {text}");
            assert!(text.contains("SHARED-1"), "{who} {path}: {text}");
            let lots: Vec<String> = attrs(&doc, "a[href^='/lots/']", "href");
            assert!(
                !lots.contains(&format!("/lots/{}", w.north_lot)),
                "{who} {path}: links the north lot"
            );
        }
        let v = api(&app, token, &format!("/api/v1/products/{}", w.product)).await;
        assert_no_north(&format!("{who} product API"), &v.to_string());
        // Stock: main's two lots (49 + 50), none of north's.
        let v = api(&app, token, "/api/v1/stock").await;
        assert_no_north(&format!("{who} stock API"), &v.to_string());
        let lots = ids_of(&v["items"][0]["lots"], "lot_id");
        assert!(
            lots.contains(&w.main_lot) && !lots.contains(&w.north_lot),
            "{v}"
        );
        assert_eq!(v["items"][0]["usable"], 99, "{who}: {v}");
        let doc = page(&app, client, "/stock").await;
        assert_no_north(&format!("{who} /stock"), &main_text(&doc));
    }
    // The product list's usable column: main's 50 + 50 less one session.
    for client in [&w.pia, &w.mona] {
        let doc = page(&app, client, "/products").await;
        assert_eq!(texts(&doc, "td.usable"), vec!["99 each"]);
    }
    let doc = page(&app, &w.chris, "/products").await;
    assert_eq!(texts(&doc, "td.usable"), vec!["197 each"], "both sites");
    let doc = page(&app, &w.chris, &format!("/products/{}", w.product)).await;
    assert!(
        main_text(&doc).contains("NORTH-ONLY"),
        "the chain manager sees north"
    );
}

#[tokio::test]
async fn the_dashboard_and_lot_pages_show_the_own_site_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    for (who, client) in [("practitioner", &w.pia), ("site manager", &w.mona)] {
        let doc = page(&app, client, "/").await;
        assert_no_north(&format!("{who} dashboard"), &doc.html());
        let doc = page(&app, client, &format!("/lots/{}", w.shared_lot)).await;
        let text = main_text(&doc);
        assert_no_north(&format!("{who} shared lot"), &text);
        assert!(text.contains("SHARED-1"));
        let linked = session_links(&doc);
        assert!(!linked.contains(&w.north_session), "{who}: {linked:?}");
        // The container opened at north is north's.
        let containers = attrs(&doc, "#containers tr[data-lot]", "data-lot");
        assert!(containers.is_empty(), "{who}: {containers:?}");
        let (status, _) = app
            .page(client, &format!("/lots/{}", w.north_container))
            .await;
        assert_eq!(status, 404, "{who}: north's container");
        // Movement forms offer the own site's locations only.
        let locations = attrs(&doc, "option", "value");
        assert!(
            !locations.contains(&w.north_vault.to_string()),
            "{who}: {locations:?}"
        );
    }
    // The manager's lot page lists the sessions that used the lot: main's.
    let doc = page(&app, &w.mona, &format!("/lots/{}", w.shared_lot)).await;
    assert_eq!(session_links(&doc), vec![w.main_session]);
    let doc = page(&app, &w.chris, &format!("/lots/{}", w.shared_lot)).await;
    assert_eq!(
        session_links(&doc).len(),
        3,
        "the chain manager sees all uses"
    );
}

#[tokio::test]
async fn recall_of_a_lot_used_at_both_sites_names_the_own_sites_clients_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let doc = page(&app, &w.mona, "/recall?lot=SHARED-1").await;
    assert_eq!(session_links(&doc), vec![w.main_session]);
    assert_no_north("recall page", &main_text(&doc));
    // A lot that never was at main is not found at all.
    let doc = page(&app, &w.mona, "/recall?lot=NORTH-ONLY").await;
    assert!(session_links(&doc).is_empty());
    assert!(!main_text(&doc).contains("C-8888"));
    let v = api(
        &app,
        &w.mona_token,
        &format!("/api/v1/lots/{}", w.shared_lot),
    )
    .await;
    assert_eq!(ids_of(&v["sessions"], "id"), vec![w.main_session], "{v}");
    let sites: Vec<&str> = v["balances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["site"].as_str().unwrap())
        .collect();
    assert_eq!(sites, vec!["main"], "{v}");
    assert_eq!(v["quantity"], 49, "main's 50 less one session: {v}");
    let csv = w
        .mona
        .get(app.url(&format!("/lots/{}/recall.csv", w.shared_lot)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let ids: Vec<i64> = r
        .records()
        .map(|rec| rec.unwrap()[0].parse().unwrap())
        .collect();
    assert_eq!(ids, vec![w.main_session], "{csv}");
    // The chain manager's recall finds all three sessions.
    let doc = page(&app, &w.chris, "/recall?lot=SHARED-1").await;
    assert_eq!(
        session_links(&doc).len(),
        3,
        "C-7777 at main and north, C-8888 at north"
    );
}

#[tokio::test]
async fn counts_receiving_and_the_session_form_offer_the_own_sites_places_only() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let doc = page(&app, &w.mona, "/counts").await;
    let sheets = attrs(&doc, "a[href^='/counts/']", "href");
    assert!(
        sheets.contains(&format!("/counts/{}", w.main_store)),
        "{sheets:?}"
    );
    assert!(
        !sheets.contains(&format!("/counts/{}", w.north_vault)),
        "{sheets:?}"
    );
    assert_no_north("/counts", &main_text(&doc));
    let doc = page(&app, &w.mona, "/receive").await;
    let places = attrs(&doc, "select[name='place'] option", "value");
    assert!(!places.is_empty());
    assert!(places.iter().all(|p| p.starts_with("main/")), "{places:?}");
    assert_no_north("/receive", &main_text(&doc));
    for (who, client, token) in [
        ("practitioner", &w.pia, &w.pia_token),
        ("site manager", &w.mona, &w.mona_token),
    ] {
        let doc = page(&app, client, "/sessions/new").await;
        let sites = attrs(&doc, "select[name='site'] option", "value");
        assert!(sites.iter().all(|s| s == "main"), "{who}: {sites:?}");
        assert_no_north(&format!("{who} session form"), &main_text(&doc));
        // The lot choices of a line, even when the form names north.
        let csrf = input_value(&doc.html(), "csrf").unwrap();
        let pid = w.product.to_string();
        let partial = client
            .post(app.url("/sessions/new/lines"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("site", "north"),
                ("product_id", pid.as_str()),
                ("quantity", "1"),
                ("lot_id", ""),
                ("action", "refresh"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(partial.status(), 200, "{who}");
        let doc = Html::parse_fragment(&partial.text().await.unwrap());
        let lots = attrs(&doc, "select[name='lot_id'] option", "value");
        assert!(lots.contains(&w.main_lot.to_string()), "{who}: {lots:?}");
        assert!(!lots.contains(&w.north_lot.to_string()), "{who}: {lots:?}");
        assert_no_north(&format!("{who} lot choices"), &doc.html());
        let v = api(&app, token, "/api/v1/locations").await;
        let sites: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["site"].as_str().unwrap())
            .collect();
        assert!(
            !sites.is_empty() && sites.iter().all(|s| *s == "main"),
            "{who}: {v}"
        );
        let v = api(&app, token, "/api/v1/sites").await;
        assert_eq!(v["total"], 1, "{who}: {v}");
        assert_eq!(v["items"][0]["code"], "main", "{who}: {v}");
    }
}

#[tokio::test]
async fn reports_and_the_ledger_without_a_site_are_the_own_sites() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (main_id, north_id) = (
        app.with_conn(|c| {
            clinic_stock::db::sites::by_code(c, "main")
                .unwrap()
                .unwrap()
                .id
        })
        .await,
        app.with_conn(|c| {
            clinic_stock::db::sites::by_code(c, "north")
                .unwrap()
                .unwrap()
                .id
        })
        .await,
    );
    let v = api(&app, &w.mona_token, "/api/v1/reports/reorder").await;
    assert_eq!(v["site"], "main", "{v}");
    let v = api(&app, &w.mona_token, "/api/v1/reports/usage").await;
    assert_eq!(v["site"], "main", "{v}");
    assert_eq!(v["sessions"], 1, "main's one session, not north's two: {v}");
    for path in ["/reports/reorder", "/reports/usage", "/ledger"] {
        let doc = page(&app, &w.mona, path).await;
        assert_no_north(path, &main_text(&doc));
    }
    let v = api(&app, &w.mona_token, "/api/v1/ledger?limit=500").await;
    let sites = ids_of(&v["items"], "site_id");
    assert!(
        !sites.is_empty() && sites.iter().all(|s| *s == main_id),
        "{v}"
    );
    assert!(!v.to_string().contains("NORTH-ONLY"));
    let csv = w
        .mona
        .get(app.url("/ledger.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "site_id")
        .unwrap();
    let sites: Vec<i64> = r
        .records()
        .map(|rec| rec.unwrap()[col].parse().unwrap())
        .collect();
    assert!(!sites.is_empty() && !sites.contains(&north_id), "{csv}");
    // The chain manager's ledger has both sites.
    let v = api(&app, &w.chris_token, "/api/v1/ledger?limit=500").await;
    assert!(ids_of(&v["items"], "site_id").contains(&north_id));
}

#[tokio::test]
async fn practitioners_cannot_list_suppliers() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let (status, _) = app.page(&w.pia, "/suppliers").await;
    assert_eq!(status, 403);
    let (status, v) = app.api_get(&w.pia_token, "/api/v1/suppliers").await;
    assert_eq!(status, 403, "{v}");
    let (status, _) = app.page(&w.mona, "/suppliers").await;
    assert_eq!(status, 200, "managers still may");
}

/// A form's fields (after the CSRF token).
type Fields<'a> = Vec<(&'a str, &'a str)>;

/// `world` with a draft order of north's (by chris): (app, world, order id).
async fn north_order() -> (TestApp, crate::access_sites_world::World, i64) {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let order = {
        let (s, v) = app
            .api_post(
                &w.chris_token,
                "/api/v1/purchase-orders",
                &json!({"site": "north", "supplier_id": w.supplier,
                        "lines": [{"product_id": w.product, "packs": 1}]}),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    };
    (app, w, order)
}

/// Nothing of north's changed: no stock moved (`rows_before` ledger rows),
/// its lot not quarantined, its session not voided, its order a draft.
async fn assert_north_untouched(
    app: &TestApp,
    w: &crate::access_sites_world::World,
    order: i64,
    rows_before: i64,
) {
    let (north_lot, north_session) = (w.north_lot, w.north_session);
    assert_eq!(app.ledger_rows().await, rows_before, "no stock moved");
    let (lot, session, status) = app
        .with_conn(move |c| {
            let lot = clinic_stock::db::lots::by_id(c, north_lot)
                .unwrap()
                .unwrap();
            let s = clinic_stock::db::sessions::by_id(c, north_session)
                .unwrap()
                .unwrap();
            let o = clinic_stock::db::orders::by_id(c, order).unwrap().unwrap();
            (lot.quarantined, s.voided_at.is_some(), o.status)
        })
        .await;
    assert!(!lot, "north's lot not quarantined");
    assert!(!session, "north's session not voided");
    assert_eq!(status.code(), "draft", "north's order untouched");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn api_writes_on_another_sites_records_change_nothing() {
    let (app, w, order) = north_order().await;
    let rows_before = app.ledger_rows().await;
    let t = &w.mona_token;
    let api_writes: Vec<(reqwest::Method, String, Value, u16)> = vec![
        (
            reqwest::Method::POST,
            "/api/v1/adjustments".into(),
            json!({"site": "north", "lot_id": w.north_lot, "location": "vault", "delta": -1, "reason": "waste"}),
            403,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/adjustments".into(),
            json!({"lot_id": w.north_lot, "location": "store", "delta": 1, "reason": "found"}),
            404,
        ),
        (
            reqwest::Method::POST,
            "/api/v1/receipts".into(),
            json!({"site": "north", "location": "vault", "product_id": w.product, "lot": "X-1",
                "expiry": crate::fixtures::days(200).to_string(), "quantity": 5}),
            403,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/sessions/{}/void", w.north_session),
            json!({"reason": "not ours"}),
            404,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/purchase-orders/{order}/send"),
            json!({}),
            404,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/purchase-orders/{order}/cancel"),
            json!({}),
            404,
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/purchase-orders/{order}"),
            json!({"lines": []}),
            404,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/purchase-orders/{order}/receive"),
            json!({}),
            404,
        ),
    ];
    for (method, path, body, want) in api_writes {
        let (s, v) = app.api_send(method, t, &path, &body, None).await;
        assert_eq!(s, want, "{path}: {v}");
    }
    let (s, v) = app
        .post_session(
            t,
            &crate::sessions_fixtures::new_key(),
            &json!({"site": "north", "client_ref": "C-9999", "needle_length_mm": 1.5,
                    "lines": [{"product_id": w.product, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 403, "{v}");
    assert_north_untouched(&app, &w, order, rows_before).await;
}

#[tokio::test]
async fn form_writes_on_another_sites_records_change_nothing() {
    let (app, w, order) = north_order().await;
    let rows_before = app.ledger_rows().await;
    let csrf = input_value(&page(&app, &w.mona, "/").await.html(), "csrf").unwrap();
    let (nl, nv, shared, store) = (
        w.north_lot.to_string(),
        w.north_vault.to_string(),
        w.shared_lot,
        w.main_store.to_string(),
    );
    let forms: Vec<(String, Fields, u16)> = vec![
        (format!("/lots/{nl}/quarantine"), vec![], 404),
        (
            format!("/lots/{nl}/adjust"),
            vec![("location_id", &nv), ("delta", "-1"), ("reason", "waste")],
            404,
        ),
        (format!("/lots/{nl}/open"), vec![("location_id", &nv)], 404),
        (
            format!("/lots/{shared}/transfer"),
            vec![
                ("from_location_id", &store),
                ("to_location_id", &nv),
                ("quantity", "1"),
            ],
            422,
        ),
        (
            format!("/counts/{nv}"),
            vec![("lot", &nl), ("counted", "0")],
            404,
        ),
        (
            "/stock/write-off-expired".into(),
            vec![("site", "north")],
            403,
        ),
        (
            "/receive".into(),
            vec![
                ("place", "north/vault"),
                ("product_id", "1"),
                ("lot", "X-2"),
            ],
            403,
        ),
        (
            format!("/sessions/{}/void", w.north_session),
            vec![("reason", "not ours")],
            404,
        ),
        (format!("/orders/{order}/cancel"), vec![], 404),
    ];
    for (path, fields, want) in forms {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        let r = w.mona.post(app.url(&path)).form(&all).send().await.unwrap();
        assert_eq!(r.status().as_u16(), want, "{path}");
    }
    assert_north_untouched(&app, &w, order, rows_before).await;
}
