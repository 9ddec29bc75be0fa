//! Recording a session: one write transaction that validates, allocates
//! every line FEFO (or from the named lot), appends one `consume` ledger row
//! per (lot, location) taken, and stores the session with its warnings.
//! Either every line is decremented or nothing is.
//!
//! Idempotency: the request's fingerprint (`request::fingerprint`) is stored
//! with its key. The same key with the same request answers with the stored
//! session and moves nothing; with another request it is refused
//! (`idempotency_key_reused`). On SQLite the key is checked under the write
//! lock; on PostgreSQL two concurrent requests with one key both get past the
//! check, and the loser's INSERT hits the UNIQUE index: its transaction rolls
//! back and it answers with the winner's session.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection;

use super::allocate::{
    CheckedLine, SiteStock, check_lines, issues_error, named_lot_state, refusal, warnings,
};
use super::request::{self, NormalLine, NormalRequest, SessionDraft, join_codes};
use super::view::{self, AllocationView, LineView, SessionView, Written, encode_warnings};
use crate::db::vocab_sql::CodeList;
use crate::db::{
    self, DbConn,
    ledger::AppendError,
    models::{NewLedgerRow, Protocol, SessionLine, Site, TreatmentSession, User},
    sessions::NewSession,
};
use crate::domain::access::{Action, Actor, Scope};
use crate::domain::fefo::AllocError;
use crate::domain::vocab::{Indication, LedgerKind};
use crate::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::sites;

/// How often one line re-reads the stock after a concurrent session took
/// what it had allocated (PostgreSQL only; each retry means another
/// transaction made progress, so this bound is never reached in practice).
const MAX_REALLOCATIONS: u32 = 32;

/// The outcome: the session, and whether it was recorded before (replay).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub view: SessionView,
    pub replayed: bool,
}

/// Records a session for `actor` under an idempotency key.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    key: &str,
    draft: &SessionDraft,
) -> ServiceResult<Recorded> {
    record_as(conn, actor, None, key, draft)
}

/// [`record`] when the caller's user row is at hand (the API read it with
/// the bearer token): the answer names the practitioner from it instead of
/// reading it again after COMMIT.
pub fn record_by(
    conn: &mut DbConn,
    actor: &Actor,
    practitioner: &User,
    key: &str,
    draft: &SessionDraft,
) -> ServiceResult<Recorded> {
    record_as(conn, actor, Some(practitioner), key, draft)
}

fn record_as(
    conn: &mut DbConn,
    actor: &Actor,
    practitioner: Option<&User>,
    key: &str,
    draft: &SessionDraft,
) -> ServiceResult<Recorded> {
    actor.require(Action::LogSession)?;
    // Times typed without an offset are the site's; another site's is
    // refused (403) before the rest is read. The site found here is the
    // transaction's (a site is never deleted and its code never changes);
    // an unknown one is refused inside the transaction, after the
    // idempotency key is judged, as before.
    let site = match crate::services::scope::one_site(
        conn,
        actor,
        Action::LogSession,
        request::text(&draft.site),
    ) {
        Ok(s) => Some(s),
        Err(e @ ServiceError::Forbidden(_)) => return Err(e),
        Err(_) => None,
    };
    let clock = site.as_ref().map(Site::clock).unwrap_or_default();
    let key = request::parse_key(key)?;
    let now = db::now();
    let req = request::normalise(draft, now, &clock)?;
    let hash = request::fingerprint(&req, actor.user_id);
    // Grouped with other sessions' writes on SQLite (one COMMIT for the
    // batch; `db::group_commit`): the body owns what it uses.
    let body = {
        let (actor, key, hash) = (actor.clone(), key.clone(), hash.clone());
        move |conn: &mut DbConn| record_in_tx(conn, &actor, site.as_ref(), (&key, &hash), &req, now)
    };
    let result = db::group_commit::write_tx_grouped(conn, body);
    let (id, written) = match result {
        Err(ServiceError::Db(e)) if db::is_unique_violation(&e) => {
            // A concurrent request with the same key committed first.
            let existing = db::read_tx(conn, |conn| db::sessions::by_key(conn, &key))?
                .ok_or(ServiceError::Db(e))?;
            (replay(&existing, &hash)?, None)
        }
        other => other?,
    };
    // A new session is answered from what its transaction wrote (only its
    // practitioner's name is read, after COMMIT, unless the caller's row
    // is at hand); a replay is read back.
    let replayed = written.is_none();
    let view = match written {
        Some(w) => match practitioner.filter(|u| u.id == actor.user_id) {
            Some(who) => w.into_view(who),
            None => {
                let who = db::users::by_id(conn, actor.user_id)?
                    .ok_or_else(|| ServiceError::Internal("the practitioner has gone".into()))?;
                w.into_view(&who)
            }
        },
        None => conn.transaction(|conn| view::load_existing(conn, id))?,
    };
    Ok(Recorded { view, replayed })
}

