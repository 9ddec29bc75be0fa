//! The catalogue: products (validated as a whole, whether they come from the
//! product form or the JSON API) and suppliers.

use crate::db::{
    self, DbConn,
    catalog::ProductFilter,
    models::{Product, ProductFields, Supplier},
};
use crate::domain::access::{Action, Actor};
use crate::domain::quantity::{MAX_MONEY_CENTS, Quantity, parse_money};
use crate::domain::vocab::{Category, Unit};
use crate::domain::{NeedleLength, gs1};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit;

/// A product as entered: every field as text (a form field, or a JSON value
/// turned into text), so that one bad field is a message at that field.
/// `None` means "not given" (PATCH keeps the stored value).
#[derive(Debug, Clone, Default)]
pub struct ProductDraft {
    pub sku: Option<String>,
    pub name: Option<String>,
    pub category: Option<String>,
    pub unit: Option<String>,
    /// Pack size in the product's unit ("30" g, "10" each).
    pub pack_size: Option<String>,
    pub needle_length_mm: Option<String>,
    pub gtin: Option<String>,
    pub supplier_id: Option<String>,
    /// Either cents (API) …
    pub unit_cost_cents: Option<String>,
    /// … or money text (form, "3.50").
    pub unit_cost: Option<String>,
    pub lead_time_days: Option<String>,
    pub min_level: Option<String>,
    pub max_level: Option<String>,
    pub max_per_session: Option<String>,
    pub use_within_days_of_opening: Option<String>,
    /// Longest contact time of a topical anaesthetic, whole minutes.
    pub max_contact_minutes: Option<String>,
    pub active: Option<bool>,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn fmt_opt_qty(v: Option<i64>) -> Option<String> {
    v.map(|q| Quantity(q).to_string())
}

impl ProductDraft {
    /// The stored product as a draft (base for PATCH and the edit form).
    pub fn from_product(p: &Product) -> ProductDraft {
        ProductDraft {
            sku: Some(p.sku.clone()),
            name: Some(p.name.clone()),
            category: Some(p.category.code().to_string()),
            unit: Some(p.unit.code().to_string()),
            pack_size: Some(Quantity(p.pack_size).to_string()),
            needle_length_mm: p.needle_length.map(|n| NeedleLength(n).to_string()),
            gtin: p.gtin.clone(),
            supplier_id: p.supplier_id.map(|s| s.to_string()),
            unit_cost_cents: p.unit_cost_cents.map(|c| c.to_string()),
            unit_cost: None,
            lead_time_days: p.lead_time_days.map(|d| d.to_string()),
            min_level: fmt_opt_qty(p.min_level),
            max_level: fmt_opt_qty(p.max_level),
            max_per_session: fmt_opt_qty(p.max_per_session),
            use_within_days_of_opening: p.use_within_days.map(|d| d.to_string()),
            max_contact_minutes: p.max_contact_minutes.map(|m| m.to_string()),
            active: Some(p.active),
        }
    }

    /// Overlays the fields given in `patch` onto `self`.
    pub fn overlay(mut self, patch: ProductDraft) -> ProductDraft {
        macro_rules! take {
            ($($f:ident),*) => { $( if patch.$f.is_some() { self.$f = patch.$f; } )* };
        }
        take!(
            sku,
            name,
            category,
            unit,
            pack_size,
            needle_length_mm,
            gtin,
            supplier_id,
            lead_time_days,
            min_level,
            max_level,
            max_per_session,
            use_within_days_of_opening,
            max_contact_minutes,
            active
        );
        if patch.unit_cost_cents.is_some() || patch.unit_cost.is_some() {
            self.unit_cost_cents = patch.unit_cost_cents;
            self.unit_cost = patch.unit_cost;
        }
        self
    }
}

fn parse_int(p: &mut Problems, field: &str, v: &Option<String>, min: i64, max: i64) -> Option<i64> {
    let t = text(v)?;
    match t.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        Ok(_) => {
            p.add(field, format!("must be between {min} and {max}"));
            None
        }
        Err(_) => {
            p.add(field, "must be a whole number");
            None
        }
    }
}

