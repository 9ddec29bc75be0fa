//! Who is acting and what they may do: the `Actor` every service takes, the
//! logged-in person behind a page (`CurrentUser`), and THE permission table:
//! one `Action` per thing a user can do, one rule per action (which roles,
//! whether it is about one site's data), and one function, [`may`], that
//! answers "may this actor do this here". Route guards, services and the
//! menu all ask [`may`]; `docs/permissions.md` is generated from [`TABLE`]
//! (see [`permissions_markdown`]) and a test keeps the two equal.
//!
//! Site scope (DOMAIN.md "Who sees what"): a practitioner or manager bound to
//! a site reads and writes that site only; users without a site (chain
//! managers) and admins see every site.

use chrono::NaiveDateTime;

use crate::domain::vocab::Role;

/// Who is acting, as services see it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub site_id: Option<i64>,
    /// The client's address when the request came over the network (the
    /// audit log records it); None on the command line.
    pub address: Option<String>,
}

/// A refusal: the actor may not do this. Services turn it into a 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Everything a user can be allowed to do. Adding a route means picking (or
/// adding) its action here and in [`TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    ViewDashboard,
    ManageOwnAccount,
    LogSession,
    ViewSessions,
    RecordFollowUp,
    VoidSession,
    VoidOwnSession,
    ViewStock,
    ViewLot,
    OpenContainer,
    ViewProducts,
    ManageProducts,
    ViewSuppliers,
    ManageSuppliers,
    ViewProtocols,
    ManageProtocols,
    ReceiveStock,
    CorrectReceipt,
    AdjustStock,
    TransferStock,
    CountStock,
    ViewLedger,
    Recall,
    ViewReports,
    ViewAlerts,
    ManageOrders,
    ImportData,
    ViewSites,
    ManageSites,
    ManageSettings,
    ManageUsers,
    ViewAudit,
    ExportData,
    ManageClinicalLists,
}

/// Which roles may do an action, in the order practitioner, manager, admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    pub practitioner: bool,
    pub manager: bool,
    pub admin: bool,
}

const STAFF: Roles = Roles {
    practitioner: true,
    manager: true,
    admin: true,
};
const MANAGERS: Roles = Roles {
    practitioner: false,
    manager: true,
    admin: true,
};
const ADMINS: Roles = Roles {
    practitioner: false,
    manager: false,
    admin: true,
};

impl Roles {
    pub fn allows(self, role: Role) -> bool {
        match role {
            Role::Practitioner => self.practitioner,
            Role::Manager => self.manager,
            Role::Admin => self.admin,
        }
    }
}

/// Whether an action is about one site's data (then a site-bound user may
/// do it at their own site only) or about the whole installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Sessions, clients, lots, stock, locations, reports, orders, …
    PerSite,
    /// The shared catalogue, users, settings: the same for every site.
    Chain,
}

/// One line of the permission table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub action: Action,
    /// Stable snake_case name (docs, error messages).
    pub code: &'static str,
    /// What it covers, for people.
    pub what: &'static str,
    pub roles: Roles,
    pub reach: Reach,
}

const fn rule(
    action: Action,
    code: &'static str,
    roles: Roles,
    reach: Reach,
    what: &'static str,
) -> Rule {
    Rule {
        action,
        code,
        what,
        roles,
        reach,
    }
}

use Action as A;
use Reach::{Chain, PerSite};