/// The stored session's id when the request is the same, else the refusal.
fn replay(existing: &TreatmentSession, hash: &str) -> ServiceResult<i64> {
    if existing.request_hash != hash {
        return Err(ServiceError::invalid_code(
            ErrorCode::IdempotencyKeyReused,
            "idempotency_key",
            "this Idempotency-Key was already used for a different session; use a new key for a new session",
        ));
    }
    Ok(existing.id)
}

/// The session's protocol: none, or an active one (else 422).
fn protocol_of(conn: &mut DbConn, id: Option<i64>) -> ServiceResult<Option<Protocol>> {
    let Some(id) = id else {
        return Ok(None);
    };
    match db::protocols::by_id(conn, id)? {
        Some(p) if p.active => Ok(Some(p)),
        Some(p) => Err(ServiceError::invalid(
            "protocol_id",
            format!("protocol {} is archived", p.name),
        )),
        None => Err(ServiceError::invalid(
            "protocol_id",
            format!("no protocol with id {id}"),
        )),
    }
}

/// The lines given, else the protocol's default lines (422 when neither).
fn lines_of(
    conn: &mut DbConn,
    req: &NormalRequest,
    protocol: Option<&Protocol>,
) -> ServiceResult<Vec<NormalLine>> {
    match (&req.lines, protocol) {
        (Some(lines), _) => Ok(lines.clone()),
        (None, Some(p)) => {
            let lines: Vec<NormalLine> = db::protocols::lines_of(conn, &[p.id])?
                .into_iter()
                .map(|l| NormalLine {
                    product_id: l.product_id,
                    quantity: l.quantity,
                    lot_id: None,
                    open_new: false,
                })
                .collect();
            if lines.is_empty() {
                return Err(ServiceError::invalid(
                    "lines",
                    format!("protocol {} has no default lines; give the lines", p.name),
                ));
            }
            Ok(lines)
        }
        (None, None) => Err(ServiceError::invalid(
            "lines",
            "give the lines used, or a protocol whose lines apply",
        )),
    }
}

fn record_in_tx(
    conn: &mut DbConn,
    actor: &Actor,
    site: Option<&Site>,
    (key, hash): (&str, &str),
    req: &NormalRequest,
    now: NaiveDateTime,
) -> ServiceResult<(i64, Option<Written>)> {
    if let Some(existing) = db::sessions::by_key(conn, key)? {
        return Ok((replay(&existing, hash)?, None));
    }
    let resolved;
    let site = match site {
        Some(s) => s,
        None => {
            resolved = sites::resolve_site(conn, actor, req.site.as_deref())?;
            &resolved
        }
    };
    if !actor.may(Action::LogSession, Scope::Site(site.id)) {
        return Err(ServiceError::Forbidden(format!(
            "you log sessions at your own site, not at {}",
            site.code
        )));
    }
    let protocol = protocol_of(conn, req.protocol_id)?;
    let lines = lines_of(conn, req, protocol.as_ref())?;
    let areas = crate::services::areas::resolve(conn, &req.areas)?;
    let (checked, issues) = check_lines(conn, &lines, req.needle)?;
    if !issues.is_empty() {
        return Err(issues_error(issues));
    }
    let indication = req
        .indication
        .or_else(|| protocol.as_ref().map(|p| p.indication));
    // Whole microseconds: what both backends store.
    let performed_at = chrono::SubsecRound::trunc_subsecs(req.performed_at.unwrap_or(now), 6);
    // Lots are judged on the session's day at the site.
    let day = site.clock().local_date(performed_at);
    let warned = session_warnings(conn, req, protocol.as_ref(), indication, &checked)?;
    // The session row first: on PostgreSQL a concurrent duplicate key waits
    // here on the UNIQUE index instead of taking stock first.
    let new = session_row(
        actor,
        site.id,
        (key, hash),
        req,
        (performed_at, indication),
        &protocol,
        &warned,
    );
    let (session_id, created_at) = db::sessions::insert(conn, &new)?;
    let area_ids: Vec<i64> = areas.iter().map(|a| a.id).collect();
    db::areas::set_for_session(conn, session_id, &area_ids)?;
    let ctx = Ctx {
        actor,
        site_id: site.id,
        session_id,
        performed_at,
        now,
        day,
    };
    let line_views = take_lines(conn, &ctx, &checked)?;
    // Last, so that every refusal of today comes first.
    let checked_warnings = confirmation(conn, actor, req, session_id, &warned, now)?;
    let written = Written {
        session: new.stored(
            session_id,
            created_at,
            CodeList(req.addons.clone()),
            CodeList(req.side_effects.clone()),
        ),
        site_code: site.code.clone(),
        clock: site.clock(),
        protocol_name: protocol.map(|p| p.name),
        lines: line_views,
        areas,
        checked: checked_warnings,
    };
    Ok((session_id, Some(written)))
}

