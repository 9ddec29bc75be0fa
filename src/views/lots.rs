//! The lot page (balances, opened containers, movement forms, history, the
//! sessions that used it) and the recall search page.

use askama::Template;

use super::Frame;
use super::ledger::{Choice, LedgerLine, qty_unit};
use crate::domain::clock::Clocks;
use crate::domain::fefo::is_expired;
use crate::domain::vocab::{AdjustReason, Unit};
use crate::services::lots::{HISTORY_PAGE, LotDetail, SessionUsage};

pub struct ContainerRow {
    pub lot_id: i64,
    pub container: i32,
    pub opened_at: String,
    pub discard_by: String,
    pub use_by: String,
    pub expired: bool,
    pub on_hand: String,
}

pub struct BalanceRow {
    pub lot_id: i64,
    pub what: String,
    pub site: String,
    pub location: String,
    pub quantity: String,
    pub expired: bool,
}

pub struct SessionRow {
    pub id: i64,
    pub performed_at: String,
    pub client_ref: String,
    pub practitioner: String,
    pub quantity: String,
    pub voided: bool,
    pub void_reason: String,
}

impl SessionRow {
    /// The session with its time on its site's clock.
    pub fn from_usage(s: &SessionUsage, unit: &str, clocks: &Clocks) -> SessionRow {
        SessionRow {
            id: s.session_id,
            performed_at: clocks.format(s.site_id, s.performed_at),
            client_ref: s.client_ref.clone(),
            practitioner: s.practitioner.clone(),
            quantity: qty_unit(s.quantity, unit),
            voided: s.voided,
            void_reason: s.void_reason.clone().unwrap_or_default(),
        }
    }
}

/// What was typed into the lot page's forms, to show again with errors.
#[derive(Default, Clone)]
pub struct LotForms {
    /// Which form the errors belong to: "adjust", "transfer", "open", "quarantine".
    pub form: String,
    pub errors: super::form::FieldErrors,
    pub adjust_lot_id: String,
    pub adjust_location_id: String,
    pub delta: String,
    pub reason: String,
    pub note: String,
    pub transfer_lot_id: String,
    pub from_location_id: String,
    pub to_location_id: String,
    pub quantity: String,
    pub transfer_note: String,
    pub open_location_id: String,
}

#[derive(Template)]
#[template(path = "lots/show.html")]
pub struct LotPage {
    pub frame: Frame,
    /// Managers see history, sessions and the correction forms.
    pub manager: bool,
    pub lot_id: i64,
    pub lot_number: String,
    pub product_id: i64,
    pub product: String,
    pub sku: String,
    pub unit: String,
    pub expiry: String,
    pub expired: bool,
    pub quarantined: bool,
    pub use_within_days: Option<i32>,
    pub on_hand: String,
    pub containers: Vec<ContainerRow>,
    pub balances: Vec<BalanceRow>,
    /// (lot row id, label) when containers exist: which row a form moves.
    pub lot_rows: Vec<Choice>,
    pub locations: Vec<Choice>,
    /// Locations where sealed stock is (for opening a container).
    pub open_locations: Vec<Choice>,
    pub reasons: Vec<Choice>,
    pub history: Vec<LedgerLine>,
    pub history_total: i64,
    pub history_page: i64,
    pub history_pages: i64,
    pub sessions: Vec<SessionRow>,
    pub sessions_total: String,
    pub forms: LotForms,
    /// This record's audit rows (None: the viewer may not read the audit log).
    pub audit_history: Option<Vec<crate::views::audit::AuditLine>>,
    /// Side effects of the lot's recent sessions against the product's
    /// other lots (managers; None for others).
    pub reactions: Option<super::lot_reactions::LotReactionPanel>,
}

impl LotPage {
    /// The errors of one of the page's forms: those sent back when `form`
    /// is the one that came back, else none.
    pub fn errors_of(&self, form: &str) -> &super::form::FieldErrors {
        if self.forms.form == form {
            &self.forms.errors
        } else {
            &super::form::NO_ERRORS
        }
    }
}

pub struct RecallHitView {
    pub lot_id: i64,
    pub lot: String,
    pub product: String,
    pub sku: String,
    pub expiry: String,
    pub sessions: Vec<SessionRow>,
}

