//! What an import did or would do, row by row: new, updated, unchanged, not
//! applied (an already-imported lot whose quantity changed) or error, with
//! the messages at their row and a link to what was created. The command
//! line prints it; the import page shows it as the preview and the result.

use serde::{Deserialize, Serialize};

use crate::domain::import::ImportKind;
use crate::error::{FieldError, ServiceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    New,
    Updated,
    Unchanged,
    /// Reported, not applied: stock moves only through receipts, counts and adjustments.
    NotApplied,
    Error,
}

impl RowStatus {
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::New => "new",
            RowStatus::Updated => "updated",
            RowStatus::Unchanged => "unchanged",
            RowStatus::NotApplied => "not applied",
            RowStatus::Error => "error",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            RowStatus::New => "new",
            RowStatus::Updated => "updated",
            RowStatus::Unchanged => "unchanged",
            RowStatus::NotApplied => "not_applied",
            RowStatus::Error => "error",
        }
    }
}

/// One row of the file and what became of it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowReport {
    pub line: u64,
    pub status: RowStatus,
    /// What the row is about ("RL-15", "RL-15 lot L24117 at store").
    pub key: String,
    /// What changes ("unit_cost 3.50 → 3.80"), or a note.
    pub detail: String,
    /// Where to see what was created or changed.
    pub link: Option<String>,
    pub errors: Vec<FieldError>,
}

impl RowReport {
    pub fn new(line: u64, key: impl Into<String>) -> RowReport {
        RowReport {
            line,
            status: RowStatus::Unchanged,
            key: key.into(),
            detail: String::new(),
            link: None,
            errors: Vec::new(),
        }
    }

    pub fn error(&mut self, column: &str, message: impl Into<String>) {
        self.status = RowStatus::Error;
        self.errors.push(FieldError {
            field: column.to_string(),
            message: message.into(),
        });
    }

    /// Records a refusal of the shared validation at this row, naming the
    /// import's columns (`rename` maps the service's field names). Anything
    /// that is not about the input (database, permission) is passed back.
    pub fn refused(
        &mut self,
        e: ServiceError,
        rename: impl Fn(&str) -> String,
    ) -> Result<(), ServiceError> {
        match e {
            ServiceError::Invalid { errors, .. } => {
                for fe in errors {
                    self.error(&rename(&fe.field), fe.message);
                }
                Ok(())
            }
            ServiceError::Conflict {
                message, details, ..
            } => {
                let field = details
                    .get("field")
                    .and_then(|v| v.as_str())
                    .map(&rename)
                    .unwrap_or_else(|| "row".to_string());
                self.error(&field, message);
                Ok(())
            }
            other => Err(other),
        }
    }

    pub fn is_error(&self) -> bool {
        self.status == RowStatus::Error
    }
}

/// The whole answer for one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub file_name: String,
    /// Why the file as a whole could not be read (then `rows` is empty).
    pub file_error: Option<String>,
    pub rows: Vec<RowReport>,
    /// Header cells that matched no column.
    pub ignored_columns: Vec<String>,
    /// True when the changes were committed.
    pub applied: bool,
    pub dry_run: bool,
}

impl ImportReport {
    pub fn new(kind: ImportKind, file_name: &str, dry_run: bool) -> ImportReport {
        ImportReport {
            kind,
            file_name: file_name.to_string(),
            file_error: None,
            rows: Vec::new(),
            ignored_columns: Vec::new(),
            applied: false,
            dry_run,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.file_error.is_some() || self.rows.iter().any(RowReport::is_error)
    }

    pub fn count(&self, status: RowStatus) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }

    /// Every problem as `line N: column: message`, in file order.
    pub fn error_lines(&self) -> Vec<String> {
        if let Some(e) = &self.file_error {
            return vec![e.clone()];
        }
        let mut rows: Vec<&RowReport> = self.rows.iter().filter(|r| r.is_error()).collect();
        rows.sort_by_key(|r| r.line);
        rows.iter()
            .flat_map(|r| {
                r.errors
                    .iter()
                    .map(move |e| format!("line {}: {}: {}", r.line, e.field, e.message))
            })
            .collect()
    }

    /// "12 new, 3 updated, 40 unchanged, 1 not applied"
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for s in [
            RowStatus::New,
            RowStatus::Updated,
            RowStatus::Unchanged,
            RowStatus::NotApplied,
            RowStatus::Error,
        ] {
            let n = self.count(s);
            if n > 0 {
                parts.push(format!("{n} {}", s.label()));
            }
        }
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join(", ")
        }
    }
}
