//! Session pages: the logging form (and its htmx partials: the lines block
//! and the live hints), the session page, the after-care sheet, the session
//! list and a client's history.

use askama::Template;

use super::Frame;
use crate::db::models::Product;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::fmt_qty;
use crate::domain::vocab::{Addon, Indication, SideEffect};
use crate::services::sessions::hints::LineHint;
use crate::services::sessions::{SessionView, Warning};

pub use super::form::Choice;

/// A checkbox of a code list (add-ons, side effects).
#[derive(Debug, Clone)]
pub struct Check {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub fn addon_checks(selected: &[String]) -> Vec<Check> {
    Addon::ALL
        .iter()
        .map(|a| Check {
            value: a.code(),
            label: a.label(),
            checked: selected.iter().any(|s| s == a.code()),
        })
        .collect()
}

pub fn side_effect_checks(selected: &[String]) -> Vec<Check> {
    SideEffect::ALL
        .iter()
        .map(|a| Check {
            value: a.code(),
            label: a.label(),
            checked: selected.iter().any(|s| s == a.code()),
        })
        .collect()
}

pub fn indication_opts(current: &str, blank: &str) -> Vec<Choice> {
    let mut v = vec![Choice::new("", blank, current)];
    v.extend(
        Indication::ALL
            .iter()
            .map(|i| Choice::new(i.code(), i.label(), current)),
    );
    v
}

/// A product's label in selects: "Roller 1.5 mm (RL-150) · each".
pub fn product_label(p: &Product) -> String {
    format!("{} ({}) · {}", p.name, p.sku, p.unit)
}

/// Products grouped by category for `<optgroup>`s.
#[derive(Debug, Clone)]
pub struct ProductGroup {
    pub label: String,
    pub products: Vec<(i64, String)>,
}

pub fn product_groups(products: &[Product]) -> Vec<ProductGroup> {
    let mut groups: Vec<ProductGroup> = Vec::new();
    for p in products {
        let label = p.category.label().to_string();
        match groups.iter_mut().find(|g| g.label == label) {
            Some(g) => g.products.push((p.id, product_label(p))),
            None => groups.push(ProductGroup {
                label,
                products: vec![(p.id, product_label(p))],
            }),
        }
    }
    groups
}

/// One line row of the form, as typed, with its preview and error.
#[derive(Debug, Clone)]
pub struct LineRow {
    pub index: usize,
    pub product_id: String,
    pub quantity: String,
    pub lot_id: String,
    /// "New tube opened" ticked.
    pub open_new: bool,
    pub hint: LineHint,
    pub error: Option<String>,
}

impl LineRow {
    pub fn is_product(&self, id: &i64) -> bool {
        self.product_id == id.to_string()
    }

    pub fn is_lot(&self, id: &i64) -> bool {
        self.lot_id == id.to_string()
    }

    /// A lot was chosen that is not among the usable choices (kept as typed).
    pub fn lot_missing(&self) -> bool {
        !self.lot_id.is_empty()
            && !self
                .hint
                .lot_choices
                .iter()
                .any(|c| c.lot_id.to_string() == self.lot_id)
    }

    pub fn fmt(&self, q: &i64) -> String {
        fmt_qty(*q)
    }

