//! Stock value at cost (issue 14 item 10): what the stock on the shelves
//! cost, per product and in total. Pure arithmetic; the service
//! (`services::stock_value`) gathers the quantities and costs.
//!
//! Rules:
//! - a lot's unit cost is the average of the unit costs stored on the
//!   receipts that brought it in (weighted by the quantity each received,
//!   rounded to the cent); an opened container takes its parent lot's;
//! - a lot none of whose receipts stored a cost takes the product's current
//!   unit cost (the catalogue's);
//! - when neither is known the lot's cost is unknown, and so is the value of
//!   its product (shown "—", never 0): a partial sum would look complete;
//! - value = quantity × unit cost, summed exactly (thousandths × cents) and
//!   rounded half up to the cent once per product.

/// The unit cost (cents) of a lot from its costed receipts `(received
/// quantity in thousandths, unit cost in cents)`, else `product_cost`.
pub fn lot_unit_cost(receipts: &[(i64, i64)], product_cost: Option<i64>) -> Option<i64> {
    let qty: i128 = receipts.iter().map(|(q, _)| i128::from((*q).max(0))).sum();
    if qty > 0 {
        let weighted: i128 = receipts
            .iter()
            .map(|(q, c)| i128::from((*q).max(0)) * i128::from(*c))
            .sum();
        return Some(to_i64(div_round(weighted, qty)));
    }
    product_cost
}

/// Exact value of `qty` thousandths at `unit_cost` cents, in thousandths of a cent.
pub fn exact_value(qty: i64, unit_cost: i64) -> i128 {
    i128::from(qty) * i128::from(unit_cost)
}

/// A sum of [`exact_value`]s rounded to the cent.
pub fn to_cents(exact: i128) -> i64 {
    to_i64(div_round(exact, 1000))
}

/// Division rounding half away from zero (`d > 0`).
fn div_round(n: i128, d: i128) -> i128 {
    if n >= 0 {
        (n + d / 2) / d
    } else {
        -((-n + d / 2) / d)
    }
}

fn to_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_win_over_the_catalogue_and_are_weighted() {
        // 10 at 2.00 and 30 at 3.00: 2.75 a unit.
        assert_eq!(
            lot_unit_cost(&[(10_000, 200), (30_000, 300)], Some(999)),
            Some(275)
        );
        assert_eq!(lot_unit_cost(&[], Some(150)), Some(150));
        assert_eq!(lot_unit_cost(&[], None), None);
    }

    #[test]
    fn value_is_rounded_once() {
        // 2.5 g at 0.33 a gram = 0.825 → 0.83; three of them 2.475 → 2.48.
        assert_eq!(to_cents(exact_value(2_500, 33)), 83);
        assert_eq!(to_cents(3 * exact_value(2_500, 33)), 248);
        assert_eq!(to_cents(0), 0);
    }
}
