//! Importing sites and their locations (`site,code,name`, optionally
//! `site_name`): what a whole export brings first, so that its stock finds
//! its locations. Admin only, as on the sites page; a missing site is
//! created, a location matched by (site, code) and renamed when its name
//! changed.

use super::{CellProblems, FirstSeen, RowReport, RowStatus, start_row, unescaped};
use crate::db::{self, DbConn};
use crate::domain::import::{Row, Table};
use crate::error::ServiceResult;
use crate::services::sites;

pub fn apply(
    conn: &mut DbConn,
    table: &Table,
    formulas: &CellProblems,
) -> ServiceResult<Vec<RowReport>> {
    let mut seen = FirstSeen::default();
    let mut out = Vec::new();
    for raw in &table.rows {
        let row = unescaped(raw);
        let site = row.get("site").unwrap_or("").to_string();
        let code = row.get("code").unwrap_or("").to_string();
        let mut report = start_row(&row, format!("{site}/{code}"), formulas);
        let earlier = seen.earlier(&format!("{site}\u{1f}{code}"), row.line);
        let duplicate = earlier.is_some();
        if let Some(l) = earlier {
            report.error(
                "code",
                format!("location {code} of site {site} appears twice (also line {l})"),
            );
        }
        if !duplicate {
            apply_row(conn, &row, &mut report)?;
        }
        out.push(report);
    }
    Ok(out)
}

fn apply_row(conn: &mut DbConn, row: &Row, report: &mut RowReport) -> ServiceResult<()> {
    let site_code = row.get("site").unwrap_or("");
    let code = row.get("code").unwrap_or("");
    let name = row.get("name").unwrap_or("");
    if let Err(e) = sites::validate_location(code, name) {
        return report.refused(e, str::to_string);
    }
    if report.is_error() {
        return Ok(());
    }
    let site = match db::sites::by_code(conn, site_code)? {
        Some(s) => {
            if let Some(n) = row.get("site_name").filter(|n| *n != s.name) {
                let (_, n) = match sites::validate_site(site_code, n) {
                    Ok(v) => v,
                    Err(e) => return report.refused(e, |_| "site_name".into()),
                };
                let mut details = db::sites::SiteDetails::of(&s);
                details.name = n.to_string();
                db::sites::update(conn, s.id, &details)?;
                report.status = RowStatus::Updated;
                report.detail = format!("site name {} → {n}; ", s.name);
            }
            s
        }
        None => {
            let site_name = row.get("site_name").unwrap_or(site_code);
            let (c, n) = match sites::validate_site(site_code, site_name) {
                Ok(v) => v,
                Err(e) => {
                    return report.refused(e, |f| match f {
                        "code" => "site".into(),
                        "name" => "site_name".into(),
                        o => o.into(),
                    });
                }
            };
            report.detail = format!("new site {c}; ");
            sites::insert_site(conn, c, n)?
        }
    };
    report.link = Some("/admin/sites".into());
    match db::sites::location_by_code(conn, site.id, code)? {
        Some(l) if l.name == name => {}
        Some(l) => {
            db::sites::rename_location(conn, l.id, name)?;
            report.status = RowStatus::Updated;
            report.detail.push_str(&format!("name {} → {name}", l.name));
        }
        None => {
            let order = db::sites::locations(conn, Some(site.id))?.len() as i32;
            db::sites::insert_location(conn, site.id, code, name, order)?;
            report.status = RowStatus::New;
            report.detail.push_str(name);
        }
    }
    Ok(())
}
