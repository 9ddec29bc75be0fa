//! The plan of the large demo, made in memory before anything is written:
//! 500 products, their lots (received over three years, each sized to what
//! the clinic used until the next delivery), and every treatment session
//! with the lots its lines took (FEFO among the lots on the shelf at that
//! time). The receive quantities follow from what was used, so the history
//! is consistent by construction.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::rng::Rng;
use crate::domain::fefo::is_expired;
use crate::domain::vocab::{Category, Indication, Unit};

pub const SPAN_DAYS: i64 = 3 * 365;

#[derive(Debug, Clone)]
pub struct PlanProduct {
    pub sku: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub pack: i64,
    pub needle: Option<i32>,
    pub supplier: usize,
    pub cost_cents: i64,
    /// Popularity within its group (higher = used more).
    pub weight: u64,
    /// Typical quantity per session line (thousandths).
    pub per_use: i64,
    /// Shelf life range in days.
    pub life: (i64, i64),
    pub lots: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct PlanLot {
    pub product: usize,
    pub number: String,
    pub received_at: NaiveDateTime,
    pub expiry: NaiveDate,
    /// Planned size of the delivery (what it is sized for).
    pub capacity: i64,
    pub consumed: i64,
    pub voided: i64,
    /// A consumption found it too small.
    pub full: bool,
}

#[derive(Debug, Clone)]
pub struct PlanSession {
    pub at: NaiveDateTime,
    pub practitioner: usize,
    pub client: u32,
    pub needle: i32,
    pub indication: &'static str,
    /// (lot index, quantity)
    pub lines: Vec<(usize, i64)>,
    pub void_at: Option<NaiveDateTime>,
}

const ROLLER_BRANDS: [&str; 10] = [
    "DermaRoll",
    "NovaRoll",
    "TitanDerm",
    "SkinMedic",
    "Evolve",
    "Medik8",
    "CollaPro",
    "Regena",
    "PureSkin",
    "Dermaheal",
];
const PEN_BRANDS: [&str; 10] = [
    "Dr. Pen", "Xpen", "Dermapen", "HydraPen", "MicroPen", "SkinPen", "Vivace", "Bellus", "Exceed",
    "Cosmo",
];
const SERUMS: [&str; 8] = [
    "Hyaluronic acid",
    "Vitamin C 20%",
    "Growth-factor",
    "Copper peptide",
    "Niacinamide",
    "Exosome",
    "Tranexamic acid",
    "PDRN",
];
const DISPOSABLES: [(&str, i64); 11] = [
    ("Nitrile gloves S", 100),
    ("Nitrile gloves M", 100),
    ("Nitrile gloves L", 100),
    ("Nitrile gloves XL", 100),
    ("Alcohol prep wipes", 200),
    ("Chlorhexidine wipes", 100),
    ("Gauze swabs 5 × 5 cm", 100),
    ("Headbands", 50),
    ("Cling film sheets", 100),
    ("Sharps container 1 l", 10),
    ("Face towels", 100),
];
pub const NEEDLES: [i32; 7] = [25, 50, 75, 100, 150, 200, 250];
const NEEDLE_WEIGHTS: [u64; 7] = [5, 20, 15, 25, 20, 10, 5];

/// 500 products: 140 rollers and 140 cartridges (20 per needle length),
/// 30 anaesthetics, 80 serums, 40 SPF, 55 disposables, 15 other.
pub fn products(rng: &mut Rng) -> Vec<PlanProduct> {
    let mut out = Vec::new();
    needle_products(rng, &mut out);
    anaesthetics(rng, &mut out);
    serums(rng, &mut out);
    sun_protection(rng, &mut out);
    disposables(rng, &mut out);
    others(rng, &mut out);
    out
}

#[allow(clippy::too_many_arguments)]
fn plan_product(
    sku: String,
    name: String,
    category: Category,
    unit: Unit,
    pack: i64,
    needle: Option<i32>,
    supplier: usize,
    cost: i64,
    weight: u64,
    per_use: i64,
    life: (i64, i64),
) -> PlanProduct {
    PlanProduct {
        sku,
        name,
        category,
        unit,
        pack,
        needle,
        supplier,
        cost_cents: cost,
        weight,
        per_use,
        life,
        lots: Vec::new(),
    }
}

/// Rollers and pen cartridges: 20 of each per needle length.
fn needle_products(rng: &mut Rng, out: &mut Vec<PlanProduct>) {
    let mut add =
        |sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life| {
            out.push(plan_product(
                sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life,
            ))
        };
    for (li, n) in NEEDLES.iter().enumerate() {
        let mm = crate::domain::needle::fmt_needle(*n);
        for v in 0..20usize {
            let brand = ROLLER_BRANDS[v % 10];
            let pins = [192, 540, 600, 1080][v % 4];
            add(
                format!("RL{n:03}-{v:02}"),
                format!("{brand} {pins}-needle roller {mm} mm"),
                Category::Roller,
                Unit::Each,
                10_000,
                Some(*n),
                v % 3,
                rng.range(350, 900),
                (40 / (v as u64 + 1)).max(1),
                1000,
                (900, 1800),
            );
            let brand = PEN_BRANDS[(v + li) % 10];
            let pin = ["12-pin", "16-pin", "24-pin", "36-pin", "42-pin", "nano"][v % 6];
            add(
                format!("CT{n:03}-{v:02}"),
                format!("{brand} cartridge {pin} {mm} mm"),
                Category::Cartridge,
                Unit::Each,
                10_000,
                Some(*n),
                v % 3,
                rng.range(150, 450),
                (40 / (v as u64 + 1)).max(1),
                1000,
                (900, 1800),
            );
        }
    }
}

/// Topical anaesthetic creams.
fn anaesthetics(rng: &mut Rng, out: &mut Vec<PlanProduct>) {
    let mut add =
        |sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life| {
            out.push(plan_product(
                sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life,
            ))
        };
    for v in 0..30usize {
        let (what, pack) = [
            ("Lidocaine 5%", 30),
            ("Lidocaine 4%", 30),
            ("Lidocaine/prilocaine 2.5%", 30),
            ("Tetracaine 7%", 10),
            ("Lidocaine 5%", 50),
        ][v % 5];
        add(
            format!("AN-{v:03}"),
            format!("{what} cream {pack} g ({})", ROLLER_BRANDS[v % 10]),
            Category::Anesthetic,
            Unit::Gram,
            pack * 1000,
            None,
            3,
            rng.range(30, 90),
            (30 / (v as u64 + 1)).max(1),
            3500,
            (300, 720),
        );
    }
}

/// Serums.
fn serums(rng: &mut Rng, out: &mut Vec<PlanProduct>) {
    let mut add =
        |sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life| {
            out.push(plan_product(
                sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life,
            ))
        };
    for v in 0..80usize {
        let ml = [2, 3, 5, 10][v % 4];
        add(
            format!("SR-{v:03}"),
            format!(
                "{} serum {ml} ml ({})",
                SERUMS[v % 8],
                PEN_BRANDS[v / 8 % 10]
            ),
            Category::Serum,
            Unit::Millilitre,
            ml * 1000,
            None,
            4,
            rng.range(80, 900),
            (40 / (v as u64 / 8 + 1)).max(1),
            1500,
            (240, 720),
        );
    }
}

/// SPF sachets and tubes.
fn sun_protection(rng: &mut Rng, out: &mut Vec<PlanProduct>) {
    let mut add =
        |sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life| {
            out.push(plan_product(
                sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life,
            ))
        };
    for v in 0..40usize {
        let sachet = v % 2 == 0;
        add(
            format!("SP-{v:03}"),
            if sachet {
                format!("SPF 50 sachet 3 ml ({})", ROLLER_BRANDS[v / 2 % 10])
            } else {
                format!(
                    "SPF {} tube 50 ml ({})",
                    [30, 50][v / 2 % 2],
                    PEN_BRANDS[v / 2 % 10]
                )
            },
            Category::Spf,
            if sachet { Unit::Each } else { Unit::Millilitre },
            50_000,
            None,
            4,
            rng.range(20, 90),
            (20 / (v as u64 / 2 + 1)).max(1),
            if sachet { 1000 } else { 2000 },
            (540, 1080),
        );
    }
}

/// Disposables.
fn disposables(rng: &mut Rng, out: &mut Vec<PlanProduct>) {
    let mut add =
        |sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life| {
            out.push(plan_product(
                sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life,
            ))
        };
    for v in 0..55usize {
        let (what, pack) = DISPOSABLES[v % DISPOSABLES.len()];
        add(
            format!("DS-{v:03}"),
            format!(
                "{what} ({})",
                ["CleanCare", "MediPure", "SafeTouch", "Hygia", "Sterix"][v / 11 % 5]
            ),
            Category::Disposable,
            Unit::Each,
            pack * 1000,
            None,
            5,
            rng.range(2, 30),
            (20 / (v as u64 / 11 + 1)).max(1),
            2000,
            (1000, 1800),
        );
    }
}

/// PRP kits and minoxidil.
fn others(rng: &mut Rng, out: &mut Vec<PlanProduct>) {
    let mut add =
        |sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life| {
            out.push(plan_product(
                sku, name, category, unit, pack, needle, supplier, cost, weight, per_use, life,
            ))
        };
    for v in 0..15usize {
        let (what, unit, pack, per_use) = [
            ("PRP kit 10 ml", Unit::Each, 5_000, 1000),
            ("PRP kit 2 × 10 ml", Unit::Each, 5_000, 1000),
            ("Minoxidil 5% 60 ml", Unit::Millilitre, 60_000, 2000),
        ][v % 3];
        add(
            format!("OT-{v:03}"),
            format!("{what} ({})", PEN_BRANDS[v % 10]),
            Category::Other,
            unit,
            pack,
            None,
            4,
            rng.range(200, 4000),
            (10 / (v as u64 / 3 + 1)).max(1),
            per_use,
            (360, 900),
        );
    }
}

/// Products grouped for choosing: rollers and cartridges by needle length,
/// the rest by category.
pub struct Groups {
    pub needle: Vec<[Vec<usize>; 2]>,
    pub by_category: Vec<(Category, Vec<usize>)>,
}

pub fn groups(products: &[PlanProduct]) -> Groups {
    let needle = NEEDLES
        .iter()
        .map(|n| {
            let of = |c: Category| {
                products
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.category == c && p.needle == Some(*n))
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>()
            };
            [of(Category::Roller), of(Category::Cartridge)]
        })
        .collect();
    let by_category = [
        Category::Anesthetic,
        Category::Serum,
        Category::Spf,
        Category::Disposable,
        Category::Other,
    ]
    .iter()
    .map(|c| {
        (
            *c,
            products
                .iter()
                .enumerate()
                .filter(|(_, p)| p.category == *c)
                .map(|(i, _)| i)
                .collect(),
        )
    })
    .collect();
    Groups {
        needle,
        by_category,
    }
}

