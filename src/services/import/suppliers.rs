//! Importing suppliers (`name,email,lead_time_days`): matched by name
//! (case-insensitively), created or updated with the supplier form's rules.

use super::{CellProblems, FirstSeen, RowReport, RowStatus, start_row, unescaped};
use crate::db::{self, DbConn, models::Supplier};
use crate::domain::access::Actor;
use crate::domain::import::{Row, Table, cells};
use crate::error::ServiceResult;
use crate::services::audit;
use crate::services::catalog::{self, SupplierDraft};

/// A supplier by name: the exact name first, else ignoring case.
pub fn find_by_name<'a>(all: &'a [Supplier], name: &str) -> Option<&'a Supplier> {
    let name = name.trim();
    all.iter().find(|s| s.name == name).or_else(|| {
        all.iter()
            .find(|s| s.name.to_lowercase() == name.to_lowercase())
    })
}

pub fn apply(
    conn: &mut DbConn,
    actor: &Actor,
    table: &Table,
    formulas: &CellProblems,
) -> ServiceResult<Vec<RowReport>> {
    let mut existing = db::catalog::suppliers(conn)?;
    let mut seen = FirstSeen::default();
    let mut out = Vec::new();
    for raw in &table.rows {
        let row = unescaped(raw);
        let name = row.get("name").unwrap_or("").to_string();
        let mut report = start_row(&row, name.clone(), formulas);
        let earlier = seen.earlier(&name.to_lowercase(), row.line);
        let duplicate = earlier.is_some();
        if let Some(l) = earlier {
            report.error(
                "name",
                format!("supplier {name} appears twice (also line {l})"),
            );
        }
        if !duplicate {
            apply_row(conn, actor, &row, &mut existing, &mut report)?;
        }
        out.push(report);
    }
    Ok(out)
}

fn apply_row(
    conn: &mut DbConn,
    actor: &Actor,
    row: &Row,
    existing: &mut Vec<Supplier>,
    report: &mut RowReport,
) -> ServiceResult<()> {
    let current = find_by_name(existing, row.get("name").unwrap_or("")).cloned();
    // A column the file does not have keeps what is stored.
    let keep = |col: &str, stored: Option<String>| row.given(col).or(stored);
    let draft = SupplierDraft {
        name: row.get("name").unwrap_or("").to_string(),
        email: keep("email", current.as_ref().and_then(|c| c.email.clone())),
        lead_time_days: keep(
            "lead_time_days",
            current
                .as_ref()
                .and_then(|c| c.lead_time_days.map(|d| d.to_string())),
        )
        .map(|v| cells::decimal(&v)),
    };
    let (name, email, lead) = match catalog::validate_supplier(&draft) {
        Ok(v) => v,
        Err(e) => return report.refused(e, str::to_string),
    };
    if report.is_error() {
        return Ok(());
    }
    match current {
        Some(c) => {
            let mut changes = Vec::new();
            if c.name != name {
                changes.push(format!("name {} → {name}", c.name));
            }
            if c.email != email {
                changes.push(format!(
                    "email {} → {}",
                    c.email.as_deref().unwrap_or("—"),
                    email.as_deref().unwrap_or("—")
                ));
            }
            if c.lead_time_days != lead {
                changes.push(format!(
                    "lead_time_days {} → {}",
                    c.lead_time_days
                        .map(|d| d.to_string())
                        .unwrap_or("—".into()),
                    lead.map(|d| d.to_string()).unwrap_or("—".into())
                ));
            }
            report.link = Some(format!("/suppliers/{}/edit", c.id));
            if changes.is_empty() {
                return Ok(());
            }
            if let Err(e) = catalog::check_supplier_name(conn, &name, Some(c.id)) {
                return report.refused(e, str::to_string);
            }
            db::catalog::update_supplier(conn, c.id, &name, email.as_deref(), lead)?;
            if let Some(after) = db::catalog::supplier_by_id(conn, c.id)? {
                audit::supplier_saved(conn, actor, Some(&c), &after)?;
            }
            report.status = RowStatus::Updated;
            report.detail = changes.join("; ");
        }
        None => {
            let id = db::catalog::insert_supplier(conn, &name, email.as_deref(), lead)?;
            if let Some(s) = db::catalog::supplier_by_id(conn, id)? {
                audit::supplier_saved(conn, actor, None, &s)?;
                existing.push(s);
            }
            report.status = RowStatus::New;
            report.link = Some(format!("/suppliers/{id}/edit"));
        }
    }
    Ok(())
}