fn parse_level(
    p: &mut Problems,
    field: &str,
    v: &Option<String>,
    unit: Unit,
    positive: bool,
) -> Option<i64> {
    let t = text(v)?;
    let r = if positive {
        Quantity::parse_positive(t, unit)
    } else {
        Quantity::parse_non_negative(t, unit)
    };
    p.take(field, r).map(|q| q.0)
}

/// Checks a whole draft; returns the row to store or every problem found.
/// The category and unit chosen (pure), each a problem when missing or
/// unknown.
fn parse_category_unit(p: &mut Problems, d: &ProductDraft) -> (Option<Category>, Option<Unit>) {
    let category = match text(&d.category) {
        Some(c) => Category::parse(c).or_else(|| {
            p.add("category", format!("choose one of {}", Category::choices()));
            None
        }),
        None => {
            p.add("category", "choose a category");
            None
        }
    };
    let unit = match text(&d.unit) {
        Some(u) => Unit::parse(u).or_else(|| {
            p.add("unit", format!("choose one of {}", Unit::choices()));
            None
        }),
        None => {
            p.add("unit", "choose a unit");
            None
        }
    };
    (category, unit)
}

/// The needle length (pure): required for rollers and cartridges (counted
/// each), refused for anything else.
fn parse_needle(
    p: &mut Problems,
    category: Option<Category>,
    unit: Option<Unit>,
    typed: Option<&str>,
) -> Option<NeedleLength> {
    let needle = match (category, typed) {
        (Some(c), Some(t)) if c.has_needle() => p.take("needle_length_mm", NeedleLength::parse(t)),
        (Some(c), None) if c.has_needle() => {
            p.add(
                "needle_length_mm",
                format!("a {} needs a needle length", c.label().to_lowercase()),
            );
            None
        }
        (Some(c), Some(_)) => {
            p.add(
                "needle_length_mm",
                format!(
                    "only rollers and cartridges have a needle length, not {}",
                    c.label().to_lowercase()
                ),
            );
            None
        }
        _ => None,
    };
    if let (Some(c), Some(un)) = (category, unit)
        && c.has_needle()
        && un != Unit::Each
    {
        p.add("unit", "rollers and cartridges are counted each");
    }
    needle
}

/// The unit cost in cents (pure): whole cents (the API) win over money text
/// (the form).
fn parse_unit_cost(p: &mut Problems, d: &ProductDraft) -> Option<i64> {
    match (text(&d.unit_cost_cents), text(&d.unit_cost)) {
        (Some(_), _) => parse_int(p, "unit_cost_cents", &d.unit_cost_cents, 0, MAX_MONEY_CENTS),
        (None, Some(m)) => p.take("unit_cost", parse_money(m)),
        (None, None) => None,
    }
}

/// The SKU (no spaces, up to 40 characters) and the name (up to 120).
fn parse_sku_name(p: &mut Problems, d: &ProductDraft) -> (String, String) {
    let sku = text(&d.sku).unwrap_or("").to_string();
    if sku.is_empty() {
        p.add("sku", "enter a SKU");
    } else if sku.len() > 40 || sku.chars().any(char::is_whitespace) {
        p.add("sku", "up to 40 characters, no spaces");
    }
    let name = text(&d.name).unwrap_or("").to_string();
    if name.is_empty() || name.len() > 120 {
        p.add("name", "enter a name (up to 120 characters)");
    }
    (sku, name)
}

