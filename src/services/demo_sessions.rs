//! The session part of `clinic-stock demo`: a protocol per common indication
//! (needle ranges of DOMAIN.md, default lines from the demo catalogue) and
//! 90 days of session history across protocols, practitioners and clients
//! (a CIT course is several sessions weeks apart), recorded through
//! `sessions::record` so that every session moves stock FEFO like a real one.
//! A few sessions are voided by a manager. Deterministic (seeded).

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};

use crate::auth::Actor;
use crate::db::{DbConn, catalog::ProductFilter, models::Product};
use crate::domain::Quantity;
use crate::domain::needle::fmt_needle;
use crate::domain::vocab::{Addon, Category, Indication};
use crate::error::{ServiceError, ServiceResult};
use crate::services::protocols::{self, ProtocolDraft, ProtocolLineDraft, ProtocolView};
use crate::services::sessions::{self, LineDraft, SessionDraft};

/// Small deterministic generator (SplitMix64): the demo is the same every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What the session demo loaded.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub protocols: usize,
    pub sessions: usize,
    pub voided: usize,
    /// Sessions the stock could not cover (skipped, as a clinic would reorder).
    pub skipped: usize,
}

/// (name, indication, needle from, needle to, session needle, add-ons)
type ProtocolSpec = (&'static str, Indication, i32, i32, i32, &'static [Addon]);

const PROTOCOLS: &[ProtocolSpec] = &[
    (
        "Fine lines 0.75 mm face",
        Indication::FineLines,
        50,
        100,
        75,
        &[Addon::VitaminSerum],
    ),
    (
        "Acne scars 1.5 mm face",
        Indication::AcneScars,
        50,
        200,
        150,
        &[Addon::Prp],
    ),
    (
        "Burn scars 2.0 mm",
        Indication::BurnScars,
        100,
        200,
        200,
        &[],
    ),
    (
        "Stretch marks 2.0 mm body",
        Indication::StretchMarks,
        100,
        200,
        200,
        &[Addon::Radiofrequency],
    ),
    (
        "Loose skin 1.0 mm neck",
        Indication::LooseSkin,
        50,
        150,
        100,
        &[Addon::Radiofrequency],
    ),
    (
        "Aged hands 1.0 mm",
        Indication::AgedHands,
        50,
        150,
        100,
        &[],
    ),
    (
        "Enlarged pores 1.0 mm",
        Indication::EnlargedPores,
        50,
        150,
        100,
        &[Addon::LightTherapy],
    ),
    (
        "Pigmentation 0.5 mm",
        Indication::Pigmentation,
        50,
        150,
        50,
        &[Addon::VitaminSerum],
    ),
    (
        "Hair loss 1.0 mm scalp",
        Indication::HairLoss,
        50,
        150,
        100,
        &[Addon::Minoxidil],
    ),
];

fn active(conn: &mut DbConn) -> ServiceResult<Vec<Product>> {
    Ok(crate::services::catalog::list_products(conn, &ProductFilter::default(), 1000, 0)?.0)
}

fn of_category(products: &[Product], c: Category) -> Vec<&Product> {
    products.iter().filter(|p| p.category == c.code()).collect()
}

/// The roller or cartridge closest to `needle` (same length preferred, cartridges first).
fn needle_product(products: &[Product], needle: i32) -> Option<&Product> {
    products
        .iter()
        .filter(|p| Category::parse(&p.category).is_some_and(Category::has_needle))
        .min_by_key(|p| {
            let n = p.needle_length.unwrap_or(0);
            (
                (n - needle).abs(),
                i32::from(p.category != "cartridge"),
                p.id,
            )
        })
}

fn line(p: &Product, qty: i64) -> ProtocolLineDraft {
    ProtocolLineDraft {
        product_id: Some(p.id.to_string()),
        quantity: Some(Quantity(qty).to_string()),
    }
}

/// Creates the demo protocols from the catalogue (skips ones that exist).
pub fn load_protocols(conn: &mut DbConn, manager: &Actor) -> ServiceResult<Vec<ProtocolView>> {
    let products = active(conn)?;
    let anesthetic = of_category(&products, Category::Anesthetic)
        .first()
        .copied();
    let serum = of_category(&products, Category::Serum).first().copied();
    let spf = of_category(&products, Category::Spf).first().copied();
    let disposable = of_category(&products, Category::Disposable);
    let mut out = Vec::new();
    let existing = protocols::list(conn, false)?;
    for (name, indication, min, max, needle, addons) in PROTOCOLS {
        if let Some(v) = existing.iter().find(|v| v.protocol.name == *name) {
            out.push(v.clone());
            continue;
        }
        let mut lines = Vec::new();
        if let Some(p) = needle_product(&products, *needle)
            && let Some(n) = p.needle_length
            && (*min..=*max).contains(&n)
        {
            lines.push(line(p, 1000));
        }
        if let Some(p) = anesthetic {
            lines.push(line(p, if *needle >= 150 { 4000 } else { 2500 }));
        }
        if let Some(p) = serum {
            lines.push(line(p, 1000));
        }
        if let Some(p) = spf {
            lines.push(line(p, 2000));
        }
        for p in disposable.iter().take(2) {
            lines.push(line(p, 1000));
        }
        let draft = ProtocolDraft {
            name: Some(name.to_string()),
            indication: Some(indication.code().to_string()),
            needle_min_mm: Some(fmt_needle(*min)),
            needle_max_mm: Some(fmt_needle(*max)),
            addons: addons.iter().map(|a| a.code().to_string()).collect(),
            notes: None,
            active: Some(true),
            lines,
        };
        out.push(protocols::create(conn, manager, &draft)?);
    }
    Ok(out)
}

