//! Draft orders from the reorder report's ticked rows: one draft per
//! supplier.
//!
//! The page ([`drafts_from_reorder_new_only`]) never drafts a product twice:
//! a ticked product that is already on a draft order of the site is skipped
//! and named (with that draft) in the outcome, so that pressing "Create
//! purchase orders" again, or a replayed submit, creates nothing new. The
//! check runs inside the write transaction. The API ([`drafts_from_reorder`])
//! keeps drafting every pick, as documented in API.md.

use std::collections::{BTreeMap, HashMap};

use super::drafts::{api_field, insert_lines, parse_packs, validate_lines};
use super::{LineDraft, OrderView, load, order_number, text};
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::{Problems, ServiceResult};
use crate::services::audit;
use crate::services::reorder::{self, ReorderQuery};

/// One ticked row of the reorder report (`packs`: none = as many as the
/// report suggests).
#[derive(Debug, Clone)]
pub struct Pick {
    pub product_id: i64,
    pub packs: Option<String>,
}

/// A ticked product left out because a draft of the site already has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub sku: String,
    /// `PO-000123` of the draft that has it.
    pub order: String,
}

/// What "Create purchase orders" did.
#[derive(Debug, Clone)]
pub struct ReorderDrafts {
    pub created: Vec<OrderView>,
    pub skipped: Vec<Skipped>,
}

/// Turns picked reorder rows into one draft order per supplier (API: every
/// pick is drafted, even when a draft already has the product). Errors name
/// the fields `packs_{product_id}` / `pick_{product_id}`.
pub fn drafts_from_reorder(
    conn: &mut DbConn,
    actor: &Actor,
    q: &ReorderQuery,
    picks: &[Pick],
) -> ServiceResult<Vec<OrderView>> {
    Ok(draft(conn, actor, q, picks, false)?.created)
}

/// As [`drafts_from_reorder`], but products already on a draft order of the
/// site are skipped (and listed): a second press creates nothing new.
pub fn drafts_from_reorder_new_only(
    conn: &mut DbConn,
    actor: &Actor,
    q: &ReorderQuery,
    picks: &[Pick],
) -> ServiceResult<ReorderDrafts> {
    draft(conn, actor, q, picks, true)
}

/// A supplier's lines as (sku, line).
type Lines = Vec<(String, LineDraft)>;

fn draft(
    conn: &mut DbConn,
    actor: &Actor,
    q: &ReorderQuery,
    picks: &[Pick],
    skip_drafted: bool,
) -> ServiceResult<ReorderDrafts> {
    actor.require(Action::ManageOrders)?;
    let options = reorder::options(conn, actor, q)?;
    let site_code = options.site.code.clone();
    let report = reorder::report(conn, options)?;
    let by_supplier = lines_by_supplier(&report, picks)?;
    let note = format!(
        "Drafted from the reorder report of {} ({} day window).",
        report.options.as_of, report.options.window_days
    );
    db::write_tx(conn, |conn| {
        let site =
            crate::services::scope::one_site(conn, actor, Action::ManageOrders, Some(&site_code))?;
        let drafted: HashMap<i64, i64> = if skip_drafted {
            // A double tap sends two requests at once: one waits for the other.
            db::orders::lock_site(conn, site.id)?;
            db::orders::draft_lines_at_site(conn, site.id)?
                .into_iter()
                .rev()
                .collect()
        } else {
            HashMap::new()
        };
        let mut out = ReorderDrafts {
            created: Vec::new(),
            skipped: Vec::new(),
        };
        for (supplier_id, lines) in &by_supplier {
            let mut fresh = Vec::new();
            for (sku, line) in lines {
                let pid = line.product_id.as_deref().and_then(|p| p.parse().ok());
                match pid.and_then(|p: i64| drafted.get(&p)) {
                    Some(order) => out.skipped.push(Skipped {
                        sku: sku.clone(),
                        order: order_number(*order),
                    }),
                    None => fresh.push(line.clone()),
                }
            }
            if fresh.is_empty() {
                continue;
            }
            let mut lp = Problems::new();
            let specs = validate_lines(conn, &fresh, &mut lp, &api_field)?;
            lp.finish()?;
            let id =
                db::orders::insert_order(conn, site.id, *supplier_id, actor.user_id, Some(&note))?;
            insert_lines(conn, id, &specs)?;
            let view = load(conn, id)?;
            audit::order_changed(conn, actor, "create", None, &view)?;
            out.created.push(view);
        }
        Ok(out)
    })
}

/// Checks the picks against the report: supplier id → (sku, line). Every
/// problem is a 422 naming `packs_{id}` or `pick_{id}`; nothing is written.
fn lines_by_supplier(
    report: &reorder::ReorderReport,
    picks: &[Pick],
) -> ServiceResult<BTreeMap<i64, Lines>> {
    let mut p = Problems::new();
    if picks.is_empty() {
        p.add("pick", "tick at least one product to order");
    }
    let mut by_supplier: BTreeMap<i64, Lines> = BTreeMap::new();
    for pick in picks {
        let Some(row) = report.rows.iter().find(|r| r.product.id == pick.product_id) else {
            p.add(
                &format!("pick_{}", pick.product_id),
                format!(
                    "product {} is not on the report (archived?)",
                    pick.product_id
                ),
            );
            continue;
        };
        let packs = match text(&pick.packs) {
            Some(t) => p
                .take(&format!("packs_{}", row.product.id), parse_packs(t))
                .unwrap_or(0),
            None if row.line.order_packs > 0 => row.line.order_packs,
            None => {
                p.add(
                    &format!("packs_{}", row.product.id),
                    format!("{} needs no order now: say how many packs", row.product.sku),
                );
                0
            }
        };
        let Some(supplier) = &row.supplier else {
            p.add(
                &format!("pick_{}", row.product.id),
                format!(
                    "{} has no supplier: set one on the product first",
                    row.product.sku
                ),
            );
            continue;
        };
        if packs > 0 {
            by_supplier.entry(supplier.id).or_default().push((
                row.product.sku.clone(),
                LineDraft {
                    product_id: Some(row.product.id.to_string()),
                    packs: Some(packs.to_string()),
                    pack_cost_cents: Some(row.pack_cost_cents.to_string()),
                    pack_cost: None,
                },
            ));
        }
    }
    p.finish()?;
    Ok(by_supplier)
}
