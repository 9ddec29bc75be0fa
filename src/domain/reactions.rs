//! Reaction signals (issue 15, part 2): counting the side effects of
//! sessions, at the session and at follow-up, and the rule that flags a lot
//! whose sessions react well above the other lots of its product.
//!
//! A session **reacted** when a side effect was recorded on it, or on any of
//! its follow-ups. Each effect is counted once per session, wherever it was
//! seen. Voided sessions are left out by the callers.
//!
//! **The lot rule** ([`lot_flagged`]), with exact integer arithmetic: over the
//! same sessions (same site scope and window), a lot is flagged when
//! 1. at least [`MIN_SESSIONS`] sessions used it and at least
//!    [`MIN_REACTIONS`] of them reacted (one reaction is not a pattern);
//! 2. the product's other lots were used by at least [`MIN_SESSIONS`]
//!    sessions (there is something to compare with);
//! 3. its reaction rate is at least [`RATE_FACTOR`] × the other lots' rate,
//!    **and** at least [`MIN_EXCESS_POINTS`] percentage points above it.
//!
//! The two thresholds together keep it explainable: "twice as often, and
//! at least one session in five more".

use super::vocab::SideEffect;

/// Fewest sessions with the lot (and with the other lots) for a flag.
pub const MIN_SESSIONS: i64 = 5;
/// Fewest reacting sessions with the lot for a flag.
pub const MIN_REACTIONS: i64 = 2;
/// The lot's rate must be at least this many times the others'.
pub const RATE_FACTOR: i64 = 2;
/// …and at least this many percentage points above it.
pub const MIN_EXCESS_POINTS: i64 = 20;

/// Sessions and how many of them reacted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub sessions: i64,
    pub reactions: i64,
}

impl Tally {
    pub fn new(sessions: i64, reactions: i64) -> Tally {
        Tally {
            sessions,
            reactions,
        }
    }

    /// The rate in tenths of a percent, rounded half up (`None` without sessions).
    pub fn permille(self) -> Option<i64> {
        (self.sessions > 0).then(|| (self.reactions * 1000 + self.sessions / 2) / self.sessions)
    }

    /// "37.5 %", or "—" without sessions.
    pub fn rate_text(self) -> String {
        match self.permille() {
            Some(p) => format!("{}.{} %", p / 10, p % 10),
            None => "—".into(),
        }
    }

    /// The rate as a fraction 0–1 rounded to 4 decimals (for JSON and CSV).
    pub fn rate(self) -> Option<f64> {
        (self.sessions > 0).then(|| {
            let tenthousandths = (self.reactions * 10_000 + self.sessions / 2) / self.sessions;
            tenthousandths as f64 / 10_000.0
        })
    }

    fn minus(self, other: Tally) -> Tally {
        Tally::new(
            self.sessions - other.sessions,
            self.reactions - other.reactions,
        )
    }
}

/// The lot rule (module docs): `lot` the lot's sessions, `others` those of
/// the product's other lots.
pub fn lot_flagged(lot: Tally, others: Tally) -> bool {
    if lot.sessions < MIN_SESSIONS
        || lot.reactions < MIN_REACTIONS
        || others.sessions < MIN_SESSIONS
    {
        return false;
    }
    // a/n ≥ F·b/m  ⇔  a·m ≥ F·b·n
    let (a, n) = (i128::from(lot.reactions), i128::from(lot.sessions));
    let (b, m) = (i128::from(others.reactions), i128::from(others.sessions));
    let factor = a * m >= i128::from(RATE_FACTOR) * b * n;
    // a/n − b/m ≥ P/100  ⇔  100·(a·m − b·n) ≥ P·n·m
    let excess = 100 * (a * m - b * n) >= i128::from(MIN_EXCESS_POINTS) * n * m;
    factor && excess
}

/// One lot of a product with the product's other lots beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LotSignal {
    pub lot_id: i64,
    pub tally: Tally,
    pub others: Tally,
    pub flagged: bool,
}

