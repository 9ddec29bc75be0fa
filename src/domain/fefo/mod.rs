//! FEFO allocation of stock to treatment-session lines (DOMAIN.md, "Stock"
//! and "Treatment sessions").
//!
//! This module owns the pure decision of *which* (lot, location) pairs a
//! session line takes from and how much from each. It does no I/O: the caller
//! loads the candidates (one per (lot, location) balance of the product at the
//! site), calls [`allocate`] or [`allocate_named`], and writes one `consume`
//! ledger row per returned [`Allocation`] in the same transaction.
//!
//! Rules:
//! - a candidate is usable on `day` when its effective expiry (already the
//!   earlier of the lot expiry and any opened-container discard-by date) is on
//!   or after `day`, it is not quarantined, and it has stock ([`is_usable`]);
//! - FEFO order: earliest effective expiry first; ties go to the lot received
//!   first (earliest receipt time, `received_at`, whatever order the
//!   deliveries were entered in), then the lower lot id (`lot_order`), then
//!   `location_order`, then `location_id` (and finally `lot_id`, so the order
//!   is total and deterministic);
//! - a line splits across as many pairs as it needs; the quantities of the
//!   result sum exactly to the request, or nothing is allocated at all.
//!
//! Quantities are `i64` thousandths of the product's unit, never floats.
//! Several lines for the same product in one session must first
//! [`subtract`] what earlier lines took, so stock is not counted twice.

use chrono::{NaiveDate, NaiveDateTime};

/// One (lot, location) balance that a line could take from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub lot_id: i64,
    pub location_id: i64,
    /// Tie-break between locations: lower first.
    pub location_order: i64,
    /// Effective expiry: already min(lot expiry, opened-container discard-by).
    pub expiry: NaiveDate,
    /// When the lot was first received (an opened container: its lot's).
    pub received_at: NaiveDateTime,
    /// The lot's id (an opened container: the id of the lot it came from),
    /// the tie-break after the receipt time.
    pub lot_order: i64,
    /// On hand in (lot, location), thousandths, expected `>= 0`.
    pub available: i64,
    pub quarantined: bool,
}

/// Take `quantity` (thousandths, `> 0`) from `lot_id` at `location_id`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Allocation {
    pub lot_id: i64,
    pub location_id: i64,
    pub quantity: i64,
}

/// Why a line could not be allocated. Nothing is allocated on error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllocError {
    /// Not enough usable stock; `available` is the usable total considered
    /// (the whole product for [`allocate`], the named lot for
    /// [`allocate_named`]).
    Insufficient { requested: i64, available: i64 },
    /// The named lot is expired on the day of use. `expiry` is the latest
    /// effective expiry among its non-quarantined candidates.
    LotExpired { lot_id: i64, expiry: NaiveDate },
    /// The named lot is quarantined (every candidate of it is).
    LotUnusable { lot_id: i64 },
    /// The named lot has no candidates.
    LotNotFound { lot_id: i64 },
    /// The requested quantity is zero or negative.
    InvalidQuantity,
}

impl std::fmt::Display for AllocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllocError::Insufficient {
                requested,
                available,
            } => write!(
                f,
                "not enough usable stock: requested {requested}, available {available} (thousandths)"
            ),
            AllocError::LotExpired { lot_id, expiry } => {
                write!(f, "lot {lot_id} expired on {expiry}")
            }
            AllocError::LotUnusable { lot_id } => write!(f, "lot {lot_id} is quarantined"),
            AllocError::LotNotFound { lot_id } => write!(f, "lot {lot_id} has no stock here"),
            AllocError::InvalidQuantity => write!(f, "quantity must be greater than zero"),
        }
    }
}

impl std::error::Error for AllocError {}

/// Whether stock with this use-by date (expiry, or discard-by of an opened
/// container) is expired on `day`: it is usable through its use-by date.
/// The one definition of "expired" the services, pages and API share.
pub fn is_expired(use_by: NaiveDate, day: NaiveDate) -> bool {
    use_by < day
}

/// A candidate is usable on `day` when it is not expired (usable through its
/// effective expiry date), not quarantined, and has stock.
pub fn is_usable(c: &Candidate, day: NaiveDate) -> bool {
    !is_expired(c.expiry, day) && !c.quarantined && c.available > 0
}

/// Usable total on `day` (saturating; never negative).
pub fn usable_total(candidates: &[Candidate], day: NaiveDate) -> i64 {
    candidates
        .iter()
        .filter(|c| is_usable(c, day))
        .fold(0i64, |acc, c| acc.saturating_add(c.available))
}

/// The FEFO order of candidates: expiry, receipt time, lot id, location
/// order, location id, then the (container) lot id.
pub type FefoKey = (NaiveDate, NaiveDateTime, i64, i64, i64, i64);

/// FEFO sort key of a candidate (see [`FefoKey`]).
pub fn fefo_key(c: &Candidate) -> FefoKey {
    (
        c.expiry,
        c.received_at,
        c.lot_order,
        c.location_order,
        c.location_id,
        c.lot_id,
    )
}

