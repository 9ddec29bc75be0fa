//! E-mailing an order to its supplier, the service side: what must hold
//! before the mail goes out ([`prepare`]: a draft with lines, a supplier
//! with an e-mail address) and recording it once it went ([`mark_emailed`]:
//! its own transaction, which checks again that the order is still a
//! draft). The message is composed and sent between the two, outside any
//! transaction, by `crate::order_mail`; when sending fails nothing here is
//! called and the order stays a draft.

use chrono::NaiveDateTime;

use super::drafts::not_draft;
use super::{OrderView, load, load_seen};
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::audit;

/// Everything the message needs, read in one transaction.
#[derive(Debug, Clone)]
pub struct EmailPlan {
    pub view: OrderView,
    /// The supplier's address, trimmed.
    pub to: String,
    pub currency: String,
    /// Who sends it, as people read it ("Pia Novak").
    pub sender_name: String,
    /// The sender's own address, if they have one.
    pub sender_email: Option<String>,
}

/// Checks that order `id` can be e-mailed by `actor` and reads what the
/// message says. Refusals: 404 (unknown or another site's), 409
/// `order_not_draft` / `order_empty`, 422 `supplier_email_missing`.
pub fn prepare(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<EmailPlan> {
    actor.require(Action::ManageOrders)?;
    db::read_tx(conn, |conn| Ok(plan(conn, actor, id)))?
}

fn plan(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<EmailPlan> {
    let view = load_seen(conn, actor, id)?;
    if !view.is_draft() {
        return Err(not_draft(&view));
    }
    if view.lines.is_empty() {
        return Err(ServiceError::conflict(
            ErrorCode::OrderEmpty,
            format!("{} has no lines; add what to order first", view.number()),
        ));
    }
    let Some(to) = view
        .supplier
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
    else {
        return Err(supplier_email_missing(&view));
    };
    let currency = crate::services::settings::load(conn)?.currency;
    let sender = db::users::by_id(conn, actor.user_id)?;
    Ok(EmailPlan {
        to,
        currency,
        sender_name: sender
            .as_ref()
            .map(|u| u.shown_name().to_string())
            .unwrap_or_else(|| actor.username.clone()),
        sender_email: sender
            .and_then(|u| u.email)
            .filter(|e| !e.trim().is_empty()),
        view,
    })
}

/// 422 `supplier_email_missing` (also for an address that is not one).
pub fn supplier_email_missing(view: &OrderView) -> ServiceError {
    ServiceError::invalid_code(
        ErrorCode::SupplierEmailMissing,
        "supplier_email",
        format!(
            "{} has no usable e-mail address; add one on the supplier's page, \
             or mark the order as sent by hand",
            view.supplier.name
        ),
    )
}

/// Records that order `id` was e-mailed to `to` at `now` with `text` (the
/// plain-text body, kept as the order's e-mail text): status sent, an audit
/// row. When the order stopped being a draft while the mail went out, 409
/// `order_not_draft` says that the mail did go.
pub fn mark_emailed(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    to: &str,
    text: &str,
    now: NaiveDateTime,
) -> ServiceResult<OrderView> {
    actor.require(Action::ManageOrders)?;
    db::write_tx(conn, |conn| {
        let view = load_seen(conn, actor, id)?;
        let changed_meanwhile = |view: &OrderView| {
            ServiceError::conflict(
                ErrorCode::OrderNotDraft,
                format!(
                    "{} was e-mailed to {to}, but meanwhile it became {}; \
                     it was not marked as sent again",
                    view.number(),
                    view.status.label().to_lowercase()
                ),
            )
        };
        if !view.is_draft() {
            return Err(changed_meanwhile(&view));
        }
        if db::orders::mark_emailed(conn, id, now, text, to)? != 1 {
            return Err(changed_meanwhile(&view));
        }
        let after = load(conn, id)?;
        audit::order_changed(conn, actor, "email", Some(&view), &after)?;
        Ok(after)
    })
}