/// THE permission table: one line per [`Action`], in [`Action`] order.
#[rustfmt::skip]
pub const TABLE: &[Rule] = &[
    rule(A::ViewDashboard, "view_dashboard", STAFF, PerSite, "home page: today's sessions, stock alerts"),
    rule(A::ManageOwnAccount, "manage_own_account", STAFF, Chain, "their own account page: display name, e-mail, daily digest, password (own record only)"),
    rule(A::LogSession, "log_session", STAFF, PerSite, "log a treatment session (form, hints, API)"),
    rule(A::ViewSessions, "view_sessions", STAFF, PerSite, "session list and detail, after-care sheet, a client's history"),
    rule(A::RecordFollowUp, "record_follow_up", STAFF, PerSite, "record side effects seen after a session"),
    rule(A::VoidSession, "void_session", MANAGERS, PerSite, "void a session (stock goes back)"),
    rule(A::VoidOwnSession, "void_own_session", STAFF, PerSite, "void a session they logged themselves, within 30 minutes of saving it (reason required; later, a manager)"),
    rule(A::ViewStock, "view_stock", STAFF, PerSite, "stock on hand, locations"),
    rule(A::ViewLot, "view_lot", STAFF, PerSite, "a lot's page: its balances and movements"),
    rule(A::OpenContainer, "open_container", STAFF, PerSite, "record opening a tube or vial"),
    rule(A::ViewProducts, "view_products", STAFF, Chain, "the product catalogue (stock shown is the user's sites only)"),
    rule(A::ManageProducts, "manage_products", MANAGERS, Chain, "create, edit, archive products"),
    rule(A::ViewSuppliers, "view_suppliers", MANAGERS, Chain, "the supplier list"),
    rule(A::ManageSuppliers, "manage_suppliers", MANAGERS, Chain, "create and edit suppliers"),
    rule(A::ViewProtocols, "view_protocols", STAFF, Chain, "treatment protocols"),
    rule(A::ManageProtocols, "manage_protocols", MANAGERS, Chain, "create and edit protocols"),
    rule(A::ReceiveStock, "receive_stock", MANAGERS, PerSite, "receive deliveries (form, GS1 scan, API receipts), the receipt pages"),
    rule(A::CorrectReceipt, "correct_receipt", MANAGERS, PerSite, "correct a mistyped delivery: a receipt's quantity, with a reason (compensating ledger rows)"),
    rule(A::AdjustStock, "adjust_stock", MANAGERS, PerSite, "adjust, write off, quarantine and release stock"),
    rule(A::TransferStock, "transfer_stock", MANAGERS, PerSite, "move stock between locations"),
    rule(A::CountStock, "count_stock", MANAGERS, PerSite, "stock counts and their results"),
    rule(A::ViewLedger, "view_ledger", MANAGERS, PerSite, "the ledger and its CSV"),
    rule(A::Recall, "recall", MANAGERS, PerSite, "which clients got a lot: recall search, lot recall CSV, lot API"),
    rule(A::ViewReports, "view_reports", MANAGERS, PerSite, "reorder and usage reports, their CSV and print views"),
    rule(A::ViewAlerts, "view_alerts", MANAGERS, PerSite, "low stock, expiring lots, overdue orders"),
    rule(A::ManageOrders, "manage_orders", MANAGERS, PerSite, "purchase orders: draft, send, cancel, receive"),
    rule(A::ImportData, "import_data", MANAGERS, Chain, "import suppliers, products, stock and protocols from CSV"),
    rule(A::ViewSites, "view_sites", STAFF, PerSite, "a site's details (name, time zone, address)"),
    rule(A::ManageSites, "manage_sites", ADMINS, Chain, "create and edit sites and locations"),
    rule(A::ManageSettings, "manage_settings", ADMINS, Chain, "installation settings"),
    rule(A::ManageUsers, "manage_users", ADMINS, Chain, "users, roles, passwords, tokens"),
    rule(A::ViewAudit, "view_audit", ADMINS, Chain, "the audit log: page, CSV, API, and each product, lot, order and user page's history"),
    rule(A::ExportData, "export_data", ADMINS, Chain, "export every table as CSV"),
    rule(A::ManageClinicalLists, "manage_clinical_lists", ADMINS, Chain, "treatment areas (add, rename, retire) and indications' usual needle ranges"),
];

impl Action {
    /// This action's line of [`TABLE`].
    pub fn rule(self) -> &'static Rule {
        // TABLE is in Action order with one line each (a unit test checks).
        let i = self as usize;
        match TABLE.get(i) {
            Some(r) if r.action == self => r,
            _ => TABLE.iter().find(|r| r.action == self).unwrap_or(&TABLE[0]),
        }
    }

    pub fn code(self) -> &'static str {
        self.rule().code
    }

    pub fn per_site(self) -> bool {
        self.rule().reach == PerSite
    }
}

/// Where an action is to be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// "At some site": the route guard's question, before the site is known.
    /// Decides on the role alone.
    Anywhere,
    /// One site's data.
    Site(i64),
    /// Every site's data at once (an unfiltered list): site-bound users may
    /// not; their lists are narrowed with [`Actor::site_filter`] instead.
    AllSites,
}

/// The one permission decision: may `actor` do `action` at `scope`?
pub fn may(actor: &Actor, action: Action, scope: Scope) -> bool {
    let rule = action.rule();
    if !rule.roles.allows(actor.role) {
        return false;
    }
    if rule.reach == Chain {
        return true;
    }
    match (actor.bound_site(), scope) {
        (None, _) | (Some(_), Scope::Anywhere) => true,
        (Some(own), Scope::Site(site)) => own == site,
        (Some(_), Scope::AllSites) => false,
    }
}

impl Actor {
    /// The one site this actor is limited to: a practitioner's or manager's
    /// site; `None` for admins and users without a site (they see all).
    pub fn bound_site(&self) -> Option<i64> {
        match self.role {
            Role::Admin => None,
            _ => self.site_id,
        }
    }