/// The warnings that do not stop the session, the indication's usual
/// needle range included.
fn session_warnings(
    conn: &mut DbConn,
    req: &NormalRequest,
    protocol: Option<&Protocol>,
    indication: Option<Indication>,
    checked: &[CheckedLine],
) -> ServiceResult<Vec<super::view::Warning>> {
    let usual = match indication {
        Some(i) => crate::services::needle_ranges::usual_range(conn, i)?,
        None => None,
    };
    Ok(warnings(
        protocol,
        usual,
        Some(req.needle),
        req.anaesthetic_contact_minutes,
        checked,
    ))
}

/// The session row as the request and its checks describe it.
fn session_row(
    actor: &Actor,
    site_id: i64,
    (key, hash): (&str, &str),
    req: &NormalRequest,
    (performed_at, indication): (NaiveDateTime, Option<Indication>),
    protocol: &Option<Protocol>,
    warned: &[super::view::Warning],
) -> NewSession {
    NewSession {
        site_id,
        practitioner_id: actor.user_id,
        client_ref: req.client_ref.clone(),
        performed_at,
        indication,
        needle_length: req.needle,
        protocol_id: protocol.as_ref().map(|p| p.id),
        addons: join_codes(&req.addons, |a| a.code()),
        side_effects: join_codes(&req.side_effects, |s| s.code()),
        side_effect_other: req.side_effect_other.clone(),
        notes: req.notes.clone(),
        warnings: encode_warnings(warned),
        idempotency_key: key.to_string(),
        request_hash: hash.to_string(),
        duration_minutes: req.duration_minutes,
        anaesthetic_applied_at: req.anaesthetic_applied_at,
        anaesthetic_contact_minutes: req.anaesthetic_contact_minutes,
    }
}

/// Stores each line and takes its quantity from the site's stock (FEFO, or
/// the named lot, or a tube opened for it), in the order given.
fn take_lines(
    conn: &mut DbConn,
    ctx: &Ctx,
    checked: &[CheckedLine],
) -> ServiceResult<Vec<LineView>> {
    let product_ids: Vec<i64> = checked.iter().map(|l| l.product.id).collect();
    let mut stock = SiteStock::load(conn, ctx.site_id, &product_ids, ctx.day)?;
    let mut line_views = Vec::with_capacity(checked.len());
    for (position, line) in checked.iter().enumerate() {
        let named_lot_id = line.named_lot.as_ref().map(|l| l.id);
        let line_id = db::sessions::insert_line(
            conn,
            (ctx.session_id, ctx.site_id, ctx.performed_at),
            line.product.id,
            line.quantity,
            named_lot_id,
            position as i32,
        )?;
        let total: i64 = checked
            .iter()
            .filter(|l| l.product.id == line.product.id)
            .map(|l| l.quantity)
            .sum();
        if let Some(e) = named_lot_state(line, ctx.day) {
            return Err(refusal(e, line, total, &stock, ctx.day));
        }
        let (allocations, opened) =
            super::open_tube::take_line(conn, ctx, &mut stock, line, line_id, total)?;
        line_views.push(LineView {
            line: SessionLine {
                id: line_id,
                session_id: ctx.session_id,
                product_id: line.product.id,
                quantity: line.quantity,
                named_lot_id,
                position: position as i32,
            },
            product: line.product.clone(),
            allocations,
            opened,
        });
    }
    Ok(line_views)
}

/// The code of the form's confirmation step (never a refusal of the API).
pub const UNCONFIRMED: ErrorCode = ErrorCode::WarningsUnconfirmed;

