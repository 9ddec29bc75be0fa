//! The lot page's side-effects panel (issue 15, part 2): the lot's recent
//! sessions with a side effect against the product's other lots, the flag
//! of `domain::reactions` and the link to its recall.

use super::usage_reactions::{recall_url, rule_text};
use crate::domain::vocab::SideEffect;
use crate::services::reactions::LotSignalView;

#[derive(Debug, Clone)]
pub struct LotReactionPanel {
    pub window_days: i64,
    /// "at site main" or "at every site".
    pub scope: String,
    pub sessions: i64,
    pub reactions: i64,
    pub rate: String,
    pub at_session: i64,
    pub at_follow_up: i64,
    /// (effect label, sessions) for the effects seen.
    pub effects: Vec<(&'static str, i64)>,
    pub others_sessions: i64,
    pub others_rate: String,
    pub flagged: bool,
    pub recall_url: String,
    pub rule: String,
}

impl LotReactionPanel {
    pub fn new(v: &LotSignalView, product_id: i64, lot_number: &str) -> LotReactionPanel {
        let r = v.reaction.as_ref();
        let counts = r.map(|r| r.counts.clone()).unwrap_or_default();
        let others = r.map(|r| r.others).unwrap_or_default();
        LotReactionPanel {
            window_days: v.window_days,
            scope: match &v.site {
                Some(code) => format!("at site {code}"),
                None => "at every site".into(),
            },
            sessions: counts.sessions,
            reactions: counts.reactions,
            rate: counts.tally().rate_text(),
            at_session: counts.at_session,
            at_follow_up: counts.at_follow_up,
            effects: SideEffect::ALL
                .iter()
                .map(|e| (e.label(), counts.of(*e)))
                .filter(|(_, n)| *n > 0)
                .collect(),
            others_sessions: others.sessions,
            others_rate: others.rate_text(),
            flagged: r.is_some_and(|r| r.flagged),
            recall_url: recall_url(product_id, lot_number),
            rule: rule_text(),
        }
    }
}
