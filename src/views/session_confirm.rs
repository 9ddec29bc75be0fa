//! "I have checked these warnings" on the session form (issue 15 part 4):
//! the warnings summarised next to the Save button with a tick box whose
//! value is the codes of the warnings shown (`session_warnings::signature`).

use crate::domain::session_warnings::{confirmed, signature};
use crate::services::sessions::Warning;

/// The summary and the tick box (`sessions/_confirm.html`).
#[derive(Debug, Clone, Default)]
pub struct ConfirmBox {
    pub warnings: Vec<Warning>,
    /// The tick box's value.
    pub signature: String,
    /// Ticked: what was posted still covers these warnings.
    pub checked: bool,
    /// The save was held back for it: say so.
    pub asked: bool,
    /// In an htmx partial: swapped in out of band.
    pub oob: bool,
}

impl ConfirmBox {
    /// The box for these warnings, ticked when `posted` (the box's value
    /// as posted) covers every one of them.
    pub fn new(warnings: &[Warning], posted: &str) -> ConfirmBox {
        ConfirmBox {
            warnings: warnings.to_vec(),
            signature: signature(warnings),
            checked: !warnings.is_empty() && confirmed(Some(posted), warnings),
            asked: false,
            oob: false,
        }
    }

    /// "1 warning", "3 warnings".
    pub fn count_label(&self) -> String {
        match self.warnings.len() {
            1 => "1 warning".into(),
            n => format!("{n} warnings"),
        }
    }
}