fn pick(rng: &mut Rng, products: &[PlanProduct], group: &[usize]) -> Option<usize> {
    let weights: Vec<u64> = group.iter().map(|i| products[*i].weight).collect();
    group.get(rng.weighted(&weights)).copied()
}

/// The products (and quantities) one session uses: a roller or cartridge,
/// usually anaesthetic, then a serum, SPF, disposables or a PRP kit.
pub fn choose_lines(rng: &mut Rng, products: &[PlanProduct], g: &Groups) -> Vec<(usize, i64)> {
    let mut lines = Vec::with_capacity(3);
    let len = rng.weighted(&NEEDLE_WEIGHTS);
    let kind = usize::from(rng.chance(55));
    if let Some(p) = g
        .needle
        .get(len)
        .and_then(|pair| pick(rng, products, &pair[kind]))
    {
        lines.push((p, 1000));
    }
    let cat = |c: Category| {
        g.by_category
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v.as_slice())
    };
    if rng.chance(90)
        && let Some(p) = cat(Category::Anesthetic).and_then(|grp| pick(rng, products, grp))
    {
        lines.push((p, rng.range(4, 10) * 500));
    }
    let third = [
        Category::Serum,
        Category::Spf,
        Category::Disposable,
        Category::Other,
    ][rng.weighted(&[45, 30, 20, 5])];
    if let Some(p) = cat(third).and_then(|grp| pick(rng, products, grp)) {
        let base = products[p].per_use;
        let q = match products[p].unit {
            Unit::Each => base,
            _ => base / 500 * 500 + rng.range(-1, 1) * 500,
        };
        lines.push((p, q.max(500)));
    }
    lines
}

