//! A stored session as people and API clients read it: its lines, the lots
//! and locations each line took stock from, warnings, void state and the
//! follow-ups recorded since.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::{
    self, DbConn,
    models::{Product, SessionLine, TreatmentSession, User},
    sessions::Movement,
};
use crate::domain::clock::SiteClock;
use crate::domain::vocab::{Addon, Category, Indication, LedgerKind, SideEffect};
use crate::error::{ServiceError, ServiceResult};

/// A warning saved with the session (saving went ahead).
pub use crate::domain::session_warnings::Warning;

/// Warnings as stored in `treatment_sessions.warnings` (a JSON array).
pub fn encode_warnings(w: &[Warning]) -> String {
    if w.is_empty() {
        return String::new();
    }
    serde_json::to_string(w).unwrap_or_default()
}

pub fn decode_warnings(text: &str) -> Vec<Warning> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    serde_json::from_str(text).unwrap_or_else(|_| vec![Warning::new("warning", text)])
}

/// Stock one line took from one (lot, location).
#[derive(Debug, Clone)]
pub struct AllocationView {
    pub lot_id: i64,
    pub lot: String,
    pub expiry: NaiveDate,
    pub use_by: NaiveDate,
    pub location_id: i64,
    pub location: String,
    /// Taken (thousandths, positive).
    pub quantity: i64,
    /// Given back by a void (thousandths, positive).
    pub returned: i64,
}

/// A tube (container) a line opened ("new tube opened"): the line's stock
/// came from it. It stays open when the session is voided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedView {
    /// The container's lot row.
    pub lot_id: i64,
    pub lot: String,
    pub container: i32,
    pub location: String,
    /// What went into the container (a pack, or what was left).
    pub quantity: i64,
    /// The earlier of the lot's expiry and its discard-by after opening.
    pub use_by: NaiveDate,
}

#[derive(Debug, Clone)]
pub struct LineView {
    pub line: SessionLine,
    pub product: Product,
    pub allocations: Vec<AllocationView>,
    pub opened: Option<OpenedView>,
}

#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: TreatmentSession,
    pub site_code: String,
    /// The site's clock: the session's local day and time.
    pub clock: SiteClock,
    /// The login of who treated.
    pub practitioner: String,
    /// Their display name ("Pia Novak"), else the login.
    pub practitioner_name: String,
    pub protocol_name: Option<String>,
    pub voided_by: Option<String>,
    pub warnings: Vec<Warning>,
    pub lines: Vec<LineView>,
    /// Side effects noticed after the session, oldest observation first.
    pub follow_ups: Vec<super::follow_up::FollowUpView>,
    /// Treatment areas named (retired ones included), in list order.
    pub areas: Vec<crate::db::areas::TreatmentArea>,
    /// Who confirmed the warnings ("I have checked these warnings").
    pub warnings_checked: Option<crate::db::needle_ranges::WarningCheck>,
}

impl SessionView {
    pub fn voided(&self) -> bool {
        self.session.voided_at.is_some()
    }

    /// May `actor` void this session now (`domain::access::may_void`)?
    /// Err says why not.
    pub fn void_answer(&self, actor: &crate::domain::access::Actor) -> Result<(), String> {
        if self.voided() {
            return Err("this session is void already".into());
        }
        crate::domain::access::may_void(actor, &super::void::facts(&self.session), db::now())
            .map_err(|d| d.0)
    }

    /// Until when the person who logged it may void it themselves, as the
    /// site reads it ("14:35").
    pub fn own_void_until(&self) -> String {
        let until = self.session.created_at
            + chrono::Duration::minutes(crate::domain::access::OWN_VOID_MINUTES);
        self.clock.format_time(until)
    }

    pub fn performed_at(&self) -> NaiveDateTime {
        self.session.performed_at
    }

    /// The session's day at its site.
    pub fn local_date(&self) -> NaiveDate {
        self.clock.local_date(self.session.performed_at)
    }

    /// Today at the session's site (the last day a follow-up may name).
    pub fn site_today(&self) -> NaiveDate {
        self.clock.today(db::now())
    }

    pub fn indication(&self) -> Option<Indication> {
        self.session.indication
    }

    pub fn addons(&self) -> Vec<Addon> {
        self.session.addons.0.clone()
    }

    pub fn side_effects(&self) -> Vec<SideEffect> {
        self.session.side_effects.0.clone()
    }

