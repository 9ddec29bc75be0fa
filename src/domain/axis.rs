//! Chart axes that end at a round number just above the data (issue 14
//! item 12): 850 → 1000, 130 → 150, 7 → 8, never twice the data as a
//! "4 × nice step" rule gave (850 → 2000). Values are integers (counts,
//! cents, thousandths), so every tick is an integer too.

/// Round tops per decade, ×10^k, with how many equal intervals each is cut
/// into so that every tick is a round number (1000 → 4 × 250, 1500 → 3 × 500).
const TOPS: [(i64, i64); 10] = [
    (10, 5),
    (12, 4),
    (15, 3),
    (20, 4),
    (25, 5),
    (30, 3),
    (40, 4),
    (50, 5),
    (60, 3),
    (80, 4),
];

/// Below 10 every top is a small whole number (intervals of 1 or 2).
const SMALL: [(i64, i64); 8] = [
    (1, 1),
    (2, 2),
    (3, 3),
    (4, 4),
    (5, 5),
    (6, 3),
    (8, 4),
    (10, 5),
];

/// The axis top and its number of intervals for data whose maximum is `max`.
fn top_and_intervals(max: i64) -> (i64, i64) {
    let max = max.max(1);
    if let Some(&(top, n)) = SMALL.iter().find(|(top, _)| *top >= max) {
        return (top, n);
    }
    let mut magnitude: i64 = 1;
    loop {
        for (m, n) in TOPS {
            let top = m.saturating_mul(magnitude);
            if top >= max {
                return (top, n);
            }
        }
        if magnitude > i64::MAX / 100 {
            return (max, 1);
        }
        magnitude *= 10;
    }
}

/// The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k)
/// at or above `max` (at least 1): where a chart's value axis ends.
pub fn nice_axis_max(max: i64) -> i64 {
    top_and_intervals(max).0
}

/// The tick values from 0 to [`nice_axis_max`] (inclusive), evenly spaced
/// at a round step.
pub fn axis_ticks(max: i64) -> Vec<i64> {
    let (top, n) = top_and_intervals(max);
    let step = top / n;
    (0..=n).map(|k| step * k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_ends_just_above_the_data() {
        assert_eq!(nice_axis_max(850), 1000);
        assert_eq!(nice_axis_max(0), 1);
        assert_eq!(nice_axis_max(-5), 1);
        assert_eq!(nice_axis_max(1), 1);
        assert_eq!(nice_axis_max(7), 8);
        assert_eq!(nice_axis_max(9), 10);
        assert_eq!(nice_axis_max(10), 10);
        assert_eq!(nice_axis_max(11), 12);
        assert_eq!(nice_axis_max(130), 150);
        assert_eq!(nice_axis_max(2_001), 2_500);
        assert_eq!(nice_axis_max(90_000), 100_000);
        assert_eq!(nice_axis_max(1_234_567), 1_500_000);
        assert_eq!(nice_axis_max(i64::MAX), i64::MAX);
    }

    #[test]
    fn never_more_than_a_third_above_the_data_from_ten_up() {
        for max in 10..20_000 {
            let top = nice_axis_max(max);
            assert!(top >= max);
            // the widest gap in TOPS is 6 → 8 (a third)
            assert!(top * 3 <= max * 4 + 3, "{max} → {top}");
        }
    }

    #[test]
    fn ticks_are_round_and_end_at_the_top() {
        assert_eq!(axis_ticks(850), vec![0, 200, 400, 600, 800, 1000]);
        assert_eq!(axis_ticks(1_400), vec![0, 500, 1000, 1500]);
        assert_eq!(axis_ticks(3), vec![0, 1, 2, 3]);
        assert_eq!(axis_ticks(0), vec![0, 1]);
        for max in 1..5_000 {
            let t = axis_ticks(max);
            assert_eq!(*t.last().unwrap_or(&0), nice_axis_max(max));
            assert!(t.len() >= 2 && t.len() <= 6);
        }
    }
}
