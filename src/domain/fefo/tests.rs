//! FEFO allocation: examples and properties, including a model of the
//! documented order.
use super::*;
use proptest::prelude::*;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
}

fn d(offset: i64) -> NaiveDate {
    day() + chrono::Duration::days(offset)
}

/// A receipt time `hours` after a fixed instant.
fn at(hours: i64) -> NaiveDateTime {
    day().and_hms_opt(0, 0, 0).unwrap() - chrono::Duration::days(100)
        + chrono::Duration::hours(hours)
}

/// A candidate received in lot-id order (lot 1 first).
fn cand(lot_id: i64, location_id: i64, expiry_offset: i64, available: i64) -> Candidate {
    Candidate {
        lot_id,
        location_id,
        location_order: location_id,
        expiry: d(expiry_offset),
        received_at: at(lot_id),
        lot_order: lot_id,
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
fn tie_on_expiry_takes_the_lot_received_first_not_the_lower_id() {
    // Lot 9 was entered later (higher id) but delivered earlier.
    let mut entered_late = cand(9, 1, 30, 5000);
    entered_late.received_at = at(-48);
    let cs = [cand(3, 1, 30, 5000), entered_late];
    assert_eq!(allocate(&cs, 1000, day()).unwrap(), vec![alloc(9, 1, 1000)]);
}

#[test]
fn same_receipt_time_takes_the_lower_lot_id_before_location_order() {
    let mut low = cand(3, 2, 30, 5000);
    low.location_order = 9;
    let mut high = cand(4, 1, 30, 5000);
    high.location_order = 0;
    high.received_at = low.received_at;
    assert_eq!(
        allocate(&[high, low], 6000, day()).unwrap(),
        vec![alloc(3, 2, 5000), alloc(4, 1, 1000)]
    );
}

#[test]
fn an_opened_container_ranks_with_its_lot() {
    // Container 12 of lot 2 shares lot 2's receipt time and order; it goes
    // before lot 5 (received later) at the same use-by date.
    let mut container = cand(12, 3, 30, 500);
    container.received_at = at(2);
    container.lot_order = 2;
    let cs = [cand(5, 1, 30, 5000), container];
    assert_eq!(
        allocate(&cs, 1000, day()).unwrap(),
        vec![alloc(12, 3, 500), alloc(5, 1, 500)]
    );
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
            0i64..6,                                              // receipt hour (ties happen)
            prop::bool::weighted(0.2),                            // quarantined
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
                    received_at: at(ro),
                    lot_order: lot_id,
                    available,
                    quarantined: q,
                });
            }
        }
        out
    })
}

/// The documented FEFO rule written out step by step, independently of
/// [`fefo_key`]: repeatedly take the usable candidate that expires first;
/// among equal expiries the one received first, then the lower lot id (the
/// lot a container came from), then the lower location order, then the
/// lower location id, then the lower (container) lot id.
fn model_allocate(cs: &[Candidate], requested: i64, on: NaiveDate) -> Option<Vec<Allocation>> {
    let mut left: Vec<Candidate> = cs
        .iter()
        .filter(|c| c.expiry >= on && !c.quarantined && c.available > 0)
        .cloned()
        .collect();
    let total: i64 = left.iter().map(|c| c.available).sum();
    if requested > total {
        return None;
    }
    let before = |a: &Candidate, b: &Candidate| -> bool {
        if a.expiry != b.expiry {
            return a.expiry < b.expiry;
        }
        if a.received_at != b.received_at {
            return a.received_at < b.received_at;
        }
        if a.lot_order != b.lot_order {
            return a.lot_order < b.lot_order;
        }
        if a.location_order != b.location_order {
            return a.location_order < b.location_order;
        }
        if a.location_id != b.location_id {
            return a.location_id < b.location_id;
        }
        a.lot_id < b.lot_id
    };
    let mut out: Vec<Allocation> = Vec::new();
    let mut remaining = requested;
    while remaining > 0 {
        let mut best = 0;
        for k in 1..left.len() {
            if before(&left[k], &left[best]) {
                best = k;
            }
        }
        let c = left.remove(best);
        let q = remaining.min(c.available);
        remaining -= q;
        out.push(Allocation {
            lot_id: c.lot_id,
            location_id: c.location_id,
            quantity: q,
        });
    }
    Some(out)
}

/// Stock as a clinic has it: lots with shuffled ids and receipt times (an
/// earlier delivery entered later), shared expiries and receipt times, one
/// lot in several locations, opened containers ranking with their lot.
fn arb_shelf() -> impl Strategy<Value = Vec<Candidate>> {
    prop::collection::vec(
        (
            0i64..4,                                              // expiry offset (few values: many ties)
            0i64..4,                                              // receipt day (ties happen)
            prop::bool::weighted(0.1),                            // quarantined
            prop::collection::vec((0i64..=3000, 0i64..3), 1..=3), // (available, location_order)
            prop::bool::weighted(0.25),                           // also has an opened container
        ),
        1..=8,
    )
    .prop_perturb(|lots, mut rng| {
        // Lot ids in a random order relative to the receipt times.
        let mut ids: Vec<i64> = (1..=i64::try_from(lots.len()).unwrap()).collect();
        for k in (1..ids.len()).rev() {
            let j = (rng.next_u32() as usize) % (k + 1);
            ids.swap(k, j);
        }
        let mut out = Vec::new();
        for (i, (exp, received, q, locs, opened)) in lots.into_iter().enumerate() {
            let lot_id = ids[i];
            for (j, (available, location_order)) in locs.into_iter().enumerate() {
                let location_id = i64::try_from(j).unwrap() + 1;
                out.push(Candidate {
                    lot_id,
                    location_id,
                    location_order,
                    expiry: d(exp),
                    received_at: at(received * 24),
                    lot_order: lot_id,
                    available,
                    quarantined: q,
                });
            }
            if opened {
                out.push(Candidate {
                    lot_id: 100 + lot_id,
                    location_id: 3,
                    location_order: 1,
                    expiry: d(exp.min(1)),
                    received_at: at(received * 24),
                    lot_order: lot_id,
                    available: 700,
                    quarantined: q,
                });
            }
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(MODEL_CASES))]

    /// The allocation equals the model's, pair by pair and in order.
    #[test]
    fn allocation_matches_the_documented_order(cs in arb_shelf(), requested in 1i64..=12_000) {
        let got = allocate(&cs, requested, day()).ok();
        prop_assert_eq!(got, model_allocate(&cs, requested, day()));
    }
}

/// Cases of [`allocation_matches_the_documented_order`].
const MODEL_CASES: u32 = 2_000;

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
                let mut prev: Option<(NaiveDate, NaiveDateTime)> = None;
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
                    let key = (c.expiry, c.received_at);
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

#[test]
fn stock_is_usable_through_its_use_by_date() {
    assert!(!is_expired(day(), day()));
    assert!(!is_expired(d(1), day()));
    assert!(is_expired(d(-1), day()));
}