pub fn validate(conn: &mut DbConn, d: &ProductDraft) -> ServiceResult<ProductFields> {
    let mut p = Problems::new();
    let (sku, name) = parse_sku_name(&mut p, d);
    let (category, unit) = parse_category_unit(&mut p, d);
    let u = unit.unwrap_or(Unit::Millilitre);
    let needle = parse_needle(&mut p, category, unit, text(&d.needle_length_mm));
    let pack_size = match text(&d.pack_size) {
        Some(t) => p
            .take("pack_size", Quantity::parse_positive(t, u))
            .map(|q| q.0),
        None => {
            p.add("pack_size", "enter the pack size");
            None
        }
    };
    let gtin = text(&d.gtin).and_then(|g| p.take("gtin", gs1::normalize_gtin(g)));
    let supplier_id = parse_int(&mut p, "supplier_id", &d.supplier_id, 1, i64::MAX);
    if let Some(id) = supplier_id
        && db::catalog::supplier_by_id(conn, id)?.is_none()
    {
        p.add("supplier_id", "no such supplier");
    }
    let unit_cost_cents = parse_unit_cost(&mut p, d);
    let lead = parse_int(&mut p, "lead_time_days", &d.lead_time_days, 0, 365);
    let min_level = parse_level(&mut p, "min_level", &d.min_level, u, false);
    let max_level = parse_level(&mut p, "max_level", &d.max_level, u, false);
    if let (Some(mn), Some(mx)) = (min_level, max_level)
        && mx < mn
    {
        p.add("max_level", "must not be below the min level");
    }
    let max_per_session = parse_level(&mut p, "max_per_session", &d.max_per_session, u, true);
    let use_within = parse_int(
        &mut p,
        "use_within_days_of_opening",
        &d.use_within_days_of_opening,
        1,
        3650,
    );
    let max_contact = parse_int(
        &mut p,
        "max_contact_minutes",
        &d.max_contact_minutes,
        1,
        crate::domain::session_facts::MAX_CONTACT_MINUTES,
    );
    p.finish()?;
    // Both are problems above when missing: never a default here.
    let (Some(category), Some(unit)) = (category, unit) else {
        return Err(ServiceError::Internal(
            "validated category or unit missing".into(),
        ));
    };
    Ok(ProductFields {
        sku,
        name,
        category,
        unit,
        pack_size: pack_size.unwrap_or(1000),
        needle_length: needle.map(|n| n.0),
        gtin,
        supplier_id,
        unit_cost_cents,
        lead_time_days: lead.map(|v| v as i32),
        min_level,
        max_level,
        max_per_session,
        use_within_days: use_within.map(|v| v as i32),
        max_contact_minutes: max_contact.map(|v| v as i32),
        active: d.active.unwrap_or(true),
        updated_at: db::now(),
    })
}

fn check_unique(
    conn: &mut DbConn,
    fields: &ProductFields,
    except: Option<i64>,
) -> ServiceResult<()> {
    if let Some(other) = db::catalog::product_by_sku(conn, &fields.sku)?
        && Some(other.id) != except
    {
        return Err(ServiceError::Conflict {
            code: ErrorCode::DuplicateSku,
            message: format!("SKU {} is already used by {}", fields.sku, other.name),
            details: [("field".to_string(), "sku".into())].into_iter().collect(),
        });
    }
    if let Some(g) = &fields.gtin
        && let Some(other) = db::catalog::product_by_gtin(conn, g)?
        && Some(other.id) != except
    {
        return Err(ServiceError::Conflict {
            code: ErrorCode::DuplicateGtin,
            message: format!("GTIN {g} is already used by {}", other.name),
            details: [("field".to_string(), "gtin".into())].into_iter().collect(),
        });
    }
    Ok(())
}

/// Every rule for a new product (fields, supplier, unique SKU and GTIN);
/// writes nothing. The form, the API and the import share it.
pub fn validate_new_product(
    conn: &mut DbConn,
    draft: &ProductDraft,
) -> ServiceResult<ProductFields> {
    let fields = validate(conn, draft)?;
    check_unique(conn, &fields, None)?;
    Ok(fields)
}

/// Every rule for changing a product: `patch` laid over the stored product,
/// validated as a whole, and no change of unit or needle length once it has
/// stock history; writes nothing.
pub fn validate_product_change(
    conn: &mut DbConn,
    current: &Product,
    patch: ProductDraft,
) -> ServiceResult<ProductFields> {
    let draft = ProductDraft::from_product(current).overlay(patch);
    let fields = validate(conn, &draft)?;
    if fields.unit != current.unit && has_stock_history(conn, current.id)? {
        return Err(ServiceError::invalid(
            "unit",
            "the unit cannot change once the product has stock history",
        ));
    }
    if fields.needle_length != current.needle_length && has_stock_history(conn, current.id)? {
        return Err(ServiceError::invalid(
            "needle_length_mm",
            "the needle length cannot change once the product has stock history; create a new product",
        ));
    }
    check_unique(conn, &fields, Some(current.id))?;
    Ok(fields)
}

