//! The usage and waste report as CSV (one file per table, for spreadsheets)
//! and as JSON (the API).

use crate::csv_cell::{Cell, CsvOut};
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
    ("areas", "Sessions by treatment area"),
    ("practitioners", "Sessions and cost by practitioner"),
    ("daily", "Sessions per day"),
    ("weekly", "Consumption per week"),
    ("waste", "Waste by product"),
    ("waste-months", "Waste per month"),
    ("reactions-protocols", "Side effects by protocol"),
    ("reactions-needles", "Side effects by needle length"),
    ("reactions-lots", "Side effects by lot"),
];

fn qty_or_blank(a: &Amount) -> (Cell<'static>, Cell<'static>) {
    match (&a.unit, a.mixed) {
        (Some(u), false) => (Cell::num(fmt_qty(a.quantity)), Cell::text(u.clone())),
        _ => (Cell::num(""), Cell::text("mixed")),
    }
}

fn money(cents: i64) -> Cell<'static> {
    Cell::num(fmt_money(cents))
}

fn groups_csv(
    w: &mut CsvOut<Vec<u8>>,
    first: &str,
    groups: &[GroupUsage],
) -> Result<(), csv::Error> {
    w.header(&[
        first,
        "Sessions",
        "Quantity",
        "Unit",
        "Cost",
        "Cost per session",
    ])?;
    for g in groups {
        let (q, u) = qty_or_blank(&g.amount);
        w.row([
            Cell::text(g.label.as_str()),
            Cell::int(g.sessions),
            q,
            u,
            money(g.amount.cost_cents),
            Cell::num(
                g.cost_per_session_cents()
                    .map(fmt_money)
                    .unwrap_or_default(),
            ),
        ])?;
    }
    Ok(())
}

/// One table of the report as CSV; None when `which` is not a table name.
pub fn usage_csv(r: &UsageReport, which: &str) -> Option<Result<Vec<u8>, csv::Error>> {
    if !CSV_REPORTS.iter().any(|(k, _)| *k == which) {
        return None;
    }
    let mut w = CsvOut::with_bom();
    let result = write_table(&mut w, r, which);
    Some(result.and_then(|()| w.into_inner()))
}

fn write_table(w: &mut CsvOut<Vec<u8>>, r: &UsageReport, which: &str) -> Result<(), csv::Error> {
    match which {
        "products" => {
            w.header(&["SKU", "Product", "Category", "Quantity", "Unit", "Cost"])?;
            for u in &r.by_product {
                w.row([
                    Cell::text(u.product.sku.as_str()),
                    Cell::text(u.product.name.as_str()),
                    Cell::text(u.product.category.code()),
                    Cell::num(fmt_qty(u.amount.quantity)),
                    Cell::text(u.product.unit.code()),
                    money(u.amount.cost_cents),
                ])?;
            }
        }
        "categories" => {
            w.header(&["Category", "Quantity", "Unit", "Cost"])?;
            for g in &r.by_category {
                let (q, u) = qty_or_blank(&g.amount);
                w.row([
                    Cell::text(g.label.as_str()),
                    q,
                    u,
                    money(g.amount.cost_cents),
                ])?;
            }
        }
        "needles" => {
            w.header(&[
                "Needle length (mm)",
                "Sessions",
                "Rollers and cartridges used",
                "Their cost",
            ])?;
            for g in &r.by_needle {
                w.row([
                    Cell::num(g.label.trim_end_matches(" mm")),
                    Cell::int(g.sessions),
                    Cell::num(fmt_qty(g.amount.quantity)),
                    money(g.amount.cost_cents),
                ])?;
            }
        }
        "protocols" => groups_csv(w, "Protocol", &r.by_protocol)?,
        "indications" => groups_csv(w, "Indication", &r.by_indication)?,
        "areas" => {
            w.header(&["Area", "Code", "Sessions"])?;
            for a in &r.by_area {
                w.row([
                    Cell::text(a.area.name.as_str()),
                    Cell::text(a.area.code.as_str()),
                    Cell::int(a.sessions),
                ])?;
            }
        }
        "practitioners" => groups_csv(w, "Practitioner", &r.by_practitioner)?,
        "daily" => {
            w.header(&["Date", "Sessions"])?;
            for (d, n) in &r.sessions_per_day {
                w.row([Cell::text(d.to_string()), Cell::int(*n)])?;
            }
        }
        "weekly" => {
            w.header(&["Week from", "Week to", "Quantity", "Unit", "Cost"])?;
            let unit = r.weekly_unit();
            for b in &r.weekly {
                w.row([
                    Cell::text(b.start.to_string()),
                    Cell::text(b.end.to_string()),
                    Cell::num(
                        unit.as_ref()
                            .map(|_| fmt_qty(b.amount.quantity))
                            .unwrap_or_default(),
                    ),
                    Cell::text(unit.clone().unwrap_or_else(|| "mixed".into())),
                    money(b.amount.cost_cents),
                ])?;
            }
        }
        "waste" => {
            w.header(&[
                "SKU", "Product", "Unit", "Expired", "Damaged", "Waste", "Total", "Cost",
            ])?;
            for x in &r.waste_by_product {
                let of = |k: &str| Cell::num(fmt_qty(x.by_reason.get(k).copied().unwrap_or(0)));
                w.row([
                    Cell::text(x.product.sku.as_str()),
                    Cell::text(x.product.name.as_str()),
                    Cell::text(x.product.unit.code()),
                    of("expired"),
                    of("damaged"),
                    of("waste"),
                    Cell::num(fmt_qty(x.amount.quantity)),
                    money(x.amount.cost_cents),
                ])?;
            }
        }
        "waste-months" => {
            w.header(&["Month", "From", "To", "Cost"])?;
            for b in &r.waste_by_month {
                w.row([
                    Cell::text(b.start.format("%Y-%m").to_string()),
                    Cell::text(b.start.to_string()),
                    Cell::text(b.end.to_string()),
                    money(b.amount.cost_cents),
                ])?;
            }
        }
        name if name.starts_with("reactions-") => {
            super::usage_reactions::write_csv(w, &r.reactions, name)?
        }
        _ => return Err(csv::Error::from(std::io::Error::other("unknown report"))),
    }
    Ok(())
}
