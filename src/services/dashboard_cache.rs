//! The in-process cache of computed stock dashboards: one entry per site,
//! kept under the key it was computed for (the site's stock version, its
//! local date and the "expiring soon" window). A request whose key differs
//! rebuilds the entry; while one request builds a site's figures, the
//! others asking for the same site wait for it and take its result
//! (single flight), instead of each computing the same figures.
//!
//! Why no page shows a number the database does not hold: every change the
//! dashboard shows moves the stock version in its own transaction
//! (`db::stock_version`), and a request reads the version before it reads
//! any figure. Figures kept under version V were therefore read after V was
//! committed; a request that finds the version still at V is served figures
//! at least that new, and any later change makes the version differ.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;

use super::dashboard::StockFigures;
use crate::db::stock_version::Version;
use crate::error::ServiceResult;

/// What a site's figures were computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub version: Version,
    pub today: NaiveDate,
    pub window_days: i64,
}

#[derive(Default)]
pub struct DashboardCache {
    entries: Mutex<HashMap<i64, (Key, Arc<StockFigures>)>>,
    /// One build at a time per site.
    turns: Mutex<HashMap<i64, Arc<Mutex<()>>>>,
    builds: AtomicU64,
}

impl DashboardCache {
    /// How many times figures were computed since start (for tests and
    /// the benchmark's notes).
    pub fn builds(&self) -> u64 {
        self.builds.load(Ordering::Relaxed)
    }

    fn lookup(&self, site_id: i64, key: Key) -> Option<Arc<StockFigures>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(&site_id)
            .filter(|(k, _)| *k == key)
            .map(|(_, f)| f.clone())
    }

    /// The figures kept for `site_id` under `key`, else those `build`
    /// computes (then kept). One build per site at a time: a request that
    /// waited for another's build takes its figures when the key matches.
    pub fn get_or_build<F>(
        &self,
        site_id: i64,
        key: Key,
        build: F,
    ) -> ServiceResult<Arc<StockFigures>>
    where
        F: FnOnce() -> ServiceResult<StockFigures>,
    {
        if let Some(found) = self.lookup(site_id, key) {
            return Ok(found);
        }
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
            turns.entry(site_id).or_default().clone()
        };
        let _turn = turn.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(found) = self.lookup(site_id, key) {
            return Ok(found);
        }
        let figures = Arc::new(build()?);
        self.builds.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let newer = entries.get(&site_id).is_some_and(|(k, _)| {
            k.today == key.today
                && k.window_days == key.window_days
                && k.version.0 >= key.version.0
                && k.version.1 >= key.version.1
                && k.version != key.version
        });
        // A request that read an older version than the one kept does not
        // push the newer entry out.
        if !newer {
            entries.insert(site_id, (key, figures.clone()));
        }
        Ok(figures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(n: i64) -> StockFigures {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        StockFigures {
            today,
            window_days: 30,
            soon: today,
            categories: Vec::new(),
            grid: Vec::new(),
            low_stock: Vec::new(),
            expired: Vec::new(),
            expired_total: n,
            expiring: Vec::new(),
            expiring_total: 0,
            value: Default::default(),
        }
    }

    fn key(v: i64) -> Key {
        Key {
            version: (1, v),
            today: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            window_days: 30,
        }
    }

    #[test]
    fn figures_are_rebuilt_only_when_the_key_changes() {
        let c = DashboardCache::default();
        let a = c.get_or_build(1, key(1), || Ok(figures(1))).unwrap();
        let b = c.get_or_build(1, key(1), || panic!("no rebuild")).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let n = c.get_or_build(1, key(2), || Ok(figures(2))).unwrap();
        assert_eq!(n.expired_total, 2);
        let other = c.get_or_build(2, key(2), || Ok(figures(7))).unwrap();
        assert_eq!(other.expired_total, 7);
        // An older version computed late does not replace the newer one.
        let old = c.get_or_build(1, key(1), || Ok(figures(1))).unwrap();
        assert_eq!(old.expired_total, 1);
        let kept = c.get_or_build(1, key(2), || panic!("kept")).unwrap();
        assert_eq!(kept.expired_total, 2);
        assert_eq!(c.builds(), 4);
    }

    #[test]
    fn concurrent_requests_build_once() {
        let c = Arc::new(DashboardCache::default());
        let built = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (c, built) = (c.clone(), built.clone());
                std::thread::spawn(move || {
                    c.get_or_build(1, key(5), || {
                        built.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(50));
                        Ok(figures(5))
                    })
                    .unwrap()
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().expired_total, 5);
        }
        assert_eq!(built.load(Ordering::SeqCst), 1);
    }
}
