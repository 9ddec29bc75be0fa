//! Consumption from the ledger: per week and product over the report's
//! range, and what follows from it (by product, category, needle length).

use std::collections::{BTreeMap, HashMap};

use chrono::Duration;

use super::{Amount, Bucket, ChartSubject, GroupUsage, ProductUsage, UsageOptions};
use crate::db::models::Product;
use crate::domain::vocab::Category;

pub(super) struct Consumption {
    pub weekly: Vec<Bucket>,
    pub by_product: Vec<ProductUsage>,
    pub total: Amount,
    pub by_category: Vec<GroupUsage>,
    /// Rollers and cartridges used per needle length.
    pub needle_used: BTreeMap<i32, Amount>,
}

/// From the net `consume` + `void` sums per (week, product) of the window.
pub(super) fn consumption(
    o: &UsageOptions,
    products: &HashMap<i64, Product>,
    sums: &[(i32, i64, i64)],
) -> Consumption {
    let mut per_product: HashMap<i64, i64> = HashMap::new();
    let mut per_week: BTreeMap<i32, Amount> = BTreeMap::new();
    for &(week, product_id, sum) in sums {
        let used = -sum;
        let Some(product) = products.get(&product_id) else {
            continue;
        };
        *per_product.entry(product.id).or_default() += used;
        let in_subject = match &o.subject {
            ChartSubject::All => true,
            ChartSubject::Product(p) => p.id == product.id,
            ChartSubject::Category(c) => product.category == *c,
        };
        if in_subject {
            per_week.entry(week).or_default().add(product, used);
        }
    }
    let weekly = weekly_buckets(o, per_week);
    let by_product = product_usage(per_product, products);
    let (total, by_category, needle_used) = group_totals(&by_product);
    Consumption {
        weekly,
        by_product,
        total,
        by_category,
        needle_used,
    }
}

/// One bucket per week from the report's first week to its last.
fn weekly_buckets(o: &UsageOptions, mut per_week: BTreeMap<i32, Amount>) -> Vec<Bucket> {
    let origin = o.week_origin();
    let weeks = (o.to - origin).num_days() / 7;
    (0..=weeks)
        .map(|w| {
            let start = origin + Duration::days(w * 7);
            Bucket {
                start,
                end: start + Duration::days(6),
                amount: per_week
                    .remove(&i32::try_from(w).unwrap_or(i32::MAX))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// What each product used, costliest first.
fn product_usage(
    per_product: HashMap<i64, i64>,
    products: &HashMap<i64, Product>,
) -> Vec<ProductUsage> {
    let mut by_product: Vec<ProductUsage> = per_product
        .into_iter()
        .filter(|(_, q)| *q != 0)
        .filter_map(|(id, q)| {
            let product = products.get(&id)?.clone();
            let mut amount = Amount::default();
            amount.add(&product, q);
            Some(ProductUsage { product, amount })
        })
        .collect();
    by_product.sort_by(|a, b| {
        b.amount
            .cost_cents
            .cmp(&a.amount.cost_cents)
            .then_with(|| a.product.sku.cmp(&b.product.sku))
    });
    by_product
}

/// The total, the amounts per category (in the vocabulary's order) and per
/// needle length.
fn group_totals(by_product: &[ProductUsage]) -> (Amount, Vec<GroupUsage>, BTreeMap<i32, Amount>) {
    let mut total = Amount::default();
    let mut categories: BTreeMap<String, Amount> = BTreeMap::new();
    let mut needle_used: BTreeMap<i32, Amount> = BTreeMap::new();
    for u in by_product {
        total.add(&u.product, u.amount.quantity);
        categories
            .entry(u.product.category.code().to_string())
            .or_default()
            .add(&u.product, u.amount.quantity);
        if let Some(n) = u.product.needle_length {
            needle_used
                .entry(n)
                .or_default()
                .add(&u.product, u.amount.quantity);
        }
    }
    let by_category = Category::ALL
        .iter()
        .filter_map(|c| {
            categories.remove(c.code()).map(|amount| GroupUsage {
                key: c.code().into(),
                label: c.label().into(),
                sessions: 0,
                amount,
            })
        })
        .collect();
    (total, by_category, needle_used)
}
