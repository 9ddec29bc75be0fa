//! The lot page: balances, opened containers, history, the sessions that
//! used it, and its recall CSV. Managers see everything and the correction
//! forms; practitioners see a read-only page (balances, containers, and the
//! "open a container" form, since opening a tube happens in the treatment
//! room) without history or client references.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::pages::{PageError, render_status};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::CurrentUser;
use crate::services::lots;
use crate::views::Frame;
use crate::views::lots::{LotForms, LotPage};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/lots/{id}", web::get().to(show))
        .route("/lots/{id}/recall.csv", web::get().to(recall_csv));
}

#[derive(Deserialize, Default)]
pub struct LotQuery {
    history_page: Option<String>,
}

async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<LotQuery>,
) -> Result<HttpResponse, PageError> {
    let page = q
        .history_page
        .as_deref()
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1);
    lot_page(
        &state,
        &user,
        id.into_inner(),
        page,
        StatusCode::OK,
        LotForms::default(),
    )
    .await
}

/// Renders the lot page, with a form's typed values and errors when it came back.
pub async fn lot_page(
    state: &AppState,
    user: &CurrentUser,
    lot_id: i64,
    history_page: i64,
    status: StatusCode,
    forms: LotForms,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewLot)?;
    let manager = user.may(Action::Recall);
    let actor = user.actor.clone();
    let (detail, locations, reactions) = state
        .run(move |conn| {
            let detail = lots::detail(conn, &actor, lot_id, manager, history_page)?;
            let reactions = if manager {
                Some(crate::services::reactions::for_lot(conn, &actor, lot_id)?)
            } else {
                None
            };
            Ok((
                detail,
                lots::location_choices(conn, &actor, Action::ViewLot)?,
                reactions,
            ))
        })
        .await?;
    let title = format!("Lot {}", detail.lot.lot_number);
    let mut page = LotPage::build(
        Frame::new(user, title, ""),
        manager,
        &detail,
        locations,
        forms,
    );
    page.reactions = reactions.map(|r| {
        crate::views::lot_reactions::LotReactionPanel::new(&r, page.product_id, &page.lot_number)
    });
    page.audit_history =
        crate::routes::audit::history_of(state, user, "lot", detail.lot.id).await?;
    render_status(status, &page)
}

async fn recall_csv(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::Recall)?;
    let actor = user.actor.clone();
    let id = id.into_inner();
    let (name, bytes) = state
        .run(move |conn| lots::recall_csv(conn, &actor, id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(bytes))
}
