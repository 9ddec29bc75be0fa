//! The usage and waste report page: figures as text, SVG charts with their
//! numbers in a table beside them. CSV and JSON are in `views::usage_export`.

use askama::Template;
use chrono::NaiveDate;

use super::Frame;
use super::charts::{self, BarChart};
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::domain::vocab::Category;
use crate::services::usage::{Amount, ChartSubject, GroupUsage, UsageReport};

/// "12.5 g", or "mixed units" when products of several units are summed.
pub fn fmt_amount_qty(a: &Amount) -> String {
    match (&a.unit, a.mixed) {
        (Some(u), false) => format!("{} {u}", fmt_qty(a.quantity)),
        _ => "mixed units".into(),
    }
}

#[derive(Debug, Clone)]
pub struct ProductRow {
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub category: String,
    pub quantity: String,
    pub unit: String,
    pub cost: String,
}

#[derive(Debug, Clone)]
pub struct GroupRow {
    pub key: String,
    pub label: String,
    pub sessions: i64,
    pub share: String,
    pub quantity: String,
    pub cost: String,
    pub per_session: String,
}

impl GroupRow {
    pub fn from_group(g: &GroupUsage, total_sessions: i64) -> GroupRow {
        GroupRow {
            key: g.key.clone(),
            label: g.label.clone(),
            sessions: g.sessions,
            share: percent(g.sessions, total_sessions),
            quantity: if g.amount.quantity == 0 {
                "—".into()
            } else {
                fmt_amount_qty(&g.amount)
            },
            cost: fmt_money(g.amount.cost_cents),
            per_session: g
                .cost_per_session_cents()
                .map(fmt_money)
                .unwrap_or_else(|| "—".into()),
        }
    }
}

/// `part / whole` as a percentage with one decimal ("37.5 %").
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".into();
    }
    let tenths = (i128::from(part) * 1000 + i128::from(whole) / 2) / i128::from(whole);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

#[derive(Debug, Clone)]
pub struct SeriesRow {
    pub label: String,
    pub quantity: String,
    pub cost: String,
}

#[derive(Debug, Clone)]
pub struct WasteProductRow {
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub expired: String,
    pub damaged: String,
    pub waste: String,
    pub quantity: String,
    pub cost: String,
}

#[derive(Template)]
#[template(path = "reports/usage.html")]
pub struct UsagePage {
    pub frame: Frame,
    pub sites: Vec<(String, String)>,
    pub site: String,
    pub from: String,
    pub to: String,
    pub product: String,
    pub category: String,
    pub products: Vec<(String, String)>,
    pub categories: Vec<(&'static str, &'static str)>,
    pub currency: String,
    pub sessions: i64,
    pub total_cost: String,
    pub cost_per_session: String,
    pub waste_cost: String,
    pub weekly_subject: String,
    pub weekly_chart: BarChart,
    pub weekly: Vec<SeriesRow>,
    pub weekly_in_units: bool,
    pub by_product: Vec<ProductRow>,
    pub by_category: Vec<GroupRow>,
    pub needle_chart: BarChart,
    pub by_needle: Vec<GroupRow>,
    pub by_protocol: Vec<GroupRow>,
    pub by_indication: Vec<GroupRow>,
    /// (area name, sessions, share of sessions) — "sessions by area".
    pub by_area: Vec<(String, i64, String)>,
    pub by_practitioner: Vec<GroupRow>,
    pub daily_chart: BarChart,
    pub daily: Vec<(String, i64)>,
    pub waste_chart: BarChart,
    pub waste_months: Vec<SeriesRow>,
    pub waste_products: Vec<WasteProductRow>,
    pub waste_reasons: Vec<SeriesRow>,
    /// Side effects by protocol, needle length and lot.
    pub reactions: super::usage_reactions::ReactionsView,
    /// `site=…&from=…&to=…&product=…&category=…` for CSV links.
    pub query: String,
    pub errors: super::form::FieldErrors,
}

fn short_day(d: NaiveDate) -> String {
    d.format("%d %b").to_string()
}

/// What the weekly chart is about, and whether it counts units (one
/// product, or a category of one unit) or money.
pub fn weekly_subject(r: &UsageReport) -> (String, bool) {
    match &r.options.subject {
        ChartSubject::Product(p) => (format!("{} {}", p.sku, p.name), true),
        ChartSubject::Category(c) => (format!("category {}", c.label()), r.weekly_unit().is_some()),
        ChartSubject::All => ("all products".into(), false),
    }
}

/// Builds the page's view model (everything but the frame and form state).
pub struct UsageParts {
    pub weekly_subject: String,
    pub weekly_chart: BarChart,
    pub weekly: Vec<SeriesRow>,
    pub weekly_in_units: bool,
    pub needle_chart: BarChart,
    pub daily_chart: BarChart,
    pub waste_chart: BarChart,
}

