//! The session part of `clinic-stock demo`: a protocol per common indication
//! (needle ranges of DOMAIN.md, default lines from the demo catalogue) and
//! 90 days of treatment sessions across protocols, practitioners and 150
//! clients on courses (sessions 3–6 weeks apart), about 2 % voided.
//!
//! The clinic's stock (`clinic`) is the stock *today*, so the history brings
//! its own: the sessions are planned first, then for each month the products
//! they used arrive as deliveries (received at the start of that month), and
//! the sessions are recorded through `sessions::record` with the clinic's
//! lots held back (quarantined meanwhile, then restored) so FEFO allocates
//! from those deliveries. Every session thus moves stock like a real one,
//! the usage figures have 90 days behind them, and today's stock is what
//! `clinic` set up (plus what voided sessions gave back). Deterministic.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::clinic::Clinic;
use super::rng::Rng;
use crate::db::{self, DbConn, models::Product};
use crate::domain::Quantity;
use crate::domain::access::Actor;
use crate::domain::needle::fmt_needle;
use crate::domain::vocab::{Addon, Category, Indication, Unit};
use crate::error::{ServiceError, ServiceResult};
use crate::services::protocols::{self, ProtocolDraft, ProtocolLineDraft, ProtocolView};
use crate::services::receiving::{self, ReceiveDraft};
use crate::services::sessions::{self, LineDraft, SessionDraft};

/// Days of history.
pub const DAYS: i64 = 90;
const CLIENTS: usize = 150;
/// History deliveries: one per product per window of this many days.
const WINDOW: i64 = 30;

/// A protocol: name, indication, needle range, needle used, add-ons, lines (SKU, thousandths).
struct Spec {
    name: &'static str,
    indication: Indication,
    min: i32,
    max: i32,
    needle_sku: &'static str,
    addons: &'static [Addon],
    lines: &'static [(&'static str, i64)],
}

const FACE: &[(&str, i64)] = &[
    ("AN-LIDO5", 3000),
    ("DS-GLOVE-M", 2000),
    ("DS-CHX", 2000),
    ("DS-GAUZE", 4000),
    ("DS-BAND", 1000),
    ("SP-SACH50", 1000),
];

const SPECS: &[Spec] = &[
    Spec {
        name: "Fine lines 0.75 mm face",
        indication: Indication::FineLines,
        min: 50,
        max: 100,
        needle_sku: "CT-075",
        addons: &[Addon::VitaminSerum],
        lines: &[("SR-HA5", 1000), ("SR-VITC", 1000)],
    },
    Spec {
        name: "Acne scars 1.5 mm face",
        indication: Indication::AcneScars,
        min: 50,
        max: 200,
        needle_sku: "RL-150",
        addons: &[Addon::Prp],
        lines: &[("SR-GF", 1000), ("OT-PRP10", 1000)],
    },
    Spec {
        name: "Burn scars 2.0 mm",
        indication: Indication::BurnScars,
        min: 100,
        max: 200,
        needle_sku: "CT-200",
        addons: &[],
        lines: &[("AN-EMLA", 4000), ("SR-HA5", 1500), ("SP-MIN30", 2000)],
    },
    Spec {
        name: "Stretch marks 2.0 mm body",
        indication: Indication::StretchMarks,
        min: 100,
        max: 200,
        needle_sku: "RL-200",
        addons: &[Addon::Radiofrequency],
        lines: &[("AN-LIDO5", 5000), ("SR-PEP", 2000), ("SP-TUBE50", 5000)],
    },
    Spec {
        name: "Loose skin 1.0 mm neck",
        indication: Indication::LooseSkin,
        min: 50,
        max: 150,
        needle_sku: "CT-100",
        addons: &[Addon::Radiofrequency],
        lines: &[("SR-PEP", 1000)],
    },
    Spec {
        name: "Aged hands 1.0 mm",
        indication: Indication::AgedHands,
        min: 50,
        max: 150,
        needle_sku: "CT-100",
        addons: &[],
        lines: &[("SR-HA5", 1000), ("SP-MIN30", 2000)],
    },
    Spec {
        name: "Enlarged pores 0.5 mm face",
        indication: Indication::EnlargedPores,
        min: 50,
        max: 150,
        needle_sku: "CT-050",
        addons: &[Addon::LightTherapy],
        lines: &[("SR-HA2", 1000)],
    },
    Spec {
        name: "Pigmentation 0.5 mm face",
        indication: Indication::Pigmentation,
        min: 50,
        max: 150,
        needle_sku: "CT-050",
        addons: &[Addon::VitaminSerum],
        lines: &[("SR-VITC", 1000)],
    },
    Spec {
        name: "Hair loss 1.0 mm scalp",
        indication: Indication::HairLoss,
        min: 50,
        max: 150,
        needle_sku: "CT-100",
        addons: &[Addon::Minoxidil],
        lines: &[("OT-MINOX", 1000), ("DS-GLOVE-M", 2000), ("DS-ALCO", 2000)],
    },
];

