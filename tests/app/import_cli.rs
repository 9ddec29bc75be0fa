//! `clinic-stock import …` on both backends: every kind, all or nothing with
//! every bad row named, safe to run twice, forgiving headers and cells, and
//! malformed files refused with a clear message and nothing written.

use diesel::prelude::*;

use crate::support::*;
use clinic_stock::db::schema::{
    balances, ledger, lots, products, protocol_lines, protocols, suppliers,
};

/// Runs the binary against the test database.
pub fn cli(app: &TestApp, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-stock"))
        .args(["--database-url", &app.db.url])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes a file in a fresh temporary folder; returns its path.
pub fn file(name: &str, content: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!(
        "cs-import-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

async fn counts(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    app.with_conn(|c| {
        (
            suppliers::table.count().get_result(c).unwrap(),
            products::table.count().get_result(c).unwrap(),
            lots::table.count().get_result(c).unwrap(),
            ledger::table.count().get_result(c).unwrap(),
            protocols::table.count().get_result(c).unwrap(),
        )
    })
    .await
}

const SUPPLIERS: &str = "\u{feff}Supplier;E-mail;Lead time\nDermaSupply Ltd;orders@derma.example;7\nSkin Serums Co;;14\n";
const PRODUCTS: &str = "Item code;Name;Category;Unit;Pack size;Needle length;Supplier;Price;Min;Max;Colour\n\
RL-15;Derma roller 1.5 mm;Roller;each;10;1,5 mm;DermaSupply Ltd;4,20;20;60;blue\n\
LID-30;Lidocaine 30 g;Anaesthetic;g;30;;skin serums co;0,35;60;180;\n\
CT-05;Cartridge 0.5 mm;Pen cartridge;pcs;20;0.5;;;;;\n";

async fn catalogue(app: &TestApp) {
    let (code, out, err) = cli(
        app,
        &["import", "suppliers", &file("s.csv", SUPPLIERS.as_bytes())],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 new"), "{out}");
    let (code, out, err) = cli(
        app,
        &["import", "products", &file("p.csv", PRODUCTS.as_bytes())],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("3 new") && out.contains("ignored columns: Colour"),
        "{out}"
    );
}

/// sku, category, needle length, unit cost, min level, supplier name
type ProductRow = (
    String,
    String,
    Option<i32>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

#[tokio::test]
async fn suppliers_and_products_import_forgivingly_and_twice_is_harmless() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let rows: Vec<ProductRow> = app
        .with_conn(|c| {
            products::table
                .left_join(suppliers::table)
                .select((
                    products::sku,
                    products::category,
                    products::needle_length,
                    products::unit_cost_cents,
                    products::min_level,
                    suppliers::name.nullable(),
                ))
                .order(products::sku)
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(
        rows,
        vec![
            (
                "CT-05".into(),
                "cartridge".into(),
                Some(50),
                None,
                None,
                None
            ),
            (
                "LID-30".into(),
                "anesthetic".into(),
                None,
                Some(35),
                Some(60_000),
                Some("Skin Serums Co".into())
            ),
            (
                "RL-15".into(),
                "roller".into(),
                Some(150),
                Some(420),
                Some(20_000),
                Some("DermaSupply Ltd".into())
            ),
        ]
    );
    let email: Option<String> = app
        .with_conn(|c| {
            suppliers::table
                .filter(suppliers::name.eq("DermaSupply Ltd"))
                .select(suppliers::email)
                .first(c)
                .unwrap()
        })
        .await;
    assert_eq!(email.as_deref(), Some("orders@derma.example"));

    // The same files again change nothing.
    let before = counts(&app).await;
    let (code, out, _) = cli(
        &app,
        &["import", "products", &file("p.csv", PRODUCTS.as_bytes())],
    );
    assert_eq!(code, 0);
    assert!(out.contains("3 unchanged"), "{out}");
    let (code, out, _) = cli(
        &app,
        &["import", "suppliers", &file("s.csv", SUPPLIERS.as_bytes())],
    );
    assert_eq!(code, 0);
    assert!(out.contains("2 unchanged"), "{out}");
    assert_eq!(counts(&app).await, before);

    // A changed price and name update the product (the dry run says so first).
    let changed = PRODUCTS.replace(
        "Derma roller 1.5 mm;Roller;each;10;1,5 mm;DermaSupply Ltd;4,20",
        "Derma roller 1.5mm;Roller;each;10;1,5 mm;DermaSupply Ltd;4,60",
    );
    let path = file("p2.csv", changed.as_bytes());
    let (code, out, _) = cli(&app, &["import", "products", &path, "--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.contains("line 2: updated RL-15 — name Derma roller 1.5 mm → Derma roller 1.5mm; unit_cost 4.20 → 4.60"), "{out}");
    assert!(out.contains("dry run: nothing was written"), "{out}");
    assert_eq!(rl15_cost(&app).await, Some(420));
    let (code, out, _) = cli(&app, &["import", "products", &path]);
    assert_eq!(code, 0);
    assert!(out.contains("1 updated, 2 unchanged"), "{out}");
    assert_eq!(rl15_cost(&app).await, Some(460));
    assert_eq!(counts(&app).await, before);
}

async fn rl15_cost(app: &TestApp) -> Option<i64> {
    app.with_conn(|c| {
        products::table
            .filter(products::sku.eq("RL-15"))
            .select(products::unit_cost_cents)
            .first::<Option<i64>>(c)
            .unwrap()
    })
    .await
}

#[tokio::test]
async fn a_file_with_bad_rows_writes_nothing_and_names_every_one() {
    let app = TestApp::new().await;
    let (code, _, _) = cli(
        &app,
        &["import", "suppliers", &file("s.csv", SUPPLIERS.as_bytes())],
    );
    assert_eq!(code, 0);
    let bad = "sku,name,category,unit,pack_size,needle_length_mm,supplier,unit_cost\n\
        RL-15,Roller 1.5,roller,each,10,1.5,DermaSupply Ltd,4.20\n\
        RL-20,Roller 2.0,roller,each,10,,,\n\
        SR-1,Serum,serum,ml,5,0.5,,\n\
        RL-15,Again,roller,each,10,1.5,,\n\
        X-1,=HYPERLINK(\"http://evil.example\"),other,each,1,,Nobody,\n\
        X-2,Gadget,gizmo,each,1.5,,,1.005\n";
    let (code, out, err) = cli(
        &app,
        &["import", "products", &file("bad.csv", bad.as_bytes())],
    );
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        "error: bad.csv: 5 rows refused; nothing was imported"
    );
    for expected in [
        "line 3: needle_length_mm: a roller needs a needle length",
        "line 4: needle_length_mm: only rollers and cartridges have a needle length, not serum",
        "line 5: sku: RL-15 appears twice (also line 2)",
        "line 6: name: =HYPERLINK(\"http://evil.exampl… looks like a spreadsheet formula; enter the value itself (or start it with ')",
        "line 6: supplier: no supplier named Nobody; import the suppliers first",
        "line 7: category: choose one of roller, cartridge, anesthetic, serum, spf, disposable, other",
        "line 7: pack_size: must be a whole number for items counted each",
        "line 7: unit_cost: at most 2 decimals",
    ] {
        assert!(lines.contains(&expected), "missing {expected:?} in\n{err}");
    }
    assert_eq!(counts(&app).await.1, 0, "no product written");
}

const STOCK: &str = "Item code;Lot number;Use by;Qty;Location\n\
RL-15;L24117;31/12/2030;40;store\n\
LID-30;A5521;03/2030;90,5;\n\
CT-05;C1;2030-06-30;20;store\n";

#[tokio::test]
async fn opening_stock_becomes_opening_receive_rows_and_is_never_counted_twice() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let path = file("stock.csv", STOCK.as_bytes());
    let (code, out, err) = cli(
        &app,
        &["import", "stock", &path, "--site", "main", "--dry-run"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 new") && out.contains("dry run"), "{out}");
    assert_eq!(counts(&app).await.3, 0, "a dry run writes no ledger row");

    let (code, out, err) = cli(&app, &["import", "stock", &path]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 new"), "{out}");
    let rows: Vec<(String, Option<String>, i64, Option<i64>)> = app
        .with_conn(|c| {
            ledger::table
                .select((
                    ledger::kind,
                    ledger::reason,
                    ledger::delta,
                    ledger::receipt_id,
                ))
                .order(ledger::id)
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(
        rows,
        vec![
            ("receive".into(), Some("opening".into()), 40_000, None),
            ("receive".into(), Some("opening".into()), 90_500, None),
            ("receive".into(), Some("opening".into()), 20_000, None),
        ]
    );
    let lido_expiry: chrono::NaiveDate = app
        .with_conn(|c| {
            lots::table
                .filter(lots::lot_number.eq("A5521"))
                .select(lots::expiry)
                .first(c)
                .unwrap()
        })
        .await;
    assert_eq!(
        lido_expiry.to_string(),
        "2030-03-31",
        "MM/YYYY is the end of the month"
    );
    app.assert_ledger_consistent().await;

    // Again: unchanged. A changed quantity is reported, not applied.
    let (code, out, _) = cli(&app, &["import", "stock", &path]);
    assert_eq!(code, 0);
    assert!(out.contains("3 unchanged"), "{out}");
    let changed = STOCK.replace(";40;", ";45;");
    let (code, out, _) = cli(
        &app,
        &["import", "stock", &file("s2.csv", changed.as_bytes())],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("line 2: not applied RL-15 lot L24117 at store — already imported with 40 each; the file says 45"),
        "{out}"
    );
    let total: Vec<i64> = app
        .with_conn(|c| {
            balances::table
                .select(balances::quantity)
                .order(balances::quantity)
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(total, vec![20_000, 40_000, 90_500]);
    assert_eq!(counts(&app).await.3, 3);
    app.assert_ledger_consistent().await;
    let (code, out, _) = cli(&app, &["check"]);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn stock_rows_are_checked_with_the_receiving_rules_and_dates_must_be_unambiguous() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let bad = "sku,lot,expiry,quantity,location\n\
        RL-15,L1,2026-02-30,4,store\n\
        RL-15,L2,2030-01-01,4.5,store\n\
        RL-99,L3,2030-01-01,4,store\n\
        LID-30,L4,2030-01-01,4,attic\n\
        LID-30,L5,2030-01-01,-1,store\n\
        LID-30,L5,2030-01-01,2,store\n";
    let (code, _, err) = cli(&app, &["import", "stock", &file("bad.csv", bad.as_bytes())]);
    assert_eq!(code, 1);
    for expected in [
        "line 2: expiry: 2026-02-30 is not a date",
        "line 3: quantity: must be a whole number for items counted each",
        "line 4: sku: no product with SKU RL-99; import the products first",
        "line 5: location: site main has no location attic",
        "line 6: quantity: must not be negative",
        "line 7: lot: lot L5 of LID-30 at store appears twice (also line 6)",
    ] {
        assert!(
            err.lines().any(|l| l == expected),
            "missing {expected:?} in\n{err}"
        );
    }
    assert_eq!(counts(&app).await.3, 0);

    // 03/04/2030 could be either: the person chooses.
    let ambiguous = "sku,lot,expiry,quantity\nRL-15,L1,03/04/2030,4\n";
    let path = file("amb.csv", ambiguous.as_bytes());
    let (code, _, err) = cli(&app, &["import", "stock", &path]);
    assert_eq!(code, 1);
    assert!(err.contains("dates such as 03/04/2030 (line 2) can be read as DD/MM/YYYY or MM/DD/YYYY; choose the date format"), "{err}");
    let (code, _, err) = cli(
        &app,
        &["import", "stock", &path, "--date-format", "MM/DD/YYYY"],
    );
    assert_eq!(code, 0, "{err}");
    let expiry: chrono::NaiveDate = app
        .with_conn(|c| lots::table.select(lots::expiry).first(c).unwrap())
        .await;
    assert_eq!(expiry.to_string(), "2030-03-04");

    // Stock already past its expiry comes in as expired stock (it is on the shelf).
    let old = "sku,lot,expiry,quantity\nLID-30,OLD,01/2020,10\n";
    let (code, out, _) = cli(&app, &["import", "stock", &file("old.csv", old.as_bytes())]);
    assert_eq!(code, 0);
    assert!(out.contains("1 new"), "{out}");
    app.assert_ledger_consistent().await;
}

/// One file, many rows of the same products: a lot on two shelves is one
/// lot with two opening rows, a lot number already known with another expiry
/// is refused at its row (the rows share one run of lookups, issue 17's
/// 5,000-lot file).
#[tokio::test]
async fn a_lot_on_two_shelves_is_one_lot_and_a_known_lot_keeps_its_expiry() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let places = "site,code,name\nmain,room-1,Treatment room 1\n";
    let (code, _, err) = cli(
        &app,
        &["import", "locations", &file("l.csv", places.as_bytes())],
    );
    assert_eq!(code, 0, "{err}");
    let first = "sku,lot,expiry,quantity,location\n\
        RL-15,A1,2030-01-31,10,store\n\
        RL-15,A1,2030-01-31,4,room-1\n\
        RL-15,A2,2030-02-28,6,store\n\
        LID-30,B1,2030-03-31,30,room-1\n";
    let (code, out, err) = cli(&app, &["import", "stock", &file("s.csv", first.as_bytes())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("4 new"), "{out}");
    let lots_of: Vec<(String, i32)> = app
        .with_conn(|c| {
            lots::table
                .select((lots::lot_number, lots::container))
                .order(lots::lot_number)
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(
        lots_of,
        vec![("A1".into(), 0), ("A2".into(), 0), ("B1".into(), 0)],
        "A1 on two shelves is one lot"
    );
    let a1: Vec<i64> = app
        .with_conn(|c| {
            balances::table
                .inner_join(lots::table)
                .filter(lots::lot_number.eq("A1"))
                .select(balances::quantity)
                .order(balances::quantity)
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(a1, vec![4_000, 10_000]);

    // A1 again with another expiry, in a file that also brings a new lot
    // and A2 unchanged: all or nothing, the A1 row named.
    let second = "sku,lot,expiry,quantity,location\n\
        RL-15,A3,2031-01-31,5,store\n\
        RL-15,A2,2030-02-28,6,store\n\
        RL-15,A1,2031-06-30,2,room-1\n";
    let (code, _, err) = cli(
        &app,
        &["import", "stock", &file("s2.csv", second.as_bytes())],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("line 4: expiry: lot A1 of ")
                && l.contains("already recorded with expiry 2030-01-31, not 2031-06-30")),
        "{err}"
    );
    assert_eq!(counts(&app).await.2, 3, "nothing written: no lot A3");
    assert_eq!(counts(&app).await.3, 4);
    app.assert_ledger_consistent().await;
}

const PROTOCOLS: &str = "name,indication,needle_min_mm,needle_max_mm,sku,quantity\n\
Acne scars 1.5 mm,Acne scars,\"1,0\",2.0,RL-15,1\n\
Acne scars 1.5 mm,,,,LID-30,\"4,5\"\n\
Fine lines,fine_lines,0.25,1.0,CT-05,1\n";

#[tokio::test]
async fn protocols_import_one_row_per_line_and_again_changes_nothing() {
    let app = TestApp::new().await;
    catalogue(&app).await;
    let path = file("protocols.csv", PROTOCOLS.as_bytes());
    let (code, out, err) = cli(&app, &["import", "protocols", &path]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 new"), "{out}");
    let lines: Vec<(String, String, i32, i32, String, i64)> = app
        .with_conn(|c| {
            protocol_lines::table
                .inner_join(protocols::table)
                .inner_join(products::table)
                .select((
                    protocols::name,
                    protocols::indication,
                    protocols::needle_min,
                    protocols::needle_max,
                    products::sku,
                    protocol_lines::quantity,
                ))
                .order((protocols::name, protocol_lines::position))
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(
        lines,
        vec![
            (
                "Acne scars 1.5 mm".into(),
                "acne_scars".into(),
                100,
                200,
                "RL-15".into(),
                1000
            ),
            (
                "Acne scars 1.5 mm".into(),
                "acne_scars".into(),
                100,
                200,
                "LID-30".into(),
                4500
            ),
            (
                "Fine lines".into(),
                "fine_lines".into(),
                25,
                100,
                "CT-05".into(),
                1000
            ),
        ]
    );
    let (code, out, _) = cli(&app, &["import", "protocols", &path]);
    assert_eq!(code, 0);
    assert!(out.contains("3 unchanged"), "{out}");
    // A protocol whose rows disagree, or whose roller is outside its range, is refused.
    let bad = "name,indication,needle_min_mm,needle_max_mm,sku,quantity\n\
        Hair,hair_loss,0.5,1.0,RL-15,1\n\
        Hair,acne_scars,,,LID-30,2\n";
    let (code, _, err) = cli(
        &app,
        &["import", "protocols", &file("bad.csv", bad.as_bytes())],
    );
    assert_eq!(code, 1);
    assert!(
        err.lines().any(|l| l
            == "line 2: sku: Derma roller 1.5 mm (1.5 mm) is outside the protocol's needle range"),
        "{err}"
    );
    assert!(err.lines().any(|l| l == "line 3: indication: acne_scars differs from line 2 (hair_loss) for the same protocol"), "{err}");
    assert_eq!(counts(&app).await.4, 2);
}

#[tokio::test]
async fn malformed_files_are_refused_with_a_clear_message_and_nothing_written() {
    let app = TestApp::new().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "latin1.csv",
            b"name,email\nCaf\xe9 Supplies,a@b.example\n".to_vec(),
            "line 2: the file is not UTF-8 text (byte 0xE9",
        ),
        (
            "utf16.csv",
            vec![0xFF, 0xFE, b'n', 0, b'a', 0],
            "the file is not UTF-8 text (it is UTF-16",
        ),
        (
            "nocol.csv",
            b"email,lead_time_days\na@b.example,3\n".to_vec(),
            "missing column: name (the header row has: email, lead_time_days)",
        ),
        ("empty.csv", Vec::new(), "the file is empty"),
        (
            "formula.csv",
            b"name,email\n=1+2,a@b.example\n@SUM(A1),\n".to_vec(),
            "line 2: name: =1+2 looks like a spreadsheet formula",
        ),
    ];
    for (name, bytes, expected) in cases {
        let (code, out, err) = cli(&app, &["import", "suppliers", &file(name, &bytes)]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(err.contains("nothing was imported"), "{name}: {err}");
    }
    // 50 MB: refused before it is read.
    let path = file("big.csv", b"");
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let (code, _, err) = cli(&app, &["import", "suppliers", &path]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the file is 50.0 MB; the largest accepted is 10 MB"),
        "{err}"
    );
    let _ = std::fs::remove_file(&path);
    assert_eq!(counts(&app).await, (0, 0, 0, 0, 0));
    let (code, _, err) = cli(&app, &["import", "widgets", "x.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown kind widgets"), "{err}");
}
