//! The reorder rule of DOMAIN.md ("Reorder rule"), for one (site, product).
//!
//! This module owns the arithmetic of the reorder report: use per day, lead
//! time fallback, min/max levels (manual or computed), position, the
//! order-now / watch decision, whole-pack order quantity, days of cover and
//! what will expire before it can be used. It does no I/O: the caller sums the
//! ledger and open purchase orders into a [`ReorderInput`].
//!
//! All quantities are `i64` thousandths of the product's unit. Arithmetic is
//! exact (DOMAIN.md, "Reorder arithmetic is exact"): min and max are kept as
//! fractions over `window` (`consumed × days / window`, a manual level `m` as
//! `m × window / window`), the order decision compares the position with the
//! exact min, and the packs come from the exact `max − position`; a figure is
//! rounded once, when it is reported, as documented on each field. Products
//! are formed in `i128` (saturating), so no figure passes through floating
//! point. Results that would not fit in `i64` saturate.
//!
//! Decisions beyond the DOMAIN.md formula:
//! - negative `consumed` (more voided than consumed in the window) counts as
//!   0, and so does a negative `usable_on_hand` for days of cover;
//! - `window_days < 1` is treated as 1, `pack_size <= 0` as 1 (thousandth),
//!   negative `lead + safety` and negative `cover_days` as 0;
//! - a manual max below the (manual or computed) min is raised to the min
//!   (saving a product refuses a manual max below its manual min, but a
//!   computed min can outgrow a manual max);
//! - when `order_now`, at least one pack is ordered, even if
//!   `max_level - position` is 0 or less (the position is at or below the
//!   min but already at or above the max), so an "order now" line never asks
//!   for nothing.

use chrono::NaiveDate;

use super::vocab::OrderStatus;

/// Lead time used when neither the product nor its supplier sets one.
pub const DEFAULT_LEAD_DAYS: i64 = 14;

/// The lead-time fallback (DOMAIN.md): the product's own lead time, else
/// its supplier's, else [`DEFAULT_LEAD_DAYS`]. The reorder rule and the
/// overdue-order alert (an order has no product lead time) both use it.
pub fn lead_days(product: Option<i64>, supplier: Option<i64>) -> i64 {
    product.or(supplier).unwrap_or(DEFAULT_LEAD_DAYS)
}

/// "Low stock" on the stock pages, the product list and the dashboard
/// (README): an active product with a min level set by hand and usable
/// stock at or below it. (The alerts' low stock is the reorder rule's
/// [`ReorderLine::usable_low`], against the manual or computed min.)
pub fn is_low_stock(active: bool, manual_min: Option<i64>, usable: i64) -> bool {
    active && manual_min.is_some_and(|min| usable <= min)
}

/// "On order" (DOMAIN.md, the reorder rule's position): what an order line
/// still brings, `packs × pack size − received`, never negative, counted
/// only while its order is **sent** or **partly received**. Drafts are not
/// ordered yet; received and cancelled orders bring nothing more. The one
/// definition the reorder report, the alerts, the dashboard and the product
/// page share (via `services::reorder::open_orders`).
pub fn open_quantity(packs: i64, pack_size: i64, received: i64) -> i64 {
    packs
        .saturating_mul(pack_size)
        .saturating_sub(received)
        .max(0)
}

/// The order statuses that count as on order (see [`open_quantity`]).
pub const ON_ORDER: [OrderStatus; 2] = [OrderStatus::Sent, OrderStatus::Partial];

/// Whether an order in this status counts as on order (see [`open_quantity`]).
pub fn counts_as_on_order(status: &str) -> bool {
    ON_ORDER.iter().any(|s| s.code() == status)
}

/// The codes of [`ON_ORDER`], for queries.
pub fn on_order_codes() -> [&'static str; 2] {
    ON_ORDER.map(OrderStatus::code)
}

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
    /// Manual, else `consumed × (lead + safety) / window`, rounded up to
    /// the thousandth for display.
    pub min_level: i64,
    pub min_is_manual: bool,
    /// Manual (raised to the min if below it), else
    /// `consumed × (lead + safety + cover) / window` (the exact min plus the
    /// exact use over `cover` days), rounded up to the thousandth for display.
    pub max_level: i64,
    pub max_is_manual: bool,
    /// usable on hand + on order.
    pub position: i64,
    /// `position <= min && min > 0`, with the exact min.
    pub order_now: bool,
    /// `!order_now && min > 0 && position <= 1.25 × min`, with the exact min.
    pub watch: bool,
    /// `usable <= min && min > 0`, with the exact min: low on the shelf,
    /// whatever is already on order (the alerts' "low stock").
    pub usable_low: bool,
    /// When `order_now`: `max(ceil((max − position) / pack_size), 1)` with
    /// the exact max; else 0.
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

    let lead_days = lead_days(input.product_lead_days, input.supplier_lead_days);

    // Levels as numerators over `window`: level = numerator / window.
    let lead_safety = i128::from(lead_days).saturating_add(i128::from(params.safety_days));
    let (min_num, min_is_manual) = match input.min_level {
        Some(m) => (i128::from(m).saturating_mul(window), true),
        None => (consumed.saturating_mul(lead_safety.max(0)), false),
    };
    let (max_num, max_is_manual) = match input.max_level {
        Some(m) => (i128::from(m).saturating_mul(window).max(min_num), true),
        None => {
            let cover = consumed.saturating_mul(i128::from(params.cover_days).max(0));
            (min_num.saturating_add(cover), false)
        }
    };
    let min_level = sat64(ceil_div(min_num, window));
    let max_level = sat64(ceil_div(max_num, window));

    let position = input.usable_on_hand.saturating_add(input.on_order);
    let position_num = i128::from(position).saturating_mul(window);
    let order_now = min_num > 0 && position_num <= min_num;
    let watch =
        !order_now && min_num > 0 && position_num.saturating_mul(4) <= min_num.saturating_mul(5);
    let usable_low =
        min_num > 0 && i128::from(input.usable_on_hand).saturating_mul(window) <= min_num;

    let pack = i128::from(input.pack_size.max(1));
    let (order_packs, order_quantity) = if order_now {
        let gap = max_num.saturating_sub(position_num);
        let packs = ceil_div(gap, pack.saturating_mul(window)).max(1);
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
        usable_low,
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
mod tests;