/// How often each protocol is chosen for a new client (acne scars and fine
/// lines are the bread and butter of a CIT clinic).
const WEIGHTS: [u64; 9] = [22, 26, 4, 8, 9, 6, 8, 9, 8];

/// What the history loaded.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub protocols: usize,
    pub sessions: usize,
    pub voided: usize,
    pub clients: usize,
    pub practitioners: Vec<String>,
}

impl History {
    pub fn summary(&self) -> String {
        format!(
            "Session history: {} protocols, {} sessions over {DAYS} days for {} clients by {} ({} voided).",
            self.protocols,
            self.sessions,
            self.clients,
            self.practitioners.join(" and "),
            self.voided
        )
    }
}

fn actor(conn: &mut DbConn, id: i64) -> ServiceResult<Actor> {
    let u = db::users::by_id(conn, id)?
        .ok_or_else(|| ServiceError::Internal(format!("demo user {id} is missing")))?;
    Ok(Actor {
        user_id: u.id,
        username: u.username,
        role: u.role,
        site_id: u.site_id,
        address: None,
    })
}

/// A session to record: who, when, and its lines as (product, thousandths).
struct Planned {
    practitioner: usize,
    at: NaiveDateTime,
    client: String,
    spec: usize,
    needle: i32,
    lines: Vec<(i64, i64)>,
    side_effects: Vec<String>,
    void: Option<&'static str>,
}

/// Loads protocols and the session history on top of the demo clinic.
/// What the planned sessions use, per (window of `WINDOW` days from
/// `start`, product id) (pure).
fn needs(plan: &[Planned], start: NaiveDate) -> BTreeMap<(i64, i64), i64> {
    let mut need: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for s in plan {
        let window = (s.at.date() - start).num_days() / WINDOW;
        for (pid, q) in &s.lines {
            *need.entry((window, *pid)).or_default() += q;
        }
    }
    need
}

/// One delivery per window and product, received before the window's
/// sessions: the lot ids.
fn receive_history(
    conn: &mut DbConn,
    manager: &Actor,
    clinic: &Clinic,
    need: &BTreeMap<(i64, i64), i64>,
    start: NaiveDate,
) -> ServiceResult<Vec<i64>> {
    let mut history_lots = Vec::new();
    for ((window, pid), quantity) in need {
        let Some(p) = clinic.products.values().find(|p| p.id == *pid) else {
            continue;
        };
        let received = start + Duration::days(window * WINDOW) - Duration::days(2);
        let life = if matches!(
            p.category,
            Category::Roller | Category::Cartridge | Category::Disposable
        ) {
            730
        } else {
            300
        };
        let draft = ReceiveDraft {
            site: Some("main".into()),
            location: Some(crate::services::bootstrap::DEFAULT_LOCATION.into()),
            product_id: Some(p.id.to_string()),
            lot: Some(format!(
                "{}{}-{:02}",
                lot_prefix(p),
                received.format("%y%m%d"),
                window + 1
            )),
            expiry: Some((received + Duration::days(life)).to_string()),
            quantity: Some(Quantity(*quantity).to_string()),
            received_at: Some(format!("{received}T08:30:00")),
            ..ReceiveDraft::default()
        };
        history_lots.push(receiving::receive(conn, manager, &draft)?.lot_id);
    }
    Ok(history_lots)
}

