//! The import page (`/admin/import`): the upload form with its templates
//! and the export button, the preview of an upload (what each row would do,
//! errors at their row, the confirm button) and the result of a confirmed
//! import (with links to what was created or changed).

use askama::Template;

use super::Frame;
use crate::services::import::{ImportReport, RowStatus};

/// A kind of file in the picker.
#[derive(Debug, Clone)]
pub struct KindChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
    /// The columns, required first (`sku*`), for the help line.
    pub columns: String,
}

/// A site in the picker (stock).
#[derive(Debug, Clone)]
pub struct SiteChoice {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

/// The upload form as sent (to show it again).
#[derive(Debug, Clone, Default)]
pub struct UploadValues {
    pub kind: String,
    pub site: String,
    pub date_format: String,
}

#[derive(Template)]
#[template(path = "admin/import.html")]
pub struct ImportPage {
    pub frame: Frame,
    pub form: UploadForm,
    pub can_export: bool,
}

/// The upload form, shown on the page and again under a refused preview.
#[derive(Debug, Clone)]
pub struct UploadForm {
    pub csrf: String,
    pub kinds: Vec<KindChoice>,
    pub sites: Vec<SiteChoice>,
    /// A manager tied to a site: the site cannot be chosen.
    pub site_locked: bool,
    pub date_format: String,
    /// Why the upload could not be read at all (size, no file, kind).
    pub error: Option<String>,
    pub error_field: String,
}

/// One row of a report as shown.
#[derive(Debug, Clone)]
pub struct RowLine {
    pub line: u64,
    pub status: &'static str,
    pub status_label: &'static str,
    pub key: String,
    pub detail: String,
    pub link: Option<String>,
    pub errors: Vec<(String, String)>,
}

/// The preview (before confirming) or the result (after).
#[derive(Template)]
#[template(path = "admin/import_report.html")]
pub struct ReportPage {
    pub frame: Frame,
    pub kind_label: &'static str,
    pub file_name: String,
    pub summary: String,
    pub applied: bool,
    pub file_error: Option<String>,
    pub error_lines: Vec<String>,
    pub ignored_columns: String,
    pub rows: Vec<RowLine>,
    /// (status code, label, count) for the summary cards.
    pub counts: Vec<(&'static str, &'static str, usize)>,
    /// Set when the preview may be confirmed: (upload id, sha256).
    pub confirm: Option<(String, String)>,
    pub site: String,
    /// The upload form again (a refused preview).
    pub form: Option<UploadForm>,
}

impl ReportPage {
    pub fn new(frame: Frame, report: &ImportReport) -> ReportPage {
        let counts = [
            RowStatus::New,
            RowStatus::Updated,
            RowStatus::Unchanged,
            RowStatus::NotApplied,
            RowStatus::Error,
        ]
        .iter()
        .map(|s| (s.code(), s.label(), report.count(*s)))
        .filter(|(_, _, n)| *n > 0)
        .collect();
        ReportPage {
            frame,
            kind_label: report.kind.label(),
            file_name: report.file_name.clone(),
            summary: report.summary(),
            applied: report.applied,
            file_error: report.file_error.clone(),
            error_lines: report.error_lines(),
            ignored_columns: report.ignored_columns.join(", "),
            rows: report
                .rows
                .iter()
                .map(|r| RowLine {
                    line: r.line,
                    status: r.status.code(),
                    status_label: r.status.label(),
                    key: r.key.clone(),
                    detail: r.detail.clone(),
                    link: r.link.clone(),
                    errors: r
                        .errors
                        .iter()
                        .map(|e| (e.field.clone(), e.message.clone()))
                        .collect(),
                })
                .collect(),
            counts,
            confirm: None,
            site: String::new(),
            form: None,
        }
    }
}
