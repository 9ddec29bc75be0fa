//! Bodies of `/api/v1/sessions`, its follow-ups, and `/api/v1/protocols`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Codes, Day, Needle, Qty, Scalar, Time};
use crate::db::sessions::SessionRow;
use crate::services::sessions::{
    FollowUpDraft, FollowUpView, LineDraft, SessionDraft, SessionView,
};

/// `POST /api/v1/sessions`. Without `lines` the protocol's lines are used.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"site": "main", "client_ref": "C-1042", "needle_length_mm": 1.5,
    "indication": "acne_scars", "protocol_id": 1,
    "lines": [{"product_id": 3, "quantity": 1}, {"product_id": 7, "quantity": 2.5}]}))]
pub struct SessionBody {
    /// Site code (default: the user's site).
    pub site: Option<Scalar>,
    /// The client's code (never a name).
    pub client_ref: Option<Scalar>,
    pub needle_length_mm: Option<Scalar>,
    pub indication: Option<Scalar>,
    pub protocol_id: Option<Scalar>,
    /// RFC 3339 (an offset is accepted); default now. May be in the past.
    pub performed_at: Option<Scalar>,
    pub lines: Option<Vec<SessionLineBody>>,
    #[serde(default)]
    pub addons: Codes,
    #[serde(default)]
    pub side_effects: Codes,
    pub side_effect_other: Option<Scalar>,
    pub notes: Option<Scalar>,
    /// Treated areas: ids (numbers) or codes or names (strings), or one
    /// comma-separated string.
    #[serde(default)]
    pub areas: AreaRefs,
    /// Whole minutes, 1–480.
    pub duration_minutes: Option<Scalar>,
    /// RFC 3339, or `HH:MM` on the session's day at the site.
    pub anaesthetic_applied_at: Option<Scalar>,
    /// 0–1440.
    pub anaesthetic_contact_minutes: Option<Scalar>,
    /// `true`: "I have checked these warnings" for whatever warnings the
    /// session has (stored with who sent it). Never required: the API saves
    /// a session with warnings either way and returns them.
    pub confirm_warnings: Option<bool>,
}

/// Area references: ids or codes/names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaRefs(pub Vec<String>);

impl<'de> serde::Deserialize<'de> for AreaRefs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<AreaRefs, D::Error> {
        use serde::de::Error;
        let wrong = || D::Error::custom("a list of area ids, codes or names");
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Null => Ok(AreaRefs::default()),
            serde_json::Value::String(s) => {
                Ok(AreaRefs(s.split(',').map(str::to_string).collect()))
            }
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => Ok(s),
                    serde_json::Value::Number(n) if n.as_i64().is_some() => Ok(n.to_string()),
                    _ => Err(wrong()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(AreaRefs),
            _ => Err(wrong()),
        }
    }
}

impl utoipa::PartialSchema for AreaRefs {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        let item = OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Integer))
            .item(ObjectBuilder::new().schema_type(Type::String));
        OneOfBuilder::new()
            .item(ArrayBuilder::new().items(item))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .into()
    }
}
impl ToSchema for AreaRefs {}

/// A treated area.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaOut {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// One line of a session: a product and how much, optionally from a named lot.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionLineBody {
    pub product_id: Option<Scalar>,
    pub quantity: Option<Scalar>,
    pub lot_id: Option<Scalar>,
    /// `true`: a new tube was opened for this line. A container of the
    /// product is opened from the sealed lot (`lot_id`, else FEFO) and the
    /// quantity taken from it. Only products with "use within N days of
    /// opening". Default `false`.
    #[serde(default)]
    pub open_new: Option<bool>,
}

impl SessionBody {
    pub fn draft(&self) -> SessionDraft {
        let t = Scalar::text;
        SessionDraft {
            site: t(&self.site),
            client_ref: t(&self.client_ref),
            needle_length_mm: t(&self.needle_length_mm),
            indication: t(&self.indication),
            protocol_id: t(&self.protocol_id),
            performed_at: t(&self.performed_at),
            lines: self.lines.as_ref().map(|ls| {
                ls.iter()
                    .map(|l| LineDraft {
                        product_id: t(&l.product_id),
                        quantity: t(&l.quantity),
                        lot_id: t(&l.lot_id),
                        open_new: l.open_new.unwrap_or(false),
                    })
                    .collect()
            }),
            addons: self.addons.0.clone(),
            side_effects: self.side_effects.0.clone(),
            side_effect_other: t(&self.side_effect_other),
            notes: t(&self.notes),
            areas: self.areas.0.clone(),
            duration_minutes: t(&self.duration_minutes),
            anaesthetic_applied_at: t(&self.anaesthetic_applied_at),
            confirm_warnings: self
                .confirm_warnings
                .filter(|b| *b)
                .map(|_| "true".to_string()),
            // The API never holds a session back for its warnings.
            ask_confirmation: false,
            anaesthetic_contact_minutes: t(&self.anaesthetic_contact_minutes),
        }
    }
}

