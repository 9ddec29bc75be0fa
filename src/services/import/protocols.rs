//! Importing protocols (`name,indication,needle_min_mm,needle_max_mm,sku,
//! quantity`, one row per default line; optionally `addons,notes,active`):
//! rows are grouped by protocol name, each protocol is checked with the
//! protocol form's rules (`protocols::validate`) and matched by name. A
//! protocol's own fields may be repeated on each of its rows or left empty
//! after the first; a different value is an error at that row.

use std::collections::HashMap;

use super::{CellProblems, RowReport, RowStatus, start_row, unescaped};
use crate::db::{self, DbConn};
use crate::domain::import::{Row, Table, cells};
use crate::domain::vocab::{Addon, Indication};
use crate::error::{ServiceError, ServiceResult};
use crate::services::protocols::{self, ProtocolDraft, ProtocolLineDraft};

const HEAD: &[&str] = &[
    "indication",
    "needle_min_mm",
    "needle_max_mm",
    "addons",
    "notes",
    "active",
];

pub fn apply(
    conn: &mut DbConn,
    table: &Table,
    formulas: &CellProblems,
) -> ServiceResult<Vec<RowReport>> {
    // Protocols in file order, each with the indexes of its rows.
    let rows: Vec<Row> = table.rows.iter().map(unescaped).collect();
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let key = r.get("name").unwrap_or("").to_lowercase();
        match by_name.get(&key) {
            Some(g) => groups[*g].1.push(i),
            None => {
                by_name.insert(key.clone(), groups.len());
                groups.push((key, vec![i]));
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for (_, members) in groups {
        let group: Vec<&Row> = members.iter().map(|i| &rows[*i]).collect();
        out.extend(apply_group(conn, &group, formulas)?);
    }
    Ok(out)
}

/// The protocol's own field from its rows: the first non-empty value; a
/// row that gives another one is an error there.
fn head_value(group: &[&Row], reports: &mut [RowReport], col: &'static str) -> Option<String> {
    let mut value: Option<(u64, String)> = None;
    for (r, rep) in group.iter().zip(reports.iter_mut()) {
        let Some(v) = r.get(col) else { continue };
        match &value {
            None => value = Some((r.line, v.to_string())),
            Some((line, first)) if !first.eq_ignore_ascii_case(v) => rep.error(
                col,
                format!("{v} differs from line {line} ({first}) for the same protocol"),
            ),
            Some(_) => {}
        }
    }
    value.map(|(_, v)| v)
}

/// The protocol's lines: each row with a SKU, in file order, as (row
/// index, draft line); an unknown SKU, or a quantity without one, is an
/// error on its row.
fn group_lines(
    conn: &mut DbConn,
    group: &[&Row],
    reports: &mut [RowReport],
) -> ServiceResult<Vec<(usize, ProtocolLineDraft)>> {
    let mut lines: Vec<(usize, ProtocolLineDraft)> = Vec::new();
    for (i, r) in group.iter().enumerate() {
        let qty = r.get("quantity").map(cells::decimal);
        match r.get("sku") {
            Some(sku) => match db::catalog::product_by_sku(conn, sku)? {
                Some(p) => lines.push((
                    i,
                    ProtocolLineDraft {
                        product_id: Some(p.id.to_string()),
                        quantity: qty,
                    },
                )),
                None => reports[i].error(
                    "sku",
                    format!("no product with SKU {sku}; import the products first"),
                ),
            },
            None if qty.is_some() => reports[i].error("sku", "enter the SKU of this line"),
            None => {}
        }
    }
    Ok(lines)
}

fn apply_group(
    conn: &mut DbConn,
    group: &[&Row],
    formulas: &CellProblems,
) -> ServiceResult<Vec<RowReport>> {
    let name = group
        .first()
        .and_then(|r| r.get("name"))
        .unwrap_or("")
        .to_string();
    let mut reports: Vec<RowReport> = group
        .iter()
        .map(|r| {
            let key = match r.get("sku") {
                Some(sku) => format!("{name}: {sku}"),
                None => name.clone(),
            };
            start_row(r, key, formulas)
        })
        .collect();
    let mut head: HashMap<&str, Option<String>> = HashMap::new();
    for col in HEAD {
        head.insert(col, head_value(group, &mut reports, col));
    }
    let get = |c: &str| head.get(c).cloned().flatten();
    let lines = group_lines(conn, group, &mut reports)?;
    let active = match get("active").map(|v| cells::yes_no(&v)) {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            reports[0].error("active", e);
            None
        }
        None => None,
    };
    let draft = ProtocolDraft {
        name: Some(name.clone()),
        indication: get("indication").map(|v| {
            cells::vocab(
                &v,
                Indication::ALL,
                Indication::code,
                Indication::label,
                &[],
            )
        }),
        needle_min_mm: get("needle_min_mm").map(|v| cells::needle(&v)),
        needle_max_mm: get("needle_max_mm").map(|v| cells::needle(&v)),
        addons: get("addons")
            .map(|v| {
                v.split([',', ';', '|'])
                    .map(|a| cells::vocab(a, Addon::ALL, Addon::code, Addon::label, &[]))
                    .collect()
            })
            .unwrap_or_default(),
        notes: get("notes"),
        active,
        lines: lines.iter().map(|(_, l)| l.clone()).collect(),
    };
    write_group(conn, &draft, &lines, &mut reports)?;
    Ok(reports)
}

/// Validates the protocol as the form does and writes it when it is new or changed.
fn write_group(
    conn: &mut DbConn,
    draft: &ProtocolDraft,
    lines: &[(usize, ProtocolLineDraft)],
    reports: &mut [RowReport],
) -> ServiceResult<()> {
    let (fields, new_lines) = match protocols::validate(conn, draft) {
        Ok(v) => v,
        Err(ServiceError::Invalid { errors, .. }) => {
            // `lines[i].field` belongs to the row of the i-th line.
            for fe in errors {
                match line_field(&fe.field) {
                    Some((i, col)) => {
                        let row = lines.get(i).map(|(r, _)| *r).unwrap_or(0);
                        reports[row].error(col, fe.message);
                    }
                    None => reports[0].error(&fe.field, fe.message),
                }
            }
            return Ok(());
        }
        Err(e) => return reports[0].refused(e, str::to_string),
    };
    if reports.iter().any(RowReport::is_error) {
        return Ok(());
    }
    let existing = db::protocols::by_name(conn, &fields.name)?;
    let (status, id) = match existing {
        Some(p) => {
            let stored = db::protocols::lines_of(conn, &[p.id])?;
            let stored_lines: Vec<(i64, i64)> =
                stored.iter().map(|l| (l.product_id, l.quantity)).collect();
            let same = p.indication == fields.indication
                && p.needle_min == fields.needle_min
                && p.needle_max == fields.needle_max
                && p.addons.text() == fields.addons
                && p.notes == fields.notes
                && p.active == fields.active
                && stored_lines == new_lines;
            if same {
                (RowStatus::Unchanged, p.id)
            } else {
                db::protocols::update(conn, p.id, &fields)?;
                db::protocols::replace_lines(conn, p.id, &new_lines)?;
                (RowStatus::Updated, p.id)
            }
        }
        None => {
            let id = db::protocols::insert(conn, &fields)?;
            db::protocols::replace_lines(conn, id, &new_lines)?;
            (RowStatus::New, id)
        }
    };
    for r in reports.iter_mut() {
        r.status = status;
        r.link = Some(format!("/protocols/{id}"));
    }
    Ok(())
}

/// `lines[3].quantity` → (3, "quantity"); `product_id` reads as the SKU column.
fn line_field(field: &str) -> Option<(usize, &'static str)> {
    let rest = field.strip_prefix("lines[")?;
    let (i, f) = rest.split_once("].")?;
    let col = match f {
        "product_id" => "sku",
        "quantity" => "quantity",
        _ => "sku",
    };
    Some((i.parse().ok()?, col))
}
