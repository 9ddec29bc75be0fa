//! The usage report's `side_effects` (README "Reaction signals"): sessions
//! with a side effect at the session or at a follow-up, by protocol, needle
//! length and lot. Rates are 0–1.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{Day, Needle};
use crate::domain::reactions::EffectCounts;
use crate::domain::vocab::SideEffect;
use crate::services::reactions::LotReaction;
use crate::services::usage::reactions::{EffectGroup, Reactions};

/// Side-effect figures over a set of sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct EffectCountsOut {
    pub sessions: i64,
    /// Sessions with any side effect, at the session or at a follow-up.
    pub sessions_with_reaction: i64,
    pub rate: Option<f64>,
    pub at_session: i64,
    pub at_follow_up: i64,
    /// Sessions per effect code.
    pub by_effect: BTreeMap<String, i64>,
}

impl From<&EffectCounts> for EffectCountsOut {
    fn from(c: &EffectCounts) -> Self {
        EffectCountsOut {
            sessions: c.sessions,
            sessions_with_reaction: c.reactions,
            rate: c.tally().rate(),
            at_session: c.at_session,
            at_follow_up: c.at_follow_up,
            by_effect: SideEffect::ALL
                .iter()
                .map(|e| (e.code().to_string(), c.of(*e)))
                .collect(),
        }
    }
}

/// Side effects of one protocol's sessions (`protocol_id` null: none).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolEffectsOut {
    pub protocol_id: Option<i64>,
    pub label: String,
    #[serde(flatten)]
    pub counts: EffectCountsOut,
}

/// Side effects of the sessions at one needle length.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedleEffectsOut {
    pub needle_length_mm: Option<Needle>,
    #[serde(flatten)]
    pub counts: EffectCountsOut,
}

/// Side effects of the sessions that used one lot, against the product's
/// other lots, and whether the lot is flagged.
#[derive(Debug, Serialize, ToSchema)]
pub struct LotEffectsOut {
    pub lot_id: i64,
    pub lot: String,
    pub expiry: Day,
    pub product_id: i64,
    pub sku: String,
    pub others_sessions: i64,
    pub others_rate: Option<f64>,
    pub flagged: bool,
    #[serde(flatten)]
    pub counts: EffectCountsOut,
}

/// `side_effects` of the usage report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SideEffectsOut {
    pub total: EffectCountsOut,
    pub by_protocol: Vec<ProtocolEffectsOut>,
    pub by_needle_length: Vec<NeedleEffectsOut>,
    pub by_lot: Vec<LotEffectsOut>,
}

fn protocol(g: &EffectGroup) -> ProtocolEffectsOut {
    ProtocolEffectsOut {
        protocol_id: g.key.parse().ok(),
        label: g.label.clone(),
        counts: EffectCountsOut::from(&g.counts),
    }
}

fn needle(g: &EffectGroup) -> NeedleEffectsOut {
    NeedleEffectsOut {
        needle_length_mm: g.key.parse::<i32>().ok().map(Needle),
        counts: EffectCountsOut::from(&g.counts),
    }
}

fn lot(l: &LotReaction) -> LotEffectsOut {
    LotEffectsOut {
        lot_id: l.lot.lot_id,
        lot: l.lot.lot_number.clone(),
        expiry: Day(l.lot.expiry),
        product_id: l.lot.product_id,
        sku: l.lot.sku.clone(),
        others_sessions: l.others.sessions,
        others_rate: l.others.rate(),
        flagged: l.flagged,
        counts: EffectCountsOut::from(&l.counts),
    }
}

impl From<&Reactions> for SideEffectsOut {
    fn from(r: &Reactions) -> Self {
        SideEffectsOut {
            total: EffectCountsOut::from(&r.total),
            by_protocol: r.by_protocol.iter().map(protocol).collect(),
            by_needle_length: r.by_needle.iter().map(needle).collect(),
            by_lot: r.by_lot.iter().map(lot).collect(),
        }
    }
}
