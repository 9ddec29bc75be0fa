//! The audit log (DOMAIN.md "Audit"): every change that is not a ledger row
//! — catalogue and prices, quarantine, protocols, orders, users, tokens,
//! settings, sites, imports, sign-ins — appended by [`record`] inside the
//! same transaction as the change it describes, so a change that is rolled
//! back leaves no row and a row never describes a change that did not
//! happen. Rows are never updated or deleted (database triggers).
//!
//! Reading it (admins, `Action::ViewAudit`): filters as typed (page, CSV
//! and API share them), a page of entries, an entity's own history, and
//! the CSV in keyset chunks.

mod catalog;
mod orders;
mod read;

use serde_json::{Map, Value};

use crate::db::{self, DbConn, audit::NewAuditRow};
use crate::domain::access::Actor;
use crate::error::ServiceResult;

pub use catalog::{product_changed, product_created, protocol_saved, supplier_saved};
pub use orders::order_changed;
pub use read::*;

/// Who made a change, as the audit log records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    /// None for a sign-in attempt by no known user.
    pub user_id: Option<i64>,
    pub name: String,
    /// The site the change concerns, when it concerns one.
    pub site_id: Option<i64>,
    /// The client's address, when the change came over the network and
    /// the caller knows it.
    pub address: Option<String>,
}

impl Who {
    pub fn of(actor: &Actor) -> Who {
        Who {
            user_id: Some(actor.user_id),
            name: actor.username.clone(),
            site_id: actor.bound_site(),
            address: actor.address.clone(),
        }
    }

    /// The same person, about one site's data.
    pub fn at_site(mut self, site_id: i64) -> Who {
        self.site_id = Some(site_id);
        self
    }

    /// The same person, from this client address.
    pub fn from_address(mut self, address: &str) -> Who {
        self.address = Some(address.to_string());
        self
    }
}

impl From<&Actor> for Who {
    fn from(actor: &Actor) -> Who {
        Who::of(actor)
    }
}

/// The fields a change touched: `{"field":[old,new]}`. A field whose old
/// and new values are equal is left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes(pub Map<String, Value>);

impl Changes {
    pub fn new() -> Changes {
        Changes::default()
    }

    /// Adds `field` when `old` and `new` differ.
    pub fn field(mut self, field: &str, old: impl Into<Value>, new: impl Into<Value>) -> Changes {
        let (old, new) = (old.into(), new.into());
        if old != new {
            self.0
                .insert(field.to_string(), Value::Array(vec![old, new]));
        }
        self
    }

    /// A new value where there was none (`[null,new]`), e.g. on creation.
    pub fn set(self, field: &str, new: impl Into<Value>) -> Changes {
        self.field(field, Value::Null, new)
    }

    /// Text pairs as produced by `catalog::product_changes`; empty text is
    /// "no value" (null).
    pub fn from_text_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, String, String)>,
    ) -> Changes {
        let v = |s: String| {
            if s.is_empty() {
                Value::Null
            } else {
                Value::String(s)
            }
        };
        pairs.into_iter().fold(Changes::new(), |c, (f, old, new)| {
            c.field(f, v(old), v(new))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn to_json(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

/// Text as stored: control characters replaced, at most `max` characters
/// (names typed at the login form end up here).
pub fn clean(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect()
}

/// Appends one audit row. Call it inside the write transaction of the
/// change it records.
pub fn record(
    conn: &mut DbConn,
    who: &Who,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    summary: &str,
    changes: &Changes,
) -> ServiceResult<()> {
    let entity_id = entity_id.map(|id| id.to_string());
    let name = clean(&who.name, 80);
    let summary = clean(summary, 500);
    let address = who.address.as_deref().map(|a| clean(a, 64));
    db::audit::append(
        conn,
        &NewAuditRow {
            at: db::now(),
            actor_id: who.user_id,
            actor_name: &name,
            action,
            entity,
            entity_id: entity_id.as_deref(),
            summary: &summary,
            changes: &changes.to_json(),
            site_id: who.site_id,
            client_address: address.as_deref(),
        },
    )?;
    Ok(())
}
