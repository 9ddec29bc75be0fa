//! The page frame shared by every page: title, navigation by role, the
//! CSRF token forms embed, and the one-time flash message.

use crate::domain::access::CurrentUser;
use crate::domain::vocab::Role;

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub title: String,
    pub username: Option<String>,
    pub role_label: String,
    pub csrf: String,
    pub flash: Option<String>,
    pub nav: Vec<NavItem>,
}

/// (href, label, least role) in menu order.
const MENU: &[(&str, &str, Role)] = &[
    ("/", "Home", Role::Practitioner),
    ("/sessions/new", "Log session", Role::Practitioner),
    ("/sessions", "Sessions", Role::Practitioner),
    ("/stock", "Stock", Role::Practitioner),
    ("/products", "Products", Role::Manager),
    ("/protocols", "Protocols", Role::Manager),
    ("/receive", "Receive", Role::Manager),
    ("/counts", "Count", Role::Manager),
    ("/ledger", "Ledger", Role::Manager),
    ("/recall", "Recall", Role::Manager),
    ("/reports/reorder", "Reorder", Role::Manager),
    ("/orders", "Orders", Role::Manager),
    ("/reports/usage", "Usage", Role::Manager),
    ("/admin/import", "Import", Role::Manager),
    ("/admin/users", "Users", Role::Admin),
    ("/admin/sites", "Sites", Role::Admin),
    ("/admin/settings", "Settings", Role::Admin),
];

impl Frame {
    /// Frame for a logged-in page; `active` is the menu entry to highlight.
    pub fn new(user: &CurrentUser, title: impl Into<String>, active: &str) -> Frame {
        let role = user.role();
        let nav = MENU
            .iter()
            .filter(|(_, _, least)| role.at_least(*least))
            .map(|(href, label, _)| NavItem {
                href,
                label,
                active: *href == active,
            })
            .collect();
        Frame {
            title: title.into(),
            username: Some(user.actor.username.clone()),
            role_label: role.label().to_string(),
            csrf: user.csrf.clone(),
            flash: user.flash.clone(),
            nav,
        }
    }

    /// Frame for pages seen before login (login, setup, errors).
    pub fn anonymous(title: impl Into<String>, csrf: &str) -> Frame {
        Frame {
            title: title.into(),
            username: None,
            role_label: String::new(),
            csrf: csrf.to_string(),
            flash: None,
            nav: Vec::new(),
        }
    }
}
