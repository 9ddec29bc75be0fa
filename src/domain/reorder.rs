//! The reorder rule of DOMAIN.md ("Reorder rule"), for one (site, product).
//!
//! This module owns the arithmetic of the reorder report: use per day, lead
//! time fallback, min/max levels (manual or computed), position, the
//! order-now / watch decision, whole-pack order quantity, days of cover and
//! what will expire before it can be used. It does no I/O: the caller sums the
//! ledger and open purchase orders into a [`ReorderInput`].
//!
//! All quantities are `i64` thousandths of the product's unit. Arithmetic is
//! exact: every rate is kept as the fraction `consumed / window` and products
//! are formed in `i128` (saturating) before the single division, so no figure
//! passes through floating point and rounding happens once, as documented on
//! each field. Results that would not fit in `i64` saturate.
//!
//! Decisions beyond the DOMAIN.md formula:
//! - negative `consumed` (more voided than consumed in the window) counts as
//!   0, and so does a negative `usable_on_hand` for days of cover;
//! - `window_days < 1` is treated as 1, `pack_size <= 0` as 1 (thousandth),
//!   negative `lead + safety` and negative `cover_days` as 0;
//! - a manual max below the (manual or computed) min is raised to the min;
//! - when `order_now`, at least one pack is ordered, even if
//!   `max_level - position` is 0 (possible only when position = min = max),
//!   so an "order now" line never asks for nothing.

use chrono::NaiveDate;

/// Lead time used when neither the product nor its supplier sets one.
pub const DEFAULT_LEAD_DAYS: i64 = 14;

/// Report-wide settings.
#[derive(Debug, Clone)]
pub struct ReorderParams {
    /// The report day; the window is `[as_of - window_days, as_of)`.
    pub as_of: NaiveDate,
    /// Look-back in days, `>= 1` (default 90).
    pub window_days: i64,
    /// Setting, default 14.
    pub safety_days: i64,
    /// Setting, default 30.
    pub cover_days: i64,
}

/// Per (site, product) figures gathered by the caller.
#[derive(Debug, Clone)]
pub struct ReorderInput {
    /// (consumed − voided) in `[as_of − window, as_of)`, thousandths.
    pub consumed: i64,
    pub product_lead_days: Option<i64>,
    pub supplier_lead_days: Option<i64>,
    /// Set by hand on the product.
    pub min_level: Option<i64>,
    /// Set by hand on the product.
    pub max_level: Option<i64>,
    pub usable_on_hand: i64,
    /// Open purchase-order quantity, thousandths.
    pub on_order: i64,
    /// Thousandths, `> 0`.
    pub pack_size: i64,
    /// Usable lots as (effective expiry, quantity), in any order.
    pub usable_lots: Vec<(NaiveDate, i64)>,
}

/// One line of the reorder report: every figure of the formula.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReorderLine {
    /// Thousandths per day, `consumed / window` rounded half up (display
    /// figure only: the other figures use the exact fraction).
    pub use_per_day: i64,
    /// product ?? supplier ?? 14.
    pub lead_days: i64,
    /// Manual, else `ceil(consumed × (lead + safety) / window)`.
    pub min_level: i64,
    pub min_is_manual: bool,
    /// Manual (raised to `min_level` if below it), else
    /// `min_level + ceil(consumed × cover / window)`.
    pub max_level: i64,
    pub max_is_manual: bool,
    /// usable on hand + on order.
    pub position: i64,
    /// `position <= min_level && min_level > 0`.
    pub order_now: bool,
    /// `!order_now && min_level > 0 && position <= 1.25 × min_level`.
    pub watch: bool,
    /// When `order_now`: `max(ceil((max_level − position) / pack_size), 1)`;
    /// else 0.
    pub order_packs: i64,
    /// `order_packs × pack_size`.
    pub order_quantity: i64,
    /// Usable on hand / use per day, in tenths of a day, floored:
    /// `usable × window × 10 / consumed`. `None` when consumed <= 0.
    pub days_of_cover_tenths: Option<i64>,
    /// Quantity of the usable lots that will expire before the current rate
    /// of use reaches it (FEFO walk).
    pub expiring_before_use: i64,
}

/// Saturating conversion to `i64`.
fn sat64(x: i128) -> i64 {
    i64::try_from(x).unwrap_or(if x < 0 { i64::MIN } else { i64::MAX })
}

