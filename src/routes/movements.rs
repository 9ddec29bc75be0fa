//! Stock movements from the lot page and the dashboard: adjustments,
//! transfers, opening containers, quarantine (writing off all expired stock
//! of a site is `write_off`). Each posts, then 303s back with a flash; a refused form
//! comes back on the lot page with the message at its field (422, or 409
//! when the stock is not there) and nothing written.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::lots::lot_page;
use super::pages::{PageError, Posted, flash_redirect};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::{FieldError, ServiceError};
use crate::routes::extract::CurrentUser;
use crate::services::adjustments::{self, AdjustDraft};
use crate::services::lots;
use crate::services::transfers::{self, OpenDraft, TransferDraft};
use crate::views::ledger::{qty_unit, signed_qty_unit};
use crate::views::lots::LotForms;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/lots/{id}/adjust", web::post().to(adjust))
        .route("/lots/{id}/transfer", web::post().to(transfer))
        .route("/lots/{id}/open", web::post().to(open))
        .route("/lots/{id}/quarantine", web::post().to(quarantine))
        .route("/lots/{id}/release", web::post().to(release));
}

fn opt(s: &str) -> Option<String> {
    Some(s.to_string()).filter(|s| !s.trim().is_empty())
}

/// A refused form: field errors, with a stock conflict shown at `conflict_field`.
fn refusal(
    e: ServiceError,
    conflict_field: &str,
) -> Result<(StatusCode, Vec<FieldError>), PageError> {
    match e {
        ServiceError::Invalid { errors, .. } => Ok((StatusCode::UNPROCESSABLE_ENTITY, errors)),
        e @ ServiceError::Conflict { .. } => Ok((
            StatusCode::CONFLICT,
            vec![FieldError {
                field: conflict_field.to_string(),
                message: e.page_message(),
            }],
        )),
        e => Err(e.into()),
    }
}

async fn come_back(
    state: &AppState,
    user: &CurrentUser,
    lot_id: i64,
    e: ServiceError,
    conflict_field: &str,
    mut forms: LotForms,
) -> Result<HttpResponse, PageError> {
    let (status, errors) = refusal(e, conflict_field)?;
    forms.errors = errors.into();
    lot_page(state, user, lot_id, 1, status, forms).await
}

#[derive(Deserialize, Default, Clone)]
pub struct AdjustForm {
    #[serde(default)]
    lot_id: String,
    #[serde(default)]
    location_id: String,
    #[serde(default)]
    delta: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn adjust(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<AdjustForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::AdjustStock)?;
    let page_lot = id.into_inner();
    // The form may name an opened container of this lot; default: the lot itself.
    let lot_id = opt(&form.lot_id).unwrap_or_else(|| page_lot.to_string());
    let draft = AdjustDraft {
        lot_id: Some(lot_id.clone()),
        location_id: opt(&form.location_id),
        delta: opt(&form.delta),
        reason: opt(&form.reason),
        note: opt(&form.note),
        ..AdjustDraft::default()
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| adjustments::adjust(conn, &actor, &draft))
        .await
    {
        Ok(e) => {
            let msg = format!(
                "Adjusted lot {} at {} by {} ({}).",
                e.lot_number,
                e.location_code,
                signed_qty_unit(e.row.delta, e.unit.code()),
                e.row.reason.clone().unwrap_or_default()
            );
            flash_redirect(&state, &user, &format!("/lots/{page_lot}"), msg).await
        }
        Err(e) => {
            let forms = LotForms {
                form: "adjust".into(),
                adjust_lot_id: lot_id,
                adjust_location_id: form.location_id,
                delta: form.delta,
                reason: form.reason,
                note: form.note,
                ..LotForms::default()
            };
            come_back(&state, &user, page_lot, e, "delta", forms).await
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct TransferForm {
    #[serde(default)]
    lot_id: String,
    #[serde(default)]
    from_location_id: String,
    #[serde(default)]
    to_location_id: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    note: String,
}

async fn transfer(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<TransferForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::TransferStock)?;
    let page_lot = id.into_inner();
    let lot_id = opt(&form.lot_id).unwrap_or_else(|| page_lot.to_string());
    let draft = TransferDraft {
        lot_id: Some(lot_id.clone()),
        from_location_id: opt(&form.from_location_id),
        to_location_id: opt(&form.to_location_id),
        quantity: opt(&form.quantity),
        note: opt(&form.note),
        ..TransferDraft::default()
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| transfers::transfer(conn, &actor, &draft))
        .await
    {
        Ok(t) => {
            let msg = format!(
                "Moved {} of lot {} from {} to {}.",
                qty_unit(t.quantity, &t.unit),
                t.lot.lot_number,
                t.from,
                t.to
            );
            flash_redirect(&state, &user, &format!("/lots/{page_lot}"), msg).await
        }
        Err(e) => {
            let forms = LotForms {
                form: "transfer".into(),
                transfer_lot_id: lot_id,
                from_location_id: form.from_location_id,
                to_location_id: form.to_location_id,
                quantity: form.quantity,
                transfer_note: form.note,
                ..LotForms::default()
            };
            come_back(&state, &user, page_lot, e, "quantity", forms).await
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct OpenForm {
    #[serde(default)]
    location_id: String,
}

async fn open(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<OpenForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::OpenContainer)?;
    let lot_id = id.into_inner();
    let draft = OpenDraft {
        lot_id: Some(lot_id.to_string()),
        location_id: opt(&form.location_id),
        ..OpenDraft::default()
    };
    let actor = user.actor.clone();
    match state
        .run(move |conn| transfers::open_container(conn, &actor, &draft))
        .await
    {
        Ok(o) => {
            let msg = format!(
                "Opened container #{} of lot {} ({}); discard by {}.",
                o.container,
                o.lot_number,
                qty_unit(o.quantity, &o.unit),
                o.discard_by
            );
            flash_redirect(&state, &user, &format!("/lots/{lot_id}"), msg).await
        }
        Err(e) => {
            let forms = LotForms {
                form: "open".into(),
                open_location_id: form.location_id,
                ..LotForms::default()
            };
            come_back(&state, &user, lot_id, e, "open", forms).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NoFields {}

async fn set_quarantine(
    state: web::Data<AppState>,
    user: CurrentUser,
    lot_id: i64,
    quarantined: bool,
) -> Result<HttpResponse, PageError> {
    user.require(Action::AdjustStock)?;
    let actor = user.actor.clone();
    let lot = state
        .run(move |conn| lots::set_quarantine(conn, &actor, lot_id, quarantined))
        .await?;
    let msg = if quarantined {
        format!(
            "Lot {} is in quarantine: it will not be used for sessions.",
            lot.lot_number
        )
    } else {
        format!("Lot {} released from quarantine.", lot.lot_number)
    };
    flash_redirect(&state, &user, &format!("/lots/{lot_id}"), msg).await
}

async fn quarantine(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    set_quarantine(state, posted.user, id.into_inner(), true).await
}

async fn release(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<NoFields>,
) -> Result<HttpResponse, PageError> {
    set_quarantine(state, posted.user, id.into_inner(), false).await
}