/// The stored fields that `fields` would change: (field, old, new) as text.
pub fn product_changes(
    current: &Product,
    f: &ProductFields,
) -> Vec<(&'static str, String, String)> {
    fn opt<T: ToString>(v: &Option<T>) -> String {
        v.as_ref().map(|x| x.to_string()).unwrap_or_default()
    }
    let qty = |v: Option<i64>| v.map(|q| Quantity(q).to_string()).unwrap_or_default();
    let needle = |v: Option<i32>| v.map(|n| NeedleLength(n).to_string()).unwrap_or_default();
    let money = |v: Option<i64>| {
        v.map(crate::domain::quantity::fmt_money)
            .unwrap_or_default()
    };
    let pairs = [
        ("sku", current.sku.clone(), f.sku.clone()),
        ("name", current.name.clone(), f.name.clone()),
        (
            "category",
            current.category.code().to_string(),
            f.category.code().to_string(),
        ),
        (
            "unit",
            current.unit.code().to_string(),
            f.unit.code().to_string(),
        ),
        (
            "pack_size",
            qty(Some(current.pack_size)),
            qty(Some(f.pack_size)),
        ),
        (
            "needle_length_mm",
            needle(current.needle_length),
            needle(f.needle_length),
        ),
        ("gtin", opt(&current.gtin), opt(&f.gtin)),
        (
            "supplier_id",
            opt(&current.supplier_id),
            opt(&f.supplier_id),
        ),
        (
            "unit_cost",
            money(current.unit_cost_cents),
            money(f.unit_cost_cents),
        ),
        (
            "lead_time_days",
            opt(&current.lead_time_days),
            opt(&f.lead_time_days),
        ),
        ("min_level", qty(current.min_level), qty(f.min_level)),
        ("max_level", qty(current.max_level), qty(f.max_level)),
        (
            "max_per_session",
            qty(current.max_per_session),
            qty(f.max_per_session),
        ),
        (
            "use_within_days_of_opening",
            opt(&current.use_within_days),
            opt(&f.use_within_days),
        ),
        (
            "max_contact_minutes",
            opt(&current.max_contact_minutes),
            opt(&f.max_contact_minutes),
        ),
        ("active", current.active.to_string(), f.active.to_string()),
    ];
    pairs.into_iter().filter(|(_, a, b)| a != b).collect()
}

pub fn create_product(
    conn: &mut DbConn,
    actor: &Actor,
    draft: &ProductDraft,
) -> ServiceResult<Product> {
    actor.require(Action::ManageProducts)?;
    db::write_tx(conn, |conn| {
        let fields = validate_new_product(conn, draft)?;
        let id = db::catalog::insert_product(conn, &fields)?;
        let product = db::catalog::product_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("product vanished".into()))?;
        audit::product_created(conn, actor, &product)?;
        Ok(product)
    })
}

/// Changes the given fields of a product (PATCH; the edit form sends all).
pub fn update_product(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    patch: ProductDraft,
) -> ServiceResult<Product> {
    actor.require(Action::ManageProducts)?;
    db::write_tx(conn, |conn| {
        let current = db::catalog::product_by_id(conn, id)?
            .ok_or_else(|| ServiceError::not_found("no such product"))?;
        let fields = validate_product_change(conn, &current, patch.clone())?;
        db::catalog::update_product(conn, id, &fields)?;
        audit::product_changed(conn, actor, &current, &fields)?;
        db::catalog::product_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("product vanished".into()))
    })
}

fn has_stock_history(conn: &mut DbConn, product_id: i64) -> ServiceResult<bool> {
    Ok(!db::lots::of_product(conn, product_id)?.is_empty())
}

pub fn product(conn: &mut DbConn, id: i64) -> ServiceResult<Product> {
    db::catalog::product_by_id(conn, id)?.ok_or_else(|| ServiceError::not_found("no such product"))
}

/// A page of products and the total matching.
pub fn list_products(
    conn: &mut DbConn,
    filter: &ProductFilter,
    limit: i64,
    offset: i64,
) -> ServiceResult<(Vec<Product>, i64)> {
    let total = db::catalog::count_products(conn, filter)?;
    let items = db::catalog::list_products(conn, filter, limit, offset)?;
    Ok((items, total))
}

// ---- suppliers ----------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct SupplierDraft {
    pub name: String,
    pub email: Option<String>,
    pub lead_time_days: Option<String>,
}

