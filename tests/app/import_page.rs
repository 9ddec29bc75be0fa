//! The import page `/admin/import` and the export download, on both
//! backends: upload → preview (every row's status, errors at their row,
//! nothing written) → confirm (one transaction) → result page linking to
//! what was created; templates for every kind; managers bring stock into
//! their own site only; malformed uploads give clear messages and write
//! nothing; the zip holds the same files as `clinic-stock export`.

use std::io::Read;

use diesel::prelude::*;

use crate::import_cli::{cli, file};
use crate::support::*;
use clinic_stock::db::schema::{balances, ledger, locations, lots, products, sites, suppliers};
use clinic_stock::domain::import::ImportKind;
use clinic_stock::services::accounts;

const SUPPLIERS: &str =
    "Supplier;E-mail;Lead time\nDermaSupply Ltd;orders@derma.example;7\nSkin Serums Co;;14\n";
const PRODUCTS: &str = "Item code,Name,Category,Unit,Pack size,Needle length,Supplier,Price\n\
RL-15,Derma roller 1.5 mm,roller,each,10,1.5,DermaSupply Ltd,4.20\n\
LID-30,Lidocaine 30 g,anesthetic,g,30,,Skin Serums Co,0.35\n\
CT-05,Cartridge 0.5 mm,cartridge,each,20,0.5,,\n";
const STOCK: &str = "sku,lot,expiry,quantity,location\n\
RL-15,L24117,2030-12-31,40,store\n\
LID-30,A5521,03/2030,90,store\n";

/// A multipart/form-data body: text fields, then the file (if any).
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----clinicstocktestboundary7MA4YWxkTrZu0gW".to_string();
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

async fn csrf_of(app: &TestApp, client: &reqwest::Client) -> String {
    let html = client
        .get(app.url("/admin/import"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    input_value(&html, "csrf").expect("the import page has a csrf field")
}

/// Uploads a file for preview; returns (status, page).
pub async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    name: &str,
    bytes: &[u8],
    extra: &[(&str, &str)],
) -> (u16, Html) {
    let csrf = csrf_of(app, client).await;
    let mut fields = vec![("csrf", csrf.as_str()), ("kind", kind)];
    fields.extend_from_slice(extra);
    let (boundary, body) = multipart(&fields, Some((name, bytes)));
    let r = client
        .post(app.url("/admin/import/preview"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, Html::parse_document(&r.text().await.unwrap()))
}

fn attr(doc: &Html, css: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_string))
}

fn attrs(doc: &Html, css: &str, name: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(name).map(str::to_string))
        .collect()
}

/// Confirms a preview page; returns the response (303 to the result).
pub async fn confirm(app: &TestApp, client: &reqwest::Client, preview: &Html) -> reqwest::Response {
    let id = attr(preview, "#confirm input[name=upload]", "value").expect("a confirm form");
    let sha = attr(preview, "#confirm input[name=sha256]", "value").unwrap();
    let csrf = attr(preview, "#confirm input[name=csrf]", "value").unwrap();
    client
        .post(app.url("/admin/import/confirm"))
        .form(&[("csrf", csrf), ("upload", id), ("sha256", sha)])
        .send()
        .await
        .unwrap()
}

/// Uploads and confirms; returns the result page.
pub async fn import_via_page(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    bytes: &[u8],
    extra: &[(&str, &str)],
) -> Html {
    let (status, preview) = upload(app, client, kind, &format!("{kind}.csv"), bytes, extra).await;
    assert_eq!(status, 200, "{}", preview.html());
    let r = confirm(app, client, &preview).await;
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/admin/import/result/"), "{to}");
    let (status, result) = app.page(client, &to).await;
    assert_eq!(status, 200);
    result
}

fn statuses(doc: &Html) -> Vec<String> {
    attrs(doc, "table.import-rows tbody tr", "data-status")
}

