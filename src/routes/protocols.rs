//! Protocol pages: `GET /protocols` (everyone reads; managers edit),
//! `GET|POST /protocols/new`, `GET|POST /protocols/{id}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, Posted, flash_redirect, render, render_status};
use crate::app::AppState;
use crate::db::models::Product;
use crate::domain::access::Action;
use crate::domain::quantity::fmt_qty;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::services::protocols::{self, ProtocolDraft, ProtocolLineDraft};
use crate::services::sessions::hints;
use crate::views::Frame;
use crate::views::protocols::{ProtocolFormPage, ProtocolLineRow, ProtocolListPage, ProtocolRow};
use crate::views::sessions::{addon_checks, indication_opts, product_groups};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/protocols", web::get().to(list))
        .route("/protocols/new", web::get().to(new_form))
        .route("/protocols/new", web::post().to(create))
        .route("/protocols/{id}", web::get().to(edit_form))
        .route("/protocols/{id}", web::post().to(update));
}

async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewProtocols)?;
    let items = state.run(|conn| protocols::list(conn, false)).await?;
    let rows = items
        .iter()
        .map(|v| ProtocolRow {
            id: v.protocol.id,
            name: v.protocol.name.clone(),
            indication: v.indication().label().to_string(),
            range: v.range_label(),
            lines: v
                .lines
                .iter()
                .map(|(l, p)| format!("{} {} {}", p.name, fmt_qty(l.quantity), p.unit))
                .collect(),
            addons: v
                .addons()
                .iter()
                .map(|a| a.label())
                .collect::<Vec<_>>()
                .join(", "),
            active: v.protocol.active,
        })
        .collect();
    render(&ProtocolListPage {
        frame: Frame::new(&user, "Protocols", "/protocols"),
        rows,
        can_edit: user.may(Action::ManageProtocols),
    })
}

