//! Side effects in the usage report (issue 15, part 2): the rows of its
//! "Side effects" section, their CSV tables and their JSON.

use super::pager::urlencode;
use crate::csv_cell::{Cell, CsvOut};
use crate::domain::reactions::{
    EffectCounts, MIN_EXCESS_POINTS, MIN_REACTIONS, MIN_SESSIONS, RATE_FACTOR, Tally,
};
use crate::domain::vocab::SideEffect;
use crate::services::reactions::LotReaction;
use crate::services::usage::reactions::{EffectGroup, Reactions};

/// The CSV tables of the section: (name, title).
pub const CSV_REPORTS: &[(&str, &str)] = &[
    ("reactions-protocols", "Side effects by protocol"),
    ("reactions-needles", "Side effects by needle length"),
    ("reactions-lots", "Side effects by lot"),
];

/// The rule in words, shown under the lots table and in the README.
pub fn rule_text() -> String {
    format!(
        "A lot is flagged when at least {MIN_SESSIONS} sessions used it, at least \
         {MIN_REACTIONS} of them with a side effect, the product's other lots were used \
         by at least {MIN_SESSIONS} sessions, and its rate of sessions with a side effect \
         is at least {RATE_FACTOR}× theirs and at least {MIN_EXCESS_POINTS} percentage \
         points above it."
    )
}

/// The recall search for a lot.
pub fn recall_url(product_id: i64, lot_number: &str) -> String {
    format!(
        "/recall?product_id={product_id}&lot={}",
        urlencode(lot_number)
    )
}

/// One row: a group's sessions and side effects.
#[derive(Debug, Clone)]
pub struct EffectRow {
    pub key: String,
    pub label: String,
    pub sessions: i64,
    pub reactions: i64,
    pub rate: String,
    pub at_session: i64,
    pub at_follow_up: i64,
    /// Sessions per effect, in the order of `ReactionsView::effects`.
    pub effects: Vec<i64>,
}

impl EffectRow {
    fn new(key: String, label: String, c: &EffectCounts) -> EffectRow {
        EffectRow {
            key,
            label,
            sessions: c.sessions,
            reactions: c.reactions,
            rate: c.tally().rate_text(),
            at_session: c.at_session,
            at_follow_up: c.at_follow_up,
            effects: SideEffect::ALL.iter().map(|e| c.of(*e)).collect(),
        }
    }

    fn group(g: &EffectGroup) -> EffectRow {
        EffectRow::new(g.key.clone(), g.label.clone(), &g.counts)
    }
}

/// A lot row: its figures, the other lots' rate and the flag.
#[derive(Debug, Clone)]
pub struct LotEffectRow {
    pub lot_id: i64,
    pub product_id: i64,
    pub sku: String,
    pub product: String,
    pub expiry: String,
    pub row: EffectRow,
    pub others_sessions: i64,
    pub others_rate: String,
    pub flagged: bool,
    pub recall_url: String,
}

impl LotEffectRow {
    pub fn new(l: &LotReaction) -> LotEffectRow {
        LotEffectRow {
            lot_id: l.lot.lot_id,
            product_id: l.lot.product_id,
            sku: l.lot.sku.clone(),
            product: l.lot.product_name.clone(),
            expiry: l.lot.expiry.to_string(),
            row: EffectRow::new(
                l.lot.lot_id.to_string(),
                l.lot.lot_number.clone(),
                &l.counts,
            ),
            others_sessions: l.others.sessions,
            others_rate: l.others.rate_text(),
            flagged: l.flagged,
            recall_url: recall_url(l.lot.product_id, &l.lot.lot_number),
        }
    }
}

/// The section of the page.
#[derive(Debug, Clone)]
pub struct ReactionsView {
    /// Effect labels, the columns of every table.
    pub effects: Vec<&'static str>,
    pub total: EffectRow,
    pub by_protocol: Vec<EffectRow>,
    pub by_needle: Vec<EffectRow>,
    pub by_lot: Vec<LotEffectRow>,
    pub flagged: usize,
    pub rule: String,
}

impl ReactionsView {
    pub fn new(r: &Reactions) -> ReactionsView {
        ReactionsView {
            effects: SideEffect::ALL.iter().map(|e| e.label()).collect(),
            total: EffectRow::new(String::new(), "All sessions".into(), &r.total),
            by_protocol: r.by_protocol.iter().map(EffectRow::group).collect(),
            by_needle: r.by_needle.iter().map(EffectRow::group).collect(),
            by_lot: r.by_lot.iter().map(LotEffectRow::new).collect(),
            flagged: r.flagged_lots(),
            rule: rule_text(),
        }
    }
}

fn effect_header(first: &[&str]) -> Vec<String> {
    first
        .iter()
        .map(|s| s.to_string())
        .chain(
            [
                "Sessions",
                "With a side effect",
                "Rate",
                "At the session",
                "At follow-up",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .chain(SideEffect::ALL.iter().map(|e| e.label().to_string()))
        .collect()
}

fn rate_cell(t: Tally) -> Cell<'static> {
    Cell::num(t.rate().map(|r| format!("{r:.4}")).unwrap_or_default())
}

fn effect_cells(c: &EffectCounts) -> Vec<Cell<'static>> {
    let mut v = vec![
        Cell::int(c.sessions),
        Cell::int(c.reactions),
        rate_cell(c.tally()),
        Cell::int(c.at_session),
        Cell::int(c.at_follow_up),
    ];
    v.extend(SideEffect::ALL.iter().map(|e| Cell::int(c.of(*e))));
    v
}

/// One of [`CSV_REPORTS`]; an unknown name writes nothing.
pub fn write_csv(w: &mut CsvOut<Vec<u8>>, r: &Reactions, which: &str) -> Result<(), csv::Error> {
    let header = |first: &[&str]| effect_header(first);
    match which {
        "reactions-protocols" | "reactions-needles" => {
            let (first, groups) = if which == "reactions-protocols" {
                ("Protocol", &r.by_protocol)
            } else {
                ("Needle length (mm)", &r.by_needle)
            };
            let h = header(&[first]);
            w.header(&h.iter().map(String::as_str).collect::<Vec<_>>())?;
            for g in groups {
                let label = if which == "reactions-needles" {
                    Cell::num(g.label.trim_end_matches(" mm").to_string())
                } else {
                    Cell::text(g.label.clone())
                };
                w.row(std::iter::once(label).chain(effect_cells(&g.counts)))?;
            }
        }
        "reactions-lots" => {
            let mut h = header(&["Lot", "Lot id", "SKU", "Product", "Expiry"]);
            h.extend(
                ["Other lots' sessions", "Other lots' rate", "Flagged"]
                    .iter()
                    .map(|s| s.to_string()),
            );
            w.header(&h.iter().map(String::as_str).collect::<Vec<_>>())?;
            for l in &r.by_lot {
                let mut cells = vec![
                    Cell::text(l.lot.lot_number.clone()),
                    Cell::int(l.lot.lot_id),
                    Cell::text(l.lot.sku.clone()),
                    Cell::text(l.lot.product_name.clone()),
                    Cell::text(l.lot.expiry.to_string()),
                ];
                cells.extend(effect_cells(&l.counts));
                cells.push(Cell::int(l.others.sessions));
                cells.push(rate_cell(l.others));
                cells.push(Cell::text(if l.flagged { "yes" } else { "no" }));
                w.row(cells)?;
            }
        }
        _ => {}
    }
    Ok(())
}
