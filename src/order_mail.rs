//! E-mailing a purchase order to its supplier (issue 11 part 5), the steps
//! in their order:
//!
//! 1. check — `services::orders::email::prepare` (one read transaction):
//!    the actor may manage orders and sees the order's site, it is a draft
//!    with lines, the supplier has an e-mail address; then that the address
//!    is one and that mail is set up on this server;
//! 2. compose — `views::order_mail` (text, HTML, the lines as CSV);
//! 3. send — [`Mailer::send`], outside any transaction and with no
//!    database connection held (an SMTP conversation may take seconds);
//! 4. record — `services::orders::email::mark_emailed`, its own write
//!    transaction, which checks again that the order is still a draft.
//!
//! When sending fails nothing is written: the order stays a draft and the
//! caller gets 502 `mail_failed` with the mail server's answer. A top-level
//! module: it calls services, views and the mailer.

use crate::app::AppState;
use crate::domain::access::Actor;
use crate::error::{ErrorCode, ServiceError, ServiceResult};
use crate::mail::Mailer;
use crate::services::orders::{OrderView, email};

/// 422 `mail_not_configured`: the server has no mail settings. Like a
/// supplier without an address, a precondition of e-mailing is missing
/// (not a failure of the server: nothing was tried); the page hides the
/// button then.
pub fn not_configured() -> ServiceError {
    ServiceError::External {
        code: ErrorCode::MailNotConfigured,
        message: "e-mail is not set up on this server (CLINIC_STOCK_SMTP_URL and \
                  CLINIC_STOCK_MAIL_FROM); send the order yourself and mark it as sent"
            .into(),
    }
}

/// 502 `mail_failed`: the mail server did not take the message.
pub fn mail_failed(why: &str, order: &str) -> ServiceError {
    ServiceError::External {
        code: ErrorCode::MailFailed,
        message: format!("{order} was not sent and is still a draft: {why}"),
    }
}

/// E-mails order `id` to its supplier and marks it sent (see the module
/// doc for the steps). Returns the order as recorded.
pub async fn email_order(state: &AppState, actor: &Actor, id: i64) -> ServiceResult<OrderView> {
    let a = actor.clone();
    let plan = state.run(move |conn| email::prepare(conn, &a, id)).await?;
    if plan.to.parse::<lettre::message::Mailbox>().is_err() {
        return Err(email::supplier_email_missing(&plan.view));
    }
    let mailer: Mailer = state.mailer.clone().ok_or_else(not_configured)?;
    let now = crate::db::now();
    let message = crate::views::order_mail::compose(&plan, now).map_err(ServiceError::Internal)?;
    let number = plan.view.number();
    let text = message.text.clone();
    let sent = actix_web::web::block(move || mailer.send(&message))
        .await
        .map_err(|e| ServiceError::Internal(format!("blocking task: {e}")))?;
    if let Err(e) = sent {
        tracing::warn!(order = %number, error = %e, "order e-mail not sent");
        return Err(mail_failed(&e.0, &number));
    }
    let a = actor.clone();
    let to = plan.to.clone();
    state
        .run(move |conn| email::mark_emailed(conn, &a, id, &to, &text, now))
        .await
}
