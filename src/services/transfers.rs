//! Moving stock between locations of a site, and opening a container (tube,
//! vial): both are pairs of `transfer` ledger rows in one transaction, so the
//! stock of a lot family never changes, only where (and in which row) it is.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::adjustments::{lot_and_product, parse_note, resolve_location, text, unit_of};
use crate::db::ledger::{LedgerEntry, StockAt};
use crate::db::{
    self, DbConn,
    models::{Location, Lot, NewLedgerRow, Product},
};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::fefo::is_expired;
use crate::domain::vocab::LedgerKind;
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};

/// The reason on both rows of an opening.
pub const OPENED: &str = "opened";

/// A transfer as entered, every field as text: locations by id (the lot
/// page) or by code at `site` (the API; the caller's own site, else `main`,
/// when no site is named).
#[derive(Debug, Clone, Default)]
pub struct TransferDraft {
    pub lot_id: Option<String>,
    pub from_location_id: Option<String>,
    pub to_location_id: Option<String>,
    pub site: Option<String>,
    pub from_location: Option<String>,
    pub to_location: Option<String>,
    pub quantity: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Transferred {
    pub lot: Lot,
    pub quantity: i64,
    pub unit: String,
    pub from: String,
    pub to: String,
    /// The lot's balance at the source and at the destination afterwards.
    pub from_balance: i64,
    pub to_balance: i64,
    /// The two ledger rows written (out of the source, into the destination).
    pub rows: Vec<LedgerEntry>,
}

/// Moves a quantity of one lot between two locations of the same site:
/// −q at the source, +q at the destination, or nothing when the source has
/// less than q (409 `insufficient_stock`).
pub fn transfer(conn: &mut DbConn, actor: &Actor, d: &TransferDraft) -> ServiceResult<Transferred> {
    actor.require(Action::TransferStock)?;
    let (mut t, ids) = db::write_tx(conn, |conn| {
        let (lot, product) = lot_and_product(conn, actor, Action::TransferStock, text(&d.lot_id))?;
        let mut p = Problems::new();
        let from = resolve_location(
            conn,
            (actor, Action::TransferStock),
            &mut p,
            "from_location",
            text(&d.from_location_id),
            text(&d.site),
            text(&d.from_location),
        )?;
        let to = resolve_location(
            conn,
            (actor, Action::TransferStock),
            &mut p,
            "to_location",
            text(&d.to_location_id),
            text(&d.site),
            text(&d.to_location),
        )?;
        if let (Some(f), Some(t)) = (&from, &to) {
            if f.id == t.id {
                p.add("to_location", "choose a different location than the source");
            } else if f.site_id != t.site_id {
                p.add("to_location", "transfers stay within one site");
            } else if !t.active {
                p.add("to_location", format!("location {} is not in use", t.code));
            }
        }
        let quantity = match text(&d.quantity) {
            Some(t) => p
                .take("quantity", Quantity::parse_positive(t, unit_of(&product)))
                .map(|q| q.0),
            None => {
                p.add("quantity", "enter how much to move");
                None
            }
        };
        let note = parse_note(&mut p, &d.note);
        p.finish()?;
        let (Some(from), Some(to), Some(quantity)) = (from, to, quantity) else {
            return Err(ServiceError::Internal("validated values missing".into()));
        };
        let out_at = StockAt::of_lot(&lot, from.id, from.site_id);
        let out = NewLedgerRow::new(LedgerKind::Transfer, out_at, -quantity, actor.user_id)
            .note(note.clone());
        let out_id = db::ledger::append(conn, &out)?;
        let into_at = StockAt::of_lot(&lot, to.id, to.site_id);
        let into =
            NewLedgerRow::new(LedgerKind::Transfer, into_at, quantity, actor.user_id).note(note);
        let into_id = db::ledger::append(conn, &into)?;
        let from_balance = db::balances::quantity_at(conn, lot.id, from.id)?;
        let to_balance = db::balances::quantity_at(conn, lot.id, to.id)?;
        let t = Transferred {
            lot,
            quantity,
            unit: product.unit.code().to_string(),
            from: from.code,
            to: to.code,
            from_balance,
            to_balance,
            rows: Vec::new(),
        };
        Ok((t, [out_id, into_id]))
    })?;
    t.rows = db::ledger::by_ids(conn, &ids)?;
    Ok(t)
}

/// Opening a container at a location: by id (the lot page) or by code at
/// `site` (the API).
#[derive(Debug, Clone, Default)]
pub struct OpenDraft {
    pub lot_id: Option<String>,
    pub location_id: Option<String>,
    pub site: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Opened {
    /// The new lot row of the opened container.
    pub lot_id: i64,
    pub container: i32,
    pub lot_number: String,
    pub discard_by: NaiveDate,
    pub use_by: NaiveDate,
    pub quantity: i64,
    pub unit: String,
    /// The two ledger rows written (out of the sealed lot, into the container).
    pub rows: Vec<LedgerEntry>,
}

/// Records opening one container of a sealed lot (container 0) at a
/// location: one pack (or what is left, if less) moves into a new lot row
/// whose discard-by date is today (at the location's site) + the product's
/// "use within N days of opening"; its use-by date is the earlier of that and the expiry, after
/// which stock views count it as expired. Products without that setting,
/// expired or quarantined lots, and already-opened containers are refused.
pub fn open_container(conn: &mut DbConn, actor: &Actor, d: &OpenDraft) -> ServiceResult<Opened> {
    open_container_at(conn, actor, d, db::now())
}

/// [`open_container`] as recorded at `now` (UTC): the opening day is the
/// local date of `now` at the location's site.
pub fn open_container_at(
    conn: &mut DbConn,
    actor: &Actor,
    d: &OpenDraft,
    now: NaiveDateTime,
) -> ServiceResult<Opened> {
    actor.require(Action::OpenContainer)?;
    let (mut o, ids) = db::write_tx(conn, |conn| {
        let (lot, product) = lot_and_product(conn, actor, Action::OpenContainer, text(&d.lot_id))?;
        let mut p = Problems::new();
        let location = resolve_location(
            conn,
            (actor, Action::OpenContainer),
            &mut p,
            "location",
            text(&d.location_id),
            text(&d.site),
            text(&d.location),
        )?;
        p.finish()?;
        let Some(location) = location else {
            return Err(ServiceError::Internal("validated values missing".into()));
        };
        let today = db::sites::by_id(conn, location.site_id)?
            .ok_or_else(|| ServiceError::Internal("location without site".into()))?
            .clock()
            .today(now);
        let stamp = db::now();
        let at = OpenAt {
            lot: &lot,
            product: &product,
            location: &location,
            today,
            opened_at: now,
            dated: (stamp, stamp),
            session: None,
        };
        open_in_tx(conn, actor, &at)
    })?;
    o.rows = db::ledger::by_ids(conn, &ids)?;
    Ok(o)
}

/// One opening as its caller decided it: the sealed lot, the location, the
/// opening day at the site, when it was opened, the dates of its ledger rows
/// (occurred, created), and the session line the rows belong to when a
/// session opened it.
pub(crate) struct OpenAt<'a> {
    pub lot: &'a Lot,
    pub product: &'a Product,
    pub location: &'a Location,
    pub today: NaiveDate,
    pub opened_at: NaiveDateTime,
    pub dated: (NaiveDateTime, NaiveDateTime),
    pub session: Option<(i64, i64)>,
}

/// Opens one container inside the caller's transaction (the lot page, the
/// API and a session line that opened a tube all come here): checks the
/// product and the lot, inserts the container's lot row and appends the two
/// `transfer` rows (reason `opened`). Answers without `rows` and with the
/// ids of the two rows.
pub(crate) fn open_in_tx(
    conn: &mut DbConn,
    actor: &Actor,
    o: &OpenAt<'_>,
) -> ServiceResult<(Opened, [i64; 2])> {
    let (lot, product, location) = (o.lot, o.product, o.location);
    let days = check_openable(product, lot, o.today)?;
    let on_hand = db::balances::quantity_at(conn, lot.id, location.id)?;
    if on_hand <= 0 {
        return Err(ServiceError::conflict(
            ErrorCode::InsufficientStock,
            format!(
                "no sealed stock of lot {} at {}",
                lot.lot_number, location.code
            ),
        ));
    }
    let quantity = product.pack_size.min(on_hand);
    let container = db::lots::max_container(conn, product.id, &lot.lot_number)? + 1;
    let discard_by = o.today + Duration::days(i64::from(days));
    let opened_id = db::lots::insert_opened(conn, lot, container, o.opened_at, discard_by)?;
    let opened = db::lots::by_id(conn, opened_id)?
        .ok_or_else(|| ServiceError::Internal("opened lot vanished".into()))?;
    let ids = move_into_opened(conn, actor, (lot, &opened), o, quantity)?;
    let opened = Opened {
        lot_id: opened.id,
        container,
        lot_number: opened.lot_number,
        discard_by,
        use_by: opened.use_by,
        quantity,
        unit: product.unit.code().to_string(),
        rows: Vec::new(),
    };
    Ok((opened, ids))
}

/// Whether `lot` of `product` may be opened on `today` (pure): the days an
/// opened container keeps, or why not.
fn check_openable(product: &Product, lot: &Lot, today: NaiveDate) -> ServiceResult<i32> {
    let Some(days) = product.use_within_days else {
        return Err(ServiceError::invalid_code(
            ErrorCode::NotOpenable,
            "lot_id",
            format!(
                "{} has no \"use within N days of opening\" setting; set it on the product first",
                product.name
            ),
        ));
    };
    if lot.container != 0 {
        return Err(ServiceError::invalid_code(
            ErrorCode::AlreadyOpen,
            "lot_id",
            "this is an opened container already; open one from the sealed lot",
        ));
    }
    if lot.quarantined {
        return Err(ServiceError::conflict(
            ErrorCode::LotUnusable,
            format!("lot {} is quarantined", lot.lot_number),
        ));
    }
    if is_expired(lot.use_by, today) {
        return Err(ServiceError::conflict(
            ErrorCode::LotExpired,
            format!("lot {} expired on {}", lot.lot_number, lot.use_by),
        ));
    }
    Ok(days)
}

/// The pair of `transfer` rows of an opening: `quantity` out of the sealed
/// lot and into the opened container, at the same location. Their ids.
fn move_into_opened(
    conn: &mut DbConn,
    actor: &Actor,
    (sealed, opened): (&Lot, &Lot),
    o: &OpenAt<'_>,
    quantity: i64,
) -> ServiceResult<[i64; 2]> {
    let location = o.location;
    let row = |at: StockAt, delta: i64, note: String| {
        let r = NewLedgerRow::new(LedgerKind::Transfer, at, delta, actor.user_id)
            .reason(OPENED)
            .note(note)
            .occurred_at(o.dated.0)
            .created_at(o.dated.1);
        match o.session {
            Some((session, line)) => r.session(session, Some(line)),
            None => r,
        }
    };
    let note = format!("container {} opened", opened.container);
    let sealed_at = StockAt::of_lot(sealed, location.id, location.site_id);
    let out_id = db::ledger::append(conn, &row(sealed_at, -quantity, note.clone()))?;
    let opened_at = StockAt::of_lot(opened, location.id, location.site_id);
    let into_id = db::ledger::append(conn, &row(opened_at, quantity, note))?;
    Ok([out_id, into_id])
}
