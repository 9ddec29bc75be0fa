//! "Send to supplier" on a draft order's page: e-mails it
//! (`crate::order_mail`) and comes back to the order with what happened.
//! A refusal (no supplier address, mail not set up, the mail server said
//! no) re-renders the page with the reason; the order stays a draft.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::refused;
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::pages::{PageError, Posted, flash_redirect};

/// The form carries only the CSRF token.
#[derive(Debug, Deserialize, Default)]
pub struct EmailForm {}

pub(super) async fn email(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<EmailForm>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, .. } = posted;
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
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
