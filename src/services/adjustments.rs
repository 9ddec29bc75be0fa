//! Stock corrections by managers: one adjustment with a reason, and writing
//! off every expired (lot, location) of a site in one transaction. Each is an
//! `adjust` ledger row; nothing is ever edited.

use crate::db::{
    self, DbConn,
    ledger::{AppendError, LedgerEntry, StockAt},
    models::{Location, Lot, NewLedgerRow, Product},
};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::vocab::{AdjustReason, LedgerKind, Unit};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};

/// An adjustment as entered (lot page form or API), every field as text.
#[derive(Debug, Clone, Default)]
pub struct AdjustDraft {
    pub lot_id: Option<String>,
    /// The location by id (HTML forms) …
    pub location_id: Option<String>,
    /// … or by code at `site` (API; `site` defaults like everywhere else:
    /// the user's site, else `main`).
    pub site: Option<String>,
    pub location: Option<String>,
    /// Signed decimal in the product's unit: "-2", "0.5".
    pub delta: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
}

pub(crate) fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A free-text note: optional, at most 500 characters.
pub(crate) fn parse_note(p: &mut Problems, v: &Option<String>) -> Option<String> {
    let t = text(v)?;
    if t.chars().count() > 500 {
        p.add("note", "at most 500 characters");
        return None;
    }
    Some(t.to_string())
}

/// The lot (any row of a family) and its product, or 422 `unknown_lot`;
/// 404 when the lot is another site's (`action` at the actor's site).
pub(crate) fn lot_and_product(
    conn: &mut DbConn,
    actor: &Actor,
    action: Action,
    lot_id: Option<&str>,
) -> ServiceResult<(Lot, Product)> {
    let unknown = |m: String| ServiceError::invalid_code(ErrorCode::UnknownLot, "lot_id", m);
    let Some(t) = lot_id else {
        return Err(unknown("choose a lot".into()));
    };
    let id = t
        .parse::<i64>()
        .map_err(|_| unknown(format!("{t} is not a lot id")))?;
    let lot = db::lots::by_id(conn, id)?.ok_or_else(|| unknown(format!("no lot with id {id}")))?;
    super::lots::visible_root(conn, actor, action, id)?;
    let product = db::catalog::product_by_id(conn, lot.product_id)?
        .ok_or_else(|| ServiceError::Internal("lot without product".into()))?;
    Ok((lot, product))
}

/// A location by id (`id_field` text) or by code at a site, for `action`
/// by `actor`. Another site's location by id is unknown (hidden); another
/// site named by code is refused (403).
pub(crate) fn resolve_location(
    conn: &mut DbConn,
    (actor, action): (&Actor, Action),
    p: &mut Problems,
    field: &str,
    id_text: Option<&str>,
    site: Option<&str>,
    code: Option<&str>,
) -> ServiceResult<Option<Location>> {
    if let Some(t) = id_text {
        let found = match t.parse::<i64>() {
            Ok(id) => {
                db::sites::location_by_id(conn, id)?.filter(|l| actor.sees(action, l.site_id))
            }
            Err(_) => None,
        };
        if found.is_none() {
            p.add(field, format!("no location with id {t}"));
        }
        return Ok(found);
    }
    let Some(code) = code else {
        p.add(field, "choose a location");
        return Ok(None);
    };
    let site = super::scope::one_site(conn, actor, action, site)?;
    let found = db::sites::location_by_code(conn, site.id, code)?;
    if found.is_none() {
        p.add(field, format!("site {} has no location {code}", site.code));
    }
    Ok(found)
}

pub(crate) fn unit_of(product: &Product) -> Unit {
    product.unit
}

/// The sign a reason demands: write-offs take stock away, "found" adds it;
/// count corrections, returns and "other" may go either way.
fn sign_problem(reason: AdjustReason, delta: i64) -> Option<&'static str> {
    match reason {
        AdjustReason::Waste | AdjustReason::Damaged | AdjustReason::Expired if delta > 0 => {
            Some("this reason takes stock away: enter a negative amount")
        }
        AdjustReason::Found if delta < 0 => Some("found stock is added: enter a positive amount"),
        _ => None,
    }
}