/// A client on a course of treatment.
struct Client {
    code: String,
    protocol: usize,
    next: NaiveDate,
    every_days: i64,
}

/// Loads protocols and `days` of sessions ending on `today` (weekdays,
/// 4–9 a day between 09:00 and 17:00 UTC, 150 clients on courses of
/// sessions 3–6 weeks apart), logged by `practitioners` in
/// turn; about 2 % are voided by `manager`.
pub fn load(
    conn: &mut DbConn,
    practitioners: &[Actor],
    manager: &Actor,
    today: NaiveDate,
    days: i64,
) -> ServiceResult<Loaded> {
    if practitioners.is_empty() {
        return Err(ServiceError::BadRequest(
            "the session demo needs at least one practitioner".into(),
        ));
    }
    let protocols = load_protocols(conn, manager)?;
    if protocols.is_empty() {
        return Ok(Loaded::default());
    }
    let products = active(conn)?;
    let mut rng = Rng(0x05EE_DC17_2026);
    let start = today - Duration::days(days);
    let mut clients: Vec<Client> = (0..150)
        .map(|i| Client {
            code: format!("C-{}", 1001 + i),
            protocol: (rng.below(protocols.len() as u64)) as usize,
            next: start + Duration::days(rng.below((days / 2).max(1) as u64) as i64),
            every_days: 21 + rng.below(22) as i64,
        })
        .collect();
    let mut loaded = Loaded {
        protocols: protocols.len(),
        ..Loaded::default()
    };
    let mut day = start;
    let mut n: u64 = 0;
    while day <= today {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let mut due: Vec<usize> = (0..clients.len())
                .filter(|i| clients[*i].next <= day)
                .collect();
            due.truncate(4 + rng.below(6) as usize);
            for (slot, ci) in due.into_iter().enumerate() {
                n += 1;
                let client = &mut clients[ci];
                client.next = day + Duration::days(client.every_days + rng.below(5) as i64);
                let v = &protocols[client.protocol];
                let minute = 9 * 60 + slot as u32 * 50 + rng.below(20) as u32;
                let Some(time) = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0) else {
                    continue;
                };
                let at = day.and_time(time);
                if at > crate::db::now() {
                    continue;
                }
                let (needle, lines) = session_lines(&mut rng, v, &products);
                let draft = SessionDraft {
                    site: None,
                    client_ref: Some(client.code.clone()),
                    needle_length_mm: Some(fmt_needle(needle)),
                    indication: Some(v.protocol.indication.clone()),
                    protocol_id: Some(v.protocol.id.to_string()),
                    performed_at: Some(at.format("%Y-%m-%dT%H:%M:%S").to_string()),
                    lines: Some(lines),
                    addons: v.addons().iter().map(|a| a.code().to_string()).collect(),
                    side_effects: side_effects(&mut rng),
                    side_effect_other: None,
                    notes: None,
                };
                let who = &practitioners[(n as usize) % practitioners.len()];
                let key = format!("demo-session-{n}");
                match sessions::record(conn, who, &key, &draft) {
                    Ok(rec) => {
                        loaded.sessions += 1;
                        if rng.chance(2) {
                            let reason = if rng.chance(50) {
                                "logged twice"
                            } else {
                                "wrong client code"
                            };
                            sessions::void(conn, manager, rec.view.session.id, reason)?;
                            loaded.voided += 1;
                        }
                    }
                    Err(ServiceError::Conflict { .. }) => loaded.skipped += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        day += Duration::days(1);
    }
    Ok(loaded)
}

/// The protocol's lines with realistic variation; now and then a needle one
/// step off the protocol (a warning) with the matching roller.
fn session_lines(rng: &mut Rng, v: &ProtocolView, products: &[Product]) -> (i32, Vec<LineDraft>) {
    let base = v
        .lines
        .iter()
        .find_map(|(_, p)| p.needle_length)
        .unwrap_or((v.protocol.needle_min + v.protocol.needle_max) / 2);
    let mut needle = base;
    if rng.chance(4) {
        let step = if rng.chance(50) { 25 } else { -25 };
        if let Some(p) = needle_product(products, base + step)
            && let Some(n) = p.needle_length
        {
            needle = n;
        }
    }
    let mut lines = Vec::new();
    for (l, p) in &v.lines {
        let mut product_id = p.id;
        if Category::parse(&p.category).is_some_and(Category::has_needle) {
            match products
                .iter()
                .find(|o| o.category == p.category && o.needle_length == Some(needle))
            {
                Some(o) => product_id = o.id,
                None => needle = p.needle_length.unwrap_or(needle),
            }
        }
        let mut qty = l.quantity;
        if p.unit != "each" {
            // ±25 % in steps of 0.5 units.
            let half = 500;
            let steps = (qty / 4 / half).max(1);
            let delta = (rng.below((2 * steps + 1) as u64) as i64 - steps) * half;
            qty = (qty + delta).max(half);
        }
        lines.push(LineDraft {
            product_id: Some(product_id.to_string()),
            quantity: Some(Quantity(qty).to_string()),
            lot_id: None,
        });
    }
    (needle, lines)
}

fn side_effects(rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    if rng.chance(70) {
        out.push("redness".to_string());
    }
    if rng.chance(15) {
        out.push("bleeding".to_string());
    }
    if rng.chance(8) {
        out.push("dry_skin".to_string());
    }
    if rng.chance(3) {
        out.push("milia".to_string());
    }
    out
}
