//! Stock value at cost, per product and in total, for the dashboard and the
//! stock list. The rules (which cost, what when it is unknown) are
//! `domain::valuation`'s; this gathers the receipts' costs of the lots held.

use std::collections::HashMap;

use crate::db::{self, DbConn};
use crate::domain::valuation;

/// Stock held: (product, lot, quantity in thousandths).
pub type Holding = (i64, i64, i64);

/// The value of some stock: per product (None: a lot of it has no known
/// cost) and the total of the products whose value is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Valuation {
    pub per_product: HashMap<i64, Option<i64>>,
    /// Cents, over the products with a known value.
    pub total_cents: i64,
    /// Products with stock whose value is known / unknown.
    pub valued: usize,
    pub unvalued: usize,
}

impl Valuation {
    /// The value of one product's stock: Some(0) when it holds none.
    pub fn of(&self, product_id: i64) -> Option<i64> {
        self.per_product
            .get(&product_id)
            .copied()
            .unwrap_or(Some(0))
    }

    /// The total, unless no product with stock has a known value.
    pub fn total(&self) -> Option<i64> {
        (self.valued > 0 || self.unvalued == 0).then_some(self.total_cents)
    }
}

/// Values `holdings` (positive quantities) at cost; `product_cost` is each
/// product's catalogue unit cost (the fallback).
pub fn value(
    conn: &mut DbConn,
    holdings: &[Holding],
    product_cost: &HashMap<i64, Option<i64>>,
) -> diesel::QueryResult<Valuation> {
    let mut lot_ids: Vec<i64> = holdings.iter().map(|h| h.1).collect();
    lot_ids.sort_unstable();
    lot_ids.dedup();
    let cost_lot: HashMap<i64, i64> = db::receiving::cost_lots(conn, &lot_ids)?
        .into_iter()
        .collect();
    let mut roots: Vec<i64> = cost_lot.values().copied().collect();
    roots.sort_unstable();
    roots.dedup();
    let mut receipts: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (lot, qty, cost) in db::receiving::costed_receipts_of_lots(conn, &roots)? {
        receipts.entry(lot).or_default().push((qty, cost));
    }
    let mut exact: HashMap<i64, Option<i128>> = HashMap::new();
    for &(product, lot, qty) in holdings {
        if qty <= 0 {
            continue;
        }
        let root = cost_lot.get(&lot).copied().unwrap_or(lot);
        let cost = valuation::lot_unit_cost(
            receipts.get(&root).map(Vec::as_slice).unwrap_or(&[]),
            product_cost.get(&product).copied().flatten(),
        );
        let entry = exact.entry(product).or_insert(Some(0));
        *entry = match (*entry, cost) {
            (Some(sum), Some(c)) => Some(sum + valuation::exact_value(qty, c)),
            _ => None,
        };
    }
    let mut out = Valuation::default();
    for (product, v) in exact {
        let cents = v.map(valuation::to_cents);
        match cents {
            Some(c) => {
                out.valued += 1;
                out.total_cents = out.total_cents.saturating_add(c);
            }
            None => out.unvalued += 1,
        }
        out.per_product.insert(product, cents);
    }
    Ok(out)
}
