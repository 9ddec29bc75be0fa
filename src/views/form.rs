//! Field errors of a form that came back (422/409): looked up by field name
//! in templates (`errors.get("sku")`).

use crate::error::{FieldError, ServiceError};

#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn none() -> FieldErrors {
        FieldErrors(Vec::new())
    }

    /// The message for a field, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Field errors of a refusal: validation errors as they are, a conflict
    /// that names a field (`details.field`) at that field, else at `fallback`.
    pub fn from_refusal(e: &ServiceError, fallback: &str) -> FieldErrors {
        match e {
            ServiceError::Invalid { errors, .. } => FieldErrors(errors.clone()),
            ServiceError::Conflict {
                message, details, ..
            } => {
                let field = details
                    .get("field")
                    .and_then(|v| v.as_str())
                    .unwrap_or(fallback);
                FieldErrors(vec![FieldError {
                    field: field.to_string(),
                    message: message.clone(),
                }])
            }
            other => FieldErrors(vec![FieldError {
                field: fallback.to_string(),
                message: other.page_message(),
            }]),
        }
    }
}
