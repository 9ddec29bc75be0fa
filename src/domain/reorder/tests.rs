//! The reorder rule: worked examples, invariants, and an exact-fraction
//! model the report must agree with.
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
    // max = ceil(1_000 × (21 + 30) / 90) = ceil(566.67) = 567 (rounded once:
    // the first round added the rounded min and cover and showed 568)
    let mut i = input();
    i.consumed = 1_000;
    let l = compute(&params(), &i);
    assert_eq!(l.use_per_day, 11);
    assert_eq!(l.min_level, 234);
    assert_eq!(l.max_level, 567);
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
fn usable_low_ignores_what_is_on_order() {
    // min 21_000 (exact). Usable at or below it is low, however much is on
    // order; the comparison uses the exact min (21_002.333… below).
    let mut i = input();
    i.on_order = 50_000;
    for (usable, low) in [(0, true), (21_000, true), (21_001, false)] {
        i.usable_on_hand = usable;
        let l = compute(&params(), &i);
        assert_eq!(l.usable_low, low, "{usable}");
        assert!(!l.order_now, "covered by the order");
    }
    let mut i = input();
    i.consumed = 90_010; // × 21 / 90 = 21_002.333…
    i.usable_on_hand = 21_002;
    assert!(compute(&params(), &i).usable_low);
    i.usable_on_hand = 21_003;
    assert!(!compute(&params(), &i).usable_low);
    // No use and no manual min: never low.
    let mut i = input();
    i.consumed = 0;
    assert!(!compute(&params(), &i).usable_low);
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

#[test]
fn min_and_max_are_rounded_once_at_the_end() {
    // DOMAIN.md: 10 units used in 90 days, lead 19 (safety 14, cover 30),
    // position 2. Exactly: min = 10/90 × 33 = 3.667, max = 10/90 × 63 = 7,
    // so 7 − 2 = 5 packs of 1 (rounding min and max apart made max 7.001
    // and ordered 6).
    let mut i = input();
    i.consumed = 10_000;
    i.product_lead_days = Some(19);
    i.pack_size = 1_000;
    i.usable_on_hand = 2_000;
    let l = compute(&params(), &i);
    assert_eq!(l.min_level, 3_667);
    assert_eq!(l.max_level, 7_000);
    assert!(l.order_now);
    assert_eq!((l.order_packs, l.order_quantity), (5, 5_000));
}

#[test]
fn position_at_min_and_max_both_manual_orders_one_pack() {
    let mut i = input();
    i.min_level = Some(5_000);
    i.max_level = Some(5_000);
    i.usable_on_hand = 3_000;
    i.on_order = 2_000;
    let l = compute(&params(), &i);
    assert!(l.order_now);
    assert_eq!((l.order_packs, l.order_quantity), (1, 10_000));
}

#[test]
fn order_now_compares_the_position_with_the_exact_min() {
    // consumed 1_000 over 90 days, lead 7 + safety 14: min = 233.33…,
    // shown rounded up as 234. A position of 234 is above the exact min.
    let mut i = input();
    i.consumed = 1_000;
    i.usable_on_hand = 234;
    let l = compute(&params(), &i);
    assert_eq!(l.min_level, 234);
    assert!(!l.order_now);
    i.usable_on_hand = 233;
    assert!(compute(&params(), &i).order_now);
}

/// An exact rational number (the model's arithmetic), always normalised
/// with a positive denominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frac {
    n: i128,
    d: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

impl Frac {
    fn new(n: i128, d: i128) -> Frac {
        let (n, d) = if d < 0 { (-n, -d) } else { (n, d) };
        let g = gcd(n, d).max(1);
        Frac { n: n / g, d: d / g }
    }
    fn int(n: i64) -> Frac {
        Frac::new(i128::from(n), 1)
    }
    fn add(self, o: Frac) -> Frac {
        Frac::new(self.n * o.d + o.n * self.d, self.d * o.d)
    }
    fn sub(self, o: Frac) -> Frac {
        Frac::new(self.n * o.d - o.n * self.d, self.d * o.d)
    }
    fn mul(self, o: Frac) -> Frac {
        Frac::new(self.n * o.n, self.d * o.d)
    }
    fn div(self, o: Frac) -> Frac {
        Frac::new(self.n * o.d, self.d * o.n)
    }
    fn le(self, o: Frac) -> bool {
        self.n * o.d <= o.n * self.d
    }
    fn max(self, o: Frac) -> Frac {
        if self.le(o) { o } else { self }
    }
    fn ceil(self) -> i64 {
        let q = self.n.div_euclid(self.d) + i128::from(self.n.rem_euclid(self.d) != 0);
        i64::try_from(q).unwrap()
    }
}

/// What the model expects: (min shown, max shown, order now, watch, packs).
fn model(p: &ReorderParams, i: &ReorderInput) -> (i64, i64, bool, bool, i64) {
    let per_day = Frac::new(i128::from(i.consumed.max(0)), i128::from(p.window_days));
    let lead = i
        .product_lead_days
        .or(i.supplier_lead_days)
        .unwrap_or(DEFAULT_LEAD_DAYS);
    let min = match i.min_level {
        Some(m) => Frac::int(m),
        None => per_day.mul(Frac::int(lead + p.safety_days)),
    };
    let max = match i.max_level {
        Some(m) => Frac::int(m).max(min),
        None => min.add(per_day.mul(Frac::int(p.cover_days))),
    };
    let position = Frac::int(i.usable_on_hand + i.on_order);
    let positive = !min.le(Frac::int(0));
    let order_now = positive && position.le(min);
    let watch = !order_now && positive && position.le(min.mul(Frac::new(5, 4)));
    let packs = if order_now {
        max.sub(position).div(Frac::int(i.pack_size)).ceil().max(1)
    } else {
        0
    };
    (min.ceil(), max.ceil(), order_now, watch, packs)
}

/// Cases of [`report_matches_the_exact_fraction_model`].
const MODEL_CASES: u32 = 5_000;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(MODEL_CASES))]

    /// Every level, decision and pack count of the report equals the exact
    /// rational computation, rounded once.
    #[test]
    fn report_matches_the_exact_fraction_model(
        consumed in prop_oneof![0i64..=50_000, 0i64..=50_000_000],
        window in prop_oneof![Just(90i64), 1i64..=365],
        safety in 0i64..=30,
        cover in 0i64..=60,
        product_lead in prop::option::of(0i64..=60),
        supplier_lead in prop::option::of(0i64..=60),
        min in prop::option::of(0i64..=200_000),
        max_over_min in prop::option::of(0i64..=200_000),
        usable in 0i64..=300_000,
        on_order in 0i64..=100_000,
        pack in prop_oneof![Just(1_000i64), 1i64..=50_000],
    ) {
        let p = ReorderParams { as_of: as_of(), window_days: window, safety_days: safety, cover_days: cover };
        let i = ReorderInput {
            consumed,
            product_lead_days: product_lead,
            supplier_lead_days: supplier_lead,
            min_level: min,
            // A manual max is never below a manual min (saving refuses it).
            max_level: max_over_min.map(|m| m + min.unwrap_or(0)),
            usable_on_hand: usable,
            on_order,
            pack_size: pack,
            usable_lots: Vec::new(),
        };
        let l = compute(&p, &i);
        let (min_shown, max_shown, order_now, watch, packs) = model(&p, &i);
        prop_assert_eq!(l.min_level, min_shown);
        prop_assert_eq!(l.max_level, max_shown);
        prop_assert_eq!(l.order_now, order_now);
        prop_assert_eq!(l.watch, watch);
        prop_assert_eq!(l.order_packs, packs);
        prop_assert_eq!(l.order_quantity, packs * pack);
    }
}

#[test]
fn lead_time_falls_back_from_product_to_supplier_to_default() {
    assert_eq!(lead_days(Some(3), Some(10)), 3);
    assert_eq!(lead_days(None, Some(10)), 10);
    assert_eq!(lead_days(None, None), DEFAULT_LEAD_DAYS);
}

#[test]
fn low_stock_needs_an_active_product_with_a_manual_min() {
    assert!(is_low_stock(true, Some(5_000), 5_000));
    assert!(is_low_stock(true, Some(5_000), 0));
    assert!(!is_low_stock(true, Some(5_000), 5_001));
    assert!(!is_low_stock(true, None, 0));
    assert!(!is_low_stock(false, Some(5_000), 0));
}

#[test]
fn sent_and_partly_received_orders_are_on_order() {
    assert_eq!(on_order_codes(), ["sent", "partial"]);
    for s in OrderStatus::ALL {
        assert_eq!(counts_as_on_order(s.code()), ON_ORDER.contains(s), "{s:?}");
    }
    assert!(!counts_as_on_order("draft") && !counts_as_on_order("unknown"));
}