    /// The names of the treatment areas, "Face, Neck" (empty when none).
    pub fn area_names(&self) -> String {
        self.areas
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The SPF products used (for the after-care sheet).
    pub fn spf_products(&self) -> Vec<&Product> {
        let mut out: Vec<&Product> = Vec::new();
        for l in &self.lines {
            if l.product.category == Category::Spf && !out.iter().any(|p| p.id == l.product.id) {
                out.push(&l.product);
            }
        }
        out
    }
}

/// A new session as its recording transaction wrote it: what `record`
/// answers with instead of reading it back after COMMIT. [`load`] reads the
/// same view from the database (`tests/app/sessions_answer.rs` checks that
/// both agree).
#[derive(Debug, Clone)]
pub struct Written {
    pub session: TreatmentSession,
    pub site_code: String,
    pub clock: SiteClock,
    pub protocol_name: Option<String>,
    pub lines: Vec<LineView>,
    /// As resolved from the request (put in list order here).
    pub areas: Vec<crate::db::areas::TreatmentArea>,
    /// When and which warning codes the practitioner confirmed.
    pub checked: Option<(NaiveDateTime, String)>,
}

impl Written {
    /// The view, with the practitioner (who also confirmed the warnings).
    pub fn into_view(self, practitioner: &User) -> SessionView {
        let mut areas = self.areas;
        areas.sort_by_key(|a| (a.position, a.id));
        let name = practitioner
            .display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&practitioner.username)
            .to_string();
        SessionView {
            warnings: decode_warnings(&self.session.warnings),
            clock: self.clock,
            practitioner: practitioner.username.clone(),
            practitioner_name: name,
            session: self.session,
            site_code: self.site_code,
            protocol_name: self.protocol_name,
            voided_by: None,
            lines: self.lines,
            follow_ups: Vec::new(),
            areas,
            warnings_checked: self.checked.map(|(checked_at, codes)| {
                crate::db::needle_ranges::WarningCheck {
                    user_id: practitioner.id,
                    username: practitioner.username.clone(),
                    display_name: practitioner.display_name.clone(),
                    checked_at,
                    codes,
                }
            }),
        }
    }
}

/// Loads one session with everything it shows; `None` when there is none.
pub fn load(conn: &mut DbConn, id: i64) -> ServiceResult<Option<SessionView>> {
    let Some(row) = db::sessions::rows_by_ids(conn, &[id])?.into_iter().next() else {
        return Ok(None);
    };
    let lines = db::sessions::lines_of(conn, &[id])?;
    let product_ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &product_ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let moves = db::sessions::movements_of(conn, &[id])?;
    let voided_by = match row.session.voided_by {
        Some(uid) => db::users::by_id(conn, uid)?.map(|u| u.username),
        None => None,
    };
    let mut out_lines = Vec::with_capacity(lines.len());
    for line in lines {
        let product = products
            .get(&line.product_id)
            .cloned()
            .ok_or_else(|| ServiceError::Internal("session line without product".into()))?;
        let of_line: Vec<&Movement> = moves
            .iter()
            .filter(|m| m.session_line_id == Some(line.id))
            .collect();
        out_lines.push(LineView {
            line,
            product,
            allocations: allocations_of(&of_line),
            opened: opened_of(&of_line),
        });
    }
    Ok(Some(SessionView {
        warnings: decode_warnings(&row.session.warnings),
        clock: row.clock(),
        practitioner_name: row.practitioner_shown().to_string(),
        session: row.session,
        site_code: row.site_code,
        practitioner: row.practitioner,
        protocol_name: row.protocol_name,
        voided_by,
        lines: out_lines,
        follow_ups: super::follow_up::of_sessions(conn, &[id])?,
        areas: db::areas::of_sessions(conn, &[id])?
            .into_iter()
            .map(|(_, a)| a)
            .collect(),
        warnings_checked: db::needle_ranges::check_of(conn, id)?,
    }))
}

/// What one line took, per (lot, location) in the order first taken, and
/// what a void gave back.
fn allocations_of(moves: &[&Movement]) -> Vec<AllocationView> {
    let mut allocations: Vec<AllocationView> = Vec::new();
    for m in moves {
        let consumed = m.kind == LedgerKind::Consume;
        if !consumed && m.kind != LedgerKind::Void {
            continue;
        }
        let pos = allocations
            .iter()
            .position(|a| a.lot_id == m.lot_id && a.location_id == m.location_id);
        let a = match pos {
            Some(i) => &mut allocations[i],
            None => {
                allocations.push(AllocationView {
                    lot_id: m.lot_id,
                    lot: m.lot_number.clone(),
                    expiry: m.expiry,
                    use_by: m.use_by,
                    location_id: m.location_id,
                    location: m.location_code.clone(),
                    quantity: 0,
                    returned: 0,
                });
                let last = allocations.len() - 1;
                &mut allocations[last]
            }
        };
        if consumed {
            a.quantity += -m.delta;
        } else {
            a.returned += m.delta;
        }
    }
    allocations
}

/// The tube a line opened: its `transfer` row into the new container.
fn opened_of(moves: &[&Movement]) -> Option<OpenedView> {
    moves
        .iter()
        .find(|m| m.kind == LedgerKind::Transfer && m.delta > 0)
        .map(|m| OpenedView {
            lot_id: m.lot_id,
            lot: m.lot_number.clone(),
            container: m.container,
            location: m.location_code.clone(),
            quantity: m.delta,
            use_by: m.use_by,
        })
}

/// Like [`load`], but a missing session is 404.
pub fn load_existing(conn: &mut DbConn, id: i64) -> ServiceResult<SessionView> {
    load(conn, id)?.ok_or_else(|| ServiceError::not_found(format!("no session {id}")))
}
