//! The "Get started" checklist on the dashboard (issue 14 item 9): six
//! first steps of a new clinic, each ticked off from the database state
//! (`db::first_steps`), each linking to the page that does it when the
//! actor may do it there. The list disappears once every step is done;
//! nothing is stored for it (no dismissal to lose or to reset).

use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::ServiceResult;

/// One step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Stable code (`site`, `suppliers`, `products`, `delivery`, `users`, `protocols`).
    pub code: &'static str,
    pub label: &'static str,
    pub done: bool,
    /// The page that does it, when this actor may (else someone else must).
    pub href: Option<&'static str>,
    /// Who does it when the actor may not ("an administrator does this").
    pub who: Option<&'static str>,
}

/// The checklist for `actor`, or `None` when every step is done or the
/// actor sees no dashboard (practitioners).
pub fn checklist(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Option<Vec<Step>>> {
    if actor.require(Action::ViewAlerts).is_err() {
        return Ok(None);
    }
    let s = db::first_steps::load(conn)?;
    let step = |code, label, done, action: Action, href| {
        let may = actor.require(action).is_ok();
        Step {
            code,
            label,
            done,
            href: may.then_some(href),
            who: (!may).then_some(if action.rule().roles.manager {
                "a manager does this"
            } else {
                "an administrator does this"
            }),
        }
    };
    let steps = vec![
        step(
            "site",
            "Enter the clinic's details (address, phone, e-mail, time zone)",
            s.site_details,
            Action::ManageSites,
            "/admin/sites",
        ),
        step(
            "suppliers",
            "Add your suppliers",
            s.suppliers,
            Action::ManageSuppliers,
            "/suppliers",
        ),
        step(
            "products",
            "Add the products you stock",
            s.products,
            Action::ManageProducts,
            "/products/new",
        ),
        step(
            "delivery",
            "Receive your first delivery",
            s.delivery,
            Action::ReceiveStock,
            "/receive",
        ),
        step(
            "users",
            "Add the people who work with you",
            s.users,
            Action::ManageUsers,
            "/admin/users",
        ),
        step(
            "protocols",
            "Set up your treatment protocols",
            s.protocols,
            Action::ManageProtocols,
            "/protocols/new",
        ),
    ];
    if steps.iter().all(|s| s.done) {
        return Ok(None);
    }
    Ok(Some(steps))
}
