//! The usage and waste report as CSV (one file per table, for spreadsheets)
//! and as JSON (the API).

use crate::domain::Quantity;
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::services::usage::{Amount, GroupUsage, UsageReport};

/// The tables that can be downloaded as CSV.
pub const CSV_REPORTS: &[(&str, &str)] = &[
    ("products", "Consumption by product"),
    ("categories", "Consumption by category"),
    (
        "needles",
        "Sessions and rollers/cartridges by needle length",
    ),
    ("protocols", "Sessions and cost by protocol"),
    ("indications", "Sessions and cost by indication"),
    ("practitioners", "Sessions and cost by practitioner"),
    ("daily", "Sessions per day"),
    ("weekly", "Consumption per week"),
    ("waste", "Waste by product"),
    ("waste-months", "Waste per month"),
];

fn writer() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec())
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn qty_or_blank(a: &Amount) -> (String, String) {
    match (&a.unit, a.mixed) {
        (Some(u), false) => (fmt_qty(a.quantity), u.clone()),
        _ => (String::new(), "mixed".into()),
    }
}

fn groups_csv(
    w: &mut csv::Writer<Vec<u8>>,
    first: &str,
    groups: &[GroupUsage],
) -> Result<(), csv::Error> {
    w.write_record([
        first,
        "Sessions",
        "Quantity",
        "Unit",
        "Cost",
        "Cost per session",
    ])?;
    for g in groups {
        let (q, u) = qty_or_blank(&g.amount);
        w.write_record([
            g.label.clone(),
            g.sessions.to_string(),
            q,
            u,
            fmt_money(g.amount.cost_cents),
            g.cost_per_session_cents()
                .map(fmt_money)
                .unwrap_or_default(),
        ])?;
    }
    Ok(())
}

/// One table of the report as CSV; None when `which` is not a table name.
pub fn usage_csv(r: &UsageReport, which: &str) -> Option<Result<Vec<u8>, csv::Error>> {
    if !CSV_REPORTS.iter().any(|(k, _)| *k == which) {
        return None;
    }
    let mut w = writer();
    let result = (|| -> Result<(), csv::Error> {
        match which {
            "products" => {
                w.write_record(["SKU", "Product", "Category", "Quantity", "Unit", "Cost"])?;
                for u in &r.by_product {
                    w.write_record([
                        u.product.sku.clone(),
                        u.product.name.clone(),
                        u.product.category.clone(),
                        fmt_qty(u.amount.quantity),
                        u.product.unit.clone(),
                        fmt_money(u.amount.cost_cents),
                    ])?;
                }
            }
            "categories" => {
                w.write_record(["Category", "Quantity", "Unit", "Cost"])?;
                for g in &r.by_category {
                    let (q, u) = qty_or_blank(&g.amount);
                    w.write_record([g.label.clone(), q, u, fmt_money(g.amount.cost_cents)])?;
                }
            }
            "needles" => {
                w.write_record([
                    "Needle length (mm)",
                    "Sessions",
                    "Rollers and cartridges used",
                    "Their cost",
                ])?;
                for g in &r.by_needle {
                    w.write_record([
                        g.label.trim_end_matches(" mm").to_string(),
                        g.sessions.to_string(),
                        fmt_qty(g.amount.quantity),
                        fmt_money(g.amount.cost_cents),
                    ])?;
                }
            }
            "protocols" => groups_csv(&mut w, "Protocol", &r.by_protocol)?,
            "indications" => groups_csv(&mut w, "Indication", &r.by_indication)?,
            "practitioners" => groups_csv(&mut w, "Practitioner", &r.by_practitioner)?,
            "daily" => {
                w.write_record(["Date", "Sessions"])?;
                for (d, n) in &r.sessions_per_day {
                    w.write_record([d.to_string(), n.to_string()])?;
                }
            }
            "weekly" => {
                w.write_record(["Week from", "Week to", "Quantity", "Unit", "Cost"])?;
                let unit = r.weekly_unit();
                for b in &r.weekly {
                    w.write_record([
                        b.start.to_string(),
                        b.end.to_string(),
                        unit.as_ref()
                            .map(|_| fmt_qty(b.amount.quantity))
                            .unwrap_or_default(),
                        unit.clone().unwrap_or_else(|| "mixed".into()),
                        fmt_money(b.amount.cost_cents),
                    ])?;
                }
            }
            "waste" => {
                w.write_record([
                    "SKU", "Product", "Unit", "Expired", "Damaged", "Waste", "Total", "Cost",
                ])?;
                for x in &r.waste_by_product {
                    let of = |k: &str| fmt_qty(x.by_reason.get(k).copied().unwrap_or(0));
                    w.write_record([
                        x.product.sku.clone(),
                        x.product.name.clone(),
                        x.product.unit.clone(),
                        of("expired"),
                        of("damaged"),
                        of("waste"),
                        fmt_qty(x.amount.quantity),
                        fmt_money(x.amount.cost_cents),
                    ])?;
                }
            }
            "waste-months" => {
                w.write_record(["Month", "From", "To", "Cost"])?;
                for b in &r.waste_by_month {
                    w.write_record([
                        b.start.format("%Y-%m").to_string(),
                        b.start.to_string(),
                        b.end.to_string(),
                        fmt_money(b.amount.cost_cents),
                    ])?;
                }
            }
            _ => return Err(csv::Error::from(std::io::Error::other("unknown report"))),
        }
        Ok(())
    })();
    Some(result.and_then(|()| finish(w)))
}

