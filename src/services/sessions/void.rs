//! Voiding a session (reason required; a manager, or the person who logged
//! it within 30 minutes of saving it: `domain::access::may_void`, asked
//! here and nowhere else): the session stays, marked
//! void, and compensating `void` ledger rows give every quantity back to the
//! exact (lot, location) it came from. The rows are dated at the session's
//! time (`occurred_at`), so "consumed − voided" over any window nets the
//! session out of usage figures; `created_at` says when the void happened.

use super::view::{self, SessionView};
use crate::db::{self, DbConn, ledger::StockAt, models::NewLedgerRow};
use crate::domain::access::{Action, Actor, VoidFacts, may_void};
use crate::domain::vocab::LedgerKind;
use crate::error::{ErrorCode, ServiceError, ServiceResult};

pub const MAX_REASON: usize = 500;

/// What the void rule needs to know about a session.
pub fn facts(s: &db::models::TreatmentSession) -> VoidFacts {
    VoidFacts {
        site_id: s.site_id,
        practitioner_id: s.practitioner_id,
        saved_at: s.created_at,
    }
}

pub fn void(
    conn: &mut DbConn,
    actor: &Actor,
    session_id: i64,
    reason: &str,
) -> ServiceResult<SessionView> {
    actor.require_void()?;
    // Another site's session is hidden (404) before the reason is read.
    let hidden = || format!("no session {session_id}");
    let session =
        db::sessions::by_id(conn, session_id)?.ok_or_else(|| ServiceError::not_found(hidden()))?;
    crate::services::scope::hide_unless(actor, Action::ViewSessions, session.site_id, hidden)?;
    may_void(actor, &facts(&session), db::now())?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::invalid(
            "reason",
            "say why the session is voided",
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(ServiceError::invalid(
            "reason",
            format!("at most {MAX_REASON} characters"),
        ));
    }
    db::write_tx(conn, |conn| {
        let session = db::sessions::by_id(conn, session_id)?
            .ok_or_else(|| ServiceError::not_found(format!("no session {session_id}")))?;
        let now = db::now();
        // Asked again at the time of writing (the form may have waited).
        may_void(actor, &facts(&session), now)?;
        // Conditional: of two concurrent voids only one changes the row.
        if session.voided_at.is_some()
            || db::sessions::set_voided(conn, session_id, actor.user_id, reason, now)? != 1
        {
            return Err(ServiceError::conflict(
                ErrorCode::AlreadyVoided,
                format!("session {session_id} is already void"),
            ));
        }
        for m in db::sessions::movements_of(conn, &[session_id])? {
            if m.kind != LedgerKind::Consume || m.delta >= 0 {
                continue;
            }
            let at = StockAt {
                site_id: session.site_id,
                location_id: m.location_id,
                product_id: m.product_id,
                lot_id: m.lot_id,
            };
            let back = NewLedgerRow::new(LedgerKind::Void, at, -m.delta, actor.user_id)
                .note(reason.to_string())
                .occurred_at(session.performed_at)
                .created_at(now);
            db::ledger::append(conn, &back.session(session_id, m.session_line_id))?;
        }
        view::load_existing(conn, session_id)
    })
}
