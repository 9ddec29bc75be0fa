//! The usage and waste report for a site over a date range: consumption by
//! product, category, needle length, protocol, indication and practitioner
//! with its cost; sessions per day; cost per session; consumption per week
//! of a product or category; waste (expired, damaged, waste write-offs) per
//! month and product, in units and money.
//!
//! Voided sessions are excluded everywhere: the ledger figures net `consume`
//! against `void` rows (both dated at the session's time), the session
//! figures skip sessions with `voided_at`. Cost is quantity × the product's
//! current unit cost (products without one count as 0), rounded to the cent
//! per figure shown.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::auth::Actor;
use crate::db::models::{Product, Site};
use crate::db::{self, DbConn};
use crate::domain::vocab::{Category, Indication, Role};
use crate::error::{Problems, ServiceError, ServiceResult};

pub const DEFAULT_DAYS: i64 = 90;
/// Longest range one report covers.
pub const MAX_DAYS: i64 = 3 * 366;

/// Filters as typed.
#[derive(Debug, Clone, Default)]
pub struct UsageQuery {
    pub site: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// Product id for the weekly chart.
    pub product: Option<String>,
    /// Category code for the weekly chart.
    pub category: Option<String>,
}

/// What the weekly chart shows.
#[derive(Debug, Clone)]
pub enum ChartSubject {
    All,
    Product(Box<Product>),
    Category(Category),
}

#[derive(Debug, Clone)]
pub struct UsageOptions {
    pub site: Site,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    pub subject: ChartSubject,
}

impl UsageOptions {
    pub fn start(&self) -> NaiveDateTime {
        self.from.and_hms_opt(0, 0, 0).unwrap_or_default()
    }

    /// Exclusive end: midnight after `to`.
    pub fn end(&self) -> NaiveDateTime {
        (self.to + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
    }

    /// Monday on or before `from`: week buckets count from here.
    pub fn week_origin(&self) -> NaiveDate {
        self.from - Duration::days(i64::from(self.from.weekday().num_days_from_monday()))
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// A quantity and what it cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Amount {
    /// Thousandths of the unit (only meaningful when one unit is involved).
    pub quantity: i64,
    pub cost_cents: i64,
    /// The unit when every product in the figure shares one, else None.
    pub unit: Option<String>,
    /// Products of more than one unit went into it.
    pub mixed: bool,
}

impl Amount {
    fn add(&mut self, product: &Product, quantity: i64) {
        match (&self.unit, self.mixed) {
            (None, false) => self.unit = Some(product.unit.clone()),
            (Some(u), false) if *u != product.unit => {
                self.unit = None;
                self.mixed = true;
            }
            _ => {}
        }
        self.quantity += quantity;
        self.cost_cents += cost_cents(product, quantity);
    }
}

/// `round(quantity × unit cost)`, quantity in thousandths.
pub fn cost_cents(product: &Product, quantity: i64) -> i64 {
    let cost = i128::from(product.unit_cost_cents.unwrap_or(0));
    let v = i128::from(quantity) * cost;
    let rounded = if v >= 0 {
        (v + 500) / 1000
    } else {
        (v - 500) / 1000
    };
    i64::try_from(rounded).unwrap_or(0)
}

#[derive(Debug, Clone)]
pub struct ProductUsage {
    pub product: Product,
    pub amount: Amount,
}

/// A labelled group (category, needle length, protocol, indication, practitioner).
#[derive(Debug, Clone)]
pub struct GroupUsage {
    pub key: String,
    pub label: String,
    /// Sessions in the group (0 where sessions do not apply, e.g. categories).
    pub sessions: i64,
    pub amount: Amount,
}

impl GroupUsage {
    pub fn cost_per_session_cents(&self) -> Option<i64> {
        (self.sessions > 0).then(|| (self.amount.cost_cents + self.sessions / 2) / self.sessions)
    }
}

/// One bucket of a time series.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub start: NaiveDate,
    /// Inclusive.
    pub end: NaiveDate,
    pub amount: Amount,
}

#[derive(Debug, Clone)]
pub struct WasteRow {
    pub product: Product,
    /// reason code → written off (positive thousandths)
    pub by_reason: BTreeMap<String, i64>,
    pub amount: Amount,
}

#[derive(Debug, Clone)]
pub struct UsageReport {
    pub options: UsageOptions,
    pub sessions: i64,
    /// From the ledger (consume net of void), by product, most costly first.
    pub by_product: Vec<ProductUsage>,
    pub total: Amount,
    pub by_category: Vec<GroupUsage>,
    /// Rollers and cartridges used per needle length, and sessions per length.
    pub by_needle: Vec<GroupUsage>,
    pub by_protocol: Vec<GroupUsage>,
    pub by_indication: Vec<GroupUsage>,
    pub by_practitioner: Vec<GroupUsage>,
    /// What the sessions' lines cost in total (matches `total` when every
    /// consumption came from a session).
    pub session_cost_cents: i64,
    pub sessions_per_day: Vec<(NaiveDate, i64)>,
    pub weekly: Vec<Bucket>,
    pub waste_by_month: Vec<Bucket>,
    pub waste_by_product: Vec<WasteRow>,
    pub waste_total: Amount,
    /// reason code → money written off
    pub waste_by_reason: BTreeMap<String, Amount>,
}

impl UsageReport {
    /// The unit of the weekly series when it counts one unit (a product, or
    /// a category whose products share a unit), else None.
    pub fn weekly_unit(&self) -> Option<String> {
        match &self.options.subject {
            ChartSubject::Product(p) => Some(p.unit.clone()),
            ChartSubject::All => None,
            ChartSubject::Category(_) => {
                let mut unit: Option<String> = None;
                for b in &self.weekly {
                    if b.amount.mixed {
                        return None;
                    }
                    if let Some(u) = &b.amount.unit {
                        match &unit {
                            None => unit = Some(u.clone()),
                            Some(x) if x != u => return None,
                            _ => {}
                        }
                    }
                }
                unit
            }
        }
    }