    pub fn may(&self, action: Action, scope: Scope) -> bool {
        may(self, action, scope)
    }

    /// [`may`] as a `Result`: a refusal that says why.
    pub fn check(&self, action: Action, scope: Scope) -> Result<(), Denied> {
        if self.may(action, scope) {
            return Ok(());
        }
        let rule = action.rule();
        if !rule.roles.allows(self.role) {
            let needs = if rule.roles.manager {
                "the manager role"
            } else {
                "the admin role"
            };
            Err(Denied(format!("this needs {needs}")))
        } else {
            Err(Denied("this belongs to another site".into()))
        }
    }

    /// The route guard: may this actor do `action` at all (their role)?
    /// The site is checked once the record or filter is known.
    pub fn require(&self, action: Action) -> Result<(), Denied> {
        self.check(action, Scope::Anywhere)
    }

    /// The site a list or report for `action` must be narrowed to, given
    /// the site the request asked for: a site-bound actor gets their own
    /// site (asking for another is refused); others get what they asked
    /// (`None`: every site).
    pub fn site_filter(&self, action: Action, asked: Option<i64>) -> Result<Option<i64>, Denied> {
        self.require(action)?;
        if !action.per_site() {
            return Ok(asked);
        }
        match (self.bound_site(), asked) {
            (Some(own), None) => Ok(Some(own)),
            (_, Some(site)) => self.check(action, Scope::Site(site)).map(|_| Some(site)),
            (None, None) => Ok(None),
        }
    }

    /// True when the actor may see `site`'s data for `action`: for
    /// records fetched by id, which a site-bound user of another site is
    /// told do not exist.
    pub fn sees(&self, action: Action, site: i64) -> bool {
        self.may(action, Scope::Site(site))
    }
}

/// How long after saving it a person may void a session they logged
/// themselves ([`Action::VoidOwnSession`]); after that only a manager may.
pub const OWN_VOID_MINUTES: i64 = 30;

/// What deciding a void needs to know about the session.
#[derive(Debug, Clone, Copy)]
pub struct VoidFacts {
    pub site_id: i64,
    /// Who logged it.
    pub practitioner_id: i64,
    /// When it was saved (UTC).
    pub saved_at: NaiveDateTime,
}

/// THE void rule: a manager ([`Action::VoidSession`]) voids any session of
/// their sites; anyone else voids a session they logged themselves
/// ([`Action::VoidOwnSession`]) within [`OWN_VOID_MINUTES`] of saving it.
/// `now` is UTC. The refusal says why and who can still do it.
pub fn may_void(actor: &Actor, s: &VoidFacts, now: NaiveDateTime) -> Result<(), Denied> {
    if actor.may(Action::VoidSession, Scope::Site(s.site_id)) {
        return Ok(());
    }
    actor.check(Action::VoidOwnSession, Scope::Site(s.site_id))?;
    if s.practitioner_id != actor.user_id {
        return Err(Denied(
            "only a manager can void a session someone else logged".into(),
        ));
    }
    let elapsed = (now - s.saved_at).num_seconds();
    if elapsed > OWN_VOID_MINUTES * 60 {
        return Err(Denied(format!(
            "too late to void it yourself: a session can be voided by the person who \
             logged it within {OWN_VOID_MINUTES} minutes of saving it; ask a manager"
        )));
    }
    Ok(())
}

impl Actor {
    /// The route guard for voiding: may this actor void some session
    /// (any, as a manager, or their own, within the time allowed)?
    pub fn require_void(&self) -> Result<(), Denied> {
        self.require(Action::VoidSession)
            .or_else(|_| self.require(Action::VoidOwnSession))
    }
}

/// `docs/permissions.md`, generated from [`TABLE`]. Regenerate with
/// `clinic-stock permissions > docs/permissions.md`.
pub fn permissions_markdown() -> String {
    let yes = |b: bool| if b { "yes" } else { "—" };
    let mut out = String::from(
        "# Permissions\n\n\
         Generated from `src/domain/access.rs` (`TABLE`) by \
         `clinic-stock permissions > docs/permissions.md`; a test fails when \
         this file and the code disagree.\n\n\
         Site scope (DOMAIN.md \"Who sees what\"): a practitioner or manager \
         bound to a site does *per-site* actions at that site only (another \
         site's records answer 404, another site's filter 403, lists are \
         narrowed to their site). Chain managers (managers without a site) \
         and admins act on every site. A practitioner without a site acts \
         on every site too.\n\n\
         | action | practitioner | manager | admin | reach | covers |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for r in TABLE {
        let reach = match r.reach {
            PerSite => "per site",
            Chain => "chain",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            r.code,
            yes(r.roles.practitioner),
            yes(r.roles.manager),
            yes(r.roles.admin),
            reach,
            r.what
        ));
    }
    out
}