/// The form as posted.
#[derive(Deserialize, Default, Clone)]
pub struct ProtocolForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    indication: String,
    #[serde(default)]
    needle_min_mm: String,
    #[serde(default)]
    needle_max_mm: String,
    #[serde(default)]
    product_id: Vec<String>,
    #[serde(default)]
    quantity: Vec<String>,
    #[serde(default)]
    addons: Vec<String>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    active: String,
    #[serde(default)]
    action: Vec<String>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl ProtocolForm {
    fn from_draft(d: &ProtocolDraft) -> ProtocolForm {
        ProtocolForm {
            name: d.name.clone().unwrap_or_default(),
            indication: d.indication.clone().unwrap_or_default(),
            needle_min_mm: d.needle_min_mm.clone().unwrap_or_default(),
            needle_max_mm: d.needle_max_mm.clone().unwrap_or_default(),
            product_id: d
                .lines
                .iter()
                .map(|l| l.product_id.clone().unwrap_or_default())
                .collect(),
            quantity: d
                .lines
                .iter()
                .map(|l| l.quantity.clone().unwrap_or_default())
                .collect(),
            addons: d.addons.clone(),
            notes: d.notes.clone().unwrap_or_default(),
            active: if d.active.unwrap_or(true) {
                "true".into()
            } else {
                String::new()
            },
            action: Vec::new(),
        }
    }

    /// Typed rows (blank rows dropped, so error indexes match the rows shown).
    fn lines(&self) -> Vec<ProtocolLineDraft> {
        let n = self.product_id.len().max(self.quantity.len());
        (0..n)
            .map(|i| ProtocolLineDraft {
                product_id: self.product_id.get(i).and_then(|s| opt(s)),
                quantity: self.quantity.get(i).and_then(|s| opt(s)),
            })
            .filter(|l| l.product_id.is_some() || l.quantity.is_some())
            .collect()
    }

    fn draft(&self) -> ProtocolDraft {
        ProtocolDraft {
            name: opt(&self.name),
            indication: opt(&self.indication),
            needle_min_mm: opt(&self.needle_min_mm),
            needle_max_mm: opt(&self.needle_max_mm),
            addons: self.addons.clone(),
            notes: opt(&self.notes),
            active: Some(self.active == "true"),
            lines: self.lines(),
        }
    }

    fn adding(&self) -> bool {
        self.action.iter().any(|a| a == "add_line")
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_form(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    id: Option<i64>,
    form: &ProtocolForm,
    extra_rows: usize,
    errors: Vec<FieldError>,
    message: Option<String>,
) -> Result<HttpResponse, PageError> {
    let products: Vec<Product> = state.run(hints::form_products).await?;
    let typed = form.lines();
    let mut lines: Vec<ProtocolLineRow> = typed
        .iter()
        .enumerate()
        .map(|(index, l)| ProtocolLineRow {
            index,
            product_id: l.product_id.clone().unwrap_or_default(),
            quantity: l.quantity.clone().unwrap_or_default(),
            error: errors
                .iter()
                .find(|e| e.field.starts_with(&format!("lines[{index}].")))
                .map(|e| e.message.clone()),
        })
        .collect();
    let want = 4.max(lines.len() + extra_rows);
    while lines.len() < want {
        lines.push(ProtocolLineRow {
            index: lines.len(),
            product_id: String::new(),
            quantity: String::new(),
            error: None,
        });
    }
    let title = if id.is_some() {
        "Edit protocol"
    } else {
        "New protocol"
    };
    let page = ProtocolFormPage {
        frame: Frame::new(user, title, "/protocols"),
        id,
        name: form.name.clone(),
        indications: indication_opts(form.indication.trim(), "— choose —"),
        needle_min_mm: form.needle_min_mm.clone(),
        needle_max_mm: form.needle_max_mm.clone(),
        addons: addon_checks(&form.addons),
        notes: form.notes.clone(),
        active: form.active == "true",
        lines,
        products: product_groups(&products),
        errors: errors.into(),
        message,
    };
    render_status(status, &page)
}

async fn new_form(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageProtocols)?;
    let form = ProtocolForm {
        active: "true".into(),
        ..ProtocolForm::default()
    };
    render_form(
        &state,
        &user,
        StatusCode::OK,
        None,
        &form,
        1,
        Vec::new(),
        None,
    )
    .await
}

async fn edit_form(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageProtocols)?;
    let id = id.into_inner();
    let v = state.run(move |conn| protocols::get(conn, id)).await?;
    let form = ProtocolForm::from_draft(&v.to_draft());
    render_form(
        &state,
        &user,
        StatusCode::OK,
        Some(id),
        &form,
        1,
        Vec::new(),
        None,
    )
    .await
}

async fn save(
    state: &AppState,
    user: CurrentUser,
    id: Option<i64>,
    form: ProtocolForm,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ManageProtocols)?;
    if form.adding() {
        return render_form(state, &user, StatusCode::OK, id, &form, 3, Vec::new(), None).await;
    }
    let draft = form.draft();
    let actor = user.actor.clone();
    let result = state
        .run(move |conn| match id {
            Some(id) => protocols::update(conn, &actor, id, &draft),
            None => protocols::create(conn, &actor, &draft),
        })
        .await;
    match result {
        Ok(v) => {
            let label = v.indication().label();
            flash_redirect(
                state,
                &user,
                "/protocols",
                format!(
                    "Protocol {} ({label}, {}) saved.",
                    v.protocol.name,
                    v.range_label()
                ),
            )
            .await
        }
        Err(e @ ServiceError::Invalid { .. }) => {
            let errors = e.field_errors().to_vec();
            render_form(
                state,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                id,
                &form,
                1,
                errors,
                Some(e.page_message()),
            )
            .await
        }
        Err(e @ ServiceError::Conflict { .. }) => {
            let errors = vec![FieldError {
                field: "name".into(),
                message: e.page_message(),
            }];
            render_form(
                state,
                &user,
                StatusCode::CONFLICT,
                id,
                &form,
                1,
                errors,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn create(
    state: web::Data<AppState>,
    posted: Posted<ProtocolForm>,
) -> Result<HttpResponse, PageError> {
    save(&state, posted.user, None, posted.form).await
}

async fn update(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<ProtocolForm>,
) -> Result<HttpResponse, PageError> {
    save(&state, posted.user, Some(id.into_inner()), posted.form).await
}
