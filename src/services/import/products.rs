//! Importing products (`sku,name,category,unit,pack_size,needle_length_mm,
//! gtin,supplier,unit_cost,min_level,max_level`, and optionally
//! `lead_time_days,max_per_session,use_within_days_of_opening,active,
//! max_contact_minutes`):
//! matched by SKU, created or changed with the product form's rules
//! (`catalog::validate_new_product` / `validate_product_change`). A column
//! the file does not have keeps what is stored; an empty cell clears an
//! optional field.

use super::suppliers::find_by_name;
use super::{CellProblems, FirstSeen, RowReport, RowStatus, start_row, unescaped};
use crate::db::{self, DbConn, models::Supplier};
use crate::domain::access::Actor;
use crate::domain::import::{Row, Table, cells};
use crate::domain::vocab::{Category, Unit};
use crate::error::ServiceResult;
use crate::services::audit;
use crate::services::catalog::{self, ProductDraft};

/// Unit words people use, beyond the codes and labels.
const UNIT_WORDS: &[(&str, &str)] = &[
    ("pcs", "each"),
    ("pc", "each"),
    ("piece", "each"),
    ("pieces", "each"),
    ("ea", "each"),
    ("unit", "each"),
    ("units", "each"),
    ("item", "each"),
    ("gram", "g"),
    ("grams", "g"),
    ("gr", "g"),
    ("millilitre", "ml"),
    ("milliliter", "ml"),
    ("millilitres", "ml"),
    ("milliliters", "ml"),
];

const CATEGORY_WORDS: &[(&str, &str)] = &[
    ("anaesthetic", "anesthetic"),
    ("numbing cream", "anesthetic"),
    ("pen cartridges", "cartridge"),
    ("rollers", "roller"),
    ("derma roller", "roller"),
    ("serums", "serum"),
    ("sunscreen", "spf"),
    ("disposables", "disposable"),
];

/// The service's field names as the import's columns.
fn column(field: &str) -> String {
    match field {
        "supplier_id" => "supplier",
        "unit_cost_cents" => "unit_cost",
        other => other,
    }
    .to_string()
}

pub fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    table: &Table,
    formulas: &CellProblems,
) -> ServiceResult<Vec<RowReport>> {
    let suppliers = db::catalog::suppliers(conn)?;
    let mut seen = FirstSeen::default();
    let mut out = Vec::new();
    for raw in &table.rows {
        let row = unescaped(raw);
        let sku = row.get("sku").unwrap_or("").to_string();
        let mut report = start_row(&row, sku.clone(), formulas);
        let earlier = (!sku.is_empty())
            .then(|| seen.earlier(&sku, row.line))
            .flatten();
        let duplicate = earlier.is_some();
        if let Some(l) = earlier {
            report.error("sku", format!("{sku} appears twice (also line {l})"));
        }
        if !duplicate {
            apply_row(conn, actor, &row, &suppliers, &mut report)?;
        }
        out.push(report);
    }
    Ok(out)
}

/// The row as a product draft (the form's text fields), with the supplier
/// looked up by name.
fn draft_of(row: &Row, suppliers: &[Supplier], report: &mut RowReport) -> ProductDraft {
    let norm = |col: &str, f: fn(&str) -> String| row.given(col).map(|v| f(&v));
    let supplier_id = match row.given("supplier") {
        Some(name) if !name.is_empty() => match find_by_name(suppliers, &name) {
            Some(s) => Some(s.id.to_string()),
            None => {
                report.error(
                    "supplier",
                    format!("no supplier named {name}; import the suppliers first"),
                );
                None
            }
        },
        other => other,
    };
    let active = match row.get("active").map(cells::yes_no) {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            report.error("active", e);
            None
        }
        None => None,
    };
    ProductDraft {
        sku: row.given("sku"),
        name: row.given("name"),
        category: norm("category", |v| {
            cells::vocab(
                v,
                Category::ALL,
                Category::code,
                Category::label,
                CATEGORY_WORDS,
            )
        }),
        unit: norm("unit", |v| {
            cells::vocab(v, Unit::ALL, Unit::code, Unit::label, UNIT_WORDS)
        }),
        pack_size: norm("pack_size", cells::decimal),
        needle_length_mm: norm("needle_length_mm", cells::needle),
        gtin: row.given("gtin").map(|g| g.replace([' ', '-'], "")),
        supplier_id,
        unit_cost_cents: None,
        unit_cost: norm("unit_cost", cells::money),
        lead_time_days: norm("lead_time_days", cells::decimal),
        min_level: norm("min_level", cells::decimal),
        max_level: norm("max_level", cells::decimal),
        max_per_session: norm("max_per_session", cells::decimal),
        use_within_days_of_opening: norm("use_within_days_of_opening", cells::decimal),
        max_contact_minutes: norm("max_contact_minutes", cells::decimal),
        active,
    }
}

fn apply_row(
    conn: &mut DbConn,
    actor: &Actor,
    row: &Row,
    suppliers: &[Supplier],
    report: &mut RowReport,
) -> ServiceResult<()> {
    let draft = draft_of(row, suppliers, report);
    let current = match row.get("sku") {
        Some(sku) => db::catalog::product_by_sku(conn, sku)?,
        None => None,
    };
    match current {
        Some(current) => {
            report.link = Some(format!("/products/{}", current.id));
            let fields = match catalog::validate_product_change(conn, &current, draft) {
                Ok(f) => f,
                Err(e) => return report.refused(e, column),
            };
            if report.is_error() {
                return Ok(());
            }
            let changes = catalog::product_changes(&current, &fields);
            if changes.is_empty() {
                return Ok(());
            }
            db::catalog::update_product(conn, current.id, &fields)?;
            audit::product_changed(conn, actor, &current, &fields)?;
            report.status = RowStatus::Updated;
            report.detail = changes
                .iter()
                .map(|(f, a, b)| format!("{} {} → {}", column(f), dash(a), dash(b)))
                .collect::<Vec<_>>()
                .join("; ");
        }
        None => {
            let fields = match catalog::validate_new_product(conn, &draft) {
                Ok(f) => f,
                Err(e) => return report.refused(e, column),
            };
            if report.is_error() {
                return Ok(());
            }
            let id = db::catalog::insert_product(conn, &fields)?;
            if let Some(product) = db::catalog::product_by_id(conn, id)? {
                audit::product_created(conn, actor, &product)?;
            }
            report.status = RowStatus::New;
            report.detail = fields.name;
            report.link = Some(format!("/products/{id}"));
        }
    }
    Ok(())
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}