/// Greedily take `requested` from `usable` (already filtered and sorted).
/// The caller has checked that their total covers the request.
fn take(usable: &[&Candidate], requested: i64) -> Vec<Allocation> {
    let mut out: Vec<Allocation> = Vec::new();
    let mut remaining = requested;
    for c in usable {
        if remaining <= 0 {
            break;
        }
        let q = remaining.min(c.available);
        if q <= 0 {
            continue;
        }
        remaining -= q;
        // Duplicate (lot, location) candidates are merged into one allocation.
        match out
            .iter_mut()
            .find(|a| a.lot_id == c.lot_id && a.location_id == c.location_id)
        {
            Some(a) => a.quantity = a.quantity.saturating_add(q),
            None => out.push(Allocation {
                lot_id: c.lot_id,
                location_id: c.location_id,
                quantity: q,
            }),
        }
    }
    out
}

/// FEFO: earliest effective expiry first; ties: the lot received first, then
/// the lower lot id, then `location_order`, then `location_id`. Splits across
/// (lot, location) pairs when one is not enough. Returns allocations in the
/// order taken, quantities summing exactly to `requested`. Never allocates an
/// expired or quarantined lot or more than available.
///
/// Errors: `requested <= 0` → [`AllocError::InvalidQuantity`]; usable total
/// below `requested` → [`AllocError::Insufficient`] with that total.
pub fn allocate(
    candidates: &[Candidate],
    requested: i64,
    day: NaiveDate,
) -> Result<Vec<Allocation>, AllocError> {
    if requested <= 0 {
        return Err(AllocError::InvalidQuantity);
    }
    let mut usable: Vec<&Candidate> = candidates.iter().filter(|c| is_usable(c, day)).collect();
    let available = usable_total(candidates, day);
    if available < requested {
        return Err(AllocError::Insufficient {
            requested,
            available,
        });
    }
    usable.sort_by_key(|c| fefo_key(c));
    Ok(take(&usable, requested))
}

/// Practitioner named a lot: take only from that lot, across its locations.
///
/// Within the lot the same FEFO order applies, which is location order
/// whenever the lot's candidates share one expiry (the usual case); an opened
/// container with an earlier discard-by date is used before unopened stock.
///
/// Errors, checked in this order:
/// - `requested <= 0` → [`AllocError::InvalidQuantity`];
/// - no candidate has `lot_id` → [`AllocError::LotNotFound`];
/// - every candidate of the lot is quarantined → [`AllocError::LotUnusable`];
/// - every non-quarantined candidate is expired on `day` →
///   [`AllocError::LotExpired`] (with the latest of their expiries);
/// - the lot's usable total is below `requested` →
///   [`AllocError::Insufficient`] with `available` = that lot's usable total.
pub fn allocate_named(
    candidates: &[Candidate],
    lot_id: i64,
    requested: i64,
    day: NaiveDate,
) -> Result<Vec<Allocation>, AllocError> {
    if requested <= 0 {
        return Err(AllocError::InvalidQuantity);
    }
    let of_lot: Vec<&Candidate> = candidates.iter().filter(|c| c.lot_id == lot_id).collect();
    if of_lot.is_empty() {
        return Err(AllocError::LotNotFound { lot_id });
    }
    let not_quarantined: Vec<&Candidate> =
        of_lot.iter().copied().filter(|c| !c.quarantined).collect();
    let Some(latest) = not_quarantined.iter().map(|c| c.expiry).max() else {
        return Err(AllocError::LotUnusable { lot_id });
    };
    if latest < day {
        return Err(AllocError::LotExpired {
            lot_id,
            expiry: latest,
        });
    }
    let mut usable: Vec<&Candidate> = of_lot
        .iter()
        .copied()
        .filter(|c| is_usable(c, day))
        .collect();
    let available = usable
        .iter()
        .fold(0i64, |acc, c| acc.saturating_add(c.available));
    if available < requested {
        return Err(AllocError::Insufficient {
            requested,
            available,
        });
    }
    usable.sort_by_key(|c| fefo_key(c));
    Ok(take(&usable, requested))
}

/// Subtract already-made allocations from the candidates, so that several
/// lines for the same product in one session do not double-count stock.
///
/// Each allocation is taken from the candidates with the same
/// (lot, location), in slice order; `available` never goes below zero, and
/// an allocation matching no candidate is ignored.
pub fn subtract(candidates: &mut [Candidate], taken: &[Allocation]) {
    for a in taken {
        let mut remaining = a.quantity;
        for c in candidates
            .iter_mut()
            .filter(|c| c.lot_id == a.lot_id && c.location_id == a.location_id)
        {
            if remaining <= 0 {
                break;
            }
            let q = remaining.min(c.available.max(0));
            c.available -= q;
            remaining -= q;
        }
    }
}

#[cfg(test)]
mod tests;