/// Applies the rule to every lot of one product. `lots`: (lot id, tally);
/// a session that used two lots of the product counts for both, and once
/// in the product's total, so `product` (the product's distinct sessions)
/// is passed in: the others of a lot are `product − lot`.
pub fn signals(product: Tally, lots: &[(i64, Tally)]) -> Vec<LotSignal> {
    lots.iter()
        .map(|(lot_id, tally)| {
            let others = product.minus(*tally);
            LotSignal {
                lot_id: *lot_id,
                tally: *tally,
                others,
                flagged: lot_flagged(*tally, others),
            }
        })
        .collect()
}

/// What one session showed: effects at the session and at its follow-ups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionEffects {
    pub at_session: Vec<SideEffect>,
    pub at_follow_up: Vec<SideEffect>,
}

impl SessionEffects {
    pub fn reacted(&self) -> bool {
        !self.at_session.is_empty() || !self.at_follow_up.is_empty()
    }

    /// Every effect seen, once each, in vocabulary order.
    pub fn effects(&self) -> Vec<SideEffect> {
        SideEffect::ALL
            .iter()
            .copied()
            .filter(|e| self.at_session.contains(e) || self.at_follow_up.contains(e))
            .collect()
    }
}

/// The side-effect figures of a group of sessions (a protocol, a needle
/// length, a lot).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EffectCounts {
    pub sessions: i64,
    /// Sessions with any effect, at the session or at follow-up.
    pub reactions: i64,
    /// Sessions with an effect recorded at the session.
    pub at_session: i64,
    /// Sessions with an effect recorded at a follow-up.
    pub at_follow_up: i64,
    /// Sessions per effect, in the order of [`SideEffect::ALL`].
    pub by_effect: Vec<i64>,
}

impl EffectCounts {
    pub fn add(&mut self, s: &SessionEffects) {
        if self.by_effect.len() != SideEffect::ALL.len() {
            self.by_effect = vec![0; SideEffect::ALL.len()];
        }
        self.sessions += 1;
        if s.reacted() {
            self.reactions += 1;
        }
        if !s.at_session.is_empty() {
            self.at_session += 1;
        }
        if !s.at_follow_up.is_empty() {
            self.at_follow_up += 1;
        }
        for e in s.effects() {
            if let Some(i) = SideEffect::ALL.iter().position(|x| *x == e) {
                self.by_effect[i] += 1;
            }
        }
    }

    pub fn tally(&self) -> Tally {
        Tally::new(self.sessions, self.reactions)
    }

    /// Adds the figures of other sessions (none of them counted here).
    pub fn merge(&mut self, o: &EffectCounts) {
        self.sessions += o.sessions;
        self.reactions += o.reactions;
        self.at_session += o.at_session;
        self.at_follow_up += o.at_follow_up;
        if self.by_effect.len() < o.by_effect.len() {
            self.by_effect.resize(o.by_effect.len(), 0);
        }
        for (a, b) in self.by_effect.iter_mut().zip(&o.by_effect) {
            *a += b;
        }
    }

    /// Sessions with `effect` (0 when none were added).
    pub fn of(&self, effect: SideEffect) -> i64 {
        SideEffect::ALL
            .iter()
            .position(|x| *x == effect)
            .and_then(|i| self.by_effect.get(i).copied())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64, r: i64) -> Tally {
        Tally::new(s, r)
    }

    #[test]
    fn needs_enough_sessions_and_reactions() {
        // 4 sessions, all reacting: too few sessions.
        assert!(!lot_flagged(t(4, 4), t(50, 0)));
        // 5 sessions, 1 reaction: one is not a pattern.
        assert!(!lot_flagged(t(5, 1), t(50, 0)));
        assert!(lot_flagged(t(5, 2), t(50, 0)));
        // Nothing to compare with.
        assert!(!lot_flagged(t(10, 10), t(4, 0)));
        assert!(!lot_flagged(t(10, 10), t(0, 0)));
    }