/// Books one adjustment and returns its ledger row. A delta that would take
/// the balance below zero is refused (409 `insufficient_stock`).
pub fn adjust(conn: &mut DbConn, actor: &Actor, d: &AdjustDraft) -> ServiceResult<LedgerEntry> {
    actor.require(Action::AdjustStock)?;
    let id = db::write_tx(conn, |conn| {
        // The site named (API) first: another site's is refused (403).
        let mut p = Problems::new();
        let location = resolve_location(
            conn,
            (actor, Action::AdjustStock),
            &mut p,
            "location",
            text(&d.location_id),
            text(&d.site),
            text(&d.location),
        )?;
        let (lot, product) = lot_and_product(conn, actor, Action::AdjustStock, text(&d.lot_id))?;
        let delta = match text(&d.delta) {
            None => {
                p.add("delta", "enter the change, e.g. -2 or 1.5");
                None
            }
            Some(t) => match Quantity::parse_signed(t) {
                Err(e) => {
                    p.add("delta", e.to_string());
                    None
                }
                Ok(q) if q.0 == 0 => {
                    p.add("delta", "must not be zero");
                    None
                }
                Ok(q) => p.take("delta", q.check_unit(unit_of(&product)).map(|_| q.0)),
            },
        };
        let reason = match text(&d.reason).map(AdjustReason::parse) {
            Some(Some(r)) => Some(r),
            Some(None) => {
                p.add("reason", format!("one of {}", AdjustReason::choices()));
                None
            }
            None => {
                p.add("reason", "choose a reason");
                None
            }
        };
        if let (Some(r), Some(dq)) = (reason, delta)
            && let Some(m) = sign_problem(r, dq)
        {
            p.add("delta", m);
        }
        let note = parse_note(&mut p, &d.note);
        p.finish()?;
        let (Some(location), Some(delta), Some(reason)) = (location, delta, reason) else {
            return Err(ServiceError::Internal("validated values missing".into()));
        };
        let at = StockAt::of_lot(&lot, location.id, location.site_id);
        let row = NewLedgerRow::new(LedgerKind::Adjust, at, delta, actor.user_id)
            .reason(reason.code())
            .note(note);
        Ok(db::ledger::append(conn, &row)?)
    })?;
    db::ledger::by_ids(conn, &[id])?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::Internal("ledger row vanished".into()))
}

/// One (lot, location) written off.
#[derive(Debug, Clone)]
pub struct WrittenOff {
    pub lot_id: i64,
    pub lot: String,
    pub product: String,
    pub unit: String,
    pub location: String,
    pub quantity: i64,
}

#[derive(Debug, Clone)]
pub struct WriteOff {
    pub site_code: String,
    pub lines: Vec<WrittenOff>,
}

impl WriteOff {
    /// "Wrote off 2 lots (Lidocaine L1 at store: 30 g, …)."
    pub fn summary(&self) -> String {
        if self.lines.is_empty() {
            return format!("Nothing expired on the shelves at {}.", self.site_code);
        }
        let mut parts: Vec<String> = self
            .lines
            .iter()
            .take(5)
            .map(|l| {
                let unit = if l.unit == "each" { "" } else { &l.unit };
                format!(
                    "{} {} at {}: {}{}{}",
                    l.product,
                    l.lot,
                    l.location,
                    Quantity(l.quantity),
                    if unit.is_empty() { "" } else { " " },
                    unit
                )
            })
            .collect();
        if self.lines.len() > 5 {
            parts.push(format!("and {} more", self.lines.len() - 5));
        }
        let n = self.lines.len();
        format!(
            "Wrote off {n} lot{} ({}).",
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }
}

/// Writes off every positive balance at a site whose use-by date is before
/// today at the site (expired lots and opened containers past discard-by), one
/// `adjust` row with reason `expired` each, all in one transaction. `only`:
/// the (lot id, location id) positions a person confirmed (the page lists
/// them first, `services::write_off`); an expired position not among them is
/// left alone, and a confirmed one no longer expired or on hand is skipped.
pub fn write_off_expired(
    conn: &mut DbConn,
    actor: &Actor,
    site: Option<&str>,
    only: Option<&[(i64, i64)]>,
) -> ServiceResult<WriteOff> {
    actor.require(Action::AdjustStock)?;
    db::write_tx(conn, |conn| {
        let site = super::scope::one_site(conn, actor, Action::AdjustStock, site)?;
        let expired = db::lots::expired_on_hand(conn, site.id, site.today())?
            .into_iter()
            .filter(|h| only.is_none_or(|o| o.contains(&(h.lot.id, h.location_id))));
        let mut products: std::collections::HashMap<i64, Product> = Default::default();
        let mut lines = Vec::new();
        for h in expired {
            let mut take = h.quantity;
            let at = StockAt::of_lot(&h.lot, h.location_id, site.id);
            let row = |q: i64| {
                NewLedgerRow::new(LedgerKind::Adjust, at, -q, actor.user_id)
                    .reason(AdjustReason::Expired.code())
                    .note("expired stock written off".to_string())
            };
            // A concurrent session may have used some meanwhile (PostgreSQL):
            // write off what is there now.
            match db::ledger::append(conn, &row(take)) {
                Ok(_) => {}
                Err(AppendError::Insufficient { available }) if available > 0 => {
                    take = available;
                    db::ledger::append(conn, &row(take))?;
                }
                Err(AppendError::Insufficient { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
            if !products.contains_key(&h.lot.product_id)
                && let Some(p) = db::catalog::product_by_id(conn, h.lot.product_id)?
            {
                products.insert(p.id, p);
            }
            let (name, unit) = products
                .get(&h.lot.product_id)
                .map(|p| (p.name.clone(), p.unit.code()))
                .unwrap_or_default();
            lines.push(WrittenOff {
                lot_id: h.lot.id,
                lot: h.lot.lot_number.clone(),
                product: name,
                unit: unit.to_string(),
                location: h.location_code.clone(),
                quantity: take,
            });
        }
        Ok(WriteOff {
            site_code: site.code.clone(),
            lines,
        })
    })
}