/// "I have checked these warnings": stored (who, when, the codes) when the
/// confirmation covers the session's warnings. Otherwise the form, which
/// asks for it, gets [`UNCONFIRMED`] with the warnings, and the whole
/// transaction rolls back: nothing is saved, the form comes back as typed.
fn confirmation(
    conn: &mut DbConn,
    actor: &Actor,
    req: &NormalRequest,
    session_id: i64,
    warned: &[view::Warning],
    now: NaiveDateTime,
) -> ServiceResult<Option<(NaiveDateTime, String)>> {
    use crate::domain::session_warnings::{confirmed, signature};
    if warned.is_empty() {
        return Ok(None);
    }
    if confirmed(req.confirm_warnings.as_deref(), warned) {
        let codes = signature(warned);
        db::needle_ranges::insert_check(conn, session_id, actor.user_id, now, &codes)?;
        return Ok(Some((now, codes)));
    } else if req.ask_confirmation {
        let mut details = serde_json::Map::new();
        details.insert("warnings".into(), serde_json::json!(warned));
        details.insert("signature".into(), signature(warned).into());
        details.insert("field".into(), "confirm_warnings".into());
        return Err(ServiceError::Conflict {
            code: UNCONFIRMED,
            message:
                "Check the warnings and tick “I have checked these warnings” to save the session."
                    .into(),
            details,
        });
    }
    Ok(None)
}

/// The warnings a held-back save asks to confirm ([`UNCONFIRMED`]).
pub fn unconfirmed_warnings(e: &ServiceError) -> Option<Vec<view::Warning>> {
    match e {
        ServiceError::Conflict {
            code: UNCONFIRMED,
            details,
            ..
        } => serde_json::from_value(details.get("warnings")?.clone()).ok(),
        _ => None,
    }
}

pub(super) struct Ctx<'a> {
    pub(super) actor: &'a Actor,
    pub(super) site_id: i64,
    pub(super) session_id: i64,
    pub(super) performed_at: NaiveDateTime,
    pub(super) now: NaiveDateTime,
    pub(super) day: NaiveDate,
}

/// Allocates one line and appends its `consume` rows. When a conditional
/// decrement finds the stock gone (a concurrent session on PostgreSQL took
/// it), the product's balances are read again and the rest re-allocated.
pub(super) fn consume_line(
    conn: &mut DbConn,
    ctx: &Ctx<'_>,
    stock: &mut SiteStock,
    line: &CheckedLine,
    line_id: i64,
    total: i64,
) -> ServiceResult<Vec<AllocationView>> {
    let product_id = line.product.id;
    let mut taken: Vec<AllocationView> = Vec::new();
    let named = line.named_lot.as_ref().map(|l| l.id);
    let mut remaining = line.quantity;
    let mut rounds = 0;
    while remaining > 0 {
        let allocations = stock
            .take(product_id, remaining, named)
            .map_err(|e| refusal(e, line, total, stock, ctx.day))?;
        let mut moved = false;
        for a in &allocations {
            let row = NewLedgerRow {
                lot_id: a.lot_id,
                location_id: a.location_id,
                product_id,
                site_id: ctx.site_id,
                delta: -a.quantity,
                kind: LedgerKind::Consume,
                reason: None,
                note: None,
                user_id: ctx.actor.user_id,
                occurred_at: ctx.performed_at,
                created_at: ctx.now,
                session_id: Some(ctx.session_id),
                session_line_id: Some(line_id),
                receipt_id: None,
                purchase_order_id: None,
                purchase_order_line_id: None,
                stock_count_id: None,
            };
            match db::ledger::append(conn, &row) {
                Ok(_) => {
                    remaining -= a.quantity;
                    stock.confirm(product_id, a.quantity);
                    note_taken(&mut taken, stock, a.lot_id, a.location_id, a.quantity)?;
                }
                Err(AppendError::Insufficient { .. }) => {
                    moved = true;
                    break;
                }
                Err(AppendError::Db(e)) => return Err(e.into()),
            }
        }
        if moved {
            rounds += 1;
            stock.reload(conn, product_id)?;
            if rounds > MAX_REALLOCATIONS {
                let e = AllocError::Insufficient {
                    requested: remaining,
                    available: stock.usable(product_id),
                };
                return Err(refusal(e, line, total, stock, ctx.day));
            }
        }
    }
    Ok(taken)
}

/// Adds what one ledger row took to the line's allocations (one per lot
/// and location, in the order first taken: as [`view::load`] shows them).
fn note_taken(
    taken: &mut Vec<AllocationView>,
    stock: &SiteStock,
    lot_id: i64,
    location_id: i64,
    quantity: i64,
) -> ServiceResult<()> {
    if let Some(a) = taken
        .iter_mut()
        .find(|a| a.lot_id == lot_id && a.location_id == location_id)
    {
        a.quantity += quantity;
        return Ok(());
    }
    let info = stock
        .info(lot_id, location_id)
        .ok_or_else(|| ServiceError::Internal("an allocation outside the stock read".into()))?;
    taken.push(AllocationView {
        lot_id,
        lot: info.lot_number.clone(),
        expiry: info.expiry,
        use_by: info.use_by,
        location_id,
        location: info.location_code.clone(),
        quantity,
        returned: 0,
    });
    Ok(())
}
