//! Field errors of a form that came back (422/409): the one type every form
//! view holds, looked up by field name in templates through the macros of
//! `templates/partials/form.html` (`{% call f::error(errors, "sku") %}`).

use crate::error::{FieldError, ServiceError};

/// An `<option>` of a select (`{% call ui::options(list) %}`).
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// A choice, selected when its value is `current`.
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Choice {
        let value = value.into();
        Choice {
            selected: value == current,
            label: label.into(),
            value,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

/// No errors: what a view shows for a form that is not the one sent back.
pub static NO_ERRORS: FieldErrors = FieldErrors(Vec::new());

impl From<Vec<FieldError>> for FieldErrors {
    fn from(errors: Vec<FieldError>) -> FieldErrors {
        FieldErrors(errors)
    }
}

impl From<&[FieldError]> for FieldErrors {
    fn from(errors: &[FieldError]) -> FieldErrors {
        FieldErrors(errors.to_vec())
    }
}

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

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// Every message, in order (for a list at the top of a form).
    pub fn messages(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.message.as_str()).collect()
    }

    /// The messages of errors not shown at one of `shown` (comma-separated
    /// field names): a field's label goes before its message, so an error at
    /// the top of the form still says where it belongs.
    pub fn others(&self, shown: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|e| !shown.split(',').any(|f| f.trim() == e.field))
            .map(|e| {
                if e.field.is_empty() {
                    e.message.clone()
                } else {
                    format!("{}: {}", e.label(), e.message)
                }
            })
            .collect()
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

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fe(field: &str, message: &str) -> FieldError {
        FieldError {
            field: field.to_string(),
            message: message.to_string(),
        }
    }

    #[test]
    fn get_has_and_others() {
        let e = FieldErrors::from(vec![
            fe("sku", "taken"),
            fe("", "nothing saved"),
            fe("name", "empty"),
        ]);
        assert_eq!(e.get("sku"), Some("taken"));
        assert!(e.has("name"));
        assert!(!e.has("gtin"));
        assert_eq!(e.others("sku, name"), vec!["nothing saved".to_string()]);
        assert_eq!(e.messages(), vec!["taken", "nothing saved", "empty"]);
        assert!(NO_ERRORS.is_empty());
    }
}