/// The logged-in person behind a page request: the actor plus their login
/// session (its id, its CSRF token, and the flash message left by the
/// previous request, shown once).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    /// Their display name ("Pia Novak"), when they have set one.
    pub display_name: Option<String>,
    pub session_id: i64,
    pub csrf: String,
    pub flash: Option<String>,
    /// What the menu's alert badge shows (None: not counted, or the user
    /// may not see alerts).
    pub alert_count: Option<usize>,
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.actor.role
    }

    pub fn may(&self, action: Action) -> bool {
        self.actor.may(action, Scope::Anywhere)
    }

    /// The name the menu shows: the display name, else the login.
    pub fn shown_name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.actor.username)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, site_id: Option<i64>) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            role,
            site_id,
            address: None,
        }
    }

    #[test]
    fn the_table_has_one_line_per_action_in_order() {
        for (i, r) in TABLE.iter().enumerate() {
            assert_eq!(r.action as usize, i, "{:?} out of order", r.action);
            assert_eq!(r.action.rule().code, r.code);
        }
        assert_eq!(TABLE.len(), A::ManageClinicalLists as usize + 1);
    }

    #[test]
    fn roles_follow_the_table() {
        let p = actor(Role::Practitioner, None);
        let m = actor(Role::Manager, None);
        let a = actor(Role::Admin, None);
        assert!(may(&p, A::LogSession, Scope::Anywhere));
        assert!(!may(&p, A::VoidSession, Scope::Anywhere));
        assert!(!may(&p, A::ViewSuppliers, Scope::Anywhere));
        assert!(may(&m, A::VoidSession, Scope::Anywhere));
        assert!(!may(&m, A::ManageUsers, Scope::Anywhere));
        assert!(may(&a, A::ManageUsers, Scope::Anywhere));
        assert_eq!(
            p.check(A::VoidSession, Scope::Anywhere),
            Err(Denied("this needs the manager role".into()))
        );
    }

    #[test]
    fn practitioners_void_their_own_sessions_for_thirty_minutes() {
        let saved = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default();
        let mins = |m: i64| saved + chrono::Duration::minutes(m);
        let own = VoidFacts {
            site_id: 1,
            practitioner_id: 1,
            saved_at: saved,
        };
        let p = actor(Role::Practitioner, Some(1));
        assert_eq!(may_void(&p, &own, mins(0)), Ok(()));
        assert_eq!(may_void(&p, &own, mins(30)), Ok(()));
        let late = may_void(&p, &own, mins(31));
        assert!(late.is_err_and(|d| d.0.contains("30 minutes") && d.0.contains("manager")));
        let other = VoidFacts {
            practitioner_id: 2,
            ..own
        };
        assert!(may_void(&p, &other, mins(1)).is_err());
        let elsewhere = VoidFacts { site_id: 2, ..own };
        assert!(may_void(&p, &elsewhere, mins(1)).is_err());
        // A manager of the site: any session, any time; not another site's.
        let m = actor(Role::Manager, Some(1));
        assert_eq!(may_void(&m, &other, mins(600)), Ok(()));
        let m2 = actor(Role::Manager, Some(2));
        assert!(may_void(&m2, &own, mins(600)).is_err());
        assert!(p.require_void().is_ok() && m.require_void().is_ok());
    }

    #[test]
    fn site_bound_users_stay_on_their_site() {
        let p = actor(Role::Practitioner, Some(1));
        let m = actor(Role::Manager, Some(1));
        let chain = actor(Role::Manager, None);
        let admin = actor(Role::Admin, Some(1));
        for u in [&p, &m] {
            assert!(may(u, A::ViewSessions, Scope::Site(1)));
            assert!(!may(u, A::ViewSessions, Scope::Site(2)));
            assert!(!may(u, A::ViewSessions, Scope::AllSites));
            assert!(may(u, A::ViewProducts, Scope::AllSites));
            assert_eq!(u.site_filter(A::ViewStock, None), Ok(Some(1)));
            assert_eq!(u.site_filter(A::ViewStock, Some(1)), Ok(Some(1)));
            assert!(u.site_filter(A::ViewStock, Some(2)).is_err());
        }
        for u in [&chain, &admin] {
            assert!(may(u, A::ViewSessions, Scope::Site(2)));
            assert!(may(u, A::ViewSessions, Scope::AllSites));
            assert_eq!(u.site_filter(A::ViewStock, None), Ok(None));
            assert_eq!(u.site_filter(A::ViewStock, Some(2)), Ok(Some(2)));
        }
        assert!(m.site_filter(A::ManageUsers, None).is_err());
    }
}