    /// Show the "new tube opened" tick: the product is opened like a tube
    /// ("use within N days of opening"), none is chosen yet (without
    /// JavaScript the row is not redrawn when one is), or it is ticked.
    pub fn can_open(&self) -> bool {
        self.open_new
            || self
                .hint
                .product
                .as_ref()
                .is_none_or(|p| p.use_within_days.is_some())
    }
}

/// A treatment area's checkbox on the form.
#[derive(Debug, Clone)]
pub struct AreaCheck {
    pub id: i64,
    pub name: String,
    pub checked: bool,
}

/// The session's facts as typed: areas, duration, anaesthetic time.
#[derive(Debug, Clone, Default)]
pub struct FormFacts {
    pub areas: Vec<AreaCheck>,
    pub duration_minutes: String,
    pub anaesthetic_applied_at: String,
    pub anaesthetic_contact_minutes: String,
}

impl FormFacts {
    pub fn new(
        areas: &[crate::db::areas::TreatmentArea],
        chosen: &[String],
        duration: &str,
        applied: &str,
        contact: &str,
    ) -> FormFacts {
        FormFacts {
            areas: areas
                .iter()
                .map(|a| AreaCheck {
                    id: a.id,
                    name: a.name.clone(),
                    checked: chosen.iter().any(|c| c.trim() == a.id.to_string()),
                })
                .collect(),
            duration_minutes: duration.to_string(),
            anaesthetic_applied_at: applied.to_string(),
            anaesthetic_contact_minutes: contact.to_string(),
        }
    }
}

/// The lines block: rows, product choices and the session's warnings.
#[derive(Debug, Clone)]
pub struct FormLines {
    pub rows: Vec<LineRow>,
    /// What the last protocol filled (hidden fields in the lines block).
    pub filled: Filled,
    /// A problem with the lines as a whole ("add at least one line").
    pub error: Option<String>,
    pub products: Vec<ProductGroup>,
    pub warnings: Vec<Warning>,
    /// The summary next to Save with "I have checked these warnings".
    pub confirm: super::session_confirm::ConfirmBox,
}

/// What the last chosen protocol put into the session form, carried in
/// hidden fields so that the next protocol replaces exactly that and keeps
/// what the person typed; `lines_needle` is the needle length the lines
/// were last matched to (a change swaps rollers and cartridges).
#[derive(Debug, Clone, Default)]
pub struct Filled {
    pub needle: String,
    pub indication: String,
    pub addons: Vec<String>,
    /// Product ids of the rows the protocol filled.
    pub lines: Vec<String>,
    pub lines_needle: String,
}

#[derive(Template)]
#[template(path = "sessions/form.html")]
pub struct SessionFormPage {
    pub frame: Frame,
    pub key: String,
    pub site: String,
    pub sites: Vec<Choice>,
    pub client_ref: String,
    pub indications: Vec<Choice>,
    pub protocols: Vec<Choice>,
    pub needle_length_mm: String,
    /// `datetime-local` value, on the site's clock.
    pub performed_at: String,
    /// The site's IANA zone, labelling the time field.
    pub time_zone: String,
    pub addons: Vec<Check>,
    pub side_effects: Vec<Check>,
    pub side_effect_other: String,
    pub notes: String,
    /// Areas, duration, anaesthetic time (`sessions/_facts.html`).
    pub facts: FormFacts,
    pub lines: FormLines,
    pub errors: super::form::FieldErrors,
    /// A refusal not tied to a field (or repeated at the top).
    pub message: Option<String>,
    /// When the key was already used: the session it recorded.
    pub saved_session: Option<i64>,
}

/// The lines block alone (htmx: protocol chosen, product changed, row added).
#[derive(Template)]
#[template(path = "sessions/lines_partial.html")]
pub struct LinesPartial {
    pub lines: FormLines,
}

/// The live hints (htmx): per-line previews swapped out of band, and the warnings.
#[derive(Template)]
#[template(path = "sessions/hints_partial.html")]
pub struct HintsPartial {
    pub lines: FormLines,
}

// ---- the session page --------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ShownAllocation {
    pub lot_id: i64,
    pub lot: String,
    pub expiry: String,
    pub location: String,
    pub quantity: String,
    pub returned: String,
}

#[derive(Debug, Clone)]
pub struct ShownLine {
    pub product: String,
    pub sku: String,
    pub quantity: String,
    pub unit: String,
    pub named_lot: bool,
    pub allocations: Vec<ShownAllocation>,
    /// The tube this line opened: "lot L · tube 2 · MAIN · use by 2026-12-29".
    pub opened: Option<String>,
}

/// The facts of a session as shown on its page and the after-care sheet.
#[derive(Debug, Clone)]
pub struct ShownSession {
    pub id: i64,
    pub client_ref: String,
    pub performed_at: String,
    pub date: String,
    pub site: String,
    /// The login of who treated.
    pub practitioner: String,
    /// Their display name, else the login ("Treated by Pia Novak").
    pub practitioner_name: String,
    pub indication: String,
    pub needle: String,
    pub protocol: Option<String>,
    pub addons: String,
    pub side_effects: String,
    pub notes: String,
    pub warnings: Vec<Warning>,
    /// Who ticked "I have checked these warnings" (display name).
    pub warnings_checked_by: Option<String>,
    pub voided: bool,
    pub voided_at: String,
    pub voided_by: String,
    pub void_reason: String,
    pub lines: Vec<ShownLine>,
    /// SPF products used (after-care sheet).
    pub spf: Vec<String>,
    /// Treatment areas, "Face, Neck" (empty when none were named).
    pub areas: String,
    /// "35 min" (empty when not recorded).
    pub duration: String,
    /// "applied 10:05 · 30 min contact" (empty when not recorded).
    pub anaesthetic: String,
}

/// The client history page of a client code (codes are URL-safe by construction).
pub fn client_href(code: &str) -> String {
    let safe: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    format!("/clients/{safe}")
}

impl ShownSession {
    /// Did a line open a new tube?
    pub fn tubes_opened(&self) -> bool {
        self.lines.iter().any(|l| l.opened.is_some())
    }

