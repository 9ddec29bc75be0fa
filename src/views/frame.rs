//! The page frame shared by every page: title, navigation from the permission table, the
//! CSRF token forms embed, and the one-time flash message.

use crate::domain::access::{Action, CurrentUser};

#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// A count shown beside the label (the alerts), when above 0.
    pub badge: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub title: String,
    /// The signed-in user's shown name (display name, else login); None
    /// before login.
    pub username: Option<String>,
    /// Whether the name links to their account page (`/account`).
    pub account_active: bool,
    pub role_label: String,
    pub csrf: String,
    pub flash: Option<String>,
    pub nav: Vec<NavItem>,
}

const ALERTS: &str = "/alerts";

/// (href, label, the action the page is for) in menu order: an entry shows
/// when the permission table lets the user do that action.
const MENU: &[(&str, &str, Action)] = &[
    ("/", "Home", Action::ViewDashboard),
    ("/alerts", "Alerts", Action::ViewAlerts),
    ("/sessions/new", "Log session", Action::LogSession),
    ("/sessions", "Sessions", Action::ViewSessions),
    ("/stock", "Stock", Action::ViewStock),
    ("/products", "Products", Action::ViewProducts),
    ("/suppliers", "Suppliers", Action::ManageSuppliers),
    ("/protocols", "Protocols", Action::ViewProtocols),
    ("/receive", "Receive", Action::ReceiveStock),
    ("/counts", "Count", Action::CountStock),
    ("/ledger", "Ledger", Action::ViewLedger),
    ("/recall", "Recall", Action::Recall),
    ("/reports/reorder", "Reorder", Action::ViewReports),
    ("/orders", "Orders", Action::ManageOrders),
    ("/reports/usage", "Usage", Action::ViewReports),
    ("/admin/import", "Import", Action::ImportData),
    ("/admin/users", "Users", Action::ManageUsers),
    ("/admin/sites", "Sites", Action::ManageSites),
    ("/admin/settings", "Settings", Action::ManageSettings),
    (
        "/admin/areas",
        "Clinical lists",
        Action::ManageClinicalLists,
    ),
    ("/admin/audit", "Audit", Action::ViewAudit),
];

impl Frame {
    /// Frame for a logged-in page; `active` is the menu entry to highlight.
    pub fn new(user: &CurrentUser, title: impl Into<String>, active: &str) -> Frame {
        let role = user.role();
        let nav = MENU
            .iter()
            .filter(|(_, _, action)| user.may(*action))
            .map(|(href, label, _)| NavItem {
                href,
                label,
                active: *href == active,
                badge: None,
            })
            .collect();
        Frame {
            title: title.into(),
            username: Some(user.shown_name().to_string()),
            account_active: active == "/account",
            role_label: role.label().to_string(),
            csrf: user.csrf.clone(),
            flash: user.flash.clone(),
            nav,
        }
        .with_alert_count(user.alert_count)
    }

    /// Shows `count` on the menu's Alerts entry (nothing when 0 or None).
    pub fn with_alert_count(mut self, count: Option<usize>) -> Frame {
        for item in &mut self.nav {
            if item.href == ALERTS {
                item.badge = count.filter(|n| *n > 0);
            }
        }
        self
    }

    /// Frame for pages seen before login (login, setup, errors).
    pub fn anonymous(title: impl Into<String>, csrf: &str) -> Frame {
        Frame {
            title: title.into(),
            username: None,
            account_active: false,
            role_label: String::new(),
            csrf: csrf.to_string(),
            flash: None,
            nav: Vec::new(),
        }
    }
}
