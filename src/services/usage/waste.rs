//! Waste: `adjust` rows with reason expired, damaged or waste, per month,
//! product and reason, in units and money.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate};

use super::{Amount, Bucket, UsageOptions, WasteRow};
use crate::db::models::Product;
use crate::db::{self, DbConn};

pub(super) struct Waste {
    pub by_month: Vec<Bucket>,
    pub by_product: Vec<WasteRow>,
    pub total: Amount,
    pub by_reason: BTreeMap<String, Amount>,
}

pub(super) fn waste(
    conn: &mut DbConn,
    o: &UsageOptions,
    products: &HashMap<i64, Product>,
) -> diesel::QueryResult<Waste> {
    let (start, end) = (o.start(), o.end());
    // Waste.
    let waste = db::reports::waste_rows(conn, o.site.id, start, end)?;
    let clock = o.site.clock();
    let mut months: BTreeMap<(i32, u32), Amount> = BTreeMap::new();
    let mut waste_products: HashMap<i64, WasteRow> = HashMap::new();
    let mut waste_by_reason: BTreeMap<String, Amount> = BTreeMap::new();
    let mut waste_total = Amount::default();
    for w in &waste {
        let Some(product) = products.get(&w.product_id) else {
            continue;
        };
        let lost = -w.delta;
        let day = clock.local_date(w.occurred_at);
        months
            .entry((day.year(), day.month()))
            .or_default()
            .add(product, lost);
        let reason = w.reason.clone().unwrap_or_default();
        waste_by_reason
            .entry(reason.clone())
            .or_default()
            .add(product, lost);
        waste_total.add(product, lost);
        let row = waste_products
            .entry(product.id)
            .or_insert_with(|| WasteRow {
                product: product.clone(),
                by_reason: BTreeMap::new(),
                amount: Amount::default(),
            });
        *row.by_reason.entry(reason).or_default() += lost;
        row.amount.add(product, lost);
    }
    let mut waste_by_month = Vec::new();
    let mut m = NaiveDate::from_ymd_opt(o.from.year(), o.from.month(), 1).unwrap_or(o.from);
    while m <= o.to {
        let next = if m.month() == 12 {
            NaiveDate::from_ymd_opt(m.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(m.year(), m.month() + 1, 1)
        }
        .unwrap_or(o.to + Duration::days(1));
        waste_by_month.push(Bucket {
            start: m.max(o.from),
            end: (next - Duration::days(1)).min(o.to),
            amount: months.remove(&(m.year(), m.month())).unwrap_or_default(),
        });
        m = next;
    }
    let mut waste_by_product: Vec<WasteRow> = waste_products.into_values().collect();
    waste_by_product.sort_by(|a, b| {
        b.amount
            .cost_cents
            .cmp(&a.amount.cost_cents)
            .then_with(|| a.product.sku.cmp(&b.product.sku))
    });

    Ok(Waste {
        by_month: waste_by_month,
        by_product: waste_by_product,
        total: waste_total,
        by_reason: waste_by_reason,
    })
}
