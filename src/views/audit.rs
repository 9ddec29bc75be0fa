//! The audit log page, the user page, and the "History" partial that the
//! product, lot, order and user pages show (that record's own audit rows).

use askama::Template;
use serde_json::Value;

use super::Frame;
use super::pager::Pager;
use crate::domain::clock::SiteClock;
use crate::services::audit::{AuditEntry, AuditQuery};

/// One field's change as people read it.
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// One audit row as people read it.
pub struct AuditLine {
    pub id: i64,
    pub time: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The record's page, when it has one.
    pub href: Option<String>,
    pub summary: String,
    pub changes: Vec<FieldChange>,
    pub address: String,
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".to_string(),
        Value::String(s) if s.is_empty() => "—".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Where a record of `entity` with this id is shown.
pub fn entity_href(entity: &str, id: &str) -> Option<String> {
    let id: i64 = id.parse().ok()?;
    let path = match entity {
        "product" => format!("/products/{id}"),
        "lot" => format!("/lots/{id}"),
        "order" => format!("/orders/{id}"),
        "user" => format!("/admin/users/{id}"),
        "protocol" => format!("/protocols/{id}/edit"),
        _ => return None,
    };
    Some(path)
}

impl AuditLine {
    /// The row with its time on the reader's clock.
    pub fn from_entry(e: &AuditEntry, clock: SiteClock) -> AuditLine {
        let r = &e.row;
        let entity_id = r.entity_id.clone().unwrap_or_default();
        AuditLine {
            id: r.id,
            time: clock.format(r.at),
            actor: r.actor_name.clone(),
            action: r.action.clone(),
            entity: r.entity.clone(),
            href: entity_href(&r.entity, &entity_id),
            entity_id,
            summary: r.summary.clone(),
            changes: e
                .changes
                .iter()
                .map(|(k, v)| match v.as_array().map(Vec::as_slice) {
                    Some([old, new]) => FieldChange {
                        field: k.clone(),
                        old: shown(old),
                        new: shown(new),
                    },
                    _ => FieldChange {
                        field: k.clone(),
                        old: String::new(),
                        new: shown(v),
                    },
                })
                .collect(),
            address: r.client_address.clone().unwrap_or_default(),
        }
    }

    pub fn lines(entries: &[AuditEntry], clock: SiteClock) -> Vec<AuditLine> {
        entries
            .iter()
            .map(|e| AuditLine::from_entry(e, clock))
            .collect()
    }
}

/// The filters as typed, for the form.
#[derive(Default)]
pub struct AuditFilterValues {
    pub entity: String,
    pub entity_id: String,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
}

impl AuditFilterValues {
    pub fn from_query(q: &AuditQuery) -> AuditFilterValues {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        AuditFilterValues {
            entity: v(&q.entity),
            entity_id: v(&q.entity_id),
            actor: v(&q.actor),
            action: v(&q.action),
            from: v(&q.from),
            to: v(&q.to),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub frame: Frame,
    pub q: AuditFilterValues,
    pub entities: Vec<&'static str>,
    pub rows: Vec<AuditLine>,
    pub pager: Pager,
    pub query_string: String,
    pub error: Option<String>,
}

/// A token as shown on the user page.
pub struct UserToken {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
pub struct UserPage {
    pub frame: Frame,
    pub id: i64,
    pub username: String,
    /// Display name, else the login.
    pub shown_name: String,
    /// The e-mail address as stored.
    pub stored_email: String,
    /// The details form: as stored, or as typed when refused.
    pub display_name: String,
    pub email: String,
    pub details_errors: super::form::FieldErrors,
    pub digest_enabled: bool,
    pub role: String,
    pub site: String,
    pub role_code: String,
    pub site_code: String,
    pub roles: Vec<(&'static str, &'static str)>,
    pub sites: Vec<(String, String)>,
    pub is_self: bool,
    pub active: bool,
    pub created: String,
    pub tokens: Vec<UserToken>,
    pub audit_history: Vec<AuditLine>,
}
