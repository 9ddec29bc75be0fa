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
//! - FEFO order: earliest effective expiry first, then the older lot
//!   (`received_order`), then `location_order`, then `location_id` (and
//!   finally `lot_id`, so the order is total and deterministic);
//! - a line splits across as many pairs as it needs; the quantities of the
//!   result sum exactly to the request, or nothing is allocated at all.
//!
//! Quantities are `i64` thousandths of the product's unit, never floats.
//! Several lines for the same product in one session must first
//! [`subtract`] what earlier lines took, so stock is not counted twice.

use chrono::NaiveDate;

/// One (lot, location) balance that a line could take from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub lot_id: i64,
    pub location_id: i64,
    /// Tie-break between locations: lower first.
    pub location_order: i64,
    /// Effective expiry: already min(lot expiry, opened-container discard-by).
    pub expiry: NaiveDate,
    /// "Older lot first": lower = older (e.g. the lot id).
    pub received_order: i64,
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

/// A candidate is usable on `day` when it is not expired (usable through its
/// effective expiry date), not quarantined, and has stock.
pub fn is_usable(c: &Candidate, day: NaiveDate) -> bool {
    c.expiry >= day && !c.quarantined && c.available > 0
}

/// Usable total on `day` (saturating; never negative).
pub fn usable_total(candidates: &[Candidate], day: NaiveDate) -> i64 {
    candidates
        .iter()
        .filter(|c| is_usable(c, day))
        .fold(0i64, |acc, c| acc.saturating_add(c.available))
}

