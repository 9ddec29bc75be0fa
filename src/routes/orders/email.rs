//! "Send to supplier" on a draft order's page: e-mails it
//! (`crate::order_mail`) and comes back to the order with what happened.
//! A refusal (no supplier address, mail not set up, the mail server said
//! no) re-renders the page with the reason; the order stays a draft. The
//! button belongs to the lines form, so line edits are saved first.

use actix_web::{HttpResponse, web};

use super::lines::save_posted_lines;
use super::refused;
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::pages::{PageError, Posted, flash_redirect};

pub(super) async fn email(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    // The button posts the lines form: line edits are saved before sending.
    if let Some(page) = save_posted_lines(&state, &user, id, &form).await? {
        return Ok(page);
    }
    match crate::order_mail::email_order(&state, &user.actor, id).await {
        Ok(v) => {
            flash_redirect(
                &state,
                &user,
                &format!("/orders/{id}"),
                format!(
                    "{} e-mailed to {} and marked as sent.",
                    v.number(),
                    v.order.sent_to.as_deref().unwrap_or_default()
                ),
            )
            .await
        }
        Err(e) => refused(&state, &user, id, &[], e).await,
    }
}