    pub fn from_view(v: &SessionView) -> ShownSession {
        let s = &v.session;
        let mut side_effects: Vec<String> = v
            .side_effects()
            .iter()
            .filter(|e| **e != SideEffect::Other)
            .map(|e| e.label().to_string())
            .collect();
        if let Some(o) = &s.side_effect_other {
            side_effects.push(format!("other: {o}"));
        } else if v.side_effects().contains(&SideEffect::Other) {
            side_effects.push("other".into());
        }
        ShownSession {
            id: s.id,
            client_ref: s.client_ref.clone(),
            performed_at: v.clock.format(s.performed_at),
            date: v.local_date().to_string(),
            site: v.site_code.clone(),
            practitioner: v.practitioner.clone(),
            practitioner_name: v.practitioner_name.clone(),
            indication: v
                .indication()
                .map(|i| i.label().to_string())
                .unwrap_or_else(|| "—".into()),
            needle: format!("{} mm", fmt_needle(s.needle_length)),
            protocol: v.protocol_name.clone(),
            addons: join_or_dash(v.addons().iter().map(|a| a.label().to_string())),
            side_effects: join_or_dash(side_effects.into_iter()),
            notes: s.notes.clone().unwrap_or_default(),
            warnings: v.warnings.clone(),
            warnings_checked_by: v.warnings_checked.as_ref().map(|c| c.shown().to_string()),
            voided: v.voided(),
            voided_at: s.voided_at.map(|t| v.clock.format(t)).unwrap_or_default(),
            voided_by: v.voided_by.clone().unwrap_or_default(),
            void_reason: s.void_reason.clone().unwrap_or_default(),
            lines: v
                .lines
                .iter()
                .map(|l| ShownLine {
                    product: l.product.name.clone(),
                    sku: l.product.sku.clone(),
                    quantity: fmt_qty(l.line.quantity),
                    unit: l.product.unit.code().to_string(),
                    named_lot: l.line.named_lot_id.is_some(),
                    allocations: l
                        .allocations
                        .iter()
                        .map(|a| ShownAllocation {
                            lot_id: a.lot_id,
                            lot: a.lot.clone(),
                            expiry: a.expiry.to_string(),
                            location: a.location.clone(),
                            quantity: fmt_qty(a.quantity),
                            returned: if a.returned > 0 {
                                fmt_qty(a.returned)
                            } else {
                                String::new()
                            },
                        })
                        .collect(),
                    opened: l.opened.as_ref().map(|o| {
                        format!(
                            "lot {} · tube {} · {} · use by {}",
                            o.lot, o.container, o.location, o.use_by
                        )
                    }),
                })
                .collect(),
            spf: v.spf_products().iter().map(|p| p.name.clone()).collect(),
            areas: v.area_names(),
            duration: s
                .duration_minutes
                .map(|m| format!("{m} min"))
                .unwrap_or_default(),
            anaesthetic: anaesthetic_text(v),
        }
    }
}

/// "applied 10:05 · 30 min contact", either half alone, or empty.
fn anaesthetic_text(v: &SessionView) -> String {
    let s = &v.session;
    let applied = s.anaesthetic_applied_at.map(|t| {
        let shown = v.clock.format(t);
        // The session's day goes without saying.
        match shown.strip_prefix(&format!("{} ", v.local_date())) {
            Some(rest) => format!("applied {rest}"),
            None => format!("applied {shown}"),
        }
    });
    let contact = s
        .anaesthetic_contact_minutes
        .map(|m| format!("{m} min contact"));
    [applied, contact]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn join_or_dash(items: impl Iterator<Item = String>) -> String {
    let v: Vec<String> = items.collect();
    if v.is_empty() {
        "—".into()
    } else {
        v.join(", ")
    }
}

#[derive(Template)]
#[template(path = "sessions/show.html")]
pub struct SessionPage {
    pub frame: Frame,
    pub s: ShownSession,
    pub can_void: bool,
    /// "Repeat this session" (the form filled from it) is offered.
    pub can_repeat: bool,
    /// Why voiding is or is not open to this person (their own session:
    /// "until 14:35", or "too late … ask a manager").
    pub void_note: Option<String>,
    pub void_error: Option<String>,
    pub reason: String,
    pub client_href: String,
    pub follow_ups: Vec<super::follow_ups::ShownFollowUp>,
    /// The follow-up form; `None` when the user may not record one or the
    /// session is void.
    pub follow_up_form: Option<super::follow_ups::FollowUpForm>,
}

#[derive(Template)]
#[template(path = "sessions/aftercare.html")]
pub struct AftercarePage {
    pub frame: Frame,
    pub s: ShownSession,
    /// The session's site: its name and contact details.
    pub clinic: crate::views::clinic::ClinicBlock,
}

// ---- lists (`session_list`) ----------------------------------------------------

pub use super::session_list::{ClientPage, ListRow, SessionListPage};
