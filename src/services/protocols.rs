//! Protocols: templates for a session ("Acne scars, 1.5 mm, face") with an
//! indication, a needle-length range, default lines and add-ons. Managers
//! define them; choosing one fills the session form.

use std::collections::HashMap;

use crate::db::{
    self, DbConn,
    models::{Product, Protocol, ProtocolLine},
    protocols::ProtocolFields,
};
use crate::domain::access::{Action, Actor};
use crate::domain::needle::fmt_needle;
use crate::domain::vocab::{Addon, Indication};
use crate::domain::{NeedleLength, Quantity};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};

/// A default line as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProtocolLineDraft {
    pub product_id: Option<String>,
    pub quantity: Option<String>,
}

/// A protocol as typed (form or JSON).
#[derive(Debug, Clone, Default)]
pub struct ProtocolDraft {
    pub name: Option<String>,
    pub indication: Option<String>,
    pub needle_min_mm: Option<String>,
    pub needle_max_mm: Option<String>,
    pub addons: Vec<String>,
    pub notes: Option<String>,
    pub active: Option<bool>,
    pub lines: Vec<ProtocolLineDraft>,
}

/// A protocol with its default lines and their products.
#[derive(Debug, Clone)]
pub struct ProtocolView {
    pub protocol: Protocol,
    pub lines: Vec<(ProtocolLine, Product)>,
}

impl ProtocolView {
    pub fn indication(&self) -> Indication {
        self.protocol.indication
    }

    pub fn addons(&self) -> Vec<Addon> {
        self.protocol.addons.0.clone()
    }

    /// "0.5–1.5 mm"
    pub fn range_label(&self) -> String {
        format!(
            "{}–{} mm",
            fmt_needle(self.protocol.needle_min),
            fmt_needle(self.protocol.needle_max)
        )
    }

    /// The stored protocol as a draft (the edit form).
    pub fn to_draft(&self) -> ProtocolDraft {
        let p = &self.protocol;
        ProtocolDraft {
            name: Some(p.name.clone()),
            indication: Some(p.indication.code().to_string()),
            needle_min_mm: Some(fmt_needle(p.needle_min)),
            needle_max_mm: Some(fmt_needle(p.needle_max)),
            addons: self.addons().iter().map(|a| a.code().to_string()).collect(),
            notes: p.notes.clone(),
            active: Some(p.active),
            lines: self
                .lines
                .iter()
                .map(|(l, _)| ProtocolLineDraft {
                    product_id: Some(l.product_id.to_string()),
                    quantity: Some(Quantity(l.quantity).to_string()),
                })
                .collect(),
        }
    }
}

fn views(conn: &mut DbConn, protocols: Vec<Protocol>) -> ServiceResult<Vec<ProtocolView>> {
    let ids: Vec<i64> = protocols.iter().map(|p| p.id).collect();
    let lines = db::protocols::lines_of(conn, &ids)?;
    let product_ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &product_ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(protocols
        .into_iter()
        .map(|protocol| {
            let lines = lines
                .iter()
                .filter(|l| l.protocol_id == protocol.id)
                .filter_map(|l| products.get(&l.product_id).map(|p| (l.clone(), p.clone())))
                .collect();
            ProtocolView { protocol, lines }
        })
        .collect())
}

/// Protocols by name with their lines; `active_only` hides archived ones.
pub fn list(conn: &mut DbConn, active_only: bool) -> ServiceResult<Vec<ProtocolView>> {
    let protocols = db::protocols::list(conn, active_only)?;
    views(conn, protocols)
}

pub fn get(conn: &mut DbConn, id: i64) -> ServiceResult<ProtocolView> {
    let p = db::protocols::by_id(conn, id)?
        .ok_or_else(|| ServiceError::not_found(format!("no protocol {id}")))?;
    views(conn, vec![p])?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::Internal("protocol vanished".into()))
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn needle(p: &mut Problems, field: &str, v: &Option<String>) -> Option<i32> {
    match text(v) {
        Some(t) => p.take(field, NeedleLength::parse(t)).map(|n| n.0),
        None => {
            p.add(field, "enter a needle length in mm");
            None
        }
    }
}

/// Validates a draft into stored fields and lines (product id, thousandths);
/// writes nothing. The form, the API and the import share it.
/// The indication chosen (pure).
fn parse_indication(p: &mut Problems, typed: Option<&str>) -> Option<Indication> {
    match typed.map(|t| (t, Indication::parse(t))) {
        Some((_, Some(i))) => Some(i),
        Some((t, None)) => {
            p.add(
                "indication",
                format!(
                    "unknown indication '{t}' (one of {})",
                    Indication::choices()
                ),
            );
            None
        }
        None => {
            p.add("indication", "choose an indication");
            None
        }
    }
}

/// The add-ons ticked (pure): known codes, each once, sorted.
fn parse_addons(p: &mut Problems, typed: &[String]) -> Vec<Addon> {
    let mut addons = Vec::new();
    for a in typed.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
        match Addon::parse(a) {
            Some(v) if !addons.contains(&v) => addons.push(v),
            Some(_) => {}
            None => p.add(
                "addons",
                format!("unknown add-on '{a}' (one of {})", Addon::choices()),
            ),
        }
    }
    addons.sort();
    addons
}