/// The clinic's own lots of the products the history uses (not the
/// history's deliveries), with whether each is quarantined, by id.
fn clinic_lots(
    conn: &mut DbConn,
    need: &BTreeMap<(i64, i64), i64>,
    history_lots: &[i64],
) -> ServiceResult<Vec<(i64, bool)>> {
    let mut held: Vec<(i64, bool)> = Vec::new();
    let used: Vec<i64> = need.keys().map(|(_, pid)| *pid).collect();
    for pid in used.iter().collect::<std::collections::BTreeSet<_>>() {
        for lot in db::lots::of_product(conn, *pid)? {
            if !history_lots.contains(&lot.id) {
                held.push((lot.id, lot.quarantined));
            }
        }
    }
    held.sort_unstable();
    Ok(held)
}

pub fn load(conn: &mut DbConn, clinic: &Clinic) -> ServiceResult<History> {
    // Sessions are planned on the clinic's own calendar and clock.
    let clock = db::sites::by_id(conn, clinic.site_id)?
        .map(|s| s.clock())
        .unwrap_or_default();
    let now_local = clock.local(db::now());
    let today = now_local.date();
    let manager = actor(conn, clinic.users.manager)?;
    let practitioners: Vec<Actor> = clinic
        .users
        .practitioners
        .iter()
        .map(|id| actor(conn, *id))
        .collect::<ServiceResult<_>>()?;
    if practitioners.is_empty() {
        return Err(ServiceError::Internal(
            "the demo has no practitioners".into(),
        ));
    }
    let product = |sku: &str| clinic.products.get(sku);
    let protocols = create_protocols(conn, &manager, &product)?;
    let plan = plan(today, now_local, &protocols, &product);
    let start = today - Duration::days(DAYS);

    // Deliveries for the history: per window, what its sessions use.
    let need = needs(&plan, start);
    let history_lots = receive_history(conn, &manager, clinic, &need, start)?;

    // Hold the clinic's own lots back while the history is recorded.
    let held = clinic_lots(conn, &need, &history_lots)?;
    let set = |conn: &mut DbConn, quarantine: Option<bool>| -> ServiceResult<()> {
        db::write_tx(conn, |conn| {
            for (id, was) in &held {
                db::lots::set_quarantined(conn, *id, quarantine.unwrap_or(*was))?;
            }
            Ok::<_, ServiceError>(())
        })
    };
    set(conn, Some(true))?;
    let recorded = record_all(conn, &plan, &protocols, &practitioners, &manager);
    set(conn, None)?;
    let (sessions, voided) = recorded?;
    Ok(History {
        protocols: protocols.len(),
        sessions,
        voided,
        clients: plan
            .iter()
            .map(|s| s.client.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        practitioners: practitioners.iter().map(|a| a.username.clone()).collect(),
    })
}

fn lot_prefix(p: &Product) -> &'static str {
    match p.category {
        Category::Roller | Category::Cartridge => "NP",
        Category::Anesthetic => "DM",
        Category::Disposable => "CC",
        _ => "SS",
    }
}

