//! The session form: `GET /sessions/new`, `POST /sessions/new` (save, or
//! without JavaScript: use the protocol, add or remove a row), and the htmx
//! partials `POST /sessions/new/lines` (the lines block) and
//! `POST /sessions/hints` (live previews and warnings).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth;
use crate::domain::access::Action;
use crate::error::FieldError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, render, render_status};
use crate::services::sessions::Warning;
use crate::services::sessions::hints::{self, FormData, FormPart, Hints};
use crate::services::sessions::{LineDraft, SessionDraft};
use crate::views::Frame;
use crate::views::session_confirm::ConfirmBox;
use crate::views::sessions::{
    Choice, FormFacts, FormLines, HintsPartial, LineRow, LinesPartial, SessionFormPage,
    addon_checks, indication_opts, product_groups, side_effect_checks,
};

/// Rows the form shows at least (without JavaScript there is no "add").
const MIN_ROWS: usize = 3;

/// The form as posted: every field text; line fields repeat once per row.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct SessionForm {
    #[serde(default)]
    pub(super) key: String,
    #[serde(default)]
    pub(super) site: String,
    #[serde(default)]
    pub(super) client_ref: String,
    #[serde(default)]
    pub(super) indication: String,
    #[serde(default)]
    pub(super) protocol_id: String,
    #[serde(default)]
    pub(super) needle_length_mm: String,
    #[serde(default)]
    performed_at: String,
    #[serde(default)]
    product_id: Vec<String>,
    #[serde(default)]
    quantity: Vec<String>,
    #[serde(default)]
    lot_id: Vec<String>,
    /// "New tube opened": one tick box per row, its value the row's index.
    #[serde(default)]
    open_new: Vec<String>,
    #[serde(default)]
    pub(super) addons: Vec<String>,
    #[serde(default)]
    side_effects: Vec<String>,
    #[serde(default)]
    side_effect_other: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    pub(super) areas: Vec<String>,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    anaesthetic_applied_at: String,
    #[serde(default)]
    anaesthetic_contact_minutes: String,
    /// What the last protocol filled (see `fill`).
    #[serde(default)]
    pub(super) filled_needle: String,
    #[serde(default)]
    pub(super) filled_indication: String,
    #[serde(default)]
    pub(super) filled_addons: Vec<String>,
    #[serde(default)]
    pub(super) filled_line: Vec<String>,
    #[serde(default)]
    pub(super) lines_needle: String,
    /// "I have checked these warnings": the codes of the warnings seen.
    #[serde(default)]
    confirm_warnings: Vec<String>,
    #[serde(default)]
    action: Vec<String>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl SessionForm {
    /// The rows as posted, blanks included.
    pub(super) fn rows(&self) -> Vec<LineDraft> {
        let n = self
            .product_id
            .len()
            .max(self.quantity.len())
            .max(self.lot_id.len());
        (0..n)
            .map(|i| LineDraft {
                product_id: self.product_id.get(i).and_then(|s| opt(s)),
                quantity: self.quantity.get(i).and_then(|s| opt(s)),
                lot_id: self.lot_id.get(i).and_then(|s| opt(s)),
                open_new: self.open_new.iter().any(|v| v.trim() == i.to_string()),
            })
            .collect()
    }

    /// What the buttons asked for (the last non-empty `action`).
    fn action(&self) -> String {
        self.action
            .iter()
            .rev()
            .find(|a| !a.trim().is_empty())
            .map(|a| a.trim().to_string())
            .unwrap_or_else(|| "save".into())
    }

    pub(super) fn draft(&self, lines: Vec<LineDraft>) -> SessionDraft {
        SessionDraft {
            site: opt(&self.site),
            client_ref: opt(&self.client_ref),
            needle_length_mm: opt(&self.needle_length_mm),
            indication: opt(&self.indication),
            protocol_id: opt(&self.protocol_id),
            performed_at: opt(&self.performed_at),
            lines: Some(lines),
            addons: self.addons.clone(),
            side_effects: self.side_effects.clone(),
            side_effect_other: opt(&self.side_effect_other),
            notes: opt(&self.notes),
            areas: self.areas.clone(),
            duration_minutes: opt(&self.duration_minutes),
            anaesthetic_applied_at: opt(&self.anaesthetic_applied_at),
            anaesthetic_contact_minutes: opt(&self.anaesthetic_contact_minutes),
            confirm_warnings: opt(&self.confirmation()),
            ask_confirmation: true,
        }
    }

    /// The tick box as posted (the last value when repeated).
    pub(super) fn confirmation(&self) -> String {
        self.confirm_warnings
            .iter()
            .rev()
            .find(|c| !c.trim().is_empty())
            .map(|c| c.trim().to_string())
            .unwrap_or_default()
    }
}