pub fn parts(r: &UsageReport, currency: &str) -> UsageParts {
    let (subject, in_units) = weekly_subject(r);
    let unit = r.weekly_unit().unwrap_or_default();
    let weekly_data: Vec<(String, i64)> = r
        .weekly
        .iter()
        .map(|b| {
            let v = if in_units {
                b.amount.quantity
            } else {
                b.amount.cost_cents
            };
            (short_day(b.start), v)
        })
        .collect();
    let money = |v: i64| fmt_money(v);
    let qty = |v: i64| fmt_qty(v);
    let weekly_fmt: &dyn Fn(i64) -> String = if in_units { &qty } else { &money };
    let weekly_chart = charts::columns(
        "chart-weekly",
        &format!(
            "Consumption per week, {subject}, in {}",
            if in_units {
                unit.clone()
            } else {
                currency.to_string()
            }
        ),
        "One bar per week (Monday to Sunday); the table beside it has the numbers.",
        &weekly_data,
        weekly_fmt,
    );
    let weekly = r
        .weekly
        .iter()
        .map(|b| SeriesRow {
            label: format!("{} – {}", b.start, b.end),
            quantity: if in_units {
                fmt_qty(b.amount.quantity)
            } else {
                "—".into()
            },
            cost: fmt_money(b.amount.cost_cents),
        })
        .collect();
    let needle_data: Vec<(String, i64)> = r
        .by_needle
        .iter()
        .filter(|g| g.sessions > 0)
        .map(|g| (g.label.clone(), g.sessions))
        .collect();
    let needle_chart = charts::rows(
        "chart-needles",
        "Sessions by needle length",
        "One bar per needle length: number of sessions.",
        &needle_data,
        &|v| v.to_string(),
    )
    .saying_when_empty("No sessions in this period");
    let daily_data: Vec<(String, i64)> = r
        .sessions_per_day
        .iter()
        .map(|(d, n)| (short_day(*d), *n))
        .collect();
    let daily_chart = charts::columns(
        "chart-daily",
        "Sessions per day",
        "One bar per day: number of sessions (voided sessions excluded).",
        &daily_data,
        &|v| v.to_string(),
    )
    .saying_when_empty("No sessions in this period");
    let waste_data: Vec<(String, i64)> = r
        .waste_by_month
        .iter()
        .map(|b| (b.start.format("%b %Y").to_string(), b.amount.cost_cents))
        .collect();
    let waste_chart = charts::columns(
        "chart-waste",
        &format!("Waste per month, in {currency}"),
        "One bar per month: value of stock written off as expired, damaged or waste.",
        &waste_data,
        &money,
    )
    .saying_when_empty("No waste in this period");
    UsageParts {
        weekly_subject: subject,
        weekly_chart,
        weekly,
        weekly_in_units: in_units,
        needle_chart,
        daily_chart,
        waste_chart,
    }
}

/// A category code as every other page shows it ("Pen cartridge"); an
/// unknown code as stored.
pub fn category_label(category: Category) -> String {
    category.label().to_string()
}

pub fn product_rows(r: &UsageReport) -> Vec<ProductRow> {
    r.by_product
        .iter()
        .map(|u| ProductRow {
            product_id: u.product.id,
            sku: u.product.sku.clone(),
            name: u.product.name.clone(),
            category: category_label(u.product.category),
            quantity: fmt_qty(u.amount.quantity),
            unit: u.product.unit.code().to_string(),
            cost: fmt_money(u.amount.cost_cents),
        })
        .collect()
}

pub fn waste_rows(r: &UsageReport) -> (Vec<SeriesRow>, Vec<WasteProductRow>, Vec<SeriesRow>) {
    let months = r
        .waste_by_month
        .iter()
        .map(|b| SeriesRow {
            label: b.start.format("%B %Y").to_string(),
            quantity: if b.amount.quantity == 0 {
                "—".into()
            } else {
                fmt_amount_qty(&b.amount)
            },
            cost: fmt_money(b.amount.cost_cents),
        })
        .collect();
    let products = r
        .waste_by_product
        .iter()
        .map(|w| {
            let of = |reason: &str| fmt_qty(w.by_reason.get(reason).copied().unwrap_or(0));
            WasteProductRow {
                sku: w.product.sku.clone(),
                name: w.product.name.clone(),
                unit: w.product.unit.code().to_string(),
                expired: of("expired"),
                damaged: of("damaged"),
                waste: of("waste"),
                quantity: fmt_qty(w.amount.quantity),
                cost: fmt_money(w.amount.cost_cents),
            }
        })
        .collect();
    let reasons = r
        .waste_by_reason
        .iter()
        .map(|(reason, a)| SeriesRow {
            label: reason.clone(),
            quantity: fmt_amount_qty(a),
            cost: fmt_money(a.cost_cents),
        })
        .collect();
    (months, products, reasons)
}