fn create_protocols<'a>(
    conn: &mut DbConn,
    manager: &Actor,
    product: &impl Fn(&str) -> Option<&'a Product>,
) -> ServiceResult<Vec<ProtocolView>> {
    let mut out = Vec::new();
    for spec in SPECS {
        let mut lines = Vec::new();
        let mut all: Vec<(&str, i64)> = vec![(spec.needle_sku, 1000)];
        if spec.indication == Indication::HairLoss {
            all.push(("AN-NUMB10", 2000));
        } else if !spec.lines.iter().any(|(sku, _)| sku.starts_with("AN-")) {
            all.extend(FACE.iter().copied());
        } else {
            all.extend(
                FACE.iter()
                    .copied()
                    .filter(|(sku, _)| !sku.starts_with("AN-")),
            );
        }
        all.extend(spec.lines.iter().copied());
        for (sku, q) in all {
            if let Some(p) = product(sku) {
                lines.push(ProtocolLineDraft {
                    product_id: Some(p.id.to_string()),
                    quantity: Some(Quantity(q).to_string()),
                });
            }
        }
        let draft = ProtocolDraft {
            name: Some(spec.name.to_string()),
            indication: Some(spec.indication.code().to_string()),
            needle_min_mm: Some(fmt_needle(spec.min)),
            needle_max_mm: Some(fmt_needle(spec.max)),
            addons: spec.addons.iter().map(|a| a.code().to_string()).collect(),
            notes: None,
            active: Some(true),
            lines,
        };
        out.push(protocols::create(conn, manager, &draft)?);
    }
    Ok(out)
}

/// Plans the sessions: weekdays, 4–9 a day from 09:00, clients due on their course.
fn plan<'a>(
    today: NaiveDate,
    now: NaiveDateTime,
    protocols: &[ProtocolView],
    product: &impl Fn(&str) -> Option<&'a Product>,
) -> Vec<Planned> {
    let mut rng = Rng::new(90_2026);
    let start = today - Duration::days(DAYS);
    struct Client {
        code: String,
        spec: usize,
        next: NaiveDate,
        every: i64,
    }
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|i| Client {
            code: format!("C-{}", 1001 + i),
            spec: rng.weighted(&WEIGHTS),
            next: start + Duration::days(rng.range(0, DAYS * 2 / 3)),
            every: rng.range(21, 42),
        })
        .collect();
    let mut out = Vec::new();
    let mut day = start;
    let mut n = 0usize;
    while day <= today {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let mut due: Vec<usize> = (0..clients.len())
                .filter(|i| clients[*i].next <= day)
                .collect();
            due.truncate(rng.range(4, 9) as usize);
            for (slot, ci) in due.into_iter().enumerate() {
                let minute = 9 * 60 + slot as u32 * 55 + rng.range(0, 15) as u32;
                let Some(time) = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0) else {
                    continue;
                };
                let at = day.and_time(time);
                if at > now - Duration::minutes(10) {
                    continue;
                }
                let c = &mut clients[ci];
                c.next = day + Duration::days(c.every + rng.range(0, 4));
                let v = &protocols[c.spec];
                let (needle, lines) = vary(&mut rng, v, product);
                n += 1;
                out.push(Planned {
                    practitioner: n,
                    at,
                    client: c.code.clone(),
                    spec: c.spec,
                    needle,
                    lines,
                    side_effects: side_effects(&mut rng),
                    void: if rng.chance(2) {
                        Some(if rng.chance(50) {
                            "logged twice"
                        } else {
                            "wrong client code"
                        })
                    } else {
                        None
                    },
                });
            }
        }
        day += Duration::days(1);
    }
    out
}