pub(super) fn is_blank(r: &LineDraft) -> bool {
    r.product_id.is_none() && r.quantity.is_none()
}

/// Typed rows first (in order), then blank rows up to the minimum and one spare.
pub(super) fn padded(rows: Vec<LineDraft>, extra: usize) -> Vec<LineDraft> {
    let mut out: Vec<LineDraft> = rows.into_iter().filter(|r| !is_blank(r)).collect();
    let want = MIN_ROWS.max(out.len() + extra);
    out.resize(want, LineDraft::default());
    out
}

/// Applies a non-saving action (protocol, add, remove, refresh) to the form.
async fn apply_action(
    state: &AppState,
    form: &mut SessionForm,
    action: &str,
) -> Result<Vec<LineDraft>, PageError> {
    let mut rows = super::fill::needle_changed(state, form, form.rows()).await?;
    let mut extra = 1;
    if action == "add_line" {
        extra = 2;
    } else if let Some(i) = action
        .strip_prefix("remove:")
        .and_then(|i| i.parse::<usize>().ok())
        && i < rows.len()
    {
        rows.remove(i);
    } else if action == "use_protocol"
        && let Some(pid) = form.protocol_id.trim().parse::<i64>().ok()
    {
        rows = super::fill::use_protocol(state, form, rows, pid).await?;
    }
    if crate::domain::NeedleLength::parse(&form.needle_length_mm).is_ok() {
        // The lines now match this length (a blank or bad one changes nothing).
        form.lines_needle = form.needle_length_mm.trim().to_string();
    }
    Ok(padded(rows, extra))
}

/// The field errors of one row (`lines[i].…`), first message.
fn row_error(errors: &[FieldError], index: usize) -> Option<String> {
    let prefix = format!("lines[{index}].");
    errors
        .iter()
        .find(|e| e.field.starts_with(&prefix))
        .map(|e| e.message.clone())
}

fn form_lines(
    rows: &[LineDraft],
    data: &FormData,
    errors: &[FieldError],
    form: &SessionForm,
) -> FormLines {
    let Hints { lines, warnings } = data.hints.clone();
    FormLines {
        confirm: ConfirmBox::new(&warnings, &form.confirmation()),
        filled: super::fill::filled(form, rows),
        rows: rows
            .iter()
            .enumerate()
            .map(|(index, r)| LineRow {
                index,
                product_id: r.product_id.clone().unwrap_or_default(),
                quantity: r.quantity.clone().unwrap_or_default(),
                lot_id: r.lot_id.clone().unwrap_or_default(),
                open_new: r.open_new,
                hint: lines.get(index).cloned().unwrap_or_default(),
                error: row_error(errors, index),
            })
            .collect(),
        error: errors
            .iter()
            .find(|e| e.field == "lines")
            .map(|e| e.message.clone()),
        products: product_groups(&data.products),
        warnings,
    }
}

async fn load_data(
    state: &AppState,
    user: &CurrentUser,
    form: &SessionForm,
    rows: &[LineDraft],
    part: FormPart,
) -> Result<FormData, PageError> {
    let actor = user.actor.clone();
    let draft = form.draft(Vec::new());
    let rows = rows.to_vec();
    Ok(state
        .run(move |conn| hints::form_data(conn, &actor, &draft, &rows, part))
        .await?)
}

/// What a re-rendered form says besides what was typed.
#[derive(Default)]
pub(super) struct Shown {
    pub errors: Vec<FieldError>,
    pub message: Option<String>,
    /// When the key was already used: the session it recorded.
    pub saved_session: Option<i64>,
    /// The save was held back for these warnings (confirmation step).
    pub asked: Option<Vec<Warning>>,
}