    pub fn cost_per_session_cents(&self) -> Option<i64> {
        (self.sessions > 0).then(|| (self.session_cost_cents + self.sessions / 2) / self.sessions)
    }
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses the filters. Defaults: the last 90 days up to today, all products.
pub fn options(
    conn: &mut DbConn,
    actor: &Actor,
    q: &UsageQuery,
    today: NaiveDate,
) -> ServiceResult<UsageOptions> {
    actor.require(Role::Manager)?;
    let mut p = Problems::new();
    let to = match text(&q.to) {
        Some(t) => p.take("to", super::receiving::parse_date(t)),
        None => Some(today),
    };
    let from = match text(&q.from) {
        Some(t) => p.take("from", super::receiving::parse_date(t)),
        None => to.map(|t| t - Duration::days(DEFAULT_DAYS - 1)),
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            p.add("from", "must not be after the end date");
        } else if (t - f).num_days() + 1 > MAX_DAYS {
            p.add("from", format!("at most {MAX_DAYS} days at once"));
        }
    }
    let mut subject = ChartSubject::All;
    if let Some(t) = text(&q.product) {
        match t.parse::<i64>() {
            Ok(id) => match db::catalog::product_by_id(conn, id)? {
                Some(prod) => subject = ChartSubject::Product(Box::new(prod)),
                None => p.add("product", format!("no product with id {id}")),
            },
            Err(_) => p.add("product", "a product id"),
        }
    } else if let Some(c) = text(&q.category) {
        match Category::parse(c) {
            Some(cat) => subject = ChartSubject::Category(cat),
            None => p.add("category", format!("one of {}", Category::choices())),
        }
    }
    p.finish()?;
    let site = super::sites::resolve_site(conn, actor, text(&q.site))?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ServiceError::Internal("validated dates missing".into()));
    };
    Ok(UsageOptions {
        site,
        from,
        to,
        subject,
    })
}

/// Parses the filters and builds the report on one read snapshot.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    q: &UsageQuery,
    today: NaiveDate,
) -> ServiceResult<UsageReport> {
    let options = options(conn, actor, q, today)?;
    Ok(db::read_tx(conn, |conn| build(conn, options))?)
}