/// The protocol's lines with realistic variation: quantities of g/ml ±25 %
/// in 0.5 steps; now and then a needle one step off the protocol's (the
/// matching cartridge or roller is used, and the session carries a warning
/// when that leaves the protocol's range).
fn vary<'a>(
    rng: &mut Rng,
    v: &ProtocolView,
    product: &impl Fn(&str) -> Option<&'a Product>,
) -> (i32, Vec<(i64, i64)>) {
    let mut needle = v
        .lines
        .iter()
        .find_map(|(_, p)| p.needle_length)
        .unwrap_or(v.protocol.needle_min);
    let mut lines = Vec::new();
    let shift = if rng.chance(6) {
        if rng.chance(50) { 1 } else { -1 }
    } else {
        0
    };
    for (l, p) in &v.lines {
        let mut pid = p.id;
        if let Some(n) = p.needle_length {
            const LENGTHS: [i32; 7] = [25, 50, 75, 100, 150, 200, 250];
            let at = LENGTHS.iter().position(|x| *x == n).unwrap_or(0) as i64 + shift;
            if let Some(&other) = usize::try_from(at).ok().and_then(|i| LENGTHS.get(i))
                && let Some(o) = product(&format!("{}-{other:03}", &p.sku[..2]))
            {
                pid = o.id;
                needle = other;
            }
        }
        let mut q = l.quantity;
        if p.unit != Unit::Each {
            let steps = (q / 4 / 500).max(1);
            q = (q + (rng.range(-steps, steps)) * 500).max(500);
        }
        lines.push((pid, q));
    }
    (needle, lines)
}

fn side_effects(rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    for (code, percent) in [
        ("redness", 72),
        ("bleeding", 14),
        ("dry_skin", 9),
        ("scabbing", 5),
        ("milia", 2),
    ] {
        if rng.chance(percent) {
            out.push(code.to_string());
        }
    }
    out
}

/// The treatment areas of a demo session, from its indication.
fn demo_areas(indication: &str, i: usize) -> Vec<String> {
    let areas: &[&str] = match indication {
        "hair_loss" => &["scalp"],
        "aged_hands" => &["hands"],
        "stretch_marks" | "burn_scars" => &["body"],
        "loose_skin" if i.is_multiple_of(2) => &["face", "neck"],
        "loose_skin" => &["neck", "decolletage"],
        _ if i.is_multiple_of(5) => &["face", "neck"],
        _ => &["face"],
    };
    areas.iter().map(|a| a.to_string()).collect()
}

fn record_all(
    conn: &mut DbConn,
    plan: &[Planned],
    protocols: &[ProtocolView],
    practitioners: &[Actor],
    manager: &Actor,
) -> ServiceResult<(usize, usize)> {
    let (mut sessions, mut voided) = (0, 0);
    for (i, s) in plan.iter().enumerate() {
        let v = &protocols[s.spec];
        let draft = SessionDraft {
            site: Some("main".into()),
            client_ref: Some(s.client.clone()),
            needle_length_mm: Some(fmt_needle(s.needle)),
            indication: Some(v.protocol.indication.code().to_string()),
            protocol_id: Some(v.protocol.id.to_string()),
            performed_at: Some(s.at.format("%Y-%m-%dT%H:%M:%S").to_string()),
            lines: Some(
                s.lines
                    .iter()
                    .map(|(pid, q)| LineDraft {
                        product_id: Some(pid.to_string()),
                        quantity: Some(Quantity(*q).to_string()),
                        lot_id: None,
                        open_new: false,
                    })
                    .collect(),
            ),
            addons: v.addons().iter().map(|a| a.code().to_string()).collect(),
            side_effects: s.side_effects.clone(),
            side_effect_other: None,
            notes: None,
            areas: demo_areas(v.protocol.indication.code(), i),
            // 20–60 minutes, spread without touching the random plan.
            duration_minutes: Some((20 + (i * 7) % 41).to_string()),
            anaesthetic_applied_at: None,
            anaesthetic_contact_minutes: None,
            // The practitioner confirmed what the form warned about.
            confirm_warnings: Some("all".into()),
            ask_confirmation: false,
        };
        let who = &practitioners[s.practitioner % practitioners.len()];
        let rec = sessions::record(conn, who, &format!("demo-history-{}", i + 1), &draft)?;
        sessions += 1;
        if let Some(reason) = s.void {
            sessions::void(conn, manager, rec.view.session.id, reason)?;
            voided += 1;
        }
    }
    Ok((sessions, voided))
}