/// Renders the whole form with what was typed.
pub(super) async fn render_form(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    mut form: SessionForm,
    rows: Vec<LineDraft>,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    if form.key.trim().is_empty() {
        form.key = auth::random_token();
    }
    let data = load_data(state, user, &form, &rows, FormPart::Whole).await?;
    if form.performed_at.trim().is_empty() {
        // Now, on the site's clock (what the field is typed in).
        form.performed_at = data.clock.input_value(crate::db::now());
    }
    let site = opt(&form.site).unwrap_or_else(|| data.site_code.clone());
    let mut protocols = vec![Choice::new("", "— no protocol —", &form.protocol_id)];
    protocols.extend(data.protocols.iter().map(|p| {
        Choice::new(
            p.protocol.id.to_string(),
            format!("{} · {}", p.protocol.name, p.range_label()),
            form.protocol_id.trim(),
        )
    }));
    let mut page = SessionFormPage {
        frame: Frame::new(user, "Log a session", "/sessions/new"),
        key: form.key.clone(),
        sites: data
            .sites
            .iter()
            .map(|s| Choice::new(s.code.clone(), s.name.clone(), &site))
            .collect(),
        site,
        client_ref: form.client_ref.clone(),
        indications: indication_opts(form.indication.trim(), "— choose —"),
        protocols,
        needle_length_mm: form.needle_length_mm.clone(),
        performed_at: form.performed_at.clone(),
        time_zone: data.clock.zone().to_string(),
        addons: addon_checks(&form.addons),
        side_effects: side_effect_checks(&form.side_effects),
        side_effect_other: form.side_effect_other.clone(),
        notes: form.notes.clone(),
        facts: FormFacts::new(
            &data.areas,
            &form.areas,
            &form.duration_minutes,
            &form.anaesthetic_applied_at,
            &form.anaesthetic_contact_minutes,
        ),
        lines: form_lines(&rows, &data, &shown.errors, &form),
        errors: shown.errors.into(),
        message: shown.message,
        saved_session: shown.saved_session,
    };
    if let Some(asked) = shown.asked {
        // What the save judged (the same rules as the preview).
        page.lines.confirm = ConfirmBox::new(&asked, &form.confirmation());
        page.lines.confirm.asked = true;
    }
    render_status(status, &page)
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    client_ref: Option<String>,
    /// A session to repeat (its id): see `repeat`.
    #[serde(default)]
    repeat: Option<String>,
}

/// `GET /sessions/new[?protocol=ID&client_ref=CODE]`, or
/// `?repeat=SESSION` (the form filled from that session; nothing saved)
pub async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::LogSession)?;
    if let Some(id) = q.repeat.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        let (form, rows) = super::repeat::repeat(&state, &user, id).await?;
        return render_form(
            &state,
            &user,
            StatusCode::OK,
            form,
            padded(rows, 1),
            Shown::default(),
        )
        .await;
    }
    let mut form = SessionForm {
        client_ref: q.client_ref.clone().unwrap_or_default(),
        ..SessionForm::default()
    };
    let rows = match q
        .protocol
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => {
            form.protocol_id = p.to_string();
            apply_action(&state, &mut form, "use_protocol").await?
        }
        None => padded(Vec::new(), 1),
    };
    render_form(&state, &user, StatusCode::OK, form, rows, Shown::default()).await
}

/// `POST /sessions/new`: save, or (without JavaScript) rework the form.
pub async fn post_form(
    state: web::Data<AppState>,
    posted: Posted<SessionForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, mut form } = posted;
    user.require(Action::LogSession)?;
    let action = form.action();
    if action != "save" {
        let rows = apply_action(&state, &mut form, &action).await?;
        return render_form(&state, &user, StatusCode::OK, form, rows, Shown::default()).await;
    }
    super::save::save(&state, user, form).await
}

/// `POST /sessions/new/lines` (htmx): the lines block after choosing a
/// protocol or a product, adding or removing a row.
pub async fn lines_partial(
    state: web::Data<AppState>,
    posted: Posted<SessionForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, mut form } = posted;
    user.require(Action::LogSession)?;
    let action = form.action();
    let rows = apply_action(&state, &mut form, &action).await?;
    let data = load_data(&state, &user, &form, &rows, FormPart::Lines).await?;
    let mut lines = form_lines(&rows, &data, &[], &form);
    lines.confirm.oob = true;
    let mut resp = render(&LinesPartial { lines })?;
    // A protocol may also set the needle length, indication and add-ons:
    // tell the page so it can update those fields (see static/sessions.js).
    if action == "use_protocol" {
        let set = serde_json::json!({"session-fill": {
            "needle_length_mm": form.needle_length_mm,
            "indication": form.indication,
            "addons": form.addons,
        }});
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&set.to_string()) {
            resp.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("hx-trigger"),
                v,
            );
        }
    }
    Ok(resp)
}

/// `POST /sessions/hints` (htmx): per-line previews and the warnings.
pub async fn hints_partial(
    state: web::Data<AppState>,
    posted: Posted<SessionForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::LogSession)?;
    let rows = form.rows();
    let data = load_data(&state, &user, &form, &rows, FormPart::Hints).await?;
    let mut lines = form_lines(&rows, &data, &[], &form);
    lines.confirm.oob = true;
    render(&HintsPartial { lines })
}