fn build(conn: &mut DbConn, o: UsageOptions) -> diesel::QueryResult<UsageReport> {
    let (start, end, origin) = (o.start(), o.end(), o.week_origin());
    let filter = db::catalog::ProductFilter {
        archived: Some(false),
        ..Default::default()
    };
    let products: HashMap<i64, Product> = db::catalog::list_products(conn, &filter, i64::MAX, 0)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();

    // Ledger: consumption per (week, product), summed while streaming into
    // a dense grid (product ids index a slot table; no hashing per row).
    let slots = ProductSlots::new(&products);
    let week_count = usize::try_from((o.to - origin).num_days() / 7 + 1).unwrap_or(1);
    let mut grid = vec![0i64; week_count * slots.len()];
    for week in 0..week_count {
        let (from, to) = bucket(origin, 7, week, start, end);
        if from >= to {
            continue;
        }
        db::reports::for_each_consumption(conn, o.site.id, from, to, &mut |product, delta| {
            if let Some(cell) = slots
                .slot(product)
                .and_then(|slot| grid.get_mut(week * slots.len() + slot))
            {
                *cell -= delta;
            }
        })?;
    }
    let mut per_product: HashMap<i64, i64> = HashMap::new();
    let mut per_week: BTreeMap<i32, Amount> = BTreeMap::new();
    for (i, used) in grid.iter().enumerate().filter(|(_, u)| **u != 0) {
        let (week, slot) = (i / slots.len(), i % slots.len());
        let Some(product) = slots.product(slot) else {
            continue;
        };
        *per_product.entry(product.id).or_default() += used;
        let in_subject = match &o.subject {
            ChartSubject::All => true,
            ChartSubject::Product(p) => p.id == product.id,
            ChartSubject::Category(c) => product.category == c.code(),
        };
        if in_subject {
            per_week
                .entry(i32::try_from(week).unwrap_or(i32::MAX))
                .or_default()
                .add(product, *used);
        }
    }
    let weeks = (o.to - origin).num_days() / 7;
    let weekly = (0..=weeks)
        .map(|w| {
            let start = origin + Duration::days(w * 7);
            Bucket {
                start,
                end: start + Duration::days(6),
                amount: per_week
                    .remove(&i32::try_from(w).unwrap_or(i32::MAX))
                    .unwrap_or_default(),
            }
        })
        .collect();

    let mut by_product: Vec<ProductUsage> = per_product
        .into_iter()
        .filter(|(_, q)| *q != 0)
        .filter_map(|(id, q)| {
            let product = products.get(&id)?.clone();
            let mut amount = Amount::default();
            amount.add(&product, q);
            Some(ProductUsage { product, amount })
        })
        .collect();
    by_product.sort_by(|a, b| {
        b.amount
            .cost_cents
            .cmp(&a.amount.cost_cents)
            .then_with(|| a.product.sku.cmp(&b.product.sku))
    });
    let mut total = Amount::default();
    let mut categories: BTreeMap<String, Amount> = BTreeMap::new();
    let mut needle_used: BTreeMap<i32, Amount> = BTreeMap::new();
    for u in &by_product {
        total.add(&u.product, u.amount.quantity);
        categories
            .entry(u.product.category.clone())
            .or_default()
            .add(&u.product, u.amount.quantity);
        if let Some(n) = u.product.needle_length {
            needle_used
                .entry(n)
                .or_default()
                .add(&u.product, u.amount.quantity);
        }
    }
    let by_category = Category::ALL
        .iter()
        .filter_map(|c| {
            categories.remove(c.code()).map(|amount| GroupUsage {
                key: c.code().into(),
                label: c.label().into(),
                sessions: 0,
                amount,
            })
        })
        .collect();

    // Sessions and what their lines used, in one streamed pass. Lines of a
    // session arrive together, so the session's group is looked up once.
    let mut seen: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut per_day: HashMap<i32, i64> = HashMap::new();
    let mut needle_sessions: BTreeMap<i32, i64> = BTreeMap::new();
    // (protocol, indication, practitioner) → (group index, sessions)
    let mut group_index: HashMap<(Option<i64>, Option<String>, i64), usize> = HashMap::new();
    let mut group_keys: Vec<((Option<i64>, Option<String>, i64), i64)> = Vec::new();
    // (group index << 32 | product slot) → quantity
    let mut group_lines: HashMap<u64, i64> = HashMap::new();
    let mut current: Option<(i64, usize)> = None;
    for day in 0..usize::try_from(o.days()).unwrap_or(0) {
        let (from, to) = bucket(o.from, 1, day, start, end);
        let day = i32::try_from(day).unwrap_or(i32::MAX);
        db::reports::for_each_session_line(conn, o.site.id, from, to, &mut |r| {
            let group = match current {
                Some((id, g)) if id == r.session_id => g,
                _ => {
                    let key = (r.protocol_id, r.indication, r.practitioner_id);
                    let g = match group_index.get(&key) {
                        Some(g) => *g,
                        None => {
                            group_keys.push((key.clone(), 0));
                            group_index.insert(key, group_keys.len() - 1);
                            group_keys.len() - 1
                        }
                    };
                    if seen.insert(r.session_id) {
                        *per_day.entry(day).or_default() += 1;
                        *needle_sessions.entry(r.needle_length).or_default() += 1;
                        if let Some(k) = group_keys.get_mut(g) {
                            k.1 += 1;
                        }
                    }
                    current = Some((r.session_id, g));
                    g
                }
            };
            if let (Some(slot), Some(q)) = (r.product_id.and_then(|p| slots.slot(p)), r.quantity) {
                *group_lines
                    .entry(((group as u64) << 32) | slot as u64)
                    .or_default() += q;
            }
        })?;
    }
    let mut protocol: BTreeMap<Option<i64>, (i64, Amount)> = BTreeMap::new();
    let mut indication: BTreeMap<Option<String>, (i64, Amount)> = BTreeMap::new();
    let mut practitioner: BTreeMap<i64, (i64, Amount)> = BTreeMap::new();
    for ((p, i, u), n) in &group_keys {
        protocol.entry(*p).or_default().0 += n;
        indication.entry(i.clone()).or_default().0 += n;
        practitioner.entry(*u).or_default().0 += n;
    }
    // (protocol, indication, practitioner, product) → quantity
    let lines: Vec<((Option<i64>, Option<String>, i64, i64), i64)> = group_lines
        .into_iter()
        .filter_map(|(k, q)| {
            let ((p, i, u), _) = group_keys.get(usize::try_from(k >> 32).ok()?)?;
            let product = slots.product(usize::try_from(k & 0xffff_ffff).ok()?)?;
            Some(((*p, i.clone(), *u, product.id), q))
        })
        .collect();
    let sessions = i64::try_from(seen.len()).unwrap_or(i64::MAX);
    let mut session_cost_cents = 0;
    for ((protocol_id, indication_code, practitioner_id, product_id), quantity) in lines {
        let Some(product) = products.get(&product_id) else {
            continue;
        };
        session_cost_cents += cost_cents(product, quantity);
        protocol
            .entry(protocol_id)
            .or_default()
            .1
            .add(product, quantity);
        indication
            .entry(indication_code)
            .or_default()
            .1
            .add(product, quantity);
        practitioner
            .entry(practitioner_id)
            .or_default()
            .1
            .add(product, quantity);
    }
    let mut by_needle: Vec<GroupUsage> = needle_sessions
        .keys()
        .chain(needle_used.keys())
        .copied()
        .collect::<std::collections::BTreeSet<i32>>()
        .into_iter()
        .map(|n| GroupUsage {
            key: n.to_string(),
            label: format!("{} mm", crate::domain::needle::fmt_needle(n)),
            sessions: needle_sessions.get(&n).copied().unwrap_or(0),
            amount: needle_used.get(&n).cloned().unwrap_or_default(),
        })
        .collect();
    by_needle.sort_by_key(|g| g.key.parse::<i32>().unwrap_or(0));

    let protocol_names: HashMap<i64, String> =
        db::reports::protocol_names(conn)?.into_iter().collect();
    let mut by_protocol: Vec<GroupUsage> = protocol
        .into_iter()
        .map(|(id, (sessions, amount))| GroupUsage {
            key: id.map(|i| i.to_string()).unwrap_or_default(),
            label: match id {
                Some(i) => protocol_names
                    .get(&i)
                    .cloned()
                    .unwrap_or_else(|| format!("protocol {i}")),
                None => "(no protocol)".into(),
            },
            sessions,
            amount,
        })
        .collect();
    by_protocol.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.label.cmp(&b.label)));
    let mut by_indication: Vec<GroupUsage> = indication
        .into_iter()
        .map(|(code, (sessions, amount))| GroupUsage {
            label: match code.as_deref() {
                Some(c) => Indication::parse(c)
                    .map(|i| i.label().to_string())
                    .unwrap_or_else(|| c.to_string()),
                None => "(not recorded)".into(),
            },
            key: code.unwrap_or_default(),
            sessions,
            amount,
        })
        .collect();
    by_indication.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.label.cmp(&b.label)));
    let user_names: HashMap<i64, String> = db::users::list(conn)?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let mut by_practitioner: Vec<GroupUsage> = practitioner
        .into_iter()
        .map(|(id, (sessions, amount))| GroupUsage {
            key: id.to_string(),
            label: user_names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("user {id}")),
            sessions,
            amount,
        })
        .collect();
    by_practitioner.sort_by(|a, b| b.sessions.cmp(&a.sessions).then(a.label.cmp(&b.label)));

    let sessions_per_day = (0..o.days())
        .map(|d| {
            let day = o.from + Duration::days(d);
            let n = i32::try_from(d)
                .ok()
                .and_then(|d| per_day.get(&d).copied())
                .unwrap_or(0);
            (day, n)
        })
        .collect();

    // Waste.
    let waste = db::reports::waste_by_day(conn, o.site.id, start, end, o.from)?;
    let mut months: BTreeMap<(i32, u32), Amount> = BTreeMap::new();
    let mut waste_products: HashMap<i64, WasteRow> = HashMap::new();
    let mut waste_by_reason: BTreeMap<String, Amount> = BTreeMap::new();
    let mut waste_total = Amount::default();
    for w in &waste {
        let Some(product) = products.get(&w.product_id) else {
            continue;
        };
        let lost = -w.total;
        let day = o.from + Duration::days(i64::from(w.day));
        months
            .entry((day.year(), day.month()))
            .or_default()
            .add(product, lost);
        let reason = w.reason.clone().unwrap_or_default();
        waste_by_reason
            .entry(reason.clone())
            .or_default()
            .add(product, lost);
        waste_total.add(product, lost);
        let row = waste_products
            .entry(product.id)
            .or_insert_with(|| WasteRow {
                product: product.clone(),
                by_reason: BTreeMap::new(),
                amount: Amount::default(),
            });
        *row.by_reason.entry(reason).or_default() += lost;
        row.amount.add(product, lost);
    }
    let mut waste_by_month = Vec::new();
    let mut m = NaiveDate::from_ymd_opt(o.from.year(), o.from.month(), 1).unwrap_or(o.from);
    while m <= o.to {
        let next = if m.month() == 12 {
            NaiveDate::from_ymd_opt(m.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(m.year(), m.month() + 1, 1)
        }
        .unwrap_or(o.to + Duration::days(1));
        waste_by_month.push(Bucket {
            start: m.max(o.from),
            end: (next - Duration::days(1)).min(o.to),
            amount: months.remove(&(m.year(), m.month())).unwrap_or_default(),
        });
        m = next;
    }
    let mut waste_by_product: Vec<WasteRow> = waste_products.into_values().collect();
    waste_by_product.sort_by(|a, b| {
        b.amount
            .cost_cents
            .cmp(&a.amount.cost_cents)
            .then_with(|| a.product.sku.cmp(&b.product.sku))
    });

    Ok(UsageReport {
        options: o,
        sessions,
        by_product,
        total,
        by_category,
        by_needle,
        by_protocol,
        by_indication,
        by_practitioner,
        session_cost_cents,
        sessions_per_day,
        weekly,
        waste_by_month,
        waste_by_product,
        waste_total,
        waste_by_reason,
    })
}