    #[test]
    fn twice_the_rate_and_twenty_points() {
        // 60 % against 20 %: 3× and +40 points.
        assert!(lot_flagged(t(10, 6), t(20, 4)));
        // 50 % against 30 %: +20 points but only 1.67×.
        assert!(!lot_flagged(t(10, 5), t(10, 3)));
        // 30 % against 10 %: 3× but +20 points exactly: flagged (bounds inclusive).
        assert!(lot_flagged(t(10, 3), t(10, 1)));
        // 20 % against 5 %: 4× but only +15 points.
        assert!(!lot_flagged(t(20, 4), t(20, 1)));
        // 40 % against 20 %: exactly 2× and +20 points.
        assert!(lot_flagged(t(10, 4), t(10, 2)));
        // 39 % against 20 %: just under both.
        assert!(!lot_flagged(t(100, 39), t(100, 20)));
        // Same rate as the others: never.
        assert!(!lot_flagged(t(10, 10), t(10, 10)));
    }

    #[test]
    fn exact_arithmetic_at_the_bounds() {
        // 2/7 = 28.57 % vs 1/14 = 7.14 %: 4× and +21.4 points.
        assert!(lot_flagged(t(7, 2), t(14, 1)));
        // 2/9 = 22.2 % vs 1/50 = 2 %: +20.2 points, 11×.
        assert!(lot_flagged(t(9, 2), t(50, 1)));
        // 2/10 = 20 % vs 1/100 = 1 %: +19 points.
        assert!(!lot_flagged(t(10, 2), t(100, 1)));
        // Large counts do not overflow (products are computed in i128).
        assert!(lot_flagged(t(1 << 40, 1 << 39), t(1 << 40, 0)));
    }

    #[test]
    fn signals_compare_each_lot_with_the_rest_of_its_product() {
        // Product: 30 sessions, 10 reacting; lot 1: 10 with 8; lot 2: 20 with 2.
        let s = signals(t(30, 10), &[(1, t(10, 8)), (2, t(20, 2))]);
        assert_eq!(s[0].others, t(20, 2));
        assert!(s[0].flagged);
        assert_eq!(s[1].others, t(10, 8));
        assert!(!s[1].flagged);
        // A single lot has no others.
        let s = signals(t(10, 9), &[(1, t(10, 9))]);
        assert_eq!(s[0].others, t(0, 0));
        assert!(!s[0].flagged);
    }

    #[test]
    fn rates_are_shown_rounded() {
        assert_eq!(t(3, 1).rate_text(), "33.3 %");
        assert_eq!(t(8, 3).rate_text(), "37.5 %");
        assert_eq!(t(0, 0).rate_text(), "—");
        assert_eq!(t(3, 2).rate(), Some(0.6667));
        assert_eq!(t(0, 0).rate(), None);
    }

    #[test]
    fn counts_each_effect_once_per_session() {
        let mut c = EffectCounts::default();
        c.add(&SessionEffects {
            at_session: vec![SideEffect::Redness],
            at_follow_up: vec![SideEffect::Redness, SideEffect::Milia],
        });
        c.add(&SessionEffects::default());
        c.add(&SessionEffects {
            at_session: vec![],
            at_follow_up: vec![SideEffect::Milia],
        });
        assert_eq!(c.sessions, 3);
        assert_eq!(c.reactions, 2);
        assert_eq!(c.at_session, 1);
        assert_eq!(c.at_follow_up, 2);
        assert_eq!(c.of(SideEffect::Redness), 1);
        assert_eq!(c.of(SideEffect::Milia), 2);
        assert_eq!(c.of(SideEffect::Bleeding), 0);
        assert_eq!(c.tally(), t(3, 2));
        assert_eq!(EffectCounts::default().of(SideEffect::Milia), 0);
    }
}
