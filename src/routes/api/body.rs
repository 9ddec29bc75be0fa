//! Reading a JSON object body field by field, the way a form is read: a
//! scalar becomes the text a form would send (a number in its shortest
//! decimal form, `true`/`false`, `null` as an empty field), and services
//! parse that text as they parse forms. An array or object where a scalar
//! belongs (or a scalar where a list belongs) is a 422 naming the field by
//! its path (`lines[1].quantity`), so a wrong type can never reach a
//! service as text.

use serde_json::{Map, Value};

use super::ApiError;
use crate::error::ServiceError;

/// The fields of one JSON object, named relative to the body.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

/// A 422 at `field`.
fn wrong(field: &str, what: &str) -> ApiError {
    ApiError(ServiceError::invalid(field, what))
}

/// A scalar as form text; arrays and objects are refused at `field`.
pub fn scalar_text(field: &str, v: &Value) -> Result<String, ApiError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Array(_) => Err(wrong(field, "a single value, not a list")),
        Value::Object(_) => Err(wrong(field, "a single value, not an object")),
    }
}

impl<'a> Fields<'a> {
    /// The body's top-level object (400 when the body is not an object).
    pub fn of(v: &'a Value) -> Result<Fields<'a>, ApiError> {
        match v {
            Value::Object(map) => Ok(Fields {
                map,
                prefix: String::new(),
            }),
            _ => Err(ApiError(ServiceError::BadRequest(
                "expected a JSON object".into(),
            ))),
        }
    }

    /// The full name of a field of this object (`lines[0].packs`).
    pub fn name(&self, k: &str) -> String {
        if self.prefix.is_empty() {
            k.to_string()
        } else {
            format!("{}.{k}", self.prefix)
        }
    }

    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k)
    }

    pub fn contains(&self, k: &str) -> bool {
        self.map.contains_key(k)
    }

    /// The field as text: `None` when absent, `Some("")` for `null`.
    pub fn raw(&self, k: &str) -> Result<Option<String>, ApiError> {
        self.map
            .get(k)
            .map(|v| scalar_text(&self.name(k), v))
            .transpose()
    }

    /// The field as text; absent, `null` and `""` are all `None`.
    pub fn text(&self, k: &str) -> Result<Option<String>, ApiError> {
        Ok(self.raw(k)?.filter(|s| !s.is_empty()))
    }

    /// `true`/`false`; absent or `null` is `None`.
    pub fn flag(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong(&self.name(k), "true or false")),
        }
    }

    /// A whole number; absent or `null` is `None`.
    pub fn int(&self, k: &str) -> Result<Option<i64>, ApiError> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong(&self.name(k), "a whole number")),
        }
    }

    /// A list of objects (`None` when absent or `null`); each is named `k[i]`.
    pub fn objects(&self, k: &str) -> Result<Option<Vec<Fields<'a>>>, ApiError> {
        let name = self.name(k);
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(map) => Ok(Fields {
                        map,
                        prefix: format!("{name}[{i}]"),
                    }),
                    _ => Err(wrong(&format!("{name}[{i}]"), "an object")),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(wrong(&name, "a list of objects")),
        }
    }

    /// A list of whole numbers (`[]` when absent or `null`).
    pub fn ints(&self, k: &str) -> Result<Vec<i64>, ApiError> {
        let name = self.name(k);
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_i64().ok_or_else(|| wrong(&name, "a list of ids")))
                .collect(),
            Some(_) => Err(wrong(&name, "a list of ids")),
        }
    }

    /// A list of codes: an array of strings or one comma-separated string.
    pub fn codes(&self, k: &str) -> Result<Vec<String>, ApiError> {
        let name = self.name(k);
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(s.split(',').map(str::to_string).collect()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(wrong(&name, "a list of codes")),
                })
                .collect(),
            Some(_) => Err(wrong(&name, "a list of codes")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(e: ApiError) -> String {
        e.0.field_errors()[0].field.clone()
    }

    #[test]
    fn scalars_read_as_form_text_and_lists_are_refused_at_their_path() {
        let v = json!({"a": 2.5, "b": null, "c": "", "d": true, "e": ["x"],
                       "lines": [{"q": 1}, {"q": {"n": 1}}, 3]});
        let f = Fields::of(&v).unwrap();
        assert_eq!(f.text("a").unwrap().as_deref(), Some("2.5"));
        assert_eq!(f.raw("b").unwrap().as_deref(), Some(""));
        assert_eq!(f.text("b").unwrap(), None);
        assert_eq!(f.text("c").unwrap(), None);
        assert_eq!(f.text("zz").unwrap(), None);
        assert_eq!(f.text("d").unwrap().as_deref(), Some("true"));
        assert_eq!(field_of(f.text("e").unwrap_err()), "e");
        assert_eq!(field_of(f.objects("lines").unwrap_err()), "lines[2]");
        let v2 = json!({"lines": [{"q": 1}, {"q": {"n": 1}}]});
        let lines = Fields::of(&v2).unwrap().objects("lines").unwrap().unwrap();
        assert_eq!(lines[0].text("q").unwrap().as_deref(), Some("1"));
        assert_eq!(field_of(lines[1].text("q").unwrap_err()), "lines[1].q");
        assert_eq!(field_of(f.flag("a").unwrap_err()), "a");
        assert!(Fields::of(&json!([1])).is_err());
    }
}