/// Products by a dense slot number, and product id → slot in O(1) (ids are
/// small integers), for summing window rows without hashing each one.
struct ProductSlots<'a> {
    products: Vec<&'a Product>,
    by_id: Vec<Option<usize>>,
}

impl<'a> ProductSlots<'a> {
    fn new(products: &'a HashMap<i64, Product>) -> Self {
        let mut list: Vec<&Product> = products.values().collect();
        list.sort_by_key(|p| p.id);
        let max = list
            .last()
            .and_then(|p| usize::try_from(p.id).ok())
            .unwrap_or(0);
        let mut by_id = vec![None; max + 1];
        for (slot, p) in list.iter().enumerate() {
            if let Some(cell) = usize::try_from(p.id).ok().and_then(|i| by_id.get_mut(i)) {
                *cell = Some(slot);
            }
        }
        ProductSlots {
            products: list,
            by_id,
        }
    }

    fn len(&self) -> usize {
        self.products.len().max(1)
    }

    fn slot(&self, product_id: i64) -> Option<usize> {
        usize::try_from(product_id)
            .ok()
            .and_then(|i| self.by_id.get(i).copied().flatten())
    }

    fn product(&self, slot: usize) -> Option<&'a Product> {
        self.products.get(slot).copied()
    }
}

/// `[from, to)` of bucket `i` (`days` long, counted from `origin`), clipped to `[start, end)`.
fn bucket(
    origin: NaiveDate,
    days: i64,
    i: usize,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> (NaiveDateTime, NaiveDateTime) {
    let i = i64::try_from(i).unwrap_or(0);
    let at = |d: i64| {
        (origin + Duration::days(d))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
    };
    (at(i * days).max(start), at((i + 1) * days).min(end))
}
