//! The demo clinic's catalogue: four suppliers and ~40 products (rollers
//! and cartridges at every common needle length, anaesthetics, serums, PRP
//! kits, SPF, disposables) with realistic GTINs, costs and levels.

use super::gtin;
use crate::services::catalog::ProductDraft;

pub(super) struct SupplierSpec {
    pub(super) name: &'static str,
    pub(super) email: &'static str,
    pub(super) lead: &'static str,
    pub(super) lot_prefix: &'static str,
}

pub(super) const SUPPLIERS: [SupplierSpec; 4] = [
    SupplierSpec {
        name: "NeedlePoint Medical",
        email: "orders@needlepoint.example",
        lead: "10",
        lot_prefix: "NP",
    },
    SupplierSpec {
        name: "DermaMed Supplies",
        email: "orders@dermamed.example",
        lead: "7",
        lot_prefix: "DM",
    },
    SupplierSpec {
        name: "SkinScience Labs",
        email: "sales@skinscience.example",
        lead: "14",
        lot_prefix: "SS",
    },
    SupplierSpec {
        name: "CleanCare Disposables",
        email: "shop@cleancare.example",
        lead: "5",
        lot_prefix: "CC",
    },
];

/// (sku, name, category, unit, pack, supplier index, unit cost, min, max,
/// max per session, use within days of opening).
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const OTHER_PRODUCTS: &[Row] = &[
    ("AN-LIDO5", "Lidocaine 5% cream, 30 g tube", "anesthetic", "g", "30", 1, "0.45", "90", "240", "5", "28"),
    ("AN-EMLA", "Lidocaine/prilocaine 2.5% cream, 30 g tube", "anesthetic", "g", "30", 1, "0.60", "60", "180", "5", "28"),
    ("AN-NUMB10", "Numbing cream, 10 g tube", "anesthetic", "g", "10", 1, "0.80", "", "", "5", "28"),
    ("SR-HA5", "Hyaluronic acid serum, 5 ml vial", "serum", "ml", "5", 2, "3.20", "25", "75", "", "14"),
    ("SR-HA2", "Hyaluronic acid serum, 2 ml ampoule", "serum", "ml", "2", 2, "3.90", "", "", "", "1"),
    ("SR-VITC", "Vitamin C 20% serum, 5 ml vial", "serum", "ml", "5", 2, "4.10", "15", "50", "", "14"),
    ("SR-GF", "Growth-factor serum, 3 ml vial", "serum", "ml", "3", 2, "9.50", "9", "30", "", "7"),
    ("SR-PEP", "Copper peptide serum, 5 ml vial", "serum", "ml", "5", 2, "5.60", "", "", "", "14"),
    ("OT-PRP10", "PRP kit, 10 ml tube", "other", "each", "5", 0, "38.00", "4", "15", "", ""),
    ("OT-PRP20", "PRP kit, 2 × 10 ml tubes", "other", "each", "5", 0, "62.00", "", "", "", ""),
    ("OT-MINOX", "Minoxidil 5% solution, 60 ml", "other", "ml", "60", 2, "0.25", "", "", "", "30"),
    ("OT-SALINE", "Sterile saline 0.9%, 10 ml ampoule", "other", "each", "20", 3, "0.35", "", "", "", ""),
    ("SP-SACH50", "SPF 50 sachet, 3 ml", "spf", "each", "50", 2, "0.90", "40", "150", "", ""),
    ("SP-TUBE50", "Tinted SPF 50, 50 ml tube", "spf", "ml", "50", 2, "0.30", "", "", "", "180"),
    ("SP-MIN30", "Mineral SPF 30, 30 ml tube", "spf", "ml", "30", 2, "0.40", "", "", "", "180"),
    ("DS-GLOVE-S", "Nitrile gloves, size S (box of 100)", "disposable", "each", "100", 3, "0.06", "", "", "", ""),
    ("DS-GLOVE-M", "Nitrile gloves, size M (box of 100)", "disposable", "each", "100", 3, "0.06", "200", "600", "", ""),
    ("DS-GLOVE-L", "Nitrile gloves, size L (box of 100)", "disposable", "each", "100", 3, "0.06", "", "", "", ""),
    ("DS-ALCO", "Alcohol prep wipes (box of 200)", "disposable", "each", "200", 3, "0.02", "200", "800", "", ""),
    ("DS-CHX", "Chlorhexidine skin wipes (box of 100)", "disposable", "each", "100", 3, "0.09", "", "", "", ""),
    ("DS-GAUZE", "Sterile gauze swabs 5 × 5 cm (pack of 100)", "disposable", "each", "100", 3, "0.04", "", "", "", ""),
    ("DS-BAND", "Disposable headbands (pack of 50)", "disposable", "each", "50", 3, "0.12", "", "", "", ""),
    ("DS-SHARPS", "Sharps container, 1 l", "disposable", "each", "10", 3, "2.40", "", "", "", ""),
];

