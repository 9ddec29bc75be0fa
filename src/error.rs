//! The error policy, one type per layer:
//!
//! - `db/` returns diesel's `QueryResult`; it never decides what an error means.
//! - `services/` return [`ServiceError`]: a validation failure names the field
//!   and a message a person can act on; a conflict with the stock state has a
//!   stable snake_case code (API.md) and optional details; database errors
//!   are wrapped, never unwrapped.
//! - `routes/` turn a `ServiceError` into a JSON error (`routes::api`) or an
//!   HTML page (`routes::pages`) with the right status. Internal errors are
//!   logged with their detail and shown as a plain 500 that leaks nothing.
//!
//! Nothing that depends on input or on the database may `unwrap`/`expect`
//! (clippy denies both outside tests).

use std::fmt;

use diesel::result::Error as DieselError;

use crate::db::{self, RetryHint, ledger::AppendError};
use crate::domain::labels::label_in_text;

/// One field's validation message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// The field as the person sees it on the form ("Password again").
    pub fn label(&self) -> String {
        crate::domain::labels::label(&self.field)
    }
}

/// What a service can refuse or fail with.
#[derive(Debug)]
pub enum ServiceError {
    /// Bad input (422): every field problem found, with a stable code.
    Invalid {
        code: &'static str,
        errors: Vec<FieldError>,
    },
    /// Malformed request (400).
    BadRequest(String),
    /// A body larger than the server accepts (413).
    PayloadTooLarge(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    /// Conflicts with the stock state (409): `details` are extra JSON fields.
    Conflict {
        code: &'static str,
        message: String,
        details: serde_json::Map<String, serde_json::Value>,
    },
    /// A server the app depends on failed (502: the mail server refused)
    /// or is not set up (422: mail not configured); `code` is the API's
    /// code, `message` says why.
    External {
        status: u16,
        code: &'static str,
        message: String,
    },
    Db(DieselError),
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    /// A single-field validation error with the generic code.
    pub fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            code: "validation_failed",
            errors: vec![FieldError {
                field: field.to_string(),
                message: message.into(),
            }],
        }
    }

    /// A single-field validation error with its own code.
    pub fn invalid_code(
        code: &'static str,
        field: &str,
        message: impl Into<String>,
    ) -> ServiceError {
        ServiceError::Invalid {
            code,
            errors: vec![FieldError {
                field: field.to_string(),
                message: message.into(),
            }],
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> ServiceError {
        ServiceError::Conflict {
            code,
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> ServiceError {
        ServiceError::NotFound(what.into())
    }

    /// The stable code shown to API clients.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Invalid { code, .. } => code,
            ServiceError::BadRequest(_) => "bad_request",
            ServiceError::PayloadTooLarge(_) => "payload_too_large",
            ServiceError::Unauthorized(_) => "unauthorized",
            ServiceError::Forbidden(_) => "forbidden",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Conflict { code, .. } => code,
            ServiceError::External { code, .. } => code,
            ServiceError::Db(_) | ServiceError::Internal(_) => "internal_error",
        }
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            ServiceError::Invalid { .. } => 422,
            ServiceError::BadRequest(_) => 400,
            ServiceError::PayloadTooLarge(_) => 413,
            ServiceError::Unauthorized(_) => 401,
            ServiceError::Forbidden(_) => 403,
            ServiceError::NotFound(_) => 404,
            ServiceError::Conflict { .. } => 409,
            ServiceError::External { status, .. } => *status,
            ServiceError::Db(e) if db::is_retryable(e) => 503,
            ServiceError::Db(_) | ServiceError::Internal(_) => 500,
        }
    }

    /// The message a person sees (never internals).
    pub fn public_message(&self) -> String {
        match self {
            ServiceError::Invalid { errors, .. } => match errors.as_slice() {
                [one] => format!("{}: {}", one.field.replace('_', " "), one.message),
                many => format!(
                    "please correct: {}",
                    many.iter()
                        .map(|e| format!("{} ({})", e.field.replace('_', " "), e.message))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            ServiceError::BadRequest(m)
            | ServiceError::PayloadTooLarge(m)
            | ServiceError::Unauthorized(m)
            | ServiceError::Forbidden(m)
            | ServiceError::NotFound(m) => m.clone(),
            ServiceError::Conflict { message, .. } | ServiceError::External { message, .. } => {
                message.clone()
            }
            ServiceError::Db(e) if db::is_retryable(e) => {
                "the database is busy, please try again".to_string()
            }
            ServiceError::Db(_) | ServiceError::Internal(_) => {
                "something went wrong on our side; it has been logged".to_string()
            }
        }
    }

    /// The message for a page: as [`ServiceError::public_message`], with
    /// fields named by the labels people see (`domain::labels`).
    pub fn page_message(&self) -> String {
        match self {
            ServiceError::Invalid { errors, .. } => match errors.as_slice() {
                [one] if one.field.is_empty() => one.message.clone(),
                [one] => format!("{}: {}", label_in_text(&one.field), one.message),
                many => format!(
                    "please correct: {}",
                    many.iter()
                        .map(|e| format!("{} ({})", label_in_text(&e.field), e.message))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            other => other.public_message(),
        }
    }

    /// Field errors, if this is a validation failure.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            ServiceError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceError::Db(e) => write!(f, "database error: {e}"),
            ServiceError::Internal(m) => write!(f, "internal error: {m}"),
            other => f.write_str(&other.public_message()),
        }
    }
}

impl std::error::Error for ServiceError {}

impl From<DieselError> for ServiceError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => ServiceError::NotFound("not found".into()),
            other => ServiceError::Db(other),
        }
    }
}

impl From<crate::domain::access::Denied> for ServiceError {
    fn from(e: crate::domain::access::Denied) -> Self {
        ServiceError::Forbidden(e.0)
    }
}

impl From<AppendError> for ServiceError {
    fn from(e: AppendError) -> Self {
        match e {
            AppendError::Db(e) => ServiceError::from(e),
            AppendError::Insufficient { available } => {
                let mut details = serde_json::Map::new();
                details.insert(
                    "available".into(),
                    crate::domain::Quantity(available).to_json(),
                );
                ServiceError::Conflict {
                    code: "insufficient_stock",
                    message: format!(
                        "not enough stock: only {} on hand there",
                        crate::domain::quantity::fmt_qty(available)
                    ),
                    details,
                }
            }
        }
    }
}

impl RetryHint for ServiceError {
    fn is_retryable(&self) -> bool {
        matches!(self, ServiceError::Db(e) if db::is_retryable(e))
    }
}

/// Collects field errors while validating a form or JSON body.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn new() -> Problems {
        Problems(Vec::new())
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Unwraps a parse result, recording its error under `field`.
    pub fn take<T, E: fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Ok when nothing was recorded, else a 422 with every problem.
    pub fn finish(self) -> ServiceResult<()> {
        self.finish_with("validation_failed")
    }

    pub fn finish_with(self, code: &'static str) -> ServiceResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid {
                code,
                errors: self.0,
            })
        }
    }
}