/// `POST /api/v1/sessions/{id}/void`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VoidBody {
    /// Why the session is voided.
    pub reason: Option<Scalar>,
}

/// A warning that did not stop the session (`needle_outside_protocol`,
/// `above_max_per_session`, …).
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningOut {
    pub code: String,
    pub message: String,
}

/// What one line took from one lot.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationOut {
    pub lot_id: i64,
    pub lot: String,
    pub expiry: Day,
    pub location: String,
    pub quantity: Qty,
}

/// The tube a line opened (`open_new`): its container, where, how much went
/// into it and its use-by date after opening. It stays open when the session
/// is voided.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedOut {
    /// The container's lot id (what the line's allocation names).
    pub lot_id: i64,
    pub lot: String,
    pub container: i32,
    pub location: String,
    pub quantity: Qty,
    pub use_by: Day,
}

/// One line of a session with the lots it was taken from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionLineOut {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub name: String,
    pub unit: String,
    pub quantity: Qty,
    /// The lot named in the request, if one was.
    pub lot_id: Option<i64>,
    pub allocations: Vec<AllocationOut>,
    /// The tube this line opened, when it opened one.
    pub opened: Option<OpenedOut>,
}

/// A session: the 201 of `POST /sessions`, `GET /sessions/{id}` and the
/// answer of a void.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    pub id: i64,
    pub site: String,
    pub client_ref: String,
    pub practitioner: String,
    pub practitioner_name: String,
    pub performed_at: Time,
    /// The session's day at its site.
    pub local_date: Day,
    pub time_zone: String,
    pub indication: Option<String>,
    pub needle_length_mm: Needle,
    pub protocol_id: Option<i64>,
    pub protocol: Option<String>,
    pub addons: Vec<String>,
    pub side_effects: Vec<String>,
    pub side_effect_other: Option<String>,
    pub notes: Option<String>,
    pub areas: Vec<AreaOut>,
    pub duration_minutes: Option<i32>,
    pub anaesthetic_applied_at: Option<Time>,
    pub anaesthetic_contact_minutes: Option<i32>,
    pub warnings: Vec<WarningOut>,
    /// Whether someone confirmed the warnings ("I have checked these
    /// warnings" on the form, `confirm_warnings` in the API), who and when.
    pub warnings_confirmed: bool,
    pub warnings_confirmed_by: Option<String>,
    pub warnings_confirmed_at: Option<Time>,
    pub voided: bool,
    pub voided_at: Option<Time>,
    pub voided_by: Option<String>,
    pub void_reason: Option<String>,
    pub lines: Vec<SessionLineOut>,
    pub follow_ups: Vec<FollowUpOut>,
}