async fn n_suppliers(app: &TestApp) -> i64 {
    app.with_conn(|c| suppliers::table.count().get_result(c).unwrap())
        .await
}

async fn n_products(app: &TestApp) -> i64 {
    app.with_conn(|c| products::table.count().get_result(c).unwrap())
        .await
}

async fn n_ledger(app: &TestApp) -> i64 {
    app.with_conn(|c| ledger::table.count().get_result(c).unwrap())
        .await
}

#[tokio::test]
async fn the_page_previews_writes_nothing_then_confirms_in_one_go_and_links_to_what_was_created() {
    let app = TestApp::new().await;
    let client = app.manager().await;
    let (status, page) = app.page(&client, "/admin/import").await;
    assert_eq!(status, 200);
    assert_eq!(
        attrs(&page, "input[name=kind]", "value"),
        vec!["suppliers", "products", "protocols", "stock"],
        "a manager imports everything but sites"
    );
    assert_eq!(count(&page, "#export-zip"), 0, "the export is the admin's");

    let (status, preview) = upload(
        &app,
        &client,
        "suppliers",
        "s.csv",
        SUPPLIERS.as_bytes(),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{}", preview.html());
    assert_eq!(statuses(&preview), vec!["new", "new"]);
    assert_eq!(
        texts(&preview, "table.import-rows tbody tr td.key"),
        vec!["DermaSupply Ltd", "Skin Serums Co"]
    );
    assert_eq!(count(&preview, "#confirm"), 1);
    assert_eq!(n_suppliers(&app).await, 0, "a preview writes nothing");

    let r = confirm(&app, &client, &preview).await;
    assert_eq!(r.status(), 303);
    let result_path = r.headers()["location"].to_str().unwrap().to_string();
    let (status, result) = app.page(&client, &result_path).await;
    assert_eq!(status, 200);
    assert!(
        text(&result, "h1").starts_with("Imported: Suppliers"),
        "{}",
        text(&result, "h1")
    );
    let links = attrs(&result, "table.import-rows td.key a", "href");
    assert_eq!(links.len(), 2);
    assert!(
        links.iter().all(|l| l.starts_with("/suppliers/")),
        "{links:?}"
    );
    assert_eq!(n_suppliers(&app).await, 2);
    // A second click on confirm does not import again.
    let r = confirm(&app, &client, &preview).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"].to_str().unwrap(), result_path);
    assert_eq!(n_suppliers(&app).await, 2);
    // Another user cannot see the result.
    let other = app.admin().await;
    let (status, _) = app.page(&other, &result_path).await;
    assert_eq!(status, 404);

    let result = import_via_page(&app, &client, "products", PRODUCTS.as_bytes(), &[]).await;
    assert_eq!(statuses(&result), vec!["new", "new", "new"]);
    let links = attrs(&result, "table.import-rows td.key a", "href");
    assert_eq!(links.len(), 3);
    for l in &links {
        assert!(l.starts_with("/products/"), "{l}");
        let (status, _) = app.page(&client, l).await;
        assert_eq!(status, 200, "{l} opens");
    }
    assert_eq!(n_products(&app).await, 3);

    // The same file again: every row unchanged; a changed price: updated, said at its row.
    let (status, again) =
        upload(&app, &client, "products", "p.csv", PRODUCTS.as_bytes(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        statuses(&again),
        vec!["unchanged", "unchanged", "unchanged"]
    );
    let changed = PRODUCTS.replace(
        "Derma roller 1.5 mm,roller,each,10,1.5,DermaSupply Ltd,4.20",
        "Derma roller 1.5mm,roller,each,10,1.5,DermaSupply Ltd,4.60",
    );
    let (status, preview) =
        upload(&app, &client, "products", "p.csv", changed.as_bytes(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        statuses(&preview),
        vec!["updated", "unchanged", "unchanged"]
    );
    assert_eq!(
        text(&preview, "tr[data-line=\"2\"] td.detail"),
        "name Derma roller 1.5 mm → Derma roller 1.5mm; unit_cost 4.20 → 4.60"
    );
    let r = confirm(&app, &client, &preview).await;
    assert_eq!(r.status(), 303);
    let cost: Option<i64> = app
        .with_conn(|c| {
            products::table
                .filter(products::sku.eq("RL-15"))
                .select(products::unit_cost_cents)
                .first(c)
                .unwrap()
        })
        .await;
    assert_eq!(cost, Some(460));
    assert_eq!(n_products(&app).await, 3);
}

#[tokio::test]
async fn a_preview_with_bad_rows_names_each_at_its_row_and_cannot_be_confirmed() {
    let app = TestApp::new().await;
    let client = app.manager().await;
    let bad = "sku,name,category,unit,pack_size,needle_length_mm\n\
        RL-15,Roller 1.5,roller,each,10,1.5\n\
        RL-20,Roller 2.0,roller,each,10,\n\
        RL-15,Again,roller,each,10,1.5\n";
    let (status, page) = upload(&app, &client, "products", "bad.csv", bad.as_bytes(), &[]).await;
    assert_eq!(status, 422);
    assert_eq!(statuses(&page), vec!["new", "error", "error"]);
    assert_eq!(
        texts(&page, "tr[data-line=\"3\"] .field-error"),
        vec!["needle_length_mm: a roller needs a needle length"]
    );
    assert_eq!(
        texts(&page, "tr[data-line=\"4\"] .field-error"),
        vec!["sku: RL-15 appears twice (also line 2)"]
    );
    assert_eq!(
        texts(&page, "#row-errors li"),
        vec![
            "line 3: needle_length_mm: a roller needs a needle length",
            "line 4: sku: RL-15 appears twice (also line 2)"
        ]
    );
    assert_eq!(count(&page, "#confirm"), 0);
    assert_eq!(count(&page, "form#upload"), 1, "the form to upload again");
    assert_eq!(n_products(&app).await, 0);
}

async fn manager_of(app: &TestApp, name: &str, site: &str) -> reqwest::Client {
    let input = accounts::NewUser {
        username: name.to_string(),
        password: PASSWORD.to_string(),
        role: "manager".to_string(),
        site: Some(site.to_string()),
        ..Default::default()
    };
    app.with_conn(move |c| accounts::create_user(c, &input).unwrap())
        .await;
    app.login_as(name, PASSWORD).await
}

async fn catalogue_by_cli(app: &TestApp) {
    for (kind, content) in [
        (
            "locations",
            "site,code,name,site_name\nnorth,store,Store room,North clinic\n",
        ),
        ("suppliers", SUPPLIERS),
        ("products", PRODUCTS),
    ] {
        let (code, out, err) = cli(
            app,
            &[
                "import",
                kind,
                &file(&format!("{kind}.csv"), content.as_bytes()),
            ],
        );
        assert_eq!(code, 0, "{kind}: {out}{err}");
    }
}

async fn on_hand_at(app: &TestApp, site: &str) -> Vec<(String, i64)> {
    let site = site.to_string();
    app.with_conn(move |c| {
        balances::table
            .inner_join(lots::table)
            .inner_join(locations::table.inner_join(sites::table))
            .filter(sites::code.eq(site))
            .select((lots::lot_number, balances::quantity))
            .order(lots::lot_number)
            .load(c)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn stock_from_the_page_goes_to_the_managers_own_site_and_a_changed_quantity_is_not_applied() {
    let app = TestApp::new().await;
    catalogue_by_cli(&app).await;
    let manager = manager_of(&app, "mainmanager", "main").await;
    let (_, page) = app.page(&manager, "/admin/import").await;
    assert_eq!(
        attrs(&page, "select[name=site] option", "value"),
        vec!["main"],
        "a manager's own site only"
    );

    // Another site, by the form or by a column: refused, nothing written.
    let (status, page) = upload(
        &app,
        &manager,
        "stock",
        "s.csv",
        STOCK.as_bytes(),
        &[("site", "north")],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        attr(&page, "#upload-error", "data-field").as_deref(),
        Some("site")
    );
    let with_site = "sku,lot,expiry,quantity,location,site\nRL-15,N1,2030-12-31,5,store,north\n";
    let (status, page) = upload(&app, &manager, "stock", "s.csv", with_site.as_bytes(), &[]).await;
    assert_eq!(status, 422);
    assert_eq!(
        texts(&page, "tr[data-line=\"2\"] .field-error"),
        vec!["site: you bring stock into your own site (main) only, not north"]
    );
    assert_eq!(n_ledger(&app).await, 0);

    let result = import_via_page(&app, &manager, "stock", STOCK.as_bytes(), &[]).await;
    assert_eq!(statuses(&result), vec!["new", "new"]);
    assert!(
        attrs(&result, "td.key a", "href")
            .iter()
            .all(|h| h.starts_with("/lots/"))
    );
    assert_eq!(
        on_hand_at(&app, "main").await,
        vec![
            ("A5521".to_string(), 90_000),
            ("L24117".to_string(), 40_000)
        ]
    );
    let reasons: Vec<Option<String>> = app
        .with_conn(|c| ledger::table.select(ledger::reason).load(c).unwrap())
        .await;
    assert_eq!(reasons, vec![Some("opening".to_string()); 2]);

    // A changed quantity for an imported lot: reported at its row, not applied.
    let changed = STOCK.replace(",40,", ",45,");
    let (status, preview) =
        upload(&app, &manager, "stock", "s2.csv", changed.as_bytes(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(statuses(&preview), vec!["not_applied", "unchanged"]);
    assert!(
        text(&preview, "tr[data-line=\"2\"] td.detail")
            .starts_with("already imported with 40 each; the file says 45 — not applied"),
        "{}",
        text(&preview, "tr[data-line=\"2\"] td.detail")
    );
    let r = confirm(&app, &manager, &preview).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        on_hand_at(&app, "main").await,
        vec![
            ("A5521".to_string(), 90_000),
            ("L24117".to_string(), 40_000)
        ]
    );
    assert_eq!(n_ledger(&app).await, 2);

    // An admin brings stock into any site.
    let admin = app.admin().await;
    let north = "sku,lot,expiry,quantity,location\nCT-05,C9,2030-06-30,20,store\n";
    import_via_page(
        &app,
        &admin,
        "stock",
        north.as_bytes(),
        &[("site", "north")],
    )
    .await;
    assert_eq!(
        on_hand_at(&app, "north").await,
        vec![("C9".to_string(), 20_000)]
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn malformed_uploads_get_a_clear_message_and_write_nothing() {
    let app = TestApp::new().await;
    let client = app.manager().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "latin1.csv",
            b"name,email\nCaf\xe9 Supplies,a@b.example\n".to_vec(),
            "line 2: the file is not UTF-8 text (byte 0xE9 is not UTF-8; it looks like Windows-1252 or Latin-1); save it from your spreadsheet as \"CSV UTF-8\" and try again. Nothing was imported.",
        ),
        (
            "nocol.csv",
            b"email,lead_time_days\na@b.example,3\n".to_vec(),
            "missing column: name (the header row has: email, lead_time_days). Nothing was imported.",
        ),
        (
            "empty.csv",
            Vec::new(),
            "the file is empty: it needs a header row and at least one row. Nothing was imported.",
        ),
    ];
    for (name, bytes, expected) in cases {
        let (status, page) = upload(&app, &client, "suppliers", name, &bytes, &[]).await;
        assert_eq!(status, 422, "{name}");
        assert_eq!(text(&page, "#file-error"), expected, "{name}");
        assert_eq!(count(&page, "#confirm"), 0, "{name}");
    }
    // A formula-looking cell is refused at its cell.
    let (status, page) = upload(
        &app,
        &client,
        "suppliers",
        "f.csv",
        b"name,email\n=1+2,a@b.example\nOk Ltd,\n",
        &[],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(statuses(&page), vec!["error", "new"]);
    let msg = text(&page, "tr[data-line=\"2\"] .field-error");
    assert!(
        msg.starts_with("name: =1+2 looks like a spreadsheet formula"),
        "{msg}"
    );
    assert_eq!(count(&page, "#confirm"), 0);

    // 50 MB: refused from its announced size, with the size in the message.
    let big = vec![b'a'; 50 * 1024 * 1024];
    let (status, page) = upload(&app, &client, "suppliers", "big.csv", &big, &[]).await;
    assert_eq!(status, 413);
    assert_eq!(
        text(&page, "#upload-error"),
        "the file is 50.0 MB; the largest accepted is 10 MB — split it into smaller files"
    );
    drop(big);

    // No file, no kind, a wrong CSRF token.
    let csrf = csrf_of(&app, &client).await;
    let (boundary, body) = multipart(&[("csrf", &csrf), ("kind", "suppliers")], None);
    let r = client
        .post(app.url("/admin/import/preview"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(text(&page, "#upload-error"), "choose the file to import");
    let (status, page) = upload(&app, &client, "widgets", "s.csv", SUPPLIERS.as_bytes(), &[]).await;
    assert_eq!(status, 422);
    assert_eq!(text(&page, "#upload-error"), "choose what the file holds");
    let (boundary, body) = multipart(
        &[("csrf", "nope"), ("kind", "suppliers")],
        Some(("s.csv", SUPPLIERS.as_bytes())),
    );
    let r = client
        .post(app.url("/admin/import/preview"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Not multipart at all.
    let r = client
        .post(app.url("/admin/import/preview"))
        .form(&[("csrf", csrf.as_str()), ("kind", "suppliers")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A confirm for an upload that does not exist.
    let r = client
        .post(app.url("/admin/import/confirm"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("upload", "0".repeat(64).as_str()),
            ("sha256", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(n_suppliers(&app).await, 0);
}

#[tokio::test]
async fn every_kind_has_a_template_with_two_example_rows_that_imports_cleanly() {
    let app = TestApp::new().await;
    let manager = app.manager().await;
    let admin = app.admin().await;
    for kind in ImportKind::ALL {
        let path = format!("/admin/import/template/{}.csv", kind.code());
        let r = admin.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        let body = r.text().await.unwrap();
        assert_eq!(body, kind.template());
        assert_eq!(body.lines().count(), 3, "a header and two example rows");
        let r = manager.get(app.url(&path)).send().await.unwrap();
        let expected = if *kind == ImportKind::Locations {
            403
        } else {
            200
        };
        assert_eq!(r.status().as_u16(), expected, "manager {path}");
    }
    let r = admin
        .get(app.url("/admin/import/template/widgets.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // The templates, in order, import into an empty installation.
    for kind in ImportKind::ALL {
        let result =
            import_via_page(&app, &admin, kind.code(), kind.template().as_bytes(), &[]).await;
        let s = statuses(&result);
        assert!(!s.iter().any(|x| x == "error"), "{kind:?}: {s:?}");
    }
    assert_eq!(n_products(&app).await, 2);
    assert_eq!(n_ledger(&app).await, 2);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn practitioners_may_not_import_and_only_admins_export() {
    let app = TestApp::new().await;
    let practitioner = app.practitioner().await;
    for path in [
        "/admin/import",
        "/admin/import/template/products.csv",
        "/admin/export.zip",
    ] {
        let (status, _) = app.page(&practitioner, path).await;
        assert_eq!(status, 403, "{path}");
    }
    let (boundary, body) = multipart(
        &[("kind", "suppliers")],
        Some(("s.csv", SUPPLIERS.as_bytes())),
    );
    let r = practitioner
        .post(app.url("/admin/import/preview"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let manager = app.manager().await;
    let (status, _) = app.page(&manager, "/admin/export.zip").await;
    assert_eq!(status, 403);
    let (status, _) = upload(
        &app,
        &manager,
        "locations",
        "l.csv",
        ImportKind::Locations.template().as_bytes(),
        &[],
    )
    .await;
    assert_eq!(status, 422, "sites and locations are the admin's");
    let anonymous = app.client();
    let r = anonymous
        .get(app.url("/admin/import"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "to the login page");
    assert_eq!(n_suppliers(&app).await, 0);
}

#[tokio::test]
async fn the_export_zip_holds_the_same_files_as_the_command() {
    let app = TestApp::new().await;
    catalogue_by_cli(&app).await;
    let (code, _, err) = cli(&app, &["import", "stock", &file("s.csv", STOCK.as_bytes())]);
    assert_eq!(code, 0, "{err}");
    let admin = app.admin().await;
    let (_, page) = app.page(&admin, "/admin/import").await;
    assert_eq!(
        attr(&page, "#export-zip", "href").as_deref(),
        Some("/admin/export.zip")
    );

    let r = admin
        .get(app.url("/admin/export.zip"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("clinic-stock-export-"),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();

    let dir = std::env::temp_dir().join(format!(
        "cs-export-page-{}-{}",
        std::process::id(),
        n_ledger(&app).await
    ));
    let dir = dir.to_string_lossy().into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    let (code, _, err) = cli(&app, &["export", &dir]);
    assert_eq!(code, 0, "{err}");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut in_zip: Vec<String> = zip.file_names().map(str::to_string).collect();
    in_zip.sort();
    assert_eq!(in_zip, on_disk);
    for name in [
        "locations.csv",
        "suppliers.csv",
        "products.csv",
        "protocols.csv",
        "stock.csv",
    ] {
        let mut content = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut content)
            .unwrap();
        let disk = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        assert_eq!(content, disk, "{name}");
    }
    let mut products_csv = String::new();
    zip.by_name("products.csv")
        .unwrap()
        .read_to_string(&mut products_csv)
        .unwrap();
    assert_eq!(
        products_csv.lines().count(),
        4,
        "a header and three products"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An upload sent without a length (chunked) is read only up to the limit.
#[tokio::test]
async fn an_upload_without_a_length_is_cut_off_at_the_limit() {
    use std::io::Write;
    let app = TestApp::new().await;
    app.add_user("chunky", Role::Manager).await;
    let client = app.client();
    let resp = app.login_with(&client, "chunky", PASSWORD).await;
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("; ");
    let addr = app.base.trim_start_matches("http://").to_string();
    let response = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
        let boundary = "XyZchunked";
        write!(
            s,
            "POST /admin/import/preview HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        .unwrap();
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nsuppliers\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\nname\r\n"
        );
        let chunk = |s: &mut std::net::TcpStream, b: &[u8]| -> std::io::Result<()> {
            write!(s, "{:x}\r\n", b.len())?;
            s.write_all(b)?;
            s.write_all(b"\r\n")
        };
        chunk(&mut s, head.as_bytes()).unwrap();
        let block = vec![b'a'; 64 * 1024];
        // 12 MB, but the server stops reading past 10 MB; writing may then fail.
        for _ in 0..192 {
            if chunk(&mut s, &block).is_err() {
                break;
            }
        }
        let _ = s.write_all(b"0\r\n\r\n");
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match std::io::Read::read(&mut s, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.windows(7).any(|w| w == b"</html>") {
                        break;
                    }
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .unwrap();
    assert!(
        response.starts_with("HTTP/1.1 413"),
        "{}",
        &response[..response.len().min(300)]
    );
    assert!(
        response.contains(
            "the file is larger than 10 MB, the largest accepted — split it into smaller files"
        ),
        "{response}"
    );
    assert_eq!(n_suppliers(&app).await, 0);
}