/// Needle lengths (hundredths of a mm) of the rollers and cartridges.
const LENGTHS: [i32; 7] = [25, 50, 75, 100, 150, 200, 250];

pub(super) fn drafts(supplier_ids: &[i64]) -> Vec<(ProductDraft, usize)> {
    let mut item = 1u64;
    let mut gtin_next = || {
        item += 1;
        gtin(5_060_123_400_000 + item)
    };
    let mut out = needle_drafts(supplier_ids, &mut gtin_next);
    out.extend(other_drafts(supplier_ids, &mut gtin_next));
    out
}

/// A form field as typed: empty is not given.
fn typed(v: &str) -> Option<String> {
    Some(v.to_string()).filter(|v| !v.is_empty())
}

/// Rollers and 12-pin cartridges in every length, 36-pin nano cartridges
/// in two, each with the next GTIN.
fn needle_drafts(
    supplier_ids: &[i64],
    gtin_next: &mut impl FnMut() -> String,
) -> Vec<(ProductDraft, usize)> {
    let s = typed;
    let mut out = Vec::new();
    for n in LENGTHS {
        let mm = crate::domain::needle::fmt_needle(n);
        let popular = matches!(n, 50 | 100 | 150);
        out.push((
            ProductDraft {
                sku: s(&format!("RL-{n:03}")),
                name: s(&format!("Titanium roller {mm} mm, 192 needles")),
                category: s("roller"),
                unit: s("each"),
                pack_size: s("10"),
                needle_length_mm: s(&mm),
                gtin: Some(gtin_next()),
                supplier_id: supplier_ids.first().map(|i| i.to_string()),
                unit_cost: s("4.50"),
                min_level: if popular { s("10") } else { None },
                max_level: if popular { s("40") } else { None },
                ..ProductDraft::default()
            },
            0,
        ));
        out.push((
            ProductDraft {
                sku: s(&format!("CT-{n:03}")),
                name: s(&format!("Pen cartridge 12-pin {mm} mm")),
                category: s("cartridge"),
                unit: s("each"),
                pack_size: s("10"),
                needle_length_mm: s(&mm),
                gtin: Some(gtin_next()),
                supplier_id: supplier_ids.first().map(|i| i.to_string()),
                unit_cost: s("2.10"),
                min_level: if popular { s("20") } else { None },
                max_level: if popular { s("60") } else { None },
                ..ProductDraft::default()
            },
            0,
        ));
    }
    for n in [50, 100] {
        let mm = crate::domain::needle::fmt_needle(n);
        out.push((
            ProductDraft {
                sku: s(&format!("CT36-{n:03}")),
                name: s(&format!("Pen cartridge 36-pin nano {mm} mm")),
                category: s("cartridge"),
                unit: s("each"),
                pack_size: s("10"),
                needle_length_mm: s(&mm),
                gtin: Some(gtin_next()),
                supplier_id: supplier_ids.get(1).map(|i| i.to_string()),
                unit_cost: s("2.60"),
                lead_time_days: s("21"),
                ..ProductDraft::default()
            },
            1,
        ));
    }
    out
}

/// The rest of the catalogue ([`OTHER_PRODUCTS`]), each with the next GTIN.
fn other_drafts(
    supplier_ids: &[i64],
    gtin_next: &mut impl FnMut() -> String,
) -> Vec<(ProductDraft, usize)> {
    let s = typed;
    let mut out = Vec::new();
    for r in OTHER_PRODUCTS {
        let (sku, name, category, unit, pack, sup, cost, min, max, mps, within) = *r;
        out.push((
            ProductDraft {
                sku: s(sku),
                name: s(name),
                category: s(category),
                unit: s(unit),
                pack_size: s(pack),
                gtin: Some(gtin_next()),
                supplier_id: supplier_ids.get(sup).map(|i| i.to_string()),
                unit_cost: s(cost),
                min_level: s(min),
                max_level: s(max),
                max_per_session: s(mps),
                use_within_days_of_opening: s(within),
                ..ProductDraft::default()
            },
            sup,
        ));
    }
    out
}