#[derive(Template)]
#[template(path = "lots/recall.html")]
pub struct RecallPage {
    pub frame: Frame,
    pub products: Vec<Choice>,
    pub product_id: String,
    pub lot: String,
    pub searched: bool,
    pub hits: Vec<RecallHitView>,
    pub error: Option<String>,
}

impl LotPage {
    /// Builds the page from a lot's detail; its `today` (the holding site's
    /// day) judges expiry.
    pub fn build(
        frame: Frame,
        manager: bool,
        d: &LotDetail,
        locations: Vec<Choice>,
        forms: LotForms,
    ) -> LotPage {
        let today = d.today;
        let unit = d.product.unit;
        let on_hand_of = |lot_id: i64| -> i64 {
            d.balances
                .iter()
                .filter(|(h, _)| h.lot.id == lot_id)
                .map(|(h, _)| h.quantity)
                .sum()
        };
        let containers: Vec<ContainerRow> = d
            .containers
            .iter()
            .map(|c| ContainerRow {
                lot_id: c.id,
                container: c.container,
                opened_at: c.opened_at.map(|t| d.clock.format(t)).unwrap_or_default(),
                discard_by: c.discard_by.map(|x| x.to_string()).unwrap_or_default(),
                use_by: c.use_by.to_string(),
                expired: is_expired(c.use_by, today),
                on_hand: qty_unit(on_hand_of(c.id), unit.code()),
            })
            .collect();
        let balances = d
            .balances
            .iter()
            .map(|(h, site)| BalanceRow {
                lot_id: h.lot.id,
                what: if h.lot.container == 0 {
                    "sealed".to_string()
                } else {
                    format!("container #{}", h.lot.container)
                },
                site: site.clone(),
                location: h.location_code.clone(),
                quantity: qty_unit(h.quantity, unit.code()),
                expired: is_expired(h.lot.use_by, today),
            })
            .collect();
        let lot_rows = if d.containers.is_empty() {
            Vec::new()
        } else {
            std::iter::once((d.lot.id.to_string(), "sealed stock".to_string()))
                .chain(d.containers.iter().map(|c| {
                    (
                        c.id.to_string(),
                        format!(
                            "container #{} (discard by {})",
                            c.container,
                            c.discard_by.map(|x| x.to_string()).unwrap_or_default()
                        ),
                    )
                }))
                .collect()
        };
        let open_locations = d
            .balances
            .iter()
            .filter(|(h, _)| h.lot.id == d.lot.id)
            .map(|(h, site)| {
                (
                    h.location_id.to_string(),
                    format!(
                        "{site} / {} ({})",
                        h.location_code,
                        qty_unit(h.quantity, unit.code())
                    ),
                )
            })
            .collect();
        let mut forms = forms;
        if forms.from_location_id.is_empty()
            && let Some((h, _)) = d.balances.first()
        {
            forms.from_location_id = h.location_id.to_string();
        }
        if forms.reason.is_empty() {
            forms.reason = "waste".into();
        }
        let history_pages = ((d.history_total + HISTORY_PAGE - 1) / HISTORY_PAGE).max(1);
        LotPage {
            frame,
            manager,
            lot_id: d.lot.id,
            lot_number: d.lot.lot_number.clone(),
            product_id: d.product.id,
            product: d.product.name.clone(),
            sku: d.product.sku.clone(),
            expiry: d.lot.expiry.to_string(),
            expired: is_expired(d.lot.use_by, today),
            quarantined: d.lot.quarantined,
            use_within_days: d.product.use_within_days,
            on_hand: qty_unit(d.on_hand(), unit.code()),
            containers,
            balances,
            lot_rows,
            locations,
            open_locations,
            reasons: AdjustReason::ALL
                .iter()
                .map(|r| (r.code().to_string(), r.label().to_string()))
                .collect(),
            history: d
                .history
                .iter()
                .map(|e| LedgerLine::from_entry(e, &d.clocks))
                .collect(),
            history_total: d.history_total,
            history_page: d.history_page,
            history_pages,
            sessions: d
                .sessions
                .iter()
                .map(|s| SessionRow::from_usage(s, unit.code(), &d.clocks))
                .collect(),
            sessions_total: qty_unit(d.sessions.iter().map(|s| s.quantity).sum(), unit.code()),
            unit: if unit == Unit::Each {
                "items".into()
            } else {
                unit.code().to_string()
            },
            forms,
            audit_history: None,
            reactions: None,
        }
    }
}
