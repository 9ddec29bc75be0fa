//! Treatment areas (issue 15 part 3): the admin list (add, rename, retire,
//! bring back; each change audited) and naming areas on a session. A
//! retired area is no longer offered for new sessions but stays on the
//! sessions that named it.

use crate::db::{self, DbConn, areas::TreatmentArea};
use crate::domain::access::{Action, Actor};
use crate::domain::session_facts::{area_code, parse_area_name, same_area_name};
use crate::error::{ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};

/// Every area, retired ones included (admin page), in list order.
pub fn list_all(conn: &mut DbConn) -> ServiceResult<Vec<TreatmentArea>> {
    Ok(db::areas::all(conn)?)
}

/// The areas a new session may name.
pub fn active(conn: &mut DbConn) -> ServiceResult<Vec<TreatmentArea>> {
    Ok(db::areas::all(conn)?
        .into_iter()
        .filter(|a| a.active)
        .collect())
}

/// Finds the areas a session names: each typed value is an area id, its
/// code or its name (case and accents ignored). Unknown or retired areas
/// are one field error at `areas`. Duplicates collapse.
pub fn resolve(conn: &mut DbConn, typed: &[String]) -> ServiceResult<Vec<TreatmentArea>> {
    if typed.is_empty() {
        return Ok(Vec::new());
    }
    let all = db::areas::all(conn)?;
    let mut out: Vec<TreatmentArea> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut retired: Vec<String> = Vec::new();
    for t in typed {
        let found = all.iter().find(|a| {
            t.parse::<i64>().ok() == Some(a.id) || a.code == *t || same_area_name(&a.name, t)
        });
        match found {
            Some(a) if !a.active => retired.push(a.name.clone()),
            Some(a) => {
                if !out.iter().any(|o| o.id == a.id) {
                    out.push(a.clone());
                }
            }
            None => unknown.push(t.clone()),
        }
    }
    if !unknown.is_empty() || !retired.is_empty() {
        let mut parts = Vec::new();
        if !unknown.is_empty() {
            let choices: Vec<&str> = all
                .iter()
                .filter(|a| a.active)
                .map(|a| a.name.as_str())
                .collect();
            parts.push(format!(
                "unknown area {} (one of {})",
                unknown
                    .iter()
                    .map(|u| format!("'{u}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
                choices.join(", ")
            ));
        }
        if !retired.is_empty() {
            parts.push(format!(
                "area {} is retired and no longer offered",
                retired.join(", ")
            ));
        }
        return Err(ServiceError::invalid("areas", parts.join("; ")));
    }
    out.sort_by_key(|a| (a.position, a.id));
    Ok(out)
}

fn name_taken(all: &[TreatmentArea], name: &str, except: Option<i64>) -> Option<String> {
    all.iter()
        .find(|a| Some(a.id) != except && same_area_name(&a.name, name))
        .map(|a| a.name.clone())
}

/// Adds an area (admins). A name like an existing one is refused at `name`.
pub fn add(conn: &mut DbConn, actor: &Actor, name: &str) -> ServiceResult<TreatmentArea> {
    actor.require(Action::ManageClinicalLists)?;
    let name = parse_area_name(name).map_err(|e| ServiceError::invalid("name", e))?;
    db::write_tx(conn, |conn| {
        let all = db::areas::all(conn)?;
        if let Some(other) = name_taken(&all, &name, None) {
            return Err(ServiceError::invalid(
                "name",
                format!("there is already an area {other}"),
            ));
        }
        let base = area_code(&name);
        let mut code = base.clone();
        let mut n = 2;
        while all.iter().any(|a| a.code == code) {
            code = format!("{base}_{n}");
            n += 1;
        }
        let id = db::areas::insert(conn, &code, &name)?;
        audit::record(
            conn,
            &actor.into(),
            "create",
            "treatment_area",
            Some(id),
            &format!("added treatment area {name}"),
            &Changes::new().set("name", name.clone()).set("code", code),
        )?;
        db::areas::by_id(conn, id)?.ok_or_else(|| ServiceError::Internal("area vanished".into()))
    })
}

fn existing(conn: &mut DbConn, id: i64) -> ServiceResult<TreatmentArea> {
    db::areas::by_id(conn, id)?.ok_or_else(|| ServiceError::not_found(format!("no area {id}")))
}

/// Renames an area; sessions that named it show the new name.
pub fn rename(conn: &mut DbConn, actor: &Actor, id: i64, name: &str) -> ServiceResult<()> {
    actor.require(Action::ManageClinicalLists)?;
    let name = parse_area_name(name).map_err(|e| ServiceError::invalid("name", e))?;
    db::write_tx(conn, |conn| {
        let area = existing(conn, id)?;
        if area.name == name {
            return Ok(());
        }
        let all = db::areas::all(conn)?;
        if let Some(other) = name_taken(&all, &name, Some(id)) {
            return Err(ServiceError::invalid(
                "name",
                format!("there is already an area {other}"),
            ));
        }
        db::areas::rename(conn, id, &name)?;
        audit::record(
            conn,
            &actor.into(),
            "update",
            "treatment_area",
            Some(id),
            &format!("renamed treatment area {} to {name}", area.name),
            &Changes::new().field("name", area.name.clone(), name.clone()),
        )
    })
}

/// Retires an area (`active = false`) or brings it back.
pub fn set_active(conn: &mut DbConn, actor: &Actor, id: i64, active: bool) -> ServiceResult<()> {
    actor.require(Action::ManageClinicalLists)?;
    db::write_tx(conn, |conn| {
        let area = existing(conn, id)?;
        if area.active == active {
            return Ok(());
        }
        db::areas::set_active(conn, id, active)?;
        let (action, verb) = if active {
            ("restore", "brought back")
        } else {
            ("retire", "retired")
        };
        audit::record(
            conn,
            &actor.into(),
            action,
            "treatment_area",
            Some(id),
            &format!("{verb} treatment area {}", area.name),
            &Changes::new().field("active", area.active, active),
        )
    })
}