fn amount_json(a: &Amount) -> serde_json::Value {
    serde_json::json!({
        "quantity": if a.mixed { serde_json::Value::Null } else { Quantity(a.quantity).to_json() },
        "unit": a.unit,
        "cost_cents": a.cost_cents,
    })
}

fn groups_json(groups: &[GroupUsage]) -> Vec<serde_json::Value> {
    groups
        .iter()
        .map(|g| {
            serde_json::json!({
                "key": g.key,
                "label": g.label,
                "sessions": g.sessions,
                "quantity": if g.amount.mixed { serde_json::Value::Null } else { Quantity(g.amount.quantity).to_json() },
                "unit": g.amount.unit,
                "cost_cents": g.amount.cost_cents,
                "cost_per_session_cents": g.cost_per_session_cents(),
            })
        })
        .collect()
}

/// The whole report as JSON.
pub fn usage_json(r: &UsageReport) -> serde_json::Value {
    let o = &r.options;
    serde_json::json!({
        "site": o.site.code,
        "from": o.from.to_string(),
        "to": o.to.to_string(),
        "sessions": r.sessions,
        "consumption_cost_cents": r.total.cost_cents,
        "session_cost_cents": r.session_cost_cents,
        "cost_per_session_cents": r.cost_per_session_cents(),
        "by_product": r.by_product.iter().map(|u| serde_json::json!({
            "product_id": u.product.id,
            "sku": u.product.sku,
            "category": u.product.category,
            "unit": u.product.unit,
            "quantity": Quantity(u.amount.quantity).to_json(),
            "cost_cents": u.amount.cost_cents,
        })).collect::<Vec<_>>(),
        "by_category": groups_json(&r.by_category),
        "by_needle_length": r.by_needle.iter().map(|g| serde_json::json!({
            "needle_length_mm": g.key.parse::<i32>().map(|n| crate::domain::NeedleLength(n).to_json()).unwrap_or_default(),
            "sessions": g.sessions,
            "quantity": Quantity(g.amount.quantity).to_json(),
            "cost_cents": g.amount.cost_cents,
        })).collect::<Vec<_>>(),
        "by_protocol": groups_json(&r.by_protocol),
        "by_indication": groups_json(&r.by_indication),
        "by_practitioner": groups_json(&r.by_practitioner),
        "sessions_per_day": r.sessions_per_day.iter().map(|(d, n)| serde_json::json!({"date": d.to_string(), "sessions": n})).collect::<Vec<_>>(),
        "weekly": r.weekly.iter().map(|b| serde_json::json!({
            "from": b.start.to_string(), "to": b.end.to_string(), "amount": amount_json(&b.amount)
        })).collect::<Vec<_>>(),
        "waste": {
            "total": amount_json(&r.waste_total),
            "by_reason": r.waste_by_reason.iter().map(|(k, a)| (k.clone(), amount_json(a))).collect::<serde_json::Map<_, _>>(),
            "by_month": r.waste_by_month.iter().map(|b| serde_json::json!({
                "month": b.start.format("%Y-%m").to_string(), "amount": amount_json(&b.amount)
            })).collect::<Vec<_>>(),
            "by_product": r.waste_by_product.iter().map(|w| serde_json::json!({
                "product_id": w.product.id,
                "sku": w.product.sku,
                "unit": w.product.unit,
                "quantity": Quantity(w.amount.quantity).to_json(),
                "cost_cents": w.amount.cost_cents,
                "by_reason": w.by_reason.iter().map(|(k, q)| (k.clone(), Quantity(*q).to_json())).collect::<serde_json::Map<_, _>>(),
            })).collect::<Vec<_>>(),
        },
    })
}