/// The indication a session with this needle length plausibly treats.
pub fn indication_for(rng: &mut Rng, needle: i32) -> &'static str {
    let fits: Vec<Indication> = Indication::ALL
        .iter()
        .copied()
        .filter(|i| *i != Indication::Other)
        .filter(|i| {
            let (lo, hi) = i.usual_range();
            (lo..=hi).contains(&needle)
        })
        .collect();
    if fits.is_empty() {
        return Indication::Other.code();
    }
    fits[rng.range(0, fits.len() as i64 - 1) as usize].code()
}

/// The first usable lot of a product at `at` (FEFO), within its planned
/// size unless `any_size`.
pub fn fefo_lot(
    product: &PlanProduct,
    lots: &[PlanLot],
    at: NaiveDateTime,
    quantity: i64,
    any_size: bool,
) -> Option<usize> {
    let day = at.date();
    product
        .lots
        .iter()
        .copied()
        .filter(|i| {
            let l = &lots[*i];
            l.received_at <= at
                && !is_expired(l.expiry, day)
                && (any_size || l.consumed + quantity <= l.capacity)
        })
        .min_by_key(|i| (lots[*i].expiry, *i))
}

/// Lots of every product: `per_product` deliveries spread over the span,
/// the first just before it starts, each sized for the expected use until
/// the next one (plus a margin), in whole packs.
pub fn lots(
    rng: &mut Rng,
    products: &mut [PlanProduct],
    expected: &[i64],
    per_product: usize,
    start: NaiveDateTime,
) -> Vec<PlanLot> {
    let mut out = Vec::new();
    let step = SPAN_DAYS * 24 * 60 / per_product as i64;
    for (pi, p) in products.iter_mut().enumerate() {
        let per_lot = expected.get(pi).copied().unwrap_or(0) / per_product as i64;
        let packs = (per_lot * 5 / 4 + p.pack - 1) / p.pack.max(1);
        for k in 0..per_product {
            let offset = if k == 0 {
                -rng.range(1, 30) * 24 * 60
            } else {
                k as i64 * step + rng.range(-7, 7) * 24 * 60
            };
            let received_at = start + Duration::minutes(offset);
            let expiry = received_at.date() + Duration::days(rng.range(p.life.0, p.life.1));
            let prefix: String = p.sku.chars().take(2).collect();
            out.push(PlanLot {
                product: pi,
                number: format!(
                    "{prefix}{}{:04}",
                    received_at.format("%y%m"),
                    rng.range(1, 9999)
                ),
                received_at,
                expiry,
                capacity: packs.max(1) * p.pack,
                consumed: 0,
                voided: 0,
                full: false,
            });
            p.lots.push(out.len() - 1);
        }
    }
    out
}
