//! Who is acting and what their role lets them do: the `Actor` every service
//! takes, the logged-in person behind a page (`CurrentUser`), and the role
//! rule. Pure data and decisions: the web layer builds these from cookies
//! and tokens (`routes::extract`), the services check them.

use crate::domain::vocab::Role;

/// Who is acting, as services see it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub role: Role,
    pub site_id: Option<i64>,
}

/// A refusal: the actor may not do this. Services turn it into a 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl std::fmt::Display for Denied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Actor {
    /// Refuses unless the actor's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), Denied> {
        if self.role.at_least(role) {
            Ok(())
        } else {
            Err(Denied(format!(
                "this needs the {} role",
                role.label().to_lowercase()
            )))
        }
    }
}

/// The logged-in person behind a page request: the actor plus their login
/// session (its id, its CSRF token, and the flash message left by the
/// previous request, shown once).
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    pub session_id: i64,
    pub csrf: String,
    pub flash: Option<String>,
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.actor.role
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            role,
            site_id: None,
        }
    }

    #[test]
    fn require_follows_the_role_order() {
        assert!(actor(Role::Admin).require(Role::Manager).is_ok());
        assert_eq!(
            actor(Role::Practitioner).require(Role::Manager),
            Err(Denied("this needs the manager role".into()))
        );
    }
}