impl From<&SessionView> for SessionOut {
    fn from(v: &SessionView) -> Self {
        let s = &v.session;
        SessionOut {
            id: s.id,
            site: v.site_code.clone(),
            client_ref: s.client_ref.clone(),
            practitioner: v.practitioner.clone(),
            practitioner_name: v.practitioner_name.clone(),
            performed_at: Time(s.performed_at),
            local_date: Day(v.local_date()),
            time_zone: v.clock.zone().to_string(),
            indication: s.indication.map(|v| v.code().to_string()),
            needle_length_mm: Needle(s.needle_length),
            protocol_id: s.protocol_id,
            protocol: v.protocol_name.clone(),
            addons: v.addons().iter().map(|a| a.code().to_string()).collect(),
            side_effects: v
                .side_effects()
                .iter()
                .map(|a| a.code().to_string())
                .collect(),
            side_effect_other: s.side_effect_other.clone(),
            notes: s.notes.clone(),
            areas: v
                .areas
                .iter()
                .map(|a| AreaOut {
                    id: a.id,
                    code: a.code.clone(),
                    name: a.name.clone(),
                })
                .collect(),
            duration_minutes: s.duration_minutes,
            anaesthetic_applied_at: s.anaesthetic_applied_at.map(Time),
            anaesthetic_contact_minutes: s.anaesthetic_contact_minutes,
            warnings: v
                .warnings
                .iter()
                .map(|w| WarningOut {
                    code: w.code.clone(),
                    message: w.message.clone(),
                })
                .collect(),
            warnings_confirmed: v.warnings_checked.is_some(),
            warnings_confirmed_by: v.warnings_checked.as_ref().map(|c| c.username.clone()),
            warnings_confirmed_at: v.warnings_checked.as_ref().map(|c| Time(c.checked_at)),
            voided: v.voided(),
            voided_at: s.voided_at.map(Time),
            voided_by: v.voided_by.clone(),
            void_reason: s.void_reason.clone(),
            lines: v
                .lines
                .iter()
                .map(|l| SessionLineOut {
                    id: l.line.id,
                    product_id: l.product.id,
                    sku: l.product.sku.clone(),
                    name: l.product.name.clone(),
                    unit: l.product.unit.code().to_string(),
                    quantity: Qty(l.line.quantity),
                    lot_id: l.line.named_lot_id,
                    allocations: l
                        .allocations
                        .iter()
                        .map(|a| AllocationOut {
                            lot_id: a.lot_id,
                            lot: a.lot.clone(),
                            expiry: Day(a.expiry),
                            location: a.location.clone(),
                            quantity: Qty(a.quantity),
                        })
                        .collect(),
                    opened: l.opened.as_ref().map(|o| OpenedOut {
                        lot_id: o.lot_id,
                        lot: o.lot.clone(),
                        container: o.container,
                        location: o.location.clone(),
                        quantity: Qty(o.quantity),
                        use_by: Day(o.use_by),
                    }),
                })
                .collect(),
            follow_ups: v.follow_ups.iter().map(FollowUpOut::from).collect(),
        }
    }
}

/// A row of the session list.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionRowOut {
    pub id: i64,
    pub site: String,
    pub client_ref: String,
    pub practitioner: String,
    pub practitioner_name: String,
    pub performed_at: Time,
    pub local_date: Day,
    pub indication: Option<String>,
    pub needle_length_mm: Needle,
    pub protocol_id: Option<i64>,
    pub protocol: Option<String>,
    pub voided: bool,
}

impl From<&SessionRow> for SessionRowOut {
    fn from(r: &SessionRow) -> Self {
        let s = &r.session;
        SessionRowOut {
            id: s.id,
            site: r.site_code.clone(),
            client_ref: s.client_ref.clone(),
            practitioner: r.practitioner.clone(),
            practitioner_name: r.practitioner_shown().to_string(),
            performed_at: Time(s.performed_at),
            local_date: Day(r.local_date()),
            indication: s.indication.map(|v| v.code().to_string()),
            needle_length_mm: Needle(s.needle_length),
            protocol_id: s.protocol_id,
            protocol: r.protocol_name.clone(),
            voided: s.voided_at.is_some(),
        }
    }
}

/// `POST /api/v1/sessions/{id}/follow-ups`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"observed_on": "2026-11-30", "side_effects": ["erythema"],
    "severity": "mild", "note": "settled after two days"}))]
pub struct FollowUpBody {
    /// `YYYY-MM-DD`, the day at the session's site.
    pub observed_on: Option<Scalar>,
    #[serde(default)]
    pub side_effects: Codes,
    pub side_effect_other: Option<Scalar>,
    /// `mild`, `moderate` or `severe`.
    pub severity: Option<Scalar>,
    pub note: Option<Scalar>,
}

impl FollowUpBody {
    pub fn draft(&self) -> FollowUpDraft {
        let t = Scalar::text;
        FollowUpDraft {
            observed_on: t(&self.observed_on),
            side_effects: self.side_effects.0.clone(),
            side_effect_other: t(&self.side_effect_other),
            severity: t(&self.severity),
            note: t(&self.note),
        }
    }
}

/// A follow-up: side effects seen after a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpOut {
    pub id: i64,
    pub session_id: i64,
    pub observed_on: Day,
    pub side_effects: Vec<String>,
    pub side_effect_other: Option<String>,
    pub severity: Option<String>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_by_name: String,
    pub created_at: Time,
}

impl From<&FollowUpView> for FollowUpOut {
    fn from(f: &FollowUpView) -> Self {
        FollowUpOut {
            id: f.id,
            session_id: f.session_id,
            observed_on: Day(f.observed_on),
            side_effects: f
                .side_effects
                .iter()
                .map(|e| e.code().to_string())
                .collect(),
            side_effect_other: f.side_effect_other.clone(),
            severity: f.severity.map(|s| s.code().to_string()),
            note: f.note.clone(),
            recorded_by: f.recorded_by.clone(),
            recorded_by_name: f.recorded_by_name.clone(),
            created_at: Time(f.created_at),
        }
    }
}
