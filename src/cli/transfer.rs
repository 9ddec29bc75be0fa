//! `clinic-stock import KIND FILE` and `clinic-stock export DIR`: read or
//! write the files, call the services as the command-line user, print the
//! report (every refused row as `line N: column: message`) and give the
//! exit code (0 done, 1 refused, 2 could not run).

use crate::db::DbConn;
use crate::domain::import::cells::DateOrder;
use crate::domain::import::{ImportKind, file::MAX_BYTES};
use crate::services::{accounts, import};

pub struct ImportArgs {
    pub kind: String,
    pub file: String,
    pub site: Option<String>,
    pub dry_run: bool,
    pub date_format: Option<String>,
}

/// Runs an import; returns the exit code.
pub fn import(conn: &mut DbConn, args: &ImportArgs) -> i32 {
    let Some(kind) = ImportKind::parse(&args.kind) else {
        eprintln!(
            "error: unknown kind {}; choose suppliers, products, stock, protocols or locations",
            args.kind
        );
        return 2;
    };
    let date_order = match args.date_format.as_deref().map(DateOrder::parse) {
        Some(None) => {
            eprintln!("error: --date-format must be DD/MM/YYYY or MM/DD/YYYY");
            return 2;
        }
        Some(o) => o,
        None => None,
    };
    let bytes = match read_limited(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {}: {e}; nothing was imported", args.file);
            return 1;
        }
    };
    let actor = match accounts::command_line_actor(conn) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let opts = import::ImportOptions {
        site: args.site.clone(),
        dry_run: args.dry_run,
        date_order,
        file_name: file_name(&args.file),
    };
    let report = match import::run(conn, &actor, kind, &bytes, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    print_report(&report)
}

/// Reads the file, refusing one over the size limit before reading it.
fn read_limited(path: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_BYTES as u64 {
        return Err(crate::domain::import::FileError::TooLarge {
            bytes: usize::try_from(meta.len()).unwrap_or(usize::MAX),
        }
        .to_string());
    }
    std::fs::read(path).map_err(|e| e.to_string())
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string())
}

fn print_report(report: &import::ImportReport) -> i32 {
    let name = &report.file_name;
    if report.has_errors() {
        let errors = report.error_lines();
        if report.file_error.is_some() {
            eprintln!("error: {name}: nothing was imported");
        } else {
            let rows = report.count(import::RowStatus::Error);
            eprintln!(
                "error: {name}: {rows} row{} refused; nothing was imported",
                if rows == 1 { "" } else { "s" }
            );
        }
        for e in errors {
            eprintln!("{e}");
        }
        return 1;
    }
    println!("{} {name}: {}", report.kind.code(), report.summary());
    if !report.ignored_columns.is_empty() {
        println!("ignored columns: {}", report.ignored_columns.join(", "));
    }
    for r in &report.rows {
        let show = match r.status {
            import::RowStatus::New | import::RowStatus::Updated => report.dry_run,
            import::RowStatus::NotApplied => true,
            _ => false,
        };
        if show {
            let detail = if r.detail.is_empty() {
                String::new()
            } else {
                format!(" — {}", r.detail)
            };
            println!("line {}: {} {}{detail}", r.line, r.status.label(), r.key);
        }
    }
    if report.dry_run {
        println!("dry run: nothing was written");
    }
    0
}