/// `ceil(a / b)` for `b > 0`.
fn ceil_div(a: i128, b: i128) -> i128 {
    -((-a).div_euclid(b))
}

/// `floor(a / b)` for `b > 0`.
fn floor_div(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

/// Apply the reorder rule to one product.
pub fn compute(params: &ReorderParams, input: &ReorderInput) -> ReorderLine {
    let window = i128::from(params.window_days.max(1));
    let consumed = i128::from(input.consumed.max(0));

    // Half up: floor((2c + w) / 2w).
    let use_per_day = sat64(floor_div(
        consumed.saturating_mul(2).saturating_add(window),
        window.saturating_mul(2),
    ));

    let lead_days = input
        .product_lead_days
        .or(input.supplier_lead_days)
        .unwrap_or(DEFAULT_LEAD_DAYS);

    // use_per_day × days, exactly: ceil(consumed × days / window).
    let use_over = |days: i128| -> i128 { ceil_div(consumed.saturating_mul(days.max(0)), window) };

    let (min_level, min_is_manual) = match input.min_level {
        Some(m) => (m, true),
        None => {
            let days = i128::from(lead_days).saturating_add(i128::from(params.safety_days));
            (sat64(use_over(days)), false)
        }
    };
    let (max_level, max_is_manual) = match input.max_level {
        Some(m) => (m.max(min_level), true),
        None => {
            let top = i128::from(min_level).saturating_add(use_over(i128::from(params.cover_days)));
            (sat64(top), false)
        }
    };

    let position = input.usable_on_hand.saturating_add(input.on_order);
    let order_now = min_level > 0 && position <= min_level;
    let watch = !order_now
        && min_level > 0
        && i128::from(position).saturating_mul(4) <= i128::from(min_level).saturating_mul(5);

    let pack = i128::from(input.pack_size.max(1));
    let (order_packs, order_quantity) = if order_now {
        let gap = i128::from(max_level).saturating_sub(i128::from(position));
        let packs = ceil_div(gap, pack).max(1);
        (sat64(packs), sat64(packs.saturating_mul(pack)))
    } else {
        (0, 0)
    };

    let days_of_cover_tenths = (consumed > 0).then(|| {
        let usable = i128::from(input.usable_on_hand.max(0));
        sat64(floor_div(
            usable.saturating_mul(window).saturating_mul(10),
            consumed,
        ))
    });

    let expiring_before_use =
        expiring_before_use(params.as_of, consumed, window, &input.usable_lots);

    ReorderLine {
        use_per_day,
        lead_days,
        min_level,
        min_is_manual,
        max_level,
        max_is_manual,
        position,
        order_now,
        watch,
        order_packs,
        order_quantity,
        days_of_cover_tenths,
        expiring_before_use,
    }
}

/// Walk the lots in FEFO order (expiry ascending). A lot is usable through
/// its expiry day, so by the end of that day use since `as_of` totals
/// `floor(consumed × (expiry − as_of + 1) / window)`; of this lot,
/// `clamp(that − used_from_earlier_lots, 0, qty)` is used and the rest
/// expires. Returns the sum of the rests (everything when consumed is 0).
fn expiring_before_use(
    as_of: NaiveDate,
    consumed: i128,
    window: i128,
    lots: &[(NaiveDate, i64)],
) -> i64 {
    let mut sorted: Vec<(NaiveDate, i64)> = lots.to_vec();
    sorted.sort();
    let mut used_before: i128 = 0;
    let mut expiring: i128 = 0;
    for (expiry, qty) in sorted {
        let qty = i128::from(qty.max(0));
        let days = i128::from((expiry - as_of).num_days())
            .saturating_add(1)
            .max(0);
        let use_by_expiry = floor_div(consumed.saturating_mul(days), window);
        let used = use_by_expiry.saturating_sub(used_before).clamp(0, qty);
        used_before = used_before.saturating_add(used);
        expiring = expiring.saturating_add(qty - used);
    }
    sat64(expiring)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
    }

    fn d(offset: i64) -> NaiveDate {
        as_of() + chrono::Duration::days(offset)
    }

    fn params() -> ReorderParams {
        ReorderParams {
            as_of: as_of(),
            window_days: 90,
            safety_days: 14,
            cover_days: 30,
        }
    }

    /// 90 units consumed over 90 days = 1 unit (1000) per day; lead 7.
    fn input() -> ReorderInput {
        ReorderInput {
            consumed: 90_000,
            product_lead_days: Some(7),
            supplier_lead_days: None,
            min_level: None,
            max_level: None,
            usable_on_hand: 0,
            on_order: 0,
            pack_size: 10_000,
            usable_lots: Vec::new(),
        }
    }

    #[test]
    fn computed_levels() {
        // use/day = 90_000 / 90 = 1_000
        // min = ceil(90_000 × (7 + 14) / 90) = 21_000
        // max = 21_000 + ceil(90_000 × 30 / 90) = 21_000 + 30_000 = 51_000
        // position = 20_000 + 6_000 = 26_000 > 21_000 → no order;
        // 26_000 × 4 = 104_000 <= 21_000 × 5 = 105_000 → watch.
        let mut i = input();
        i.usable_on_hand = 20_000;
        i.on_order = 6_000;
        let l = compute(&params(), &i);
        assert_eq!(l.use_per_day, 1_000);
        assert_eq!(l.lead_days, 7);
        assert_eq!((l.min_level, l.min_is_manual), (21_000, false));
        assert_eq!((l.max_level, l.max_is_manual), (51_000, false));
        assert_eq!(l.position, 26_000);
        assert!(!l.order_now);
        assert!(l.watch);
        assert_eq!((l.order_packs, l.order_quantity), (0, 0));
        // cover = 20_000 × 90 × 10 / 90_000 = 200 tenths = 20.0 days
        assert_eq!(l.days_of_cover_tenths, Some(200));
    }

    #[test]
    fn computed_levels_round_up() {
        // consumed 1_000 over 90 days: use/day = 11.11 → 11 (half up of 11.1)
        // min = ceil(1_000 × 21 / 90) = ceil(233.33) = 234
        // max = 234 + ceil(1_000 × 30 / 90) = 234 + ceil(333.33) = 234 + 334 = 568
        let mut i = input();
        i.consumed = 1_000;
        let l = compute(&params(), &i);
        assert_eq!(l.use_per_day, 11);
        assert_eq!(l.min_level, 234);
        assert_eq!(l.max_level, 568);
        // half up: 45 / 90 = 0.5 → 1; 44 / 90 = 0.49 → 0
        i.consumed = 45;
        assert_eq!(compute(&params(), &i).use_per_day, 1);
        i.consumed = 44;
        assert_eq!(compute(&params(), &i).use_per_day, 0);
    }

    #[test]
    fn manual_min_and_max() {
        // Manual min 5_000, max 12_000; position 4_000 <= 5_000 → order.
        // packs = ceil((12_000 − 4_000) / 3_000) = ceil(2.67) = 3 → 9_000.
        let mut i = input();
        i.min_level = Some(5_000);
        i.max_level = Some(12_000);
        i.usable_on_hand = 4_000;
        i.pack_size = 3_000;
        let l = compute(&params(), &i);
        assert_eq!((l.min_level, l.min_is_manual), (5_000, true));
        assert_eq!((l.max_level, l.max_is_manual), (12_000, true));
        assert!(l.order_now);
        assert!(!l.watch);
        assert_eq!((l.order_packs, l.order_quantity), (3, 9_000));
    }

    #[test]
    fn manual_min_computed_max() {
        // Manual min 5_000; max = 5_000 + ceil(90_000 × 30 / 90) = 35_000.
        let mut i = input();
        i.min_level = Some(5_000);
        let l = compute(&params(), &i);
        assert_eq!((l.min_level, l.min_is_manual), (5_000, true));
        assert_eq!((l.max_level, l.max_is_manual), (35_000, false));
    }

    #[test]
    fn manual_max_below_min_is_raised_to_min() {
        // Computed min 21_000; manual max 10_000 < min → max 21_000.
        // position 21_000 <= min → order; max − position = 0 → still 1 pack.
        let mut i = input();
        i.max_level = Some(10_000);
        i.usable_on_hand = 21_000;
        let l = compute(&params(), &i);
        assert_eq!((l.max_level, l.max_is_manual), (21_000, true));
        assert!(l.order_now);
        assert_eq!((l.order_packs, l.order_quantity), (1, 10_000));
    }

    #[test]
    fn no_usage_no_order() {
        // consumed 0 → levels 0 → min_level > 0 fails → no order, no watch.
        let mut i = input();
        i.consumed = 0;
        i.usable_on_hand = 0;
        let l = compute(&params(), &i);
        assert_eq!((l.use_per_day, l.min_level, l.max_level), (0, 0, 0));
        assert!(!l.order_now);
        assert!(!l.watch);
        assert_eq!(l.order_packs, 0);
        assert_eq!(l.days_of_cover_tenths, None);
        // More voided than consumed counts as no usage.
        i.consumed = -5_000;
        let l = compute(&params(), &i);
        assert_eq!((l.use_per_day, l.min_level, l.max_level), (0, 0, 0));
        assert_eq!(l.days_of_cover_tenths, None);
    }

    #[test]
    fn pack_rounding() {
        // Computed min 21_000; manual max 46_000; position 21_000 <= min →
        // order: max − position = 25_000, pack 10_000 → ceil(2.5) = 3 packs
        // = 30_000.
        let mut i = input();
        i.max_level = Some(46_000);
        i.usable_on_hand = 21_000;
        let l = compute(&params(), &i);
        assert!(l.order_now);
        assert_eq!((l.order_packs, l.order_quantity), (3, 30_000));
        // Exact multiple: position 16_000 → 30_000 / 10_000 = exactly 3.
        i.usable_on_hand = 16_000;
        let l = compute(&params(), &i);
        assert_eq!((l.order_packs, l.order_quantity), (3, 30_000));
    }

    #[test]
    fn on_order_suppresses_order() {
        // Usable 15_000 alone is under min 21_000, but 10_000 on order
        // makes position 25_000 > 21_000: no order, watch (100_000 <= 105_000).
        let mut i = input();
        i.usable_on_hand = 15_000;
        let l = compute(&params(), &i);
        assert!(l.order_now);
        // packs = ceil((51_000 − 15_000) / 10_000) = ceil(3.6) = 4
        assert_eq!(l.order_packs, 4);
        i.on_order = 10_000;
        let l = compute(&params(), &i);
        assert_eq!(l.position, 25_000);
        assert!(!l.order_now);
        assert!(l.watch);
        assert_eq!((l.order_packs, l.order_quantity), (0, 0));
    }

    #[test]
    fn lead_fallback() {
        let mut i = input();
        i.product_lead_days = Some(3);
        i.supplier_lead_days = Some(10);
        assert_eq!(compute(&params(), &i).lead_days, 3);
        i.product_lead_days = None;
        let l = compute(&params(), &i);
        assert_eq!(l.lead_days, 10);
        // min = ceil(90_000 × (10 + 14) / 90) = 24_000
        assert_eq!(l.min_level, 24_000);
        i.supplier_lead_days = None;
        let l = compute(&params(), &i);
        assert_eq!(l.lead_days, 14);
        // min = ceil(90_000 × (14 + 14) / 90) = 28_000
        assert_eq!(l.min_level, 28_000);
    }

    #[test]
    fn watch_band() {
        // min 21_000; watch while 21_000 < position <= 26_250 (= 1.25 × min).
        let mut i = input();
        for (position, order_now, watch) in [
            (21_000, true, false),
            (21_001, false, true),
            (26_250, false, true), // 105_000 <= 105_000
            (26_251, false, false),
        ] {
            i.usable_on_hand = position;
            let l = compute(&params(), &i);
            assert_eq!((l.order_now, l.watch), (order_now, watch), "{position}");
        }
    }

    #[test]
    fn expiring_before_use_two_lots() {
        // Use 1_000/day. Lot A expires in 10 days (as_of + 10) with 15_000:
        // usable through day 10 → 11 days of use = 11_000 used, 4_000 expire.
        // Lot B expires in 40 days with 20_000: use by then 41_000, minus
        // 11_000 already used = 30_000 >= 20_000 → all used.
        // Lots given out of order on purpose.
        let mut i = input();
        i.usable_on_hand = 35_000;
        i.usable_lots = vec![(d(40), 20_000), (d(10), 15_000)];
        let l = compute(&params(), &i);
        assert_eq!(l.expiring_before_use, 4_000);
        // Lot B at 20 days: use by then 21_000 − 11_000 = 10_000 → 10_000 expire.
        i.usable_lots = vec![(d(20), 20_000), (d(10), 15_000)];
        assert_eq!(compute(&params(), &i).expiring_before_use, 14_000);
        // A lot expiring on as_of is usable that day: 1 day = 1_000 used.
        i.usable_lots = vec![(d(0), 5_000)];
        assert_eq!(compute(&params(), &i).expiring_before_use, 4_000);
    }

    #[test]
    fn expiring_before_use_without_usage_is_everything() {
        let mut i = input();
        i.consumed = 0;
        i.usable_lots = vec![(d(400), 7_000), (d(5), 3_000)];
        assert_eq!(compute(&params(), &i).expiring_before_use, 10_000);
    }

    #[test]
    fn days_of_cover() {
        // 7 units consumed over 30 days; 2.5 units on hand:
        // 2_500 × 30 × 10 / 7_000 = 107.14 → 107 tenths = 10.7 days.
        let mut p = params();
        p.window_days = 30;
        let mut i = input();
        i.consumed = 7_000;
        i.usable_on_hand = 2_500;
        assert_eq!(compute(&p, &i).days_of_cover_tenths, Some(107));
        i.usable_on_hand = 0;
        assert_eq!(compute(&p, &i).days_of_cover_tenths, Some(0));
    }

    proptest! {
        #[test]
        fn invariants(
            consumed in -1_000_000i64..=1_000_000_000_000,
            window in 1i64..=3650,
            safety in 0i64..=60,
            cover in 0i64..=120,
            product_lead in prop::option::of(0i64..=120),
            supplier_lead in prop::option::of(0i64..=120),
            min in prop::option::of(-1_000i64..=10_000_000),
            max in prop::option::of(-1_000i64..=10_000_000),
            usable in 0i64..=1_000_000_000,
            on_order in 0i64..=1_000_000_000,
            pack in 1i64..=1_000_000,
            lots in prop::collection::vec((-5i64..=4000, 0i64..=1_000_000_000), 0..=6),
        ) {
            let p = ReorderParams { as_of: as_of(), window_days: window, safety_days: safety, cover_days: cover };
            let lot_total: i64 = lots.iter().map(|(_, q)| q).sum();
            let i = ReorderInput {
                consumed,
                product_lead_days: product_lead,
                supplier_lead_days: supplier_lead,
                min_level: min,
                max_level: max,
                usable_on_hand: usable,
                on_order,
                pack_size: pack,
                usable_lots: lots.into_iter().map(|(o, q)| (d(o), q)).collect(),
            };
            let l = compute(&p, &i);
            prop_assert_eq!(l.position, usable + on_order);
            prop_assert!(l.max_level >= l.min_level);
            prop_assert_eq!(l.order_now, l.min_level > 0 && l.position <= l.min_level);
            if l.order_now {
                prop_assert!(l.order_packs >= 1);
                prop_assert!(l.order_quantity >= l.max_level - l.position);
                prop_assert!(l.order_quantity - pack < l.max_level - l.position || l.order_packs == 1);
                prop_assert!(!l.watch);
            } else {
                prop_assert_eq!(l.order_packs, 0);
                prop_assert_eq!(l.order_quantity, 0);
            }
            prop_assert_eq!(l.order_quantity, l.order_packs * pack);
            prop_assert!(l.expiring_before_use >= 0);
            prop_assert!(l.expiring_before_use <= lot_total);
            if consumed <= 0 {
                prop_assert_eq!(l.days_of_cover_tenths, None);
                prop_assert_eq!(l.expiring_before_use, lot_total);
            } else {
                prop_assert!(l.days_of_cover_tenths.is_some());
            }
        }

        #[test]
        fn never_panics_on_extremes(
            consumed in any::<i64>(),
            window in any::<i64>(),
            safety in any::<i64>(),
            cover in any::<i64>(),
            lead in prop::option::of(any::<i64>()),
            min in prop::option::of(any::<i64>()),
            max in prop::option::of(any::<i64>()),
            usable in any::<i64>(),
            on_order in any::<i64>(),
            pack in any::<i64>(),
            lots in prop::collection::vec((-100_000i64..=100_000, any::<i64>()), 0..=4),
        ) {
            let p = ReorderParams { as_of: as_of(), window_days: window, safety_days: safety, cover_days: cover };
            let i = ReorderInput {
                consumed,
                product_lead_days: lead,
                supplier_lead_days: None,
                min_level: min,
                max_level: max,
                usable_on_hand: usable,
                on_order,
                pack_size: pack,
                usable_lots: lots.into_iter().map(|(o, q)| (d(o), q)).collect(),
            };
            let l = compute(&p, &i);
            prop_assert!(l.expiring_before_use >= 0);
            prop_assert!(l.max_level >= l.min_level);
        }
    }
}
