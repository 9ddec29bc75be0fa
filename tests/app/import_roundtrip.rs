//! The round trip (both backends): the demo clinic is exported with
//! `clinic-stock export DIR`, the import-format files are imported into an
//! empty installation, and the two installations hold the same locations,
//! suppliers, products, protocols and stock.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::import_cli::cli;
use crate::support::*;
use clinic_stock::db::schema::{balances, ledger, products};
use clinic_stock::demo::{self, DemoOptions};

fn export_dir(tag: &str) -> String {
    std::env::temp_dir()
        .join(format!(
            "cs-export-{tag}-{}-{}",
            std::process::id(),
            rand_tag()
        ))
        .to_string_lossy()
        .into_owned()
}

fn rand_tag() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn read(dir: &str, name: &str) -> String {
    std::fs::read_to_string(format!("{dir}/{name}")).unwrap()
}

/// stock.csv without its last column (quarantine is not imported).
fn stock_without_quarantine(dir: &str) -> String {
    read(dir, "stock.csv")
        .lines()
        .map(|l| l.rsplit_once(',').map(|(a, _)| a).unwrap_or(l).to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn on_hand_by_sku(app: &TestApp) -> BTreeMap<String, i64> {
    app.with_conn(|c| {
        balances::table
            .inner_join(products::table)
            .select((products::sku, balances::quantity))
            .load::<(String, i64)>(c)
            .unwrap()
    })
    .await
    .into_iter()
    .fold(BTreeMap::new(), |mut m, (sku, q)| {
        *m.entry(sku).or_insert(0) += q;
        m
    })
}

#[tokio::test]
async fn an_export_imports_cleanly_into_an_empty_installation() {
    let source = TestApp::new().await;
    source
        .with_conn(|c| demo::run(c, &DemoOptions::default()).unwrap())
        .await;
    let out = export_dir("source");
    let (code, stdout, err) = cli(&source, &["export", &out]);
    assert_eq!(code, 0, "{stdout}{err}");
    for f in [
        "locations.csv",
        "suppliers.csv",
        "products.csv",
        "protocols.csv",
        "stock.csv",
        "ledger.csv",
        "sessions.csv",
        "session_lines.csv",
        "users.csv",
    ] {
        assert!(
            std::path::Path::new(&format!("{out}/{f}")).exists(),
            "{f} missing"
        );
    }
    let ledger_lines = read(&out, "ledger.csv").lines().count() as i64;
    let source_rows: i64 = source
        .with_conn(|c| ledger::table.count().get_result(c).unwrap())
        .await;
    assert_eq!(
        ledger_lines,
        source_rows + 1,
        "every ledger row and the header"
    );
    // Exporting into a folder that already has an export is refused.
    let (code, _, err) = cli(&source, &["export", &out]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot write"), "{err}");

    let target = TestApp::new().await;
    for kind in ["locations", "suppliers", "products", "protocols", "stock"] {
        let (code, stdout, err) = cli(&target, &["import", kind, &format!("{out}/{kind}.csv")]);
        assert_eq!(code, 0, "{kind}: {stdout}{err}");
        // Only the default site's name changes (to the exported one).
        if kind != "locations" {
            assert!(!stdout.contains(" updated"), "{kind}: {stdout}");
        }
    }
    target.assert_ledger_consistent().await;

    let back = export_dir("target");
    let (code, stdout, err) = cli(&target, &["export", &back]);
    assert_eq!(code, 0, "{stdout}{err}");
    for f in [
        "locations.csv",
        "suppliers.csv",
        "products.csv",
        "protocols.csv",
    ] {
        assert_eq!(
            read(&back, f),
            read(&out, f),
            "{f} differs after the round trip"
        );
    }
    assert_eq!(
        stock_without_quarantine(&back),
        stock_without_quarantine(&out)
    );
    let (a, b) = (on_hand_by_sku(&source).await, on_hand_by_sku(&target).await);
    assert!(!a.is_empty());
    assert_eq!(a, b, "stock on hand per product");

    // Importing the same export again changes nothing.
    for kind in ["locations", "suppliers", "products", "protocols", "stock"] {
        let (code, stdout, _) = cli(&target, &["import", kind, &format!("{out}/{kind}.csv")]);
        assert_eq!(code, 0);
        assert!(
            !stdout.contains(" new")
                && !stdout.contains(" updated")
                && !stdout.contains("not applied"),
            "{kind} again: {stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&back);
}
