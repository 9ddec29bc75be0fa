//! What every session line must pass before stock moves, and the stock it
//! is allocated from: the usable (lot, location) balances of the session's
//! site as FEFO candidates (`domain::fefo`), kept up to date as lines take
//! from them. Shared by `record` (which writes) and `hints` (which only
//! shows what would happen).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::request::{NormalLine, line_field};
use super::view::Warning;
use crate::db::{
    self, DbConn,
    lots::OnHand,
    models::{Lot, Product, Protocol},
};
use crate::domain::Quantity;
use crate::domain::fefo::{self, AllocError, Allocation, Candidate, is_expired};
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::fmt_qty;
use crate::error::{ErrorCode, FieldError, ServiceError, ServiceResult};

/// A line whose product, unit and named lot have been checked.
#[derive(Debug, Clone)]
pub struct CheckedLine {
    pub index: usize,
    pub product: Product,
    pub quantity: i64,
    pub named_lot: Option<Lot>,
    /// Opens a new container first ("new tube opened").
    pub open_new: bool,
}

/// A problem with one line (the form shows it at the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIssue {
    pub index: usize,
    pub field: String,
    /// `validation_failed` or `needle_length_mismatch`.
    pub code: ErrorCode,
    pub message: String,
}

/// Checks the lines against the catalogue: the product exists and is active,
/// the quantity suits its unit, a roller or cartridge has the session's
/// needle length, a named lot is a lot of that product; a line that opens a
/// new tube names an openable product and no opened container.
/// What is wrong with taking `quantity` of `product` in a session with
/// this needle (pure), as (field of the line, code, message): archived, a
/// quantity its unit cannot hold, or a needle product of another length.
fn product_issues(
    product: &Product,
    quantity: i64,
    needle: i32,
) -> Vec<(&'static str, ErrorCode, String)> {
    let mut issues = Vec::new();
    let mut issue =
        |field: &'static str, code: ErrorCode, message: String| issues.push((field, code, message));
    if !product.active {
        issue(
            "product_id",
            ErrorCode::ValidationFailed,
            format!("{} is archived", product.name),
        );
    }
    let unit = product.unit;
    if let Err(e) = Quantity(quantity).check_unit(unit) {
        issue("quantity", ErrorCode::ValidationFailed, e.to_string());
    }
    let has_needle = product.category.has_needle();
    if has_needle && product.needle_length != Some(needle) {
        issue(
            "product_id",
            ErrorCode::NeedleLengthMismatch,
            format!(
                "{} is {} mm but the session's needle length is {} mm",
                product.name,
                product.needle_length.map(fmt_needle).unwrap_or_default(),
                fmt_needle(needle)
            ),
        );
    }
    issues
}

