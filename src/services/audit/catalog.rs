//! Audit rows of the catalogue: products, suppliers and protocols,
//! created or changed.

use super::{Changes, record};
use crate::db::DbConn;
use crate::db::models::{Product, ProductFields, Supplier};
use crate::domain::access::Actor;
use crate::error::ServiceResult;
use crate::services::catalog::product_changes;
use crate::services::protocols::ProtocolView;

/// The audit row of a new product: every field it was created with.
pub fn product_created(conn: &mut DbConn, actor: &Actor, product: &Product) -> ServiceResult<()> {
    let blank = Product {
        sku: String::new(),
        name: String::new(),
        pack_size: 0,
        needle_length: None,
        gtin: None,
        supplier_id: None,
        unit_cost_cents: None,
        lead_time_days: None,
        min_level: None,
        max_level: None,
        max_per_session: None,
        use_within_days: None,
        max_contact_minutes: None,
        active: !product.active,
        ..product.clone()
    };
    let fields = ProductFields {
        sku: product.sku.clone(),
        name: product.name.clone(),
        category: product.category,
        unit: product.unit,
        pack_size: product.pack_size,
        needle_length: product.needle_length,
        gtin: product.gtin.clone(),
        supplier_id: product.supplier_id,
        unit_cost_cents: product.unit_cost_cents,
        lead_time_days: product.lead_time_days,
        min_level: product.min_level,
        max_level: product.max_level,
        max_per_session: product.max_per_session,
        use_within_days: product.use_within_days,
        max_contact_minutes: product.max_contact_minutes,
        active: product.active,
        updated_at: product.updated_at,
    };
    // Created: every field from nothing (the category and unit have no
    // blank value to differ from).
    let changes = product_changes(&blank, &fields)
        .into_iter()
        .filter(|(_, _, new)| !new.is_empty())
        .fold(Changes::new(), |c, (f, _, new)| c.set(f, new))
        .set("category", product.category.code())
        .set("unit", product.unit.code());
    record(
        conn,
        &actor.into(),
        "create",
        "product",
        Some(product.id),
        &format!("created product {} ({})", product.sku, product.name),
        &changes,
    )
}

/// The audit row of a changed product (none when nothing changed).
pub fn product_changed(
    conn: &mut DbConn,
    actor: &Actor,
    before: &Product,
    after: &ProductFields,
) -> ServiceResult<()> {
    let changes = Changes::from_text_pairs(product_changes(before, after));
    if changes.is_empty() {
        return Ok(());
    }
    record(
        conn,
        &actor.into(),
        "update",
        "product",
        Some(before.id),
        &format!("changed product {}", after.sku),
        &changes,
    )
}

/// The audit row of a new supplier (`before` None) or a changed one (none
/// when nothing changed).
pub fn supplier_saved(
    conn: &mut DbConn,
    actor: &Actor,
    before: Option<&Supplier>,
    after: &Supplier,
) -> ServiceResult<()> {
    let changes = Changes::new()
        .field("name", before.map(|b| b.name.clone()), after.name.clone())
        .field(
            "email",
            before.and_then(|b| b.email.clone()),
            after.email.clone(),
        )
        .field(
            "lead_time_days",
            before.and_then(|b| b.lead_time_days),
            after.lead_time_days,
        );
    let (action, summary) = match before {
        None => ("create", format!("created supplier {}", after.name)),
        Some(_) if changes.is_empty() => return Ok(()),
        Some(_) => ("update", format!("changed supplier {}", after.name)),
    };
    record(
        conn,
        &actor.into(),
        action,
        "supplier",
        Some(after.id),
        &summary,
        &changes,
    )
}

/// A protocol's fields as (field, text) for comparing two versions.
fn protocol_fields(v: &ProtocolView) -> Vec<(&'static str, Option<String>)> {
    let d = v.to_draft();
    let lines = v
        .lines
        .iter()
        .map(|(l, p)| format!("{} {}", p.sku, crate::domain::Quantity(l.quantity)))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        ("name", d.name),
        ("indication", d.indication),
        ("needle_min_mm", d.needle_min_mm),
        ("needle_max_mm", d.needle_max_mm),
        ("addons", Some(d.addons.join(","))),
        ("notes", d.notes),
        ("active", d.active.map(|a| a.to_string())),
        ("lines", Some(lines)),
    ]
}

/// The audit row of a new protocol (`before` None) or a changed one (none
/// when nothing changed).
pub fn protocol_saved(
    conn: &mut DbConn,
    actor: &Actor,
    before: Option<&ProtocolView>,
    after: &ProtocolView,
) -> ServiceResult<()> {
    let old = before.map(protocol_fields).unwrap_or_default();
    let blank = |s: Option<String>| s.filter(|s| !s.is_empty());
    let changes = protocol_fields(after)
        .into_iter()
        .fold(Changes::new(), |c, (field, new)| {
            let was = old
                .iter()
                .find(|(f, _)| *f == field)
                .and_then(|(_, v)| v.clone());
            c.field(field, blank(was), blank(new))
        });
    let name = &after.protocol.name;
    let (action, summary) = match before {
        None => ("create", format!("created protocol {name}")),
        Some(_) if changes.is_empty() => return Ok(()),
        Some(_) => ("update", format!("changed protocol {name}")),
    };
    record(
        conn,
        &actor.into(),
        action,
        "protocol",
        Some(after.protocol.id),
        &summary,
        &changes,
    )
}
