//! The history of the large demo, simulated in memory: treatment sessions
//! in time order taking from the FEFO lot on the shelf, voids, and the
//! write-offs of lots that expired before they were used up.

use chrono::{Duration, NaiveDateTime};

use super::large_plan::{self as plan, PlanLot, PlanProduct, PlanSession};
use super::rng::Rng;

/// A planned write-off of an expired lot (an `adjust` row, reason `expired`).
#[derive(Debug, Clone)]
pub(super) struct WriteOff {
    pub(super) lot: usize,
    pub(super) at: NaiveDateTime,
    pub(super) quantity: i64,
}

/// The history: sessions in time order and the write-offs of expired lots.
pub(super) struct History {
    pub(super) sessions: Vec<PlanSession>,
    pub(super) write_offs: Vec<WriteOff>,
    pub(super) lots: Vec<PlanLot>,
}

impl History {
    fn with_room_for(sessions: usize) -> History {
        History {
            sessions: Vec::with_capacity(sessions),
            write_offs: Vec::new(),
            lots: Vec::new(),
        }
    }
}

/// What a delivery was: a lot that ran out before the next one arrived was
/// exactly used up; any other was its planned size.
pub(super) fn received(l: &PlanLot) -> i64 {
    if l.full { l.consumed } else { l.capacity }
}

/// `count` session times over the span (whole days from `start`, between
/// 08:00 and 18:00), sorted, none in the last two hours before `now`.
fn session_times(
    rng: &mut Rng,
    count: usize,
    (start, now): (NaiveDateTime, NaiveDateTime),
) -> Vec<NaiveDateTime> {
    let mut times: Vec<NaiveDateTime> = (0..count)
        .map(|_| {
            let day = rng.range(0, plan::SPAN_DAYS - 1);
            start.date().and_hms_opt(0, 0, 0).unwrap_or(start)
                + Duration::days(day)
                + Duration::minutes(rng.range(8 * 60, 18 * 60))
        })
        .filter(|t| *t < now - Duration::hours(2) && *t > start)
        .collect();
    times.sort_unstable();
    times
}

/// When each lot that expired before `now` is written off (17:00 three
/// days after its expiry), in time order.
fn write_off_times(
    lots: &[PlanLot],
    now: NaiveDateTime,
) -> std::iter::Peekable<std::vec::IntoIter<(NaiveDateTime, usize)>> {
    let mut expiring: Vec<(NaiveDateTime, usize)> = lots
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                l.expiry.and_hms_opt(17, 0, 0).unwrap_or(now) + Duration::days(3),
                i,
            )
        })
        .filter(|(at, _)| *at < now)
        .collect();
    expiring.sort_unstable();
    expiring.into_iter().peekable()
}

/// Takes `q` of `product` at `at` from the FEFO lot with room, else from
/// the FEFO lot (marked full: it was too small); the lot taken from.
fn take_fefo(
    product: &PlanProduct,
    lots: &mut [PlanLot],
    q: i64,
    at: NaiveDateTime,
) -> Option<usize> {
    let lot = plan::fefo_lot(product, lots, at, q, false).or_else(|| {
        let l = plan::fefo_lot(product, lots, at, q, true)?;
        lots[l].full = true;
        Some(l)
    });
    if let Some(l) = lot {
        lots[l].consumed += q;
    }
    lot
}

/// Tops the history up to exactly `limit` rows with one-line sessions
/// logged in the last two hours before `now`.
fn top_up(
    h: &mut History,
    lots: &mut [PlanLot],
    (products, groups): (&[PlanProduct], &plan::Groups),
    (mut used, limit): (usize, usize),
    (rng2, now): (&mut Rng, NaiveDateTime),
) {
    let group = &groups.needle[3][0];
    let mut minute = 120;
    while used < limit && minute > 1 && !group.is_empty() {
        minute -= 1;
        let at = now - Duration::minutes(minute);
        let p = group[rng2.range(0, group.len() as i64 - 1) as usize];
        let Some(l) = take_fefo(&products[p], lots, 1000, at) else {
            continue;
        };
        used += 1;
        h.sessions.push(PlanSession {
            at,
            practitioner: 0,
            client: rng2.range(1, 60_000) as u32,
            needle: products[p].needle.unwrap_or(100),
            indication: plan::indication_for(rng2, 100),
            lines: vec![(l, 1000)],
            void_at: None,
        });
    }
}

/// Sessions over the span in time order, each line taking from the FEFO
/// lot on the shelf then; expired lots are written off a few days after
/// their expiry (1% stay on the shelf). With `budget`, stops before the
/// ledger rows (receipts + consume + void + write-off) would exceed it and
/// tops up with one-line sessions logged today to reach it exactly.
#[allow(clippy::too_many_arguments)]
pub(super) fn simulate(
    seed: u64,
    products: &[PlanProduct],
    groups: &plan::Groups,
    planned: &[PlanLot],
    (start, now): (NaiveDateTime, NaiveDateTime),
    count: usize,
    budget: Option<usize>,
    practitioners: usize,
) -> History {
    let mut rng = Rng::new(seed);
    let mut lots = planned.to_vec();
    let times = session_times(&mut rng, count, (start, now));
    let mut expiring = write_off_times(&lots, now);
    let mut h = History::with_room_for(times.len() + 16);
    let limit = budget.unwrap_or(usize::MAX);
    let mut used = lots.len();
    let mut write_off = |lots: &[PlanLot], h: &mut History, used: &mut usize, until| {
        while let Some((at, i)) = expiring.next_if(|(at, _)| *at <= until) {
            let l = &lots[i];
            let left = received(l) - l.consumed + l.voided;
            if left > 0 && !rng.chance(1) && *used < limit {
                *used += 1;
                h.write_offs.push(WriteOff {
                    lot: i,
                    at,
                    quantity: left,
                });
            }
        }
    };
    let mut rng2 = Rng::new(seed ^ 0x5EED);
    for at in times {
        write_off(&lots, &mut h, &mut used, at);
        let wanted = plan::choose_lines(&mut rng2, products, groups);
        let mut lines = Vec::with_capacity(wanted.len());
        for (p, q) in wanted {
            if let Some(l) = take_fefo(&products[p], &mut lots, q, at) {
                lines.push((l, q));
            }
        }
        let Some(needle) = lines
            .first()
            .and_then(|(l, _)| products[lots[*l].product].needle)
        else {
            continue;
        };
        let void = rng2.chance(1);
        let cost = lines.len() * if void { 2 } else { 1 };
        if used + cost > limit {
            for (l, q) in &lines {
                lots[*l].consumed -= q;
            }
            break;
        }
        used += cost;
        let void_at = void.then(|| (at + Duration::hours(rng2.range(1, 30))).min(now));
        if void {
            for (l, q) in &lines {
                lots[*l].voided += q;
            }
        }
        h.sessions.push(PlanSession {
            at,
            practitioner: rng2.range(0, practitioners as i64 - 1) as usize,
            client: rng2.range(1, 60_000) as u32,
            needle,
            indication: plan::indication_for(&mut rng2, needle),
            lines,
            void_at,
        });
    }
    write_off(&lots, &mut h, &mut used, now);
    top_up(
        &mut h,
        &mut lots,
        (products, groups),
        (used, limit),
        (&mut rng2, now),
    );
    h.lots = lots;
    h
}