pub fn check_lines(
    conn: &mut DbConn,
    lines: &[NormalLine],
    needle: i32,
) -> ServiceResult<(Vec<CheckedLine>, Vec<LineIssue>)> {
    let ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut checked = Vec::new();
    let mut issues = Vec::new();
    let mut issue = |index: usize, field: &str, code: ErrorCode, message: String| {
        issues.push(LineIssue {
            index,
            field: line_field(index, field),
            code,
            message,
        })
    };
    for (index, l) in lines.iter().enumerate() {
        let Some(product) = products.get(&l.product_id) else {
            issue(
                index,
                "product_id",
                ErrorCode::ValidationFailed,
                format!("no product with id {}", l.product_id),
            );
            continue;
        };
        let found = product_issues(product, l.quantity, needle);
        let mut ok = found.is_empty();
        for (field, code, message) in found {
            issue(index, field, code, message);
        }
        let named_lot = match l.lot_id {
            Some(lot_id) => match db::lots::by_id(conn, lot_id)? {
                Some(lot) if lot.product_id == product.id => Some(lot),
                _ => {
                    issue(
                        index,
                        "lot_id",
                        ErrorCode::ValidationFailed,
                        format!("lot {lot_id} is not a lot of {}", product.name),
                    );
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if l.open_new
            && let Some((field, message)) = open_problem(product, named_lot.as_ref())
        {
            issue(index, field, ErrorCode::ValidationFailed, message);
            ok = false;
        }
        if ok {
            checked.push(CheckedLine {
                index,
                product: product.clone(),
                quantity: l.quantity,
                named_lot,
                open_new: l.open_new,
            });
        }
    }
    Ok((checked, issues))
}

/// Why a line cannot open a new tube (field, message): the product has no
/// "use within N days of opening", or the named lot is an opened container.
fn open_problem(product: &Product, named: Option<&Lot>) -> Option<(&'static str, String)> {
    if product.use_within_days.is_none() {
        return Some((
            "open_new",
            format!(
                "{} is not opened like a tube (it has no \"use within N days of opening\"); untick \"new tube opened\"",
                product.name
            ),
        ));
    }
    match named {
        Some(lot) if lot.container != 0 => Some((
            "lot_id",
            format!(
                "lot {} container {} is open already: choose the sealed lot or FEFO to open a new tube",
                lot.lot_number, lot.container
            ),
        )),
        _ => None,
    }
}

/// The 422 for line issues: plain validation problems first; when the only
/// problems are needle lengths, `needle_length_mismatch`.
pub fn issues_error(issues: Vec<LineIssue>) -> ServiceError {
    let plain: Vec<&LineIssue> = issues
        .iter()
        .filter(|i| i.code == ErrorCode::ValidationFailed)
        .collect();
    let (code, chosen): (ErrorCode, Vec<&LineIssue>) = if plain.is_empty() {
        (ErrorCode::NeedleLengthMismatch, issues.iter().collect())
    } else {
        (ErrorCode::ValidationFailed, plain)
    };
    ServiceError::Invalid {
        code,
        errors: chosen
            .into_iter()
            .map(|i| FieldError {
                field: i.field.clone(),
                message: i.message.clone(),
            })
            .collect(),
    }
}

/// Warnings that do not stop the session (`domain::session_warnings`):
/// needle length outside the protocol's range (else the indication's usual
/// range), a product above its maximum per session or contact time, no
/// needle device or more than one, no SPF line.
pub fn warnings(
    protocol: Option<&Protocol>,
    indication: Option<crate::domain::session_warnings::Range>,
    needle: Option<i32>,
    contact_minutes: Option<i32>,
    lines: &[CheckedLine],
) -> Vec<Warning> {
    use crate::domain::session_warnings::{self as rules, LineFacts, Range, SessionFacts};
    let facts = SessionFacts {
        needle,
        protocol: protocol.map(|p| Range {
            name: p.name.clone(),
            min: p.needle_min,
            max: p.needle_max,
        }),
        // The indication's usual range (`services::needle_ranges`).
        indication,
        lines: lines
            .iter()
            .map(|l| LineFacts {
                product_id: l.product.id,
                name: l.product.name.clone(),
                category: Some(l.product.category),
                unit: l.product.unit.code().to_string(),
                quantity: l.quantity,
                max_per_session: l.product.max_per_session,
                max_contact_minutes: l.product.max_contact_minutes,
            })
            .collect(),
        contact_minutes,
        judge_presence: !lines.is_empty(),
    };
    rules::warnings(&facts)
}

/// Lot number, expiry and location of a candidate, for display.
#[derive(Debug, Clone)]
pub struct PositionInfo {
    pub lot_number: String,
    pub expiry: NaiveDate,
    pub use_by: NaiveDate,
    pub location_code: String,
    /// A sealed position (container 0), from which a tube may be opened.
    pub sealed: bool,
}

/// The stock of some products at one site, as FEFO candidates.
#[derive(Debug, Clone)]
pub struct SiteStock {
    site_id: i64,
    day: NaiveDate,
    candidates: HashMap<i64, Vec<Candidate>>,
    info: HashMap<(i64, i64), PositionInfo>,
    usable_at_start: HashMap<i64, i64>,
    /// What this session has already written off, per product.
    consumed: HashMap<i64, i64>,
}

fn candidate(h: &OnHand) -> Candidate {
    Candidate {
        lot_id: h.lot.id,
        location_id: h.location_id,
        location_order: i64::from(h.location_order),
        expiry: h.lot.use_by,
        // An opened container ranks with the lot it came from (it carries
        // that lot's receipt time).
        received_at: h.lot.received_at(),
        lot_order: h.lot.parent_lot_id.unwrap_or(h.lot.id),
        available: h.quantity,
        quarantined: h.lot.quarantined,
    }
}

impl SiteStock {
    /// Loads the positive balances of `product_ids` at the site; `day` is the
    /// day of use (a lot must not have expired by then).
    pub fn load(
        conn: &mut DbConn,
        site_id: i64,
        product_ids: &[i64],
        day: NaiveDate,
    ) -> ServiceResult<SiteStock> {
        let mut s = SiteStock {
            site_id,
            day,
            candidates: HashMap::new(),
            info: HashMap::new(),
            usable_at_start: HashMap::new(),
            consumed: HashMap::new(),
        };
        let mut ids = product_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let rows = db::lots::on_hand(conn, site_id, Some(&ids))?;
        for id in &ids {
            s.candidates.insert(*id, Vec::new());
        }
        s.absorb(rows);
        for id in ids {
            let usable = s.usable(id);
            s.usable_at_start.insert(id, usable);
        }
        Ok(s)
    }

    fn absorb(&mut self, rows: Vec<OnHand>) {
        for h in rows {
            self.info.insert(
                (h.lot.id, h.location_id),
                PositionInfo {
                    lot_number: h.lot.lot_number.clone(),
                    expiry: h.lot.expiry,
                    use_by: h.lot.use_by,
                    location_code: h.location_code.clone(),
                    sealed: h.lot.container == 0,
                },
            );
            self.candidates
                .entry(h.lot.product_id)
                .or_default()
                .push(candidate(&h));
        }
    }

    /// Reads one product's balances again (another transaction took stock).
    pub fn reload(&mut self, conn: &mut DbConn, product_id: i64) -> ServiceResult<()> {
        let rows = db::lots::on_hand(conn, self.site_id, Some(&[product_id]))?;
        self.candidates.insert(product_id, Vec::new());
        self.absorb(rows);
        // What was usable for this session: what is left now plus what it took.
        let total = self.usable(product_id) + self.consumed.get(&product_id).copied().unwrap_or(0);
        self.usable_at_start.insert(product_id, total);
        Ok(())
    }

    /// Records that `quantity` of a product was written to the ledger.
    pub fn confirm(&mut self, product_id: i64, quantity: i64) {
        *self.consumed.entry(product_id).or_default() += quantity;
    }

    /// Usable now (after what earlier lines took).
    pub fn usable(&self, product_id: i64) -> i64 {
        self.candidates
            .get(&product_id)
            .map(|c| fefo::usable_total(c, self.day))
            .unwrap_or(0)
    }

    /// Usable before this session took anything.
    pub fn usable_at_start(&self, product_id: i64) -> i64 {
        self.usable_at_start.get(&product_id).copied().unwrap_or(0)
    }

    pub fn info(&self, lot_id: i64, location_id: i64) -> Option<&PositionInfo> {
        self.info.get(&(lot_id, location_id))
    }

    /// The usable positions of a product in FEFO order (for lot choices).
    pub fn usable_positions(&self, product_id: i64) -> Vec<(&Candidate, Option<&PositionInfo>)> {
        let mut v: Vec<&Candidate> = self
            .candidates
            .get(&product_id)
            .map(|c| c.iter().filter(|c| fefo::is_usable(c, self.day)).collect())
            .unwrap_or_default();
        v.sort_by_key(|c| fefo::fefo_key(c));
        v.into_iter()
            .map(|c| (c, self.info(c.lot_id, c.location_id)))
            .collect()
    }

    /// The sealed position a new tube of a product is opened from: the
    /// first usable one in FEFO order (of the named lot, when one is named).
    pub fn first_sealed(&self, product_id: i64, lot_id: Option<i64>) -> Option<(i64, i64)> {
        self.usable_positions(product_id)
            .into_iter()
            .filter(|(c, _)| lot_id.is_none_or(|l| c.lot_id == l))
            .find(|(_, info)| info.is_some_and(|i| i.sealed))
            .map(|(c, _)| (c.lot_id, c.location_id))
    }

    /// Allocates `quantity` of a line (FEFO, or from its named lot) and
    /// takes it out of the candidates.
    pub fn take(
        &mut self,
        product_id: i64,
        quantity: i64,
        named_lot: Option<i64>,
    ) -> Result<Vec<Allocation>, AllocError> {
        let day = self.day;
        let cands = self.candidates.entry(product_id).or_default();
        let allocs = match named_lot {
            Some(lot) => fefo::allocate_named(cands, lot, quantity, day)?,
            None => fefo::allocate(cands, quantity, day)?,
        };
        fefo::subtract(cands, &allocs);
        Ok(allocs)
    }
}

/// The refusal when a line cannot be allocated (409), naming the product,
/// what was asked and what is there.
pub fn refusal(
    e: AllocError,
    line: &CheckedLine,
    requested_total: i64,
    stock: &SiteStock,
    day: NaiveDate,
) -> ServiceError {
    let p = &line.product;
    let field = line_field(line.index, "quantity");
    let mut details = serde_json::Map::new();
    details.insert("product_id".into(), p.id.into());
    let lot_label = line
        .named_lot
        .as_ref()
        .map(|l| l.lot_number.clone())
        .unwrap_or_default();
    match e {
        AllocError::LotExpired { lot_id, expiry } => {
            details.insert("lot_id".into(), lot_id.into());
            details.insert("field".into(), line_field(line.index, "lot_id").into());
            ServiceError::Conflict {
                code: ErrorCode::LotExpired,
                message: format!(
                    "lot {lot_label} of {} expired on {expiry}; it cannot be used on {day}",
                    p.name
                ),
                details,
            }
        }
        AllocError::LotUnusable { lot_id } => {
            details.insert("lot_id".into(), lot_id.into());
            details.insert("field".into(), line_field(line.index, "lot_id").into());
            ServiceError::Conflict {
                code: ErrorCode::LotUnusable,
                message: format!("lot {lot_label} of {} is quarantined", p.name),
                details,
            }
        }
        AllocError::Insufficient { .. } | AllocError::LotNotFound { .. } => {
            let (requested, available, what) = match &line.named_lot {
                Some(lot) => {
                    let in_lot = match e {
                        AllocError::Insufficient { available, .. } => available,
                        _ => 0,
                    };
                    details.insert("lot_id".into(), lot.id.into());
                    (
                        line.quantity,
                        in_lot,
                        format!("{} (lot {})", p.name, lot.lot_number),
                    )
                }
                None => (requested_total, stock.usable_at_start(p.id), p.name.clone()),
            };
            details.insert("requested".into(), Quantity(requested).to_json());
            details.insert("available".into(), Quantity(available).to_json());
            details.insert("field".into(), field.into());
            ServiceError::Conflict {
                code: ErrorCode::InsufficientStock,
                message: format!(
                    "not enough usable {what}: asked {} {unit}, {} {unit} available",
                    fmt_qty(requested),
                    fmt_qty(available),
                    unit = p.unit
                ),
                details,
            }
        }
        AllocError::InvalidQuantity => ServiceError::invalid(&field, "must be more than zero"),
    }
}

/// Checks a named lot's own state on the day of use, before allocation:
/// quarantined → `lot_unusable`, expired → `lot_expired` (even when the lot
/// has no stock left).
pub fn named_lot_state(line: &CheckedLine, day: NaiveDate) -> Option<AllocError> {
    let lot = line.named_lot.as_ref()?;
    if lot.quarantined {
        return Some(AllocError::LotUnusable { lot_id: lot.id });
    }
    if is_expired(lot.use_by, day) {
        return Some(AllocError::LotExpired {
            lot_id: lot.id,
            expiry: lot.use_by,
        });
    }
    None
}

#[cfg(test)]
mod product_issue_tests {
    use super::*;

    #[allow(clippy::unwrap_used)]
    fn product(category: &str, unit: &str, needle: Option<i32>, active: bool) -> Product {
        let t = chrono::NaiveDateTime::default();
        Product {
            id: 1,
            sku: "X".into(),
            name: "X".into(),
            category: crate::domain::vocab::Category::parse(category).unwrap(),
            unit: crate::domain::vocab::Unit::parse(unit).unwrap(),
            pack_size: 1000,
            needle_length: needle,
            gtin: None,
            supplier_id: None,
            unit_cost_cents: None,
            lead_time_days: None,
            min_level: None,
            max_level: None,
            max_per_session: None,
            use_within_days: None,
            max_contact_minutes: None,
            active,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn a_line_names_what_is_wrong_with_its_product() {
        assert!(product_issues(&product("roller", "each", Some(150), true), 2000, 150).is_empty());
        assert!(product_issues(&product("serum", "ml", None, true), 1500, 150).is_empty());
        let found = product_issues(&product("roller", "each", Some(100), false), 1500, 150);
        let fields: Vec<_> = found.iter().map(|(f, c, _)| (*f, *c)).collect();
        assert_eq!(
            fields,
            [
                ("product_id", ErrorCode::ValidationFailed),
                ("quantity", ErrorCode::ValidationFailed),
                ("product_id", ErrorCode::NeedleLengthMismatch),
            ]
        );
    }
}
