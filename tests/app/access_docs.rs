//! `docs/permissions.md` is the permission table as people read it: the
//! test regenerates it from the code (`domain::access::TABLE`) and fails
//! when the file differs. Regenerate with
//! `cargo run -- permissions > docs/permissions.md`
//! (or `CLINIC_STOCK_WRITE_DOCS=1 cargo test --test app access_docs`).

use clinic_stock::domain::access::permissions_markdown;

#[test]
fn docs_permissions_md_matches_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/permissions.md");
    let generated = permissions_markdown();
    if std::env::var("CLINIC_STOCK_WRITE_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/permissions.md is out of date with src/domain/access.rs; regenerate it with \
         `cargo run -- permissions > docs/permissions.md`"
    );
}