/// Line `i` of the protocol (pure, against the products it names): the
/// (product, quantity) it adds, or None when it is empty or wrong (the
/// problems at its fields). A needle product must fit the needle range.
fn check_line(
    p: &mut Problems,
    i: usize,
    l: &ProtocolLineDraft,
    products: &HashMap<i64, Product>,
    (min, max): (Option<i32>, Option<i32>),
) -> Option<(i64, i64)> {
    let (pf, qf) = (
        format!("lines[{i}].product_id"),
        format!("lines[{i}].quantity"),
    );
    let (Some(pid), qty) = (text(&l.product_id), text(&l.quantity)) else {
        if text(&l.quantity).is_some() {
            p.add(&pf, "choose a product");
        }
        return None;
    };
    let Some(product) = pid.parse::<i64>().ok().and_then(|id| products.get(&id)) else {
        p.add(&pf, format!("no product with id {pid}"));
        return None;
    };
    if !product.active {
        p.add(&pf, format!("{} is archived", product.name));
    }
    let unit = product.unit;
    let quantity = match qty {
        Some(q) => p.take(&qf, Quantity::parse_positive(q, unit)),
        None => {
            p.add(&qf, "enter a quantity");
            None
        }
    };
    let has_needle = product.category.has_needle();
    if has_needle
        && let (Some(n), Some(a), Some(b)) = (product.needle_length, min, max)
        && (n < a || n > b)
    {
        p.add(
            &pf,
            format!(
                "{} ({} mm) is outside the protocol's needle range",
                product.name,
                fmt_needle(n)
            ),
        );
    }
    quantity.map(|q| (product.id, q.0))
}

pub fn validate(
    conn: &mut DbConn,
    d: &ProtocolDraft,
) -> ServiceResult<(ProtocolFields, Vec<(i64, i64)>)> {
    let mut p = Problems::new();
    let name = match text(&d.name) {
        Some(n) if n.chars().count() <= 100 => Some(n.to_string()),
        Some(_) => {
            p.add("name", "at most 100 characters");
            None
        }
        None => {
            p.add("name", "enter a name, e.g. \"Acne scars 1.5 mm face\"");
            None
        }
    };
    let indication = parse_indication(&mut p, text(&d.indication));
    let min = needle(&mut p, "needle_min_mm", &d.needle_min_mm);
    let max = needle(&mut p, "needle_max_mm", &d.needle_max_mm);
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        p.add("needle_max_mm", "must not be below the minimum");
    }
    let addons = parse_addons(&mut p, &d.addons);
    let notes = match text(&d.notes) {
        Some(n) if n.chars().count() > 1000 => {
            p.add("notes", "at most 1000 characters");
            None
        }
        other => other.map(str::to_string),
    };
    let ids: Vec<i64> = d
        .lines
        .iter()
        .filter_map(|l| text(&l.product_id).and_then(|t| t.parse().ok()))
        .collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut lines = Vec::new();
    for (i, l) in d.lines.iter().enumerate() {
        if let Some(line) = check_line(&mut p, i, l, &products, (min, max)) {
            lines.push(line);
        }
    }
    p.finish()?;
    let (Some(name), Some(indication), Some(needle_min), Some(needle_max)) =
        (name, indication, min, max)
    else {
        return Err(ServiceError::Internal("validated values missing".into()));
    };
    Ok((
        ProtocolFields {
            name,
            indication,
            needle_min,
            needle_max,
            addons: addons
                .iter()
                .map(|a| a.code())
                .collect::<Vec<_>>()
                .join(","),
            notes,
            active: d.active.unwrap_or(true),
        },
        lines,
    ))
}

/// Refuses a name another protocol has (409 `duplicate_protocol`).
pub fn check_name(conn: &mut DbConn, name: &str, except: Option<i64>) -> ServiceResult<()> {
    match db::protocols::by_name(conn, name)? {
        Some(other) if Some(other.id) != except => Err(duplicate(name)),
        _ => Ok(()),
    }
}

fn duplicate(name: &str) -> ServiceError {
    let mut details = serde_json::Map::new();
    details.insert("field".into(), "name".into());
    ServiceError::Conflict {
        code: ErrorCode::DuplicateProtocol,
        message: format!("a protocol named {name} already exists"),
        details,
    }
}

/// Creates a protocol (manager).
pub fn create(conn: &mut DbConn, actor: &Actor, d: &ProtocolDraft) -> ServiceResult<ProtocolView> {
    actor.require(Action::ManageProtocols)?;
    db::write_tx(conn, |conn| {
        let (fields, lines) = validate(conn, d)?;
        check_name(conn, &fields.name, None)?;
        let id = db::protocols::insert(conn, &fields)?;
        db::protocols::replace_lines(conn, id, &lines)?;
        let view = get(conn, id)?;
        crate::services::audit::protocol_saved(conn, actor, None, &view)?;
        Ok(view)
    })
}

/// Replaces a protocol's fields and lines (manager). Sessions that used it
/// keep their own lines.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &ProtocolDraft,
) -> ServiceResult<ProtocolView> {
    actor.require(Action::ManageProtocols)?;
    db::write_tx(conn, |conn| {
        if db::protocols::by_id(conn, id)?.is_none() {
            return Err(ServiceError::not_found(format!("no protocol {id}")));
        }
        let before = get(conn, id)?;
        let (fields, lines) = validate(conn, d)?;
        check_name(conn, &fields.name, Some(id))?;
        db::protocols::update(conn, id, &fields)?;
        db::protocols::replace_lines(conn, id, &lines)?;
        let after = get(conn, id)?;
        crate::services::audit::protocol_saved(conn, actor, Some(&before), &after)?;
        Ok(after)
    })
}