/// FEFO sort key: expiry, older lot, location order, location id, lot id.
fn fefo_key(c: &Candidate) -> (NaiveDate, i64, i64, i64, i64) {
    (
        c.expiry,
        c.received_order,
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

/// FEFO: earliest effective expiry first; ties: older lot (`received_order`)
/// first, then `location_order`, then `location_id`. Splits across
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn d(offset: i64) -> NaiveDate {
        day() + chrono::Duration::days(offset)
    }

    fn cand(lot_id: i64, location_id: i64, expiry_offset: i64, available: i64) -> Candidate {
        Candidate {
            lot_id,
            location_id,
            location_order: location_id,
            expiry: d(expiry_offset),
            received_order: lot_id,
            available,
            quarantined: false,
        }
    }

    fn alloc(lot_id: i64, location_id: i64, quantity: i64) -> Allocation {
        Allocation {
            lot_id,
            location_id,
            quantity,
        }
    }

    #[test]
    fn earliest_expiry_wins() {
        // Lot 1 is older but expires later; lot 2 expires first.
        let cs = [cand(1, 1, 60, 5000), cand(2, 1, 30, 5000)];
        assert_eq!(allocate(&cs, 1000, day()).unwrap(), vec![alloc(2, 1, 1000)]);
    }

    #[test]
    fn tie_on_expiry_takes_older_lot() {
        let cs = [cand(7, 1, 30, 5000), cand(3, 1, 30, 5000)];
        assert_eq!(allocate(&cs, 1000, day()).unwrap(), vec![alloc(3, 1, 1000)]);
    }

    #[test]
    fn tie_on_lot_takes_lower_location_order_then_location_id() {
        let mut a = cand(1, 5, 30, 5000);
        a.location_order = 2;
        let mut b = cand(1, 9, 30, 5000);
        b.location_order = 1;
        assert_eq!(
            allocate(&[a.clone(), b.clone()], 1000, day()).unwrap(),
            vec![alloc(1, 9, 1000)]
        );
        b.location_order = 2;
        assert_eq!(
            allocate(&[b, a], 1000, day()).unwrap(),
            vec![alloc(1, 5, 1000)]
        );
    }

    #[test]
    fn splits_across_two_lots() {
        let cs = [cand(1, 1, 30, 1500), cand(2, 1, 40, 5000)];
        assert_eq!(
            allocate(&cs, 2500, day()).unwrap(),
            vec![alloc(1, 1, 1500), alloc(2, 1, 1000)]
        );
    }

    #[test]
    fn expired_lot_is_skipped() {
        let cs = [cand(1, 1, -1, 5000), cand(2, 1, 40, 5000)];
        assert_eq!(allocate(&cs, 2000, day()).unwrap(), vec![alloc(2, 1, 2000)]);
    }

    #[test]
    fn expiry_on_the_day_is_usable() {
        let cs = [cand(1, 1, 0, 5000), cand(2, 1, 40, 5000)];
        assert!(is_usable(&cs[0], day()));
        assert!(!is_usable(&cs[0], d(1)));
        assert_eq!(allocate(&cs, 2000, day()).unwrap(), vec![alloc(1, 1, 2000)]);
    }

    #[test]
    fn quarantined_lot_is_skipped() {
        let mut q = cand(1, 1, 10, 5000);
        q.quarantined = true;
        let cs = [q, cand(2, 1, 40, 5000)];
        assert_eq!(allocate(&cs, 2000, day()).unwrap(), vec![alloc(2, 1, 2000)]);
        assert_eq!(usable_total(&cs, day()), 5000);
    }

    #[test]
    fn insufficient_reports_usable_total() {
        let mut q = cand(3, 1, 10, 9000);
        q.quarantined = true;
        // Usable: 1500 + 2000 = 3500; the expired 4000 and quarantined 9000 do not count.
        let cs = [
            cand(1, 1, 30, 1500),
            cand(2, 2, 40, 2000),
            cand(4, 1, -3, 4000),
            q,
        ];
        assert_eq!(
            allocate(&cs, 3501, day()),
            Err(AllocError::Insufficient {
                requested: 3501,
                available: 3500
            })
        );
        assert_eq!(allocate(&cs, 3500, day()).unwrap().len(), 2);
        assert_eq!(
            allocate(&[], 1, day()),
            Err(AllocError::Insufficient {
                requested: 1,
                available: 0
            })
        );
    }

    #[test]
    fn zero_or_negative_request_is_invalid() {
        let cs = [cand(1, 1, 30, 1500)];
        assert_eq!(allocate(&cs, 0, day()), Err(AllocError::InvalidQuantity));
        assert_eq!(allocate(&cs, -5, day()), Err(AllocError::InvalidQuantity));
        assert_eq!(
            allocate_named(&cs, 1, 0, day()),
            Err(AllocError::InvalidQuantity)
        );
    }

    #[test]
    fn named_lot_takes_only_that_lot_in_location_order() {
        let mut far = cand(2, 8, 40, 3000);
        far.location_order = 5;
        let mut near = cand(2, 9, 40, 1000);
        near.location_order = 1;
        let cs = [cand(1, 1, 10, 5000), far, near];
        assert_eq!(
            allocate_named(&cs, 2, 2500, day()).unwrap(),
            vec![alloc(2, 9, 1000), alloc(2, 8, 1500)]
        );
    }

    #[test]
    fn named_expired_lot_is_refused() {
        let cs = [cand(1, 1, -2, 5000), cand(2, 1, 40, 5000)];
        assert_eq!(
            allocate_named(&cs, 1, 1000, day()),
            Err(AllocError::LotExpired {
                lot_id: 1,
                expiry: d(-2)
            })
        );
    }

    #[test]
    fn named_quarantined_missing_and_short_lots() {
        let mut q = cand(1, 1, 30, 5000);
        q.quarantined = true;
        let cs = [q, cand(2, 1, 40, 800), cand(2, 2, 40, 700)];
        assert_eq!(
            allocate_named(&cs, 1, 1000, day()),
            Err(AllocError::LotUnusable { lot_id: 1 })
        );
        assert_eq!(
            allocate_named(&cs, 99, 1000, day()),
            Err(AllocError::LotNotFound { lot_id: 99 })
        );
        assert_eq!(
            allocate_named(&cs, 2, 1501, day()),
            Err(AllocError::Insufficient {
                requested: 1501,
                available: 1500
            })
        );
    }

    #[test]
    fn named_lot_uses_opened_container_first() {
        // Same lot in two places; the opened tube in room 2 must go within 3 days.
        let store = cand(5, 1, 200, 30_000);
        let opened = cand(5, 2, 3, 12_500);
        assert_eq!(
            allocate_named(&[store, opened], 5, 2500, day()).unwrap(),
            vec![alloc(5, 2, 2500)]
        );
    }

    #[test]
    fn subtract_prevents_double_counting() {
        let mut cs = vec![cand(1, 1, 30, 1500), cand(2, 1, 40, 5000)];
        let first = allocate(&cs, 1000, day()).unwrap();
        subtract(&mut cs, &first);
        let second = allocate(&cs, 1000, day()).unwrap();
        assert_eq!(second, vec![alloc(1, 1, 500), alloc(2, 1, 500)]);
        subtract(&mut cs, &second);
        assert_eq!(usable_total(&cs, day()), 4500);
        // Over-subtraction clamps at zero; unknown pairs are ignored.
        subtract(&mut cs, &[alloc(2, 1, 99_999), alloc(42, 1, 10)]);
        assert_eq!(cs[1].available, 0);
        assert_eq!(usable_total(&cs, day()), 0);
    }

    fn arb_candidates() -> impl Strategy<Value = Vec<Candidate>> {
        // 0–8 lots, each in 1–2 locations (unique (lot, location) pairs).
        prop::collection::vec(
            (
                -10i64..40,                                           // expiry offset from day
                0i64..6,                   // received_order (ties happen)
                prop::bool::weighted(0.2), // quarantined
                prop::collection::vec((0i64..=5000, 0i64..3), 1..=2), // (available, location_order)
            ),
            0..=8,
        )
        .prop_map(|lots| {
            let mut out = Vec::new();
            for (i, (exp, ro, q, locs)) in lots.into_iter().enumerate() {
                let lot_id = i64::try_from(i).unwrap() + 1;
                for (j, (available, location_order)) in locs.into_iter().enumerate() {
                    out.push(Candidate {
                        lot_id,
                        location_id: i64::try_from(j).unwrap() + 1,
                        location_order,
                        expiry: d(exp),
                        received_order: ro,
                        available,
                        quarantined: q,
                    });
                }
            }
            out
        })
    }

    proptest! {
        #[test]
        fn allocate_matches_model(cs in arb_candidates(), requested in 1i64..=20_000) {
            let total = usable_total(&cs, day());
            match allocate(&cs, requested, day()) {
                Ok(allocs) => {
                    prop_assert!(requested <= total);
                    prop_assert_eq!(allocs.iter().map(|a| a.quantity).sum::<i64>(), requested);
                    let find = |a: &Allocation| {
                        cs.iter()
                            .find(|c| c.lot_id == a.lot_id && c.location_id == a.location_id)
                            .unwrap()
                    };
                    let mut prev: Option<(NaiveDate, i64)> = None;
                    for a in &allocs {
                        let c = find(a);
                        prop_assert!(a.quantity > 0);
                        prop_assert!(is_usable(c, day()));
                        let drawn: i64 = allocs
                            .iter()
                            .filter(|b| b.lot_id == a.lot_id && b.location_id == a.location_id)
                            .map(|b| b.quantity)
                            .sum();
                        prop_assert!(drawn <= c.available);
                        let key = (c.expiry, c.received_order);
                        if let Some(p) = prev {
                            prop_assert!(p <= key, "order {:?} after {:?}", key, p);
                        }
                        prev = Some(key);
                        // FEFO: every usable candidate that sorts strictly
                        // before this one (in particular every earlier-expiring
                        // lot) is fully used.
                        for e in cs.iter().filter(|e| is_usable(e, day())) {
                            if fefo_key(e) < fefo_key(c) {
                                let used: i64 = allocs
                                    .iter()
                                    .filter(|b| b.lot_id == e.lot_id && b.location_id == e.location_id)
                                    .map(|b| b.quantity)
                                    .sum();
                                prop_assert_eq!(used, e.available);
                            }
                            if e.expiry < c.expiry {
                                prop_assert!(allocs.iter().any(|b| b.lot_id == e.lot_id && b.location_id == e.location_id));
                            }
                        }
                    }
                }
                Err(AllocError::Insufficient { requested: r, available }) => {
                    prop_assert_eq!(r, requested);
                    prop_assert!(requested > total);
                    prop_assert_eq!(available, total);
                }
                Err(e) => prop_assert!(false, "unexpected error {:?}", e),
            }
        }

        #[test]
        fn named_allocation_stays_in_lot(cs in arb_candidates(), lot in 0i64..=9, requested in 1i64..=8_000) {
            match allocate_named(&cs, lot, requested, day()) {
                Ok(allocs) => {
                    prop_assert_eq!(allocs.iter().map(|a| a.quantity).sum::<i64>(), requested);
                    for a in &allocs {
                        prop_assert_eq!(a.lot_id, lot);
                        let c = cs.iter().find(|c| c.lot_id == a.lot_id && c.location_id == a.location_id).unwrap();
                        prop_assert!(is_usable(c, day()));
                        prop_assert!(a.quantity <= c.available);
                    }
                }
                Err(AllocError::Insufficient { available, .. }) => {
                    let of_lot: Vec<Candidate> = cs.iter().filter(|c| c.lot_id == lot).cloned().collect();
                    prop_assert_eq!(available, usable_total(&of_lot, day()));
                    prop_assert!(available < requested);
                }
                Err(AllocError::LotNotFound { .. }) => prop_assert!(cs.iter().all(|c| c.lot_id != lot)),
                Err(AllocError::LotUnusable { .. }) => prop_assert!(cs.iter().filter(|c| c.lot_id == lot).all(|c| c.quarantined)),
                Err(AllocError::LotExpired { expiry, .. }) => prop_assert!(expiry < day()),
                Err(AllocError::InvalidQuantity) => prop_assert!(false, "unexpected InvalidQuantity"),
            }
        }
    }
}