/// The rules for a supplier's fields (pure): name, e-mail, lead time.
pub fn validate_supplier(
    d: &SupplierDraft,
) -> ServiceResult<(String, Option<String>, Option<i32>)> {
    let mut p = Problems::new();
    let name = d.name.trim().to_string();
    if name.is_empty() || name.len() > 120 {
        p.add("name", "enter a name (up to 120 characters)");
    }
    let email = text(&d.email).map(str::to_string);
    if let Some(e) = &email
        && (!e.contains('@') || e.len() > 200 || e.contains(char::is_whitespace))
    {
        p.add("email", "not an e-mail address");
    }
    let lead = parse_int(&mut p, "lead_time_days", &d.lead_time_days, 0, 365).map(|v| v as i32);
    p.finish()?;
    Ok((name, email, lead))
}

/// Refuses a supplier name another supplier has (409 `duplicate_supplier`).
pub fn check_supplier_name(
    conn: &mut DbConn,
    name: &str,
    except: Option<i64>,
) -> ServiceResult<()> {
    if let Some(other) = db::catalog::supplier_by_name(conn, name)?
        && Some(other.id) != except
    {
        return Err(ServiceError::Conflict {
            code: ErrorCode::DuplicateSupplier,
            message: format!("a supplier named {name} exists"),
            details: [("field".to_string(), "name".into())].into_iter().collect(),
        });
    }
    Ok(())
}

pub fn create_supplier(
    conn: &mut DbConn,
    actor: &Actor,
    d: &SupplierDraft,
) -> ServiceResult<Supplier> {
    actor.require(Action::ManageSuppliers)?;
    let (name, email, lead) = validate_supplier(d)?;
    db::write_tx(conn, |conn| {
        check_supplier_name(conn, &name, None)?;
        let id = db::catalog::insert_supplier(conn, &name, email.as_deref(), lead)?;
        let supplier = db::catalog::supplier_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("supplier vanished".into()))?;
        audit::supplier_saved(conn, actor, None, &supplier)?;
        Ok(supplier)
    })
}

pub fn update_supplier(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &SupplierDraft,
) -> ServiceResult<Supplier> {
    actor.require(Action::ManageSuppliers)?;
    let (name, email, lead) = validate_supplier(d)?;
    db::write_tx(conn, |conn| {
        check_supplier_name(conn, &name, Some(id))?;
        let before = db::catalog::supplier_by_id(conn, id)?
            .ok_or_else(|| ServiceError::not_found("no such supplier"))?;
        if db::catalog::update_supplier(conn, id, &name, email.as_deref(), lead)? == 0 {
            return Err(ServiceError::not_found("no such supplier"));
        }
        let after = db::catalog::supplier_by_id(conn, id)?
            .ok_or_else(|| ServiceError::Internal("supplier vanished".into()))?;
        audit::supplier_saved(conn, actor, Some(&before), &after)?;
        Ok(after)
    })
}

pub fn suppliers(conn: &mut DbConn) -> ServiceResult<Vec<Supplier>> {
    Ok(db::catalog::suppliers(conn)?)
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn category_and_unit_decide_the_needle() {
        let d = ProductDraft {
            category: Some("roller".into()),
            unit: Some("ml".into()),
            ..ProductDraft::default()
        };
        let mut p = Problems::new();
        let (c, u) = parse_category_unit(&mut p, &d);
        assert_eq!((c, u), (Some(Category::Roller), Some(Unit::Millilitre)));
        assert!(p.is_empty());
        assert!(parse_needle(&mut p, c, u, Some("1.5")).is_some());
        assert_eq!(fields(&p), ["unit"]);

        let mut p = Problems::new();
        assert!(
            parse_needle(
                &mut p,
                Some(Category::Serum),
                Some(Unit::Millilitre),
                Some("1")
            )
            .is_none()
        );
        assert!(parse_needle(&mut p, Some(Category::Cartridge), Some(Unit::Each), None).is_none());
        assert!(
            parse_needle(&mut p, Some(Category::Serum), Some(Unit::Millilitre), None).is_none()
        );
        assert_eq!(fields(&p), ["needle_length_mm", "needle_length_mm"]);

        let mut p = Problems::new();
        let (c, u) = parse_category_unit(&mut p, &ProductDraft::default());
        assert_eq!((c, u), (None, None));
        assert_eq!(fields(&p), ["category", "unit"]);
    }
}
